"""Inferred triples traceable to the graphs of their premises (issue 11, problem 8; ADR 0018).

OWL 2 RL rules are named as in OWL 2 Profiles (W3C Recommendation 2012-12-11), section 4.3.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from govkg.build import build
from govkg.inference_sources import (
    ONTOLOGY_INFERENCES,
    attribute,
    graph_iri,
    is_inference_graph,
)
from govkg.loading import load_sources, union
from govkg.namespaces import GK, GRAPH, ID, INFERRED_GRAPH, META_GRAPH, ORG
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.reasoning import materialise

P, A, B, C, D, X = (URIRef(f"urn:x:{n}") for n in ("p", "a", "b", "c", "d", "x"))
G1, G2, G3 = (URIRef(f"urn:g:{n}") for n in (1, 2, 3))
CLS, SUPER = URIRef("urn:x:Cls"), URIRef("urn:x:Super")


def _ontology() -> Graph:
    onto = Graph()
    onto.add((P, RDF.type, OWL.TransitiveProperty))
    onto.add((CLS, RDFS.subClassOf, SUPER))
    return onto


def _cases() -> dict[URIRef, list[tuple[URIRef, URIRef, URIRef]]]:
    """A three-hop prp-trp chain over three graphs, one hop inside G1 alone (a to b to x),
    and a cax-sco type in G3."""
    return {
        G1: [(A, P, B), (B, P, X)],
        G2: [(B, P, C)],
        G3: [(C, P, D), (D, RDF.type, CLS)],
    }


@pytest.mark.parametrize("engine", ["reasonable", "owlrl"])
def test_each_inference_gets_a_minimal_premise_set(engine: str) -> None:
    """prp-trp across graphs needs every graph on the chain; cax-sco with the ontology needs
    only the graph of the type; the ontology's own closure (scm-sco) needs no graph."""
    onto = _ontology()
    graphs = _cases()
    asserted = set(onto).union(*graphs.values())
    inferred = set(materialise(asserted, onto, engine=engine))
    found = attribute(graphs, onto, inferred, engine)
    assert set().union(*found.values()) == inferred
    assert found[frozenset({G1})] == {(A, P, X)}
    assert (D, RDF.type, SUPER) in found[frozenset({G3})]
    assert found[frozenset({G1, G2})] == {(A, P, C)}
    assert found[frozenset({G2, G3})] == {(B, P, D)}
    assert found[frozenset({G1, G2, G3})] == {(A, P, D)}


@pytest.mark.slow
def test_the_two_engines_attribute_the_shipped_graph_alike(layout: Layout) -> None:
    """Differential test: owlrl (the reference) and reasonable give the same premise sets."""
    sources = load_sources(layout)
    ontology_sources = [s for s in sources if s.graph_iri.startswith(str(GRAPH["ontology/"]))]
    onto = union(ontology_sources)
    ontology_iris = {s.graph_iri for s in ontology_sources}
    graphs = {s.graph_iri: s.graph for s in sources if s.graph_iri not in ontology_iris}
    asserted = set(onto).union(*(set(g) for g in graphs.values()))
    inferred = set(materialise(asserted, onto, engine="reasonable"))
    fast = attribute(graphs, onto, inferred, "reasonable")
    reference = attribute(graphs, onto, inferred, "owlrl")
    assert fast == reference
    assert set().union(*fast.values()) == inferred


def test_graph_names() -> None:
    assert graph_iri(frozenset()) == ONTOLOGY_INFERENCES
    iri = graph_iri(frozenset({URIRef(GRAPH["crosswalks/x"])}))
    assert iri == URIRef(f"{INFERRED_GRAPH}/crosswalks/x") and is_inference_graph(iri)
    assert graph_iri(frozenset({G1, G2})) == graph_iri(frozenset({G2, G1}))
    assert graph_iri(frozenset({G1, G2})) != graph_iri(frozenset({G1, G3}))


