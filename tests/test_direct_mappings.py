"""Direct mapping triples (govkg issue 11, item 2; ADR 0017): one ``s p o`` per positive
mapping in ``graph/mappings``, found by ``?x skos:relatedMatch ?y``; negated mappings give
none; mappings never become cross-framework ``skos:broader`` parents nor chain across
crosswalks; the graph follows crosswalk edits in an incremental build; both OWL 2 RL engines
give the same graph and answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

from govkg.build import DATASET_DUMP, build
from govkg.direct_mappings import derive, infer, mapping_schema
from govkg.loading import SourceFile, load_sources, union
from govkg.namespaces import GK, GRAPH, ID, INFERRED_GRAPH, MAPPINGS_GRAPH, META_GRAPH, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.reasoning import ENGINES

Pair = tuple[str, str]
AI_600_1 = "xw-ai-600-1-risk-to-trustworthiness"
TEXT_REUSE = "ai-verify-ai-rmf-text-reuse"
AI600 = Namespace(ID["framework/nist-ai-600-1/"])
AIRMF = Namespace(ID["framework/nist-ai-rmf-1-0/"])
AIVERIFY = Namespace(ID["framework/ai-verify-testing-framework/"])
#: The records a mapping set's positive mappings with one predicate (SSSOM/RDF reified).
RECORDS = """
PREFIX owl:   <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?s ?o WHERE {
  GRAPH ?g { ?set sssom:mappings ?m .
             ?m owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o .
             FILTER NOT EXISTS { ?m sssom:predicate_modifier ?modifier } }
  FILTER (?p = PREDICATE && STRSTARTS(STR(?g), "GRAPHS"))
}"""
#: Every skos:broader-family triple between elements that share no concept scheme.
CROSS_FRAMEWORK_BROADER = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?a ?p ?b WHERE {
  VALUES ?p { skos:broader skos:broaderTransitive skos:narrower skos:narrowerTransitive }
  ?a ?p ?b .
  FILTER NOT EXISTS { ?a skos:inScheme ?scheme . ?b skos:inScheme ?scheme }
}"""


def _store(build_dir: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(build_dir / DATASET_DUMP), format=ox.RdfFormat.N_QUADS)
    return store


