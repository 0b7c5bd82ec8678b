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
