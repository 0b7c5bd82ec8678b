"""Validation of chosen nodes on their neighbourhood (govkg.validation_local), judged against
one pySHACL run on the whole graph: the same findings for the shipped data, generated data,
each invalid fixture added to the shipped data, and edits that retype a node."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from govkg import validation_local
from govkg.build import DATA_SHAPES
from govkg.build_cache import affected_nodes
from govkg.loading import SourceFile, load_sources, parse_file, union
from govkg.namespaces import GK
from govkg.paths import Layout
from govkg.validation import Finding, load_shapes, validate
from govkg.validation_local import (
    nonlocal_features,
    validate_nodes,
    validate_parallel,
)

TESTS = Path(__file__).parent
INVALID = sorted((TESTS / "data" / "invalid").glob("*.ttl"))
GENERATOR = TESTS.parent / "benchmarks" / "synthetic_graph.py"


def _split(sources: list[SourceFile]) -> tuple[Graph, Graph, list[Graph]]:
    ontology = union([s for s in sources if s.name.startswith("ontology/")])
    parts = [s.graph for s in sources if not s.name.startswith("ontology/")]
    data = Graph()
    for part in parts:
        data += part
    return ontology, data, parts


@pytest.fixture(scope="module")
def shipped(layout: Layout) -> tuple[Graph, Graph, list[Graph]]:
    return _split(load_sources(layout))


@pytest.fixture(scope="module")
def shapes(layout: Layout) -> Graph:
    return load_shapes([layout.shapes / name for name in DATA_SHAPES])


def _key(findings: tuple[Finding, ...]) -> set[Finding]:
    return set(findings)


def test_data_shapes_are_local_and_the_guard_sees_non_local_ones(
    layout: Layout, shapes: Graph
) -> None:
    assert nonlocal_features(shapes) == []
    submission = load_shapes([layout.shapes / "mapping-submission.ttl"])
    reasons = nonlocal_features(submission)
    assert any("targetObjectsOf" in r or "sparql" in r for r in reasons), reasons


def test_parallel_equals_one_pyshacl_run_on_the_shipped_data(
    shipped: tuple[Graph, Graph, list[Graph]], shapes: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    ontology, data, parts = shipped
    monkeypatch.setattr(validation_local, "PARALLEL_THRESHOLD", 0)
    reference = validate(data, shapes, ontology)
    assert _key(validate_parallel(data, shapes, ontology, parts, workers=2).findings) == _key(
        reference.findings
    )


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_added_to_the_data(
    case: Path, shipped: tuple[Graph, Graph, list[Graph]], shapes: Graph
) -> None:
    """Each fixture as a changed file: the nodes it touches, validated on their
    neighbourhood, give the findings of a pySHACL run on everything."""
    ontology, data, parts = shipped
    fixture = parse_file(case)
    merged = Graph()
    merged += data
    merged += fixture
    reference = validate(merged, shapes, ontology)
    assert not reference.conforms
    nodes = affected_nodes([], [fixture], merged)
    assert _key(validate_nodes(merged, shapes, ontology, nodes).findings) == _key(
        reference.findings
    )


def test_retyping_a_source_document_reaches_every_node_citing_it(
    layout: Layout, shapes: Graph
) -> None:
    """A type removed in one file changes sh:class results of nodes in other files."""
    sources = load_sources(layout)
    ontology, _, _ = _split(sources)
    by_name = {s.name: s for s in sources}
    before = by_name["data/sources.ttl"].graph
    document = URIRef("https://w3id.org/govkg/id/source/nist-ai-100-1")
    after = Graph()
    after += before
    after.remove((document, RDF.type, GK.SourceDocument))
    data = Graph()
    for source in sources:
        if not source.name.startswith("ontology/"):
            data += after if source.name == "data/sources.ttl" else source.graph
    reference = validate(data, shapes, ontology)
    assert len(reference.violations) > 50
    nodes = affected_nodes([before], [after], data)
    assert len(nodes) < len(set(data.subjects()))
    assert _key(validate_nodes(data, shapes, ontology, nodes).findings) == _key(reference.findings)


def _synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthetic_graph", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["synthetic_graph"] = module
    spec.loader.exec_module(module)
    return module


def test_parallel_and_one_file_equal_pyshacl_on_generated_data(
    tmp_path: Path, shapes: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    _synthetic().generate(tmp_path, triples=20_000, seed=5)
    sources = load_sources(Layout(tmp_path, checkout=True))
    ontology, data, parts = _split(sources)
    monkeypatch.setattr(validation_local, "PARALLEL_THRESHOLD", 0)
    reference = validate(data, shapes, ontology)
    parallel = validate_parallel(data, shapes, ontology, parts, workers=2)
    assert _key(parallel.findings) == _key(reference.findings)
    # Break one crosswalk: drop every mapping's justification and one mapping's type.
    crosswalk = next(s for s in sources if s.name.startswith("data/crosswalks/"))
    edited = Graph()
    edited += crosswalk.graph
    sssom = "https://w3id.org/sssom/"
    edited.remove((None, URIRef(sssom + "mapping_justification"), None))
    mapping = next(edited.subjects(RDF.type, OWL.Axiom))
    edited.remove((mapping, RDF.type, None))
    changed = Graph()
    for source in sources:
        if not source.name.startswith("ontology/"):
            changed += edited if source is crosswalk else source.graph
    reference = validate(changed, shapes, ontology)
    assert len(reference.violations) > 10
    nodes = affected_nodes([crosswalk.graph], [edited], changed)
    assert _key(validate_nodes(changed, shapes, ontology, nodes).findings) == _key(
        reference.findings
    )
