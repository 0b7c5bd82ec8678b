"""pyoxigraph stays behind the store interface (issue 13): the embedded store is the one reader
of the graph that imports it; the other importers are build-side modules, each on the list
below with its reason. A new importer fails this test: read the graph through
:class:`govkg.backends.Store` instead, or add it here with the reason."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).parent.parent / "src"

#: Modules that may import pyoxigraph, and why.
ALLOWED = {
    # The embedded store: evaluation and native serialisation of answers.
    "govkg/backends/embedded.py",
    # Build side: pyoxigraph's parsers read the source files fast (rdflib as the fallback).
    "govkg/loading.py",
    # Build side: pyoxigraph's writers serialise the dumps from sorted N-Quads lines.
    "govkg/export.py",
}


def _imports_pyoxigraph(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] == "pyoxigraph" for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "pyoxigraph":
                return True
    return False


def test_only_the_embedded_store_and_build_side_modules_import_pyoxigraph() -> None:
    importers = {
        path.relative_to(SOURCE).as_posix()
        for path in (SOURCE / "govkg").rglob("*.py")
        if _imports_pyoxigraph(path)
    }
    assert importers - ALLOWED == set(), "read the graph through govkg.backends.Store"
    assert ALLOWED - importers == set(), "no longer imports pyoxigraph: take it off ALLOWED"


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    """``import pyoxigraph``, ``import pyoxigraph as ox``, ``from pyoxigraph import Store`` and
    an import inside a function all count; a module merely named alike does not."""
    for text, found in (
        ("import pyoxigraph\n", True),
        ("import json, pyoxigraph as ox\n", True),
        ("from pyoxigraph import Store\n", True),
        ("def f():\n    import pyoxigraph\n", True),
        ("import pyoxigraph_extra\n# import pyoxigraph\n", False),
    ):
        module = tmp_path / "module.py"
        module.write_text(text, encoding="utf-8")
        assert _imports_pyoxigraph(module) is found, text
