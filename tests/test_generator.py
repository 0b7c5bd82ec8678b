"""The generated data cannot drift: ``tools/import_reference.py`` run on the vendored reference
facts writes exactly the files under ``data/`` that say they are generated, byte for byte
(STYLE.md habit 12: generated things say so and are checked for drift)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "import_reference.py"
DATA = ROOT / "data"
VENDORED = ROOT / "tools" / "reference" / "governance-facts.yaml"
#: Where the workspace keeps the reference facts, beside the repository (absent in CI).
SHARED = ROOT.parent / "shared" / "reference" / "governance-facts.yaml"


def _load_tool() -> ModuleType:
    """Load the script as ``python tools/import_reference.py`` runs it: with ``tools/`` on the
    import path, where its parts (``tools/reference_import/``) are."""
    if str(TOOL.parent) not in sys.path:
        sys.path.insert(0, str(TOOL.parent))
    spec = importlib.util.spec_from_file_location("import_reference", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_reference", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def _generated_in(folder: Path) -> dict[str, bytes]:
    """Return the files below ``folder`` whose first line says the tool generated them."""
    found = {}
    for path in sorted(folder.rglob("*.ttl")):
        content = path.read_bytes()
        if content.startswith(tool.GENERATED_MARK.encode()):
            found[path.relative_to(folder).as_posix()] = content
    return found


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the tool with its defaults for the facts, into a fresh folder."""
    out = tmp_path_factory.mktemp("regenerated")
    assert tool.main([str(VENDORED), str(out)]) == 0
    return out


def test_the_tool_reads_the_vendored_facts_by_default():
    args = tool.parse_args([])
    assert args.facts == VENDORED
    assert args.out_dir == DATA


def test_every_written_file_says_it_is_generated(regenerated: Path):
    written = sorted(p.relative_to(regenerated).as_posix() for p in regenerated.rglob("*"))
    written = [name for name in written if (regenerated / name).is_file()]
    assert written == sorted(_generated_in(regenerated))
    assert "sources.ttl" in written


def test_data_holds_exactly_the_generated_files(regenerated: Path):
    expected = _generated_in(regenerated)
    shipped = _generated_in(DATA)
    assert sorted(shipped) == sorted(expected), "generated files missing from or extra in data/"


def test_regenerating_reproduces_data_byte_for_byte(regenerated: Path):
    expected = _generated_in(regenerated)
    drifted = [name for name, content in expected.items() if (DATA / name).read_bytes() != content]
    assert drifted == [], f"data/ differs from the tool's output: {drifted}"


def test_regenerating_twice_gives_the_same_bytes(regenerated: Path, tmp_path: Path):
    assert tool.main([str(VENDORED), str(tmp_path)]) == 0
    assert _generated_in(tmp_path) == _generated_in(regenerated)


def test_the_vendored_facts_equal_the_shared_copy():
    """The vendored copy equals ``../shared/reference/governance-facts.yaml``.

    The shared copy exists only in the govkg workspace; in a clean clone (CI) it is absent, and
    then this test asserts nothing about it and says so by skipping with that reason. It is the
    only comparison skipped there: the drift tests above always run on the vendored copy.
    """
    if not SHARED.is_file():
        pytest.skip(f"no shared copy of the reference facts at {SHARED}: nothing to compare")
    assert VENDORED.read_bytes() == SHARED.read_bytes()


def test_facts_that_contradict_their_counts_are_refused(tmp_path: Path, capsys):
    text = VENDORED.read_text(encoding="utf-8")
    broken = text.replace("    sg_mgf_genai_dimensions: 9\n", "    sg_mgf_genai_dimensions: 8\n", 1)
    assert broken != text
    facts = tmp_path / "facts.yaml"
    facts.write_text(broken, encoding="utf-8")
    assert tool.main([str(facts), str(tmp_path / "out")]) == 1
    assert "count meta.counts.sg_mgf_genai_dimensions: the facts say 8, 9 written" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


def test_missing_facts_file_is_an_error_not_a_traceback(tmp_path: Path, capsys):
    assert tool.main([str(tmp_path / "absent.yaml"), str(tmp_path / "out")]) == 1
    assert "cannot read the reference facts" in capsys.readouterr().err


@pytest.mark.parametrize(
    "module", sorted(p.stem for p in (ROOT / "tools" / "reference_import").glob("[!_]*.py"))
)
def test_the_tool_docstring_examples(module: str):
    loaded = importlib.import_module(f"reference_import.{module}")
    result = doctest.testmod(loaded, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {module}"