CHAIN_QUERY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX gk: <https://w3id.org/govkg/ontology#>
SELECT ?source ?confidence WHERE {
  GRAPH ?inference { ?s org:transitiveSubOrganizationOf ?o }
  GRAPH <https://w3id.org/govkg/graph/meta> {
    ?inference dcterms:isPartOf <https://w3id.org/govkg/graph/inferred> ;
               prov:wasDerivedFrom ?source .
  }
  OPTIONAL { GRAPH ?source { ?node gk:confidence ?confidence . FILTER (?node IN (?s, ?mid)) } }
  VALUES (?s ?mid ?o) { (<%s> <%s> <%s>) }
}
ORDER BY ?source
"""


def _layout_with_a_chain(layout: Layout, target: Path) -> tuple[Layout, Path]:
    """A copy of the shipped layout where the second hop of a two-hop
    ``org:subOrganizationOf`` chain is stated in another file than the first (the first,
    AI Verify Foundation ⊑ IMDA, is stated with medium confidence in its own graph)."""
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / folder)
    edb = target / "data" / "context" / "edb-nais2.ttl"
    edb.write_text(
        edb.read_text(encoding="utf-8")
        + "\norganisation:imda org:subOrganizationOf organisation:sg-mti .\n",
        encoding="utf-8",
    )
    return Layout(root=target, checkout=True), edb


def test_a_derived_sub_organisation_names_its_premise_graphs_and_their_confidence(
    layout: Layout, tmp_path: Path
) -> None:
    """SPARQL over the built dataset: the premise graphs of an inferred
    org:transitiveSubOrganizationOf (prp-spo1, prp-trp), with the gk:confidence each states."""
    copy, _ = _layout_with_a_chain(layout, tmp_path / "src")
    build(copy, tmp_path / "build", incremental=False)
    store = ox.Store()
    store.bulk_load(path=str(tmp_path / "build" / "govkg.nq"), format=ox.RdfFormat.N_QUADS)
    org = str(ID["organisation/"])
    query = CHAIN_QUERY % (f"{org}ai-verify-foundation", f"{org}imda", f"{org}sg-mti")
    rows = [(r["source"].value, r["confidence"]) for r in store.query(query)]  # type: ignore[union-attr]
    assert [source for source, _ in rows] == [
        str(GRAPH["context/aiverify-process-checklist"]),
        str(GRAPH["context/edb-nais2"]),
    ]
    assert rows[0][1] == ox.NamedNode(str(GK.MediumConfidence))
    assert rows[1][1] is None  # the edb graph states no confidence for the hop


def test_moving_a_premise_to_another_file_recomputes_the_inference_graphs(
    layout: Layout, build_dir: Path, tmp_path: Path
) -> None:
    """The cache key is per graph: the same union in other files is closed again, and the
    inference lands in the graph of its new premises; unchanged input reuses it."""
    copy, edb = _layout_with_a_chain(layout, tmp_path / "src")
    target = tmp_path / "build"
    build(copy, target, incremental=False)
    notes: list[str] = []
    progress = Progress(stream=None)
    progress.note = notes.append  # type: ignore[method-assign]
    again = build(copy, target, progress)
    assert any("inferences of the last build reused" in n for n in notes), notes
    assert again.graphs == build(copy, tmp_path / "clean", incremental=False).graphs

    text = edb.read_text(encoding="utf-8")
    hop = "\norganisation:imda org:subOrganizationOf organisation:sg-mti .\n"
    edb.write_text(text.replace(hop, "\n"), encoding="utf-8")
    checklist = copy.data / "context" / "aiverify-process-checklist.ttl"
    checklist.write_text(checklist.read_text(encoding="utf-8") + hop, encoding="utf-8")
    notes.clear()
    build(copy, target, progress)
    assert not any("inferences of the last build reused" in n for n in notes), notes
    dataset = Dataset()
    dataset.parse(target / "govkg.nq", format="nquads")
    org = ID["organisation/"]
    triple = (URIRef(f"{org}ai-verify-foundation"), ORG.transitiveSubOrganizationOf)
    alone = graph_iri(frozenset({URIRef(GRAPH["context/aiverify-process-checklist"])}))
    assert (*triple, URIRef(f"{org}sg-mti")) in dataset.graph(alone)
    meta = dataset.graph(META_GRAPH)
    graphs = {g for g, _, _ in meta.triples((None, None, INFERRED_GRAPH))}
    holders = {
        g.identifier
        for g in dataset.graphs()
        if (*triple, URIRef(f"{org}sg-mti")) in g and is_inference_graph(str(g.identifier))
    }
    assert holders == {INFERRED_GRAPH, alone} and alone in graphs
