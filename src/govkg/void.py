"""The VoID description of a govkg dataset: one function, written with pyoxigraph, for both the
build's meta graph and the served ``/.well-known/void``.

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

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, XSD

from govkg.namespaces import VOID

_TYPE = ox.NamedNode(str(RDF.type))
_TITLE = ox.NamedNode(str(DCTERMS.title))
_VERSION = ox.NamedNode(str(DCTERMS.hasVersion))
_LICENSE = ox.NamedNode(str(DCTERMS.license))
_INTEGER = ox.NamedNode(str(XSD.integer))
_DATASET = ox.NamedNode(str(VOID.Dataset))
_SUBSET = ox.NamedNode(str(VOID.subset))
_TRIPLES = ox.NamedNode(str(VOID.triples))
_URI_SPACE = ox.NamedNode(str(VOID.uriSpace))
_VOCABULARY = ox.NamedNode(str(VOID.vocabulary))
_ENDPOINT = ox.NamedNode(str(VOID.sparqlEndpoint))
_DUMP = ox.NamedNode(str(VOID.dataDump))
_FEATURE = ox.NamedNode(str(VOID.feature))
_SUBJECTS = ox.NamedNode(str(VOID.distinctSubjects))
_OBJECTS = ox.NamedNode(str(VOID.distinctObjects))
_CLASSES = ox.NamedNode(str(VOID.classes))
_PROPERTIES = ox.NamedNode(str(VOID.properties))
_CLASS_PARTITION = ox.NamedNode(str(VOID.classPartition))
_CLASS = ox.NamedNode(str(VOID["class"]))
_ENTITIES = ox.NamedNode(str(VOID.entities))
_PROPERTY_PARTITION = ox.NamedNode(str(VOID.propertyPartition))
_PROPERTY = ox.NamedNode(str(VOID.property))


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


def void_triples(description: Description) -> list[ox.Triple]:
    """Write a dataset description as VoID triples, in a fixed order.

    >>> triples = void_triples(Description("urn:x:dataset", "x", {"urn:x:graph": 3}))
    >>> [t.predicate.value.rsplit("#", 1)[-1] for t in triples]
    ['type', 'http://purl.org/dc/terms/title', 'subset', 'type', 'triples']
    >>> triples[-1].object
    <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    d = description
    dataset = ox.NamedNode(d.dataset)
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: object) -> None:
        out.append(ox.Triple(s, p, o))  # type: ignore[arg-type]

    add(dataset, _TYPE, _DATASET)
    add(dataset, _TITLE, ox.Literal(d.title, language="en"))
    if d.version is not None:
        add(dataset, _VERSION, ox.Literal(d.version))
    if d.license is not None:
        add(dataset, _LICENSE, ox.NamedNode(d.license))
    if d.uri_space is not None:
        add(dataset, _URI_SPACE, ox.Literal(d.uri_space))
    if d.vocabulary is not None:
        add(dataset, _VOCABULARY, ox.NamedNode(d.vocabulary))
    if d.endpoint is not None:
        add(dataset, _ENDPOINT, ox.NamedNode(d.endpoint))
    for dump in d.dumps:
        add(dataset, _DUMP, ox.NamedNode(dump))
    for feature in d.features:
        add(dataset, _FEATURE, ox.NamedNode(feature))
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
        part = ox.BlankNode(f"classPartition{index}")
        add(dataset, _CLASS_PARTITION, part)
        add(part, _CLASS, ox.NamedNode(iri))
        add(part, _ENTITIES, _count(n))
    for index, (iri, n) in enumerate((d.properties or {}).items()):
        part = ox.BlankNode(f"propertyPartition{index}")
        add(dataset, _PROPERTY_PARTITION, part)
        add(part, _PROPERTY, ox.NamedNode(iri))
        add(part, _TRIPLES, _count(n))
    for iri, n in d.graphs.items():
        graph = ox.NamedNode(iri)
        add(dataset, _SUBSET, graph)
        add(graph, _TYPE, _DATASET)
        add(graph, _TRIPLES, _count(n))
    return out


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_INTEGER)
