"""Every govkg term used in queries, shapes and code is defined in the ontology: a typo in a
query would otherwise silently match nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS

from govkg.loading import parse_file
from govkg.namespaces import GK
from govkg.paths import Layout, bundled_layout

SOURCE = Path(__file__).resolve().parents[1] / "src" / "govkg"
_PREFIXED = re.compile(r"(?<![\w/#])gk:([A-Za-z][A-Za-z0-9_]*)")
_FULL = re.compile(r"https://w3id\.org/govkg/ontology#([A-Za-z][A-Za-z0-9_]*)")
_GK_ATTRIBUTE = re.compile(r"\bGK\.([A-Za-z][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def defined(layout: Layout) -> set[str]:
    ontology = Graph()
    for path in sorted(layout.ontology.glob("*.ttl")):
        ontology += parse_file(path)
    return {
        str(s)[len(str(GK)) :]
        for s in ontology.subjects(RDFS.isDefinedBy)
        if str(s).startswith(str(GK))
    }


def _files() -> list[Path]:
    layout = bundled_layout()
    files = sorted(layout.queries.rglob("*.rq")) + sorted(layout.shapes.glob("*.ttl"))
    if SOURCE.is_dir():
        files += sorted(SOURCE.rglob("*.py"))
    return files


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_govkg_terms_used_are_defined(path: Path, defined: set[str]):
    text = path.read_text(encoding="utf-8")
    used = set(_PREFIXED.findall(text)) | set(_FULL.findall(text))
    if path.suffix == ".py":
        used |= set(_GK_ATTRIBUTE.findall(text))
    assert used <= defined, sorted(used - defined)
