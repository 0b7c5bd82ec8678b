"""Descriptions of the served dataset: counts taken once at start-up, the VoID description
(Describing Linked Datasets with the VoID Vocabulary, W3C Interest Group Note 2011, sections
4 and 6: statistics, class and property partitions, ``/.well-known/void`` of section 7.2) and
the SPARQL 1.1 Service Description (W3C Recommendation 2013-03-21, section 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from govkg import __version__
from govkg.backends import Store, Term, Triple
from govkg.namespaces import DATASET_IRI, ID, ONTOLOGY_IRI, VOID
from govkg.void import Description
from govkg.web.negotiation import GRAPH, TABULAR

#: SPARQL 1.1 Service Description vocabulary.
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: W3C "Unique URIs for File Formats".
FORMATS = Namespace("http://www.w3.org/ns/formats/")


#: W3C "Unique URIs for File Formats" of the result formats (``sd:resultFormat``).
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "trig": "TriG",
    "nquads": "N-Quads",
}


@dataclass
class DatasetStats:
    """Counts of the served dataset (taken once: the store never changes while serving).

    Attributes:
        graphs: Triples per named graph.
        triples: Distinct triples of the union default graph.
        subjects: Distinct subjects of the union graph.
        objects: Distinct objects of the union graph.
        classes: Instances (distinct) per class.
        properties: Distinct triples per property.
        license: The dataset's (or else the ontology's) ``dcterms:license``, if any.
        builtin: True when the built-in govkg graph is served.
    """

    graphs: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    subjects: int = 0
    objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    license: str | None = None
    builtin: bool = True

    @property
    def quads(self) -> int:
        return sum(self.graphs.values())


def collect_stats(store: Store, builtin: bool) -> DatasetStats:
    """Count what VoID and the service description report (five SELECTs over ``store``;
    a store that is down raises :class:`~govkg.backends.StoreUnavailableError`).

    Args:
        store: The store serving the graph.
        builtin: True when it serves the built-in govkg graph.
    """

    def rows(text: str) -> list[dict[str, str]]:
        return store.select(text).dicts()

    stats = DatasetStats(builtin=builtin)
    stats.graphs = {
        r["g"]: int(r["n"])
        for r in rows(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
    }
    union = "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    totals = rows(
        f"SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s1) "
        f"(COUNT(DISTINCT ?o) AS ?o1) WHERE {union}"
    )[0]
    stats.triples, stats.subjects, stats.objects = (int(totals[k]) for k in ("t", "s1", "o1"))
    stats.classes = {
        r["c"]: int(r["n"])
        for r in rows(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) }"
            " GROUP BY ?c ORDER BY ?c"
        )
    }
    stats.properties = {
        r["p"]: int(r["n"])
        for r in rows(f"SELECT ?p (COUNT(*) AS ?n) WHERE {union} GROUP BY ?p ORDER BY ?p")
    }
    licence = rows(
        f"SELECT ?l WHERE {{ VALUES (?x ?rank) {{ (<{DATASET_IRI}> 0) "
        f"(<{ONTOLOGY_IRI}> 1) }} ?x <{DCTERMS.license}> ?l FILTER(isIRI(?l)) }} "
        f"ORDER BY ?rank ?l LIMIT 1"
    )
    stats.license = licence[0]["l"] if licence else None
    return stats


def dataset_iri(stats: DatasetStats, base_url: str) -> str:
    """govkg's dataset IRI for the built-in graph, else one below this server."""
    return str(DATASET_IRI) if stats.builtin else f"{base_url}/.well-known/void#dataset"


def void_description(stats: DatasetStats, base_url: str, dumps: list[str]) -> Description:
    """What the served VoID says (written by :func:`govkg.void.void_triples`, as the build's
    meta graph is).

    Args:
        stats: The counts.
        base_url: This server's URL (``http://host:port``), for the endpoint and dumps.
        dumps: Paths below ``/downloads/`` that exist.
    """
    return Description(
        dataset=dataset_iri(stats, base_url),
        title="govkg knowledge graph" if stats.builtin else "govkg endpoint dataset",
        graphs=stats.graphs,
        version=__version__ if stats.builtin else None,
        license=stats.license,
        uri_space=str(ID) if stats.builtin else None,
        vocabulary=str(ONTOLOGY_IRI) if stats.builtin else None,
        endpoint=f"{base_url}/sparql",
        dumps=[f"{base_url}/downloads/{dump}" for dump in dumps],
        features=[str(FORMATS[FORMAT_IRIS[fmt.name]]) for fmt in GRAPH],
        triples=stats.triples,
        subjects=stats.subjects,
        objects=stats.objects,
        classes=stats.classes,
        properties=stats.properties,
    )


def service_description(stats: DatasetStats, base_url: str) -> list[Triple]:
    """The SPARQL 1.1 Service Description of ``{base_url}/sparql``, as triples.

    The default graph is described as the union of every named graph
    (``sd:feature sd:UnionDefaultGraph``); each named graph is listed with its size.
    """
    endpoint = f"{base_url}/sparql"
    service = URIRef(endpoint + "#service")
    dataset = URIRef(endpoint + "#dataset")
    default = URIRef(endpoint + "#default-graph")
    out: list[Triple] = []

    def add(s: URIRef | BNode, p: URIRef, o: Term) -> None:
        out.append((s, p, o))

    def count(n: int) -> Literal:
        return Literal(str(n), datatype=XSD.integer)

    add(service, RDF.type, SD.Service)
    add(service, RDFS.label, Literal("govkg SPARQL 1.1 endpoint (read-only)", lang="en"))
    add(service, SD.endpoint, URIRef(endpoint))
    add(service, SD.supportedLanguage, SD.SPARQL11Query)
    add(service, SD.feature, SD.UnionDefaultGraph)
    for fmt in TABULAR + GRAPH:
        if fmt.name in FORMAT_IRIS:
            add(service, SD.resultFormat, FORMATS[FORMAT_IRIS[fmt.name]])
    add(service, SD.defaultDataset, dataset)
    add(dataset, RDF.type, SD.Dataset)
    add(dataset, DCTERMS.source, URIRef(f"{base_url}/.well-known/void"))
    add(dataset, SD.defaultGraph, default)
    add(default, RDF.type, SD.Graph)
    add(
        default,
        DCTERMS.description,
        Literal("The union of all named graphs of the dataset.", lang="en"),
    )
    add(default, VOID.triples, count(stats.triples))
    for index, (iri, n) in enumerate(stats.graphs.items()):  # fixed labels: one ETag
        named = BNode(f"namedGraph{index}")
        graph = BNode(f"graph{index}")
        add(dataset, SD.namedGraph, named)
        add(named, RDF.type, SD.NamedGraph)
        add(named, SD.name, URIRef(iri))
        add(named, SD.graph, graph)
        add(graph, RDF.type, SD.Graph)
        add(graph, VOID.triples, count(n))
    return out
