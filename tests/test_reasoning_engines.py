"""The fast OWL 2 RL engine (reasonable + govkg's completion) judged against owlrl: after
govkg's input and output filter (ADR 0002) both give the same inferences on the shipped graph
and on generated graphs, and both find every inconsistency of ``data/inconsistent/``
(ADR 0013 lists what differs between the raw engines and why)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from govkg.errors import InconsistencyError
from govkg.loading import load_sources, parse_file, union
from govkg.paths import Layout
from govkg.reasoning import ENGINES, materialise
from govkg.reasoning_fast import closure, unsupported_constructs

TESTS = Path(__file__).parent
INCONSISTENT = sorted((TESTS / "data" / "inconsistent").glob("*.ttl"))
GENERATOR = TESTS.parent / "benchmarks" / "synthetic_graph.py"


def _asserted_and_ontology(layout: Layout) -> tuple[Graph, Graph]:
    sources = load_sources(layout)
    ontology = union([s for s in sources if s.name.startswith("ontology/")])
    data = union([s for s in sources if not s.name.startswith("ontology/")])
    return ontology + data, ontology


def _assert_same_inferences(asserted: Graph, ontology: Graph) -> int:
    fast = set(materialise(asserted, ontology, engine="reasonable"))
    reference = set(materialise(asserted, ontology, engine="owlrl"))
    assert not reference - fast, sorted(reference - fast)[:10]
    assert not fast - reference, sorted(fast - reference)[:10]
    return len(fast)


def test_engines_agree_on_the_shipped_graph(layout: Layout) -> None:
    assert _assert_same_inferences(*_asserted_and_ontology(layout)) > 1000


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthetic_graph", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["synthetic_graph"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("triples", [10_000, 100_000], ids=["10k", "100k"])
def test_engines_agree_on_generated_graphs(
    synthetic: ModuleType, tmp_path: Path, triples: int
) -> None:
    """About 5 s at 10k and 40 s at 100k (owlrl is most of it)."""
    synthetic.generate(tmp_path, triples=triples, seed=14)
    inferred = _assert_same_inferences(*_asserted_and_ontology(Layout(tmp_path, checkout=True)))
    assert inferred > triples // 5


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", INCONSISTENT, ids=lambda p: p.stem)
def test_inconsistency_is_found_by_every_engine(case: Path, engine: str) -> None:
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    graph = parse_file(case)
    with pytest.raises(InconsistencyError) as raised:
        materialise(graph, graph, engine=engine)
    message = str(raised.value)
    assert message.startswith("the OWL 2 RL closure is inconsistent: ")
    for term in expected["terms"]:
        assert term in message, (term, message)
    if engine == "reasonable":
        assert f"{expected['rule']}: " in message


def test_consistent_fixture_variants_pass() -> None:
    """Removing the clashing statement of each case makes it consistent (no false alarms)."""
    for case in INCONSISTENT:
        graph = parse_file(case)
        clash = {OWL.differentFrom, OWL.disjointWith, OWL.complementOf}
        clash |= {OWL.propertyDisjointWith, OWL.AsymmetricProperty, OWL.IrreflexiveProperty}
        for s, p, o in list(graph):
            if p in clash or o in clash or o == OWL.Nothing:
                graph.remove((s, p, o))
        for engine in ENGINES:
            materialise(graph, graph, engine=engine)


def test_schema_rules_completed_by_the_fast_path() -> None:
    """scm-spo, scm-dom1, scm-dom2, scm-rng1 and scm-cls: reasonable alone does not give them."""
    g = Graph()
    p1, p2, p3, c1, c2 = (URIRef(f"urn:test:{n}") for n in ("p1", "p2", "p3", "C1", "C2"))
    g.add((p1, RDFS.subPropertyOf, p2))
    g.add((p2, RDFS.subPropertyOf, p3))
    g.add((p3, RDFS.domain, c1))
    g.add((p3, RDFS.range, c1))
    g.add((c1, RDFS.subClassOf, c2))
    g.add((c1, RDF.type, OWL.Class))
    triples = closure(g)
    assert (p1, RDFS.subPropertyOf, p3) in triples  # scm-spo
    assert (p3, RDFS.domain, c2) in triples  # scm-dom1
    assert (p1, RDFS.domain, c1) in triples  # scm-dom2
    assert (p1, RDFS.range, c2) in triples  # scm-rng2 then scm-rng1
    assert (c1, RDFS.subClassOf, OWL.Thing) in triples  # scm-cls
    assert set(materialise(g, g, engine="reasonable")) == set(materialise(g, g, engine="owlrl"))


def test_simple_literals_come_back_simple() -> None:
    """reasonable returns "a"^^xsd:string; RDF 1.1 makes it the simple literal "a"."""
    g = Graph()
    term = URIRef("urn:test:term")
    g.add((term, SKOS.notation, Literal("N1")))
    g.add((SKOS.notation, RDFS.subPropertyOf, URIRef("urn:test:code")))
    triples = closure(g)
    assert (term, URIRef("urn:test:code"), Literal("N1")) in triples
    assert (term, SKOS.notation, Literal("N1")) in triples


def test_unsupported_construct_falls_back_to_owlrl() -> None:
    """prp-spo2 (owl:propertyChainAxiom) is not in the fast path: owlrl computes it."""
    g = Graph()
    chain, p, q, a, b, c = (URIRef(f"urn:test:{n}") for n in ("chain", "p", "q", "a", "b", "c"))
    head = URIRef("urn:test:list-1")
    tail = URIRef("urn:test:list-2")
    g.add((chain, OWL.propertyChainAxiom, head))
    g.add((head, RDF.first, p))
    g.add((head, RDF.rest, tail))
    g.add((tail, RDF.first, q))
    g.add((tail, RDF.rest, RDF.nil))
    g.add((a, p, b))
    g.add((b, q, c))
    assert unsupported_constructs(g) == {OWL.propertyChainAxiom}
    notes: list[str] = []
    inferred = materialise(g, g, notes.append, engine="reasonable")
    assert (a, chain, c) in inferred
    assert any("owlrl is used" in note for note in notes)


def test_without_reasonable_the_engine_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the compiled engine cannot be imported, asking for it is an input error that
    names the way out (owlrl); owlrl itself keeps working."""
    from govkg import reasoning_fast
    from govkg.errors import InputError
    from govkg.reasoning import engine_version

    monkeypatch.setattr(reasoning_fast, "AVAILABLE", False)
    with pytest.raises(InputError, match="use owlrl"):
        engine_version("reasonable")
    assert engine_version("owlrl").startswith("owlrl ")
