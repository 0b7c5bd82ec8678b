"""SHACL: the shapes are valid shapes graphs (SHACL-for-SHACL), and each invalid fixture
produces the findings listed beside it (focus node, path, shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from govkg.build import DATA_SHAPES, TERM_SHAPES
from govkg.loading import bundled_source_paths, parse_file
from govkg.paths import Layout, bundled_layout
from govkg.validation import load_shapes, validate

INVALID = Path(__file__).parent / "data" / "invalid"
CASES = sorted(INVALID.glob("*.ttl"))


@pytest.fixture(scope="module")
def shapes(layout: Layout) -> Graph:
    return load_shapes([layout.shapes / name for name in DATA_SHAPES])


@pytest.fixture(scope="module")
def ontology(layout: Layout) -> Graph:
    graph = Graph()
    for path in bundled_source_paths(layout):
        if path.is_relative_to(layout.ontology):
            graph += parse_file(path)
    return graph


@pytest.mark.parametrize("name", sorted(p.name for p in bundled_layout().shapes.glob("*.ttl")))
def test_every_shapes_file_is_a_valid_shapes_graph(layout: Layout, name: str):
    assert len(load_shapes([layout.shapes / name])) > 0


def test_shapes_use_govkg_iris_only(layout: Layout):
    for path in layout.shapes.glob("*.ttl"):
        assert "example.com" not in path.read_text(encoding="utf-8"), path


def test_the_ontology_passes_the_term_shapes(layout: Layout, ontology: Graph):
    report = validate(ontology, load_shapes([layout.shapes / n for n in TERM_SHAPES]))
    assert report.conforms, report.text()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_fixture_produces_its_expected_findings(case: Path, shapes: Graph, ontology: Graph):
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = validate(parse_file(case), shapes, ontology)
    assert not report.conforms
    found = {(f.focus, f.path, f.shape) for f in report.violations}
    for item in expected:
        assert (item["focus"], item["path"], item["shape"]) in found, (item, found)


def test_an_inverse_path_is_reported_as_caret_iri():
    """SHACL 2.3.1: a result on an inverse path names the path ``^IRI`` (the one converter,
    govkg.validation.findings_from, for the build and for submissions alike), not a blank
    node label that changes from run to run."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:shape> a sh:NodeShape ; sh:targetNode <urn:x> ;
            sh:property [ sh:path [ sh:inversePath <urn:p> ] ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    (finding,) = validate(Graph(), shapes).findings
    assert (finding.severity, finding.focus, finding.path, finding.component) == (
        "Violation",
        "urn:x",
        "^urn:p",
        "MinCountConstraintComponent",
    )


def test_findings_survive_the_build_cache(tmp_path: Path):
    """The build keeps warnings between builds as JSON (build_cache.write_findings); every
    field of the one Finding type must come back equal."""
    from govkg.build_cache import FINDINGS, read_findings, write_findings
    from govkg.validation import WARNING, Finding

    kept = (
        Finding(severity=WARNING, message="m", shape="urn:s", focus="urn:x", path="^urn:p"),
        Finding(severity=WARNING, message="n", shape="urn:s", focus="_:b0", value="2.0"),
    )
    write_findings(tmp_path, kept)
    assert (tmp_path / FINDINGS).is_file()
    assert tuple(read_findings(tmp_path) or ()) == kept