def _pairs(store: ox.Store, query: str) -> set[Pair]:
    """The ``(?s, ?o)`` rows of ``query`` over the union of every named graph."""
    results = store.query(query, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    return {(row["s"].value, row["o"].value) for row in results}


def _with(store: ox.Store, predicate: URIRef) -> set[Pair]:
    """The pairs of govkg resources (IRIs under ``id/``) that ``predicate`` links, in the union
    of every named graph (class-level alignments of the ontology left out)."""
    pairs = _pairs(store, f"SELECT ?s ?o {{ ?s <{predicate}> ?o }}")
    return {(s, o) for s, o in pairs if s.startswith(ID) and o.startswith(ID)}


def _records(store: ox.Store, predicate: URIRef, graphs: str = str(GRAPH)) -> set[Pair]:
    """The subject and object of the positive mapping records with ``predicate`` in the
    named graphs whose IRI starts with ``graphs``."""
    query = RECORDS.replace("PREDICATE", f"<{predicate}>").replace("GRAPHS", graphs)
    return _pairs(store, query)


def _graph(build_dir: Path, iri: URIRef) -> set[tuple[str, str, str]]:
    dataset = Dataset()
    dataset.parse(build_dir / DATASET_DUMP, format="nquads")
    return {(str(s), str(p), str(o)) for s, p, o in dataset.graph(iri)}


def _reversed(pairs: set[Pair]) -> set[Pair]:
    return {(o, s) for s, o in pairs}


def test_related_match_finds_the_official_ai_600_1_pairs(build_dir: Path) -> None:
    """``?s skos:relatedMatch ?o`` finds every pair of the official AI 600-1 crosswalk (and,
    relatedMatch being symmetric in SKOS, the same pairs the other way round)."""
    store = _store(build_dir)
    official = _records(store, SKOS.relatedMatch, str(GRAPH[f"crosswalks/{AI_600_1}"]))
    assert official, "the crosswalk holds relatedMatch records"
    assert all(s.startswith(AI600) and o.startswith(AIRMF) for s, o in official)
    everywhere = _records(store, SKOS.relatedMatch)
    found = _with(store, SKOS.relatedMatch)
    assert found == everywhere | _reversed(everywhere)
    assert {(s, o) for s, o in found if s.startswith(AI600)} == official
    direct = _pairs(
        store, f"SELECT ?s ?o {{ GRAPH <{MAPPINGS_GRAPH}> {{ ?s <{SKOS.relatedMatch}> ?o }} }}"
    )
    assert direct == everywhere


def test_mapping_relation_finds_every_positive_mapping(build_dir: Path) -> None:
    """prp-spo1 with relatedMatch ⊑ mappingRelation (SKOS Reference, section 10) and
    gk:correspondsTo ⊑ mappingRelation: the super-property finds every mapping, in either
    direction."""
    store = _store(build_dir)
    records = _records(store, SKOS.relatedMatch) | _records(store, GK.correspondsTo)
    found = _with(store, SKOS.mappingRelation)
    assert records and records <= found <= records | _reversed(records)


def test_one_direct_triple_per_positive_mapping(build_dir: Path) -> None:
    store = _store(build_dir)
    records = store.query(
        f"SELECT ?s ?p ?o {{ GRAPH ?g {{ ?set <{SSSOM.mappings}> ?m ."
        f" ?m <{OWL.annotatedSource}> ?s ; <{OWL.annotatedProperty}> ?p ;"
        f" <{OWL.annotatedTarget}> ?o }} }}"
    )
    assert isinstance(records, ox.QuerySolutions)
    expected = {(r["s"].value, r["p"].value, r["o"].value) for r in records}
    assert expected and _graph(build_dir, MAPPINGS_GRAPH) == expected


def test_the_graph_is_described_in_the_meta_graph(build_dir: Path) -> None:
    meta = _graph(build_dir, META_GRAPH)
    void = "http://rdfs.org/ns/void#"
    assert (str(ID["dataset/govkg"]), void + "subset", str(MAPPINGS_GRAPH)) in meta
    size = {o for s, p, o in meta if s == str(MAPPINGS_GRAPH) and p == void + "triples"}
    assert size == {str(len(_graph(build_dir, MAPPINGS_GRAPH)))}
    derived = {o for s, p, o in meta if s == str(MAPPINGS_GRAPH) and p.endswith("wasDerivedFrom")}
    assert str(GRAPH[f"crosswalks/{AI_600_1}"]) in derived


def test_no_mapping_makes_a_cross_framework_broader_in_the_shipped_graph(build_dir: Path) -> None:
    assert not _pairs_of(_store(build_dir), CROSS_FRAMEWORK_BROADER)


def _pairs_of(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    results = store.query(query, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    return [tuple(term.value for term in row) for row in results]


def _copy_layout(layout: Layout, target: Path) -> Layout:
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / folder)
    return Layout(root=target, checkout=True)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _record(subject: str, target: str, predicate: str) -> str:
    return (
        f"owl:annotatedProperty {predicate} ;\n    owl:annotatedSource {subject} ;\n"
        f"    owl:annotatedTarget {target} ;"
    )


def _hierarchical_fixture(layout: Layout, root: Path) -> Layout:
    """A copy of the sources whose crosswalks hold a negated mapping, a NIST IR 8477 "subset
    of", a skos:broadMatch and a "superset of" that, were ``prp-trp`` or ``skos:broadMatch ⊑
    skos:broader`` applied, would chain AI Verify → AI RMF → AI 600-1 and make cross-framework
    parents."""
    copy = _copy_layout(layout, root)
    reuse = copy.data / "crosswalks" / f"{TEXT_REUSE}.ttl"
    _edit(
        reuse,
        _record("aiverify:tc-12-1", "airmf:govern-1-6", "gk:correspondsTo"),
        _record("aiverify:tc-12-1", "airmf:safe", "gk:subsetOf"),
    )
    _edit(
        reuse,
        _record("aiverify:tc-12-2", "airmf:map-1-1", "gk:correspondsTo"),
        _record("aiverify:tc-12-2", "airmf:safe", "skos:broadMatch"),
    )
    official = copy.data / "crosswalks" / f"{AI_600_1}.ttl"
    _edit(
        official,
        _record("ai600:cbrn-information-or-capabilities", "airmf:safe", "skos:relatedMatch"),
        _record("ai600:cbrn-information-or-capabilities", "airmf:safe", "gk:supersetOf"),
    )
    _edit(
        official,
        _record("ai600:confabulation", "airmf:safe", "skos:relatedMatch"),
        _record("ai600:confabulation", "airmf:safe", "skos:relatedMatch")
        + "\n    sssom:predicate_modifier sssom:NegatedPredicate ;",
    )
    return copy


@pytest.fixture(scope="module")
def hierarchical(
    layout: Layout, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Layout, dict[str, Path]]:
    """The fixture of :func:`_hierarchical_fixture`, built once with each engine."""
    root = tmp_path_factory.mktemp("hierarchical")
    copy = _hierarchical_fixture(layout, root / "src")
    builds = {}
    for engine in ENGINES:
        builds[engine] = root / engine
        build(copy, builds[engine], reasoner=engine, incremental=False)
    return copy, builds


@pytest.mark.parametrize("engine", ENGINES)
def test_a_negated_mapping_gives_no_direct_triple(
    hierarchical: tuple[Layout, dict[str, Path]], engine: str
) -> None:
    store = _store(hierarchical[1][engine])
    negated = (str(AI600["confabulation"]), str(AIRMF["safe"]))
    assert negated not in _records(store, SKOS.relatedMatch)
    assert negated not in _with(store, SKOS.mappingRelation)
    assert negated[::-1] not in _with(store, SKOS.mappingRelation)
    assert (str(AI600["confabulation"]), str(AIRMF["valid-and-reliable"])) in _pairs(
        store, f"SELECT ?s ?o {{ GRAPH <{MAPPINGS_GRAPH}> {{ ?s ?p ?o }} }}"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_hierarchical_mappings_make_no_cross_framework_parents_nor_chains(
    hierarchical: tuple[Layout, dict[str, Path]], engine: str
) -> None:
    """``gk:subsetOf ⊑ skos:broadMatch ⊑ skos:broader`` (SKOS Reference, section 10) is not
    applied to mappings, nor is transitivity (prp-trp): no cross-framework broader, no
    AI Verify → AI 600-1 chain; the mapping super-properties and inverses are (prp-spo1,
    prp-inv1/2)."""
    store = _store(hierarchical[1][engine])
    assert not _pairs_of(store, CROSS_FRAMEWORK_BROADER)
    subset = _with(store, GK.subsetOf)
    cbrn, safe = str(AI600["cbrn-information-or-capabilities"]), str(AIRMF["safe"])
    tc121 = str(AIVERIFY["tc-12-1"])
    assert subset == {(tc121, safe), (safe, cbrn)}  # the second: inverse of "superset of"
    broad = _with(store, SKOS.broadMatch)
    assert broad == {(tc121, safe), (str(AIVERIFY["tc-12-2"]), safe), (safe, cbrn)}
    related = _with(store, SKOS.mappingRelation)
    assert (tc121, cbrn) not in related and (cbrn, tc121) not in related


def test_both_engines_give_the_same_direct_graph_and_answers(
    hierarchical: tuple[Layout, dict[str, Path]],
) -> None:
    fast, reference = (hierarchical[1][engine] for engine in ENGINES)
    assert _graph(fast, MAPPINGS_GRAPH) == _graph(reference, MAPPINGS_GRAPH)
    assert _graph(fast, INFERRED_GRAPH) == _graph(reference, INFERRED_GRAPH)
    for predicate in (SKOS.relatedMatch, SKOS.mappingRelation, SKOS.broadMatch, GK.subsetOf):
        assert _with(_store(fast), predicate) == _with(_store(reference), predicate), predicate


def test_the_mapping_closure_agrees_between_engines(layout: Layout) -> None:
    """The closure of the direct triples alone, under the mapping axioms, by each engine."""
    sources = load_sources(layout)
    ontology = union([s for s in sources if s.name.startswith("ontology/")])
    data: list[SourceFile] = [s for s in sources if not s.name.startswith("ontology/")]
    direct = derive(data).graph
    schema = mapping_schema(ontology, set(direct.predicates()) | {SKOS.broadMatch, GK.subsetOf})
    assert not [t for t in schema if t[1] == OWL.TransitiveProperty or t[2] == SKOS.broader]
    results = [set(infer(direct, schema, engine=engine)) for engine in ENGINES]
    assert results[0] and results[0] == results[1]
    assert not set(direct) & results[0]


def test_an_incremental_rebuild_follows_a_crosswalk_edit(
    layout: Layout, build_dir: Path, tmp_path: Path
) -> None:
    """Editing a crosswalk changes the direct graph and re-closes it, as a clean build does;
    a rebuild with nothing changed reuses the inferences and writes the same graph."""
    copy = _hierarchical_fixture(layout, tmp_path / "src")
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    before = _graph(target, MAPPINGS_GRAPH)
    notes: list[str] = []
    progress = Progress(stream=None)
    progress.note = notes.append  # type: ignore[method-assign]
    build(copy, target, progress)
    assert not any("inferences of the last build reused" in note for note in notes), notes
    after = _graph(target, MAPPINGS_GRAPH)
    tc121, safe = str(AIVERIFY["tc-12-1"]), str(AIRMF["safe"])
    assert (tc121, str(GK.subsetOf), safe) in after - before
    clean = tmp_path / "clean"
    build(copy, clean, incremental=False)
    assert after == _graph(clean, MAPPINGS_GRAPH)
    assert _graph(target, INFERRED_GRAPH) == _graph(clean, INFERRED_GRAPH)

    notes.clear()
    build(copy, target, progress)
    assert any("inferences of the last build reused" in note for note in notes), notes
    assert _graph(target, MAPPINGS_GRAPH) == after
    assert _graph(target, INFERRED_GRAPH) == _graph(clean, INFERRED_GRAPH)


def test_the_named_query_lists_what_maps_to_an_element(layout: Layout, build_dir: Path) -> None:
    from govkg.catalogue import load_catalogue

    query = load_catalogue(layout)["list-direct-mappings"]
    assert query.parameters == ["_element"]
    text = query.bind({"_element": "framework/nist-ai-rmf-1-0/safe"})
    results = _store(build_dir).query(text, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    rows = [{v.value: row[v].value for v in results.variables if row[v]} for row in results]
    store = _store(build_dir)
    expected = {s for s, o in _records(store, SKOS.relatedMatch) if o == str(AIRMF["safe"])}
    assert (
        expected
        and {r["other"] for r in rows if r["predicate"] == str(SKOS.relatedMatch)} == expected
    )


def test_derive_needs_a_mapping_set(tmp_path: Path) -> None:
    """An ``owl:annotatedProperty`` outside a mapping set (an OWL axiom annotation) is not a
    mapping."""
    graph = Graph()
    axiom, a, b = URIRef("urn:x:axiom"), URIRef("urn:x:a"), URIRef("urn:x:b")
    graph.add((axiom, OWL.annotatedSource, a))
    graph.add((axiom, OWL.annotatedProperty, SKOS.closeMatch))
    graph.add((axiom, OWL.annotatedTarget, b))
    source = SourceFile(tmp_path / "x.ttl", URIRef("urn:x:g"), graph, "data/x.ttl")
    assert not derive([source]).graph
