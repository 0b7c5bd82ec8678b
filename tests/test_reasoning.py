"""OWL 2 RL materialisation (rules named as in OWL 2 Profiles, section 4.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from govkg.errors import InconsistencyError
from govkg.inference_sources import is_inference_graph
from govkg.namespaces import INFERRED_GRAPH, ORG
from govkg.reasoning import materialise

ID = "https://w3id.org/govkg/id/"


@pytest.fixture(scope="module")
def dataset(build_dir: Path) -> Dataset:
    ds = Dataset()
    ds.parse(build_dir / "govkg.nq", format="nquads")
    return ds


def test_prp_trp_and_prp_spo1_give_transitive_sub_organisation(dataset: Dataset):
    """prp-spo1 (gk:housedIn ⊑ org:subOrganizationOf ⊑ org:transitiveSubOrganizationOf) and
    prp-trp (transitivity): the US AISI is part of Commerce, which no source file states."""
    triple = (
        URIRef(ID + "organisation/us-aisi"),
        ORG.transitiveSubOrganizationOf,
        URIRef(ID + "organisation/us-doc"),
    )
    assert triple in dataset.graph(INFERRED_GRAPH)
    asserted = {(s, p, o) for s, p, o, g in dataset.quads() if not is_inference_graph(str(g))}
    assert triple not in asserted


def test_prp_inv_gives_inverse_funding(dataset: Dataset):
    """prp-inv1: DTC gk:fundedBy IMDA gives IMDA gk:funds DTC."""
    funds = URIRef("https://w3id.org/govkg/ontology#funds")
    assert (
        URIRef(ID + "organisation/imda"),
        funds,
        URIRef(ID + "organisation/sg-dtc"),
    ) in dataset.graph(INFERRED_GRAPH)


def test_cax_sco_types_instances_with_superclasses(dataset: Dataset):
    """cax-sco: a gk:StatutoryBoard is an org:Organization."""
    assert (URIRef(ID + "organisation/imda"), RDF.type, ORG.Organization) in dataset.graph(
        INFERRED_GRAPH
    )


def test_trivia_is_not_kept(dataset: Dataset):
    inferred = dataset.graph(INFERRED_GRAPH)
    assert not any(s == o for s, _, o in inferred.triples((None, OWL.sameAs, None)))
    assert not list(inferred.triples((None, RDF.type, OWL.Thing)))
    assert not list(inferred.triples((None, RDF.type, RDFS.Resource)))


def test_cax_dw_inconsistency_fails():
    """cax-dw: an individual of two disjoint classes makes the closure inconsistent."""
    graph = Graph()
    a, b, x = (URIRef(f"urn:test:{n}") for n in ("A", "B", "x"))
    graph.add((a, OWL.disjointWith, b))
    graph.add((x, RDF.type, a))
    graph.add((x, RDF.type, b))
    with pytest.raises(InconsistencyError):
        materialise(graph, Graph())


def test_asserted_graph_is_left_untouched():
    graph = Graph()
    p, a, b, c = (URIRef(f"urn:test:{n}") for n in "pabc")
    graph.add((p, RDF.type, OWL.TransitiveProperty))
    graph.add((a, p, b))
    graph.add((b, p, c))
    before = set(graph)
    inferred = materialise(graph, Graph())
    assert set(graph) == before
    assert (a, p, c) in inferred
