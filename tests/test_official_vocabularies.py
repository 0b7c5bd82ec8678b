"""govkg closed together with the official PROV-O, SKOS and ORG (ontology/imports/, ADR 0016).

The shipped ontology and data are consistent with the full vocabularies under both OWL 2 RL
engines; a graph that repeats the old PROV-DC alignment (``dcterms:source`` a sub-property of
``prov:wasDerivedFrom``) on an event, or types a resource both ``prov:Activity`` and
``prov:Entity``, is not (PROV-O, W3C Recommendation 2013-04-30, section 3.1: Activity and
Entity are disjoint; OWL 2 RL rule ``cax-dw``).
"""

from __future__ import annotations

import hashlib

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from govkg.errors import InconsistencyError
from govkg.loading import bundled_source_paths, load_sources
from govkg.namespaces import GK, GRAPH_ONTOLOGY
from govkg.paths import Layout
from govkg.reasoning import materialise
from govkg.vocabulary_check import (
    ENGINES,
    VOCABULARIES,
    check_official_vocabularies,
    load_vocabularies,
    vocabulary_findings,
    vocabulary_folder,
)

Triple = tuple[Node, Node, Node]
PROV = "http://www.w3.org/ns/prov#"
#: The pinned files and their SHA-256, as ontology/imports/README.md records them.
PINNED = {
    "prov-o.ttl": "3d03c8e15753178541fb8cd59fbefecaf1861f9c37ef75190c6e938b85fb0c3d",
    "skos.rdf": "5b6f5eb60ca7bc4d23b5fdd461cd5a5b8234a081e34fcda5f3c77426a2f418f0",
    "org.ttl": "3e01f89a17475a88f8b1606ca0fae04800d34dbbf93adc6db12dc30929848729",
}
_PREFIXES = """
@prefix gk:      <https://w3id.org/govkg/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix ev:      <https://w3id.org/govkg/id/event/> .
@prefix src:     <https://w3id.org/govkg/id/source/> .
"""
#: Cases as data: a graph added to the shipped one, an individual one finding must name, and
#: how many findings each engine must report.
INCONSISTENT = {
    # Today's problem before ADR 0016: the PROV-DC axiom, and an event that cites its source;
    # the 9 shipped events (issue 11) fall with it.
    "event-cited-under-prov-dc-alignment": (
        "dcterms:source rdfs:subPropertyOf prov:wasDerivedFrom .\n"
        "ev:test-roundtable a gk:Roundtable ; dcterms:source src:test-statement .",
        "https://w3id.org/govkg/id/event/test-roundtable",
        10,
    ),
    # The contradiction itself, with nothing of govkg's ontology involved.
    "activity-and-entity": (
        "ev:test-thing a prov:Activity , prov:Entity .",
        "https://w3id.org/govkg/id/event/test-thing",
        1,
    ),
}


@pytest.fixture(scope="module")
def asserted_and_ontology(layout: Layout) -> tuple[set[Triple], Graph]:
    sources = load_sources(layout)
    ontology = Graph()
    for source in sources:
        if str(source.graph_iri).startswith(GRAPH_ONTOLOGY):
            ontology += source.graph
    assert len(ontology) > 500
    return {triple for source in sources for triple in source.graph}, ontology


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return load_vocabularies()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_file_is_the_recorded_copy(name: str, layout: Layout):
    data = (vocabulary_folder(layout) / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == PINNED[name]
    readme = (vocabulary_folder(layout) / "README.md").read_text(encoding="utf-8")
    assert digest in readme and str(len(data)) in readme


def test_every_pinned_file_is_listed():
    assert {name for name, _ in VOCABULARIES} == set(PINNED)


def test_vocabularies_are_the_official_versions(vocabularies: Graph):
    versions = {str(o) for o in vocabularies.objects(None, OWL.versionInfo)}
    assert "Recommendation version 2013-04-30" in versions  # PROV-O
    assert "0.8" in versions  # ORG, the Recommendation's version
    skos = URIRef("http://www.w3.org/2004/02/skos/core")
    assert (skos, RDF.type, OWL.Ontology) in vocabularies


def test_vocabularies_are_not_part_of_the_served_graph(layout: Layout):
    """The build reads ontology/*.ttl only: the pinned files never reach the dataset."""
    folder = vocabulary_folder(layout).resolve()
    assert not [p for p in bundled_source_paths(layout) if folder in p.resolve().parents]
    assert not [s for s in load_sources(layout) if "imports" in str(s.graph_iri)]


def test_restated_axioms_are_the_official_ones(layout: Layout, vocabularies: Graph):
    """Every axiom alignments.ttl restates about a SKOS, ORG or PROV-O term is in the
    official file (nothing is stronger than its specification)."""
    alignments = Graph().parse(layout.ontology / "alignments.ttl")
    namespaces = ("http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#", PROV)
    restated = [t for t in alignments if str(t[0]).startswith(namespaces)]
    assert len(restated) > 30
    assert [t for t in restated if t not in vocabularies] == []


@pytest.mark.parametrize("engine", ENGINES)
def test_shipped_graph_is_consistent_with_the_official_vocabularies(
    engine: str, asserted_and_ontology: tuple[set[Triple], Graph], vocabularies: Graph
):
    asserted, ontology = asserted_and_ontology
    assert vocabulary_findings(asserted, ontology, vocabularies, engine) == []
    check_official_vocabularies(asserted, ontology, engine=engine, vocabularies=vocabularies)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(INCONSISTENT))
def test_contradiction_with_prov_o_is_found(
    case: str,
    engine: str,
    asserted_and_ontology: tuple[set[Triple], Graph],
    vocabularies: Graph,
):
    turtle, individual, count = INCONSISTENT[case]
    extra = set(Graph().parse(data=_PREFIXES + turtle, format="turtle"))
    asserted, ontology = asserted_and_ontology
    findings = vocabulary_findings(asserted | extra, ontology, vocabularies, engine)
    assert len(findings) == count
    assert [f for f in findings if individual in f]
    for finding in findings:
        assert "\n" not in finding
        assert f"{PROV}Activity" in finding and f"{PROV}Entity" in finding
    with pytest.raises(InconsistencyError, match=f"^{count} contradictions with the official"):
        check_official_vocabularies(
            asserted | extra, ontology, engine=engine, vocabularies=vocabularies
        )


def test_no_person_organisation_or_event_is_derived(
    asserted_and_ontology: tuple[set[Triple], Graph],
):
    """prov:wasDerivedFrom, asserted or inferred, has only source graphs as subjects."""
    asserted, ontology = asserted_and_ontology
    inferred = materialise(asserted, ontology)
    subjects = {s for s, p, _ in asserted | set(inferred) if p == URIRef(PROV + "wasDerivedFrom")}
    assert subjects
    types = {(s, o) for s, p, o in asserted | set(inferred) if p == RDF.type}
    assert all((s, GK.SourceGraph) in types for s in subjects)
    assert not [s for s in subjects if "/id/" in str(s)]
