"""Namespaces and well-known IRIs of govkg and the vocabularies it reuses."""

from __future__ import annotations

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/govkg/"

GK = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes#")

INFERRED_GRAPH = URIRef(GRAPH["inferred"])
META_GRAPH = URIRef(GRAPH["meta"])
#: One direct triple ``s p o`` per positive SSSOM mapping (:mod:`govkg.direct_mappings`).
MAPPINGS_GRAPH = URIRef(GRAPH["mappings"])
#: Prefix of the ontology modules' named graphs (``graph/ontology/<module>``).
GRAPH_ONTOLOGY = str(GRAPH["ontology/"])
#: The dataset as a whole (VoID, DCAT, the build's meta graph).
DATASET_IRI = URIRef(ID["dataset/govkg"])
#: The licence of the govkg compilation.
GOVKG_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
PAV = Namespace("http://purl.org/pav/")
ORG = Namespace("http://www.w3.org/ns/org#")
VOID = Namespace("http://rdfs.org/ns/void#")
VANN = Namespace("http://purl.org/vocab/vann/")
VS = Namespace("http://www.w3.org/2003/06/sw-vocab-status/ns#")

#: Prefixes bound in every serialisation govkg writes, so that dumps read well.
PREFIXES: dict[str, str] = {
    "gk": str(GK),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": str(ORG),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "pav": str(PAV),
    "void": str(VOID),
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": str(VANN),
    "vs": str(VS),
    "airo": "https://w3id.org/airo#",
    "dpv": "https://w3id.org/dpv#",
}

#: Prefixes for showing IRIs to people (messages, tables, pages): the dump prefixes plus ``id:``
#: for govkg's instance IRIs and ``gks:`` for its shapes. Never bound in a dump.
DISPLAY_PREFIXES: dict[str, str] = {**PREFIXES, "id": str(ID), "gks": str(SHAPES)}

_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")


class Shortener:
    """Writes IRIs as CURIEs, the longest matching namespace winning: the one shortener of govkg.

    A local part with characters a CURIE cannot hold plainly (``#``, ``?``, ``%``, spaces ...)
    is not shortened. An IRI no prefix fits is returned as it is, or as ``<IRI>`` with
    ``angle=True`` (the form messages use, so that it cannot be mistaken for a CURIE).

    Args:
        prefixes: Prefix to namespace IRI; defaults to :data:`DISPLAY_PREFIXES`.
        angle: Write unshortened IRIs as ``<IRI>``.

    >>> short = Shortener()
    >>> short("http://www.w3.org/2004/02/skos/core#exactMatch")
    'skos:exactMatch'
    >>> short("https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0")
    'id:framework/nist-ai-rmf-1-0'
    >>> short("https://example.org/x?y=1")
    'https://example.org/x?y=1'
    >>> Shortener({"ex": "https://example.org/"}, angle=True)("https://example.org/x?y=1")
    '<https://example.org/x?y=1>'
    """

    def __init__(self, prefixes: dict[str, str] | None = None, *, angle: bool = False):
        spaces = DISPLAY_PREFIXES if prefixes is None else prefixes
        self._spaces = sorted(((ns, p) for p, ns in spaces.items()), key=lambda i: -len(i[0]))
        self._angle = angle

    def __call__(self, iri: str) -> str:
        for namespace, prefix in self._spaces:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                local = iri[len(namespace) :]
                if set(local) <= _LOCAL_CHARS:
                    return f"{prefix}:{local}"
        return f"<{iri}>" if self._angle else iri


#: Shortens with :data:`DISPLAY_PREFIXES`, leaving other IRIs whole.
curie = Shortener()

#: The named graph where ``govkg publish`` records which build a store holds (its manifest's
#: SHA-256, build id, graphs and time); never part of the served union default graph.
PUBLICATION_GRAPH = URIRef(GRAPH["publication"])
