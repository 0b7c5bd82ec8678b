"""The VoID description of a govkg dataset: one function, giving rdflib terms (the store
interface's :data:`govkg.backends.Triple`), for both the build's meta graph and the served
``/.well-known/void``.

Describing Linked Datasets with the VoID Vocabulary (W3C Interest Group Note 2011): section 3
(the dataset, its title, licence, ``void:subset`` per named graph), section 4 (``void:vocabulary``,
``void:uriSpace``, ``void:feature``), section 5 (``void:sparqlEndpoint``, ``void:dataDump``) and
section 6 (statistics; class and property partitions). What the caller does not know is not
stated: the build knows its named graphs and their sizes, the server also knows its endpoint,
its dumps and the counts it takes of the store at start-up.

Partition nodes are blank nodes with fixed labels (``classPartition0`` ...), so the same
description is always written as the same bytes (one ETag across server workers, stable dumps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from govkg.backends import Term, Triple
from govkg.namespaces import VOID

_TYPE = RDF.type
_TITLE = DCTERMS.title
_VERSION = DCTERMS.hasVersion
_LICENSE = DCTERMS.license
_INTEGER = XSD.integer
_DATASET = VOID.Dataset
_SUBSET = VOID.subset
_TRIPLES = VOID.triples
_URI_SPACE = VOID.uriSpace
_VOCABULARY = VOID.vocabulary
_ENDPOINT = VOID.sparqlEndpoint
_DUMP = VOID.dataDump
_FEATURE = VOID.feature
_SUBJECTS = VOID.distinctSubjects
_OBJECTS = VOID.distinctObjects
_CLASSES = VOID.classes
_PROPERTIES = VOID.properties
_CLASS_PARTITION = VOID.classPartition
_CLASS = VOID["class"]
_ENTITIES = VOID.entities
_PROPERTY_PARTITION = VOID.propertyPartition
_PROPERTY = VOID.property


@dataclass
class Description:
    """What a VoID description states; empty fields are left out.

    Attributes:
        dataset: The dataset's IRI.
        title: Its ``dcterms:title`` (English).
        graphs: Triples per named graph, each a ``void:subset`` typed ``void:Dataset``.
        version: ``dcterms:hasVersion``.
        license: ``dcterms:license`` (an IRI).
        uri_space: ``void:uriSpace``: where the dataset's entity IRIs start.
        vocabulary: ``void:vocabulary``: the ontology it uses.
        endpoint: ``void:sparqlEndpoint``.
        dumps: ``void:dataDump`` IRIs.
        features: ``void:feature`` IRIs (the W3C format IRIs of the syntaxes served).
        triples: ``void:triples`` of the whole dataset (distinct triples of the union graph).
        subjects: ``void:distinctSubjects``.
        objects: ``void:distinctObjects``.
        classes: Instances per class, for ``void:classes`` and the class partitions.
        properties: Triples per property, for ``void:properties`` and the property partitions.
    """

    dataset: str
    title: str
    graphs: dict[str, int] = field(default_factory=dict)
    version: str | None = None
    license: str | None = None
    uri_space: str | None = None
    vocabulary: str | None = None
    endpoint: str | None = None
    dumps: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    triples: int | None = None
    subjects: int | None = None
    objects: int | None = None
    classes: dict[str, int] | None = None
    properties: dict[str, int] | None = None


def void_triples(description: Description) -> list[Triple]:
    """Write a dataset description as VoID triples, in a fixed order.

    >>> triples = void_triples(Description("urn:x:dataset", "x", {"urn:x:graph": 3}))
    >>> [str(t[1]).rsplit("#", 1)[-1] for t in triples]
    ['type', 'http://purl.org/dc/terms/title', 'subset', 'type', 'triples']
    >>> triples[-1][2].n3()
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    d = description
    dataset = URIRef(d.dataset)
    out: list[Triple] = []

    def add(s: URIRef | BNode, p: URIRef, o: Term) -> None:
        out.append((s, p, o))

    add(dataset, _TYPE, _DATASET)
    add(dataset, _TITLE, Literal(d.title, lang="en"))
    if d.version is not None:
        add(dataset, _VERSION, Literal(d.version))
    if d.license is not None:
        add(dataset, _LICENSE, URIRef(d.license))
    if d.uri_space is not None:
        add(dataset, _URI_SPACE, Literal(d.uri_space))
    if d.vocabulary is not None:
        add(dataset, _VOCABULARY, URIRef(d.vocabulary))
    if d.endpoint is not None:
        add(dataset, _ENDPOINT, URIRef(d.endpoint))
    for dump in d.dumps:
        add(dataset, _DUMP, URIRef(dump))
    for feature in d.features:
        add(dataset, _FEATURE, URIRef(feature))
    for predicate, value in (
        (_TRIPLES, d.triples),
        (_SUBJECTS, d.subjects),
        (_OBJECTS, d.objects),
        (_CLASSES, None if d.classes is None else len(d.classes)),
        (_PROPERTIES, None if d.properties is None else len(d.properties)),
    ):
        if value is not None:
            add(dataset, predicate, _count(value))
    for index, (iri, n) in enumerate((d.classes or {}).items()):
        part = BNode(f"classPartition{index}")
        add(dataset, _CLASS_PARTITION, part)
        add(part, _CLASS, URIRef(iri))
        add(part, _ENTITIES, _count(n))
    for index, (iri, n) in enumerate((d.properties or {}).items()):
        part = BNode(f"propertyPartition{index}")
        add(dataset, _PROPERTY_PARTITION, part)
        add(part, _PROPERTY, URIRef(iri))
        add(part, _TRIPLES, _count(n))
    for iri, n in d.graphs.items():
        graph = URIRef(iri)
        add(dataset, _SUBSET, graph)
        add(graph, _TYPE, _DATASET)
        add(graph, _TRIPLES, _count(n))
    return out


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=_INTEGER, normalize=False)
