"""The one VoID writer (VoID Note 2011, sections 3-6): what it states, that it writes the same
bytes every time, and that the build's meta graph and the served ``/.well-known/void`` both
come from it and agree."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from govkg.build import BuildReport
from govkg.namespaces import DATASET_IRI, INFERRED_GRAPH, META_GRAPH
from govkg.void import Description, void_triples
from govkg.web import create_app
from govkg.web.config import WebConfig

VOID = Namespace("http://rdfs.org/ns/void#")


def _nt(description: Description) -> str:
    """The triples as N-Triples lines, in the order :func:`void_triples` gives them."""
    return "".join(" ".join(term.n3() for term in t) + " .\n" for t in void_triples(description))


def test_only_what_is_known_is_stated():
    """Section 3: a dataset and its subsets; nothing about endpoints, dumps or statistics the
    caller did not give."""
    graph = Graph().parse(
        data=_nt(Description("urn:x:d", "a title", {"urn:x:g1": 2, "urn:x:g2": 0})), format="nt"
    )
    d = URIRef("urn:x:d")
    assert (d, RDF.type, VOID.Dataset) in graph
    assert graph.value(d, DCTERMS.title) == Literal("a title", lang="en")
    assert set(graph.objects(d, VOID.subset)) == {URIRef("urn:x:g1"), URIRef("urn:x:g2")}
    size = graph.value(URIRef("urn:x:g1"), VOID.triples)
    assert size.datatype == URIRef("http://www.w3.org/2001/XMLSchema#integer") and int(size) == 2
    stated = set(graph.predicates(d, None))
    assert stated == {RDF.type, DCTERMS.title, VOID.subset}


def test_partitions_are_written_with_fixed_labels():
    """Section 6.5/6.6 partitions are blank nodes; fixed labels make the bytes repeatable (one
    ETag across server workers)."""
    description = Description(
        "urn:x:d",
        "d",
        triples=5,
        classes={"urn:x:C": 2, "urn:x:D": 1},
        properties={"urn:x:p": 5},
    )
    text = _nt(description)
    assert text == _nt(description)
    assert "_:classPartition0 <http://rdfs.org/ns/void#class> <urn:x:C>" in text
    assert "_:classPartition1 <http://rdfs.org/ns/void#entities>" in text
    assert "_:propertyPartition0 <http://rdfs.org/ns/void#property> <urn:x:p>" in text
    graph = Graph().parse(data=text, format="nt")
    assert int(graph.value(URIRef("urn:x:d"), VOID.classes)) == 2


def test_build_meta_graph_and_served_void_agree(built: tuple[Path, BuildReport], store):
    """Both descriptions come from :func:`void_triples`: the same dataset, typed and titled the
    same, with the same size for every named graph the build describes."""
    build_dir, report = built
    dataset = Dataset()
    dataset.parse(build_dir / "govkg.nq", format="nquads")
    meta = dataset.graph(META_GRAPH)
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    try:
        served = Graph().parse(
            data=app.test_client().get("/.well-known/void").text, format="turtle"
        )
    finally:
        app.extensions["govkg"].pool.close()
    for graph in (meta, served):
        assert (DATASET_IRI, RDF.type, VOID.Dataset) in graph
        assert graph.value(DATASET_IRI, DCTERMS.title) == Literal(
            "govkg knowledge graph", lang="en"
        )
    described = set(meta.objects(DATASET_IRI, VOID.subset))
    assert INFERRED_GRAPH in described and len(described) == len(report.graphs) - 1  # not meta
    for subset in described:
        size = int(meta.value(subset, VOID.triples))
        assert size == report.graphs[str(subset)]
        assert int(served.value(subset, VOID.triples)) == size
