"""The site's RDF writers (:mod:`govkg.web.rdfdoc`): every syntax, read back by rdflib's
parsers, holds exactly the statements written (RDF 1.1 Concepts section 3, graph
isomorphism), for the statements that are hard to write: escapes of RDF 1.2 N-Triples'
canonical form (section 4.1), language tags, datatypes, IRIs no prefix can shorten, blank
nodes, a store's blank node label no syntax can read, quads in several graphs. N-Triples and
N-Quads lines are those of the build's own dump (written by the engine), byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from govkg.backends import Quad, Store, Term
from govkg.build import DATASET_DUMP
from govkg.web.errors import NotAcceptableError
from govkg.web.negotiation import GRAPH, ResultFormat
from govkg.web.rdfdoc import quad_key, serialise

GK = "https://w3id.org/govkg/ontology#"
ID = "https://w3id.org/govkg/id/"
G1 = URIRef("https://w3id.org/govkg/graph/one")
G2 = URIRef("https://w3id.org/govkg/graph/two")
X = URIRef(ID + "x")
HARD: list[Quad] = [
    (X, RDF.type, URIRef(GK + "Principle"), G1),
    (X, RDF.type, URIRef(GK + "Principle"), G2),  # one triple, two graphs
    (X, RDFS.label, Literal('a "quoted"\\ line\nand\ttab\r\x00\x1f\x7f é \u2028', lang="en"), G1),
    (X, RDFS.label, Literal("Grundsatz", lang="de-CH"), G1),
    (X, URIRef(GK + "position"), Literal("01", datatype=XSD.integer, normalize=False), G1),
    (X, URIRef(GK + "weight"), Literal("0.50", datatype=XSD.decimal, normalize=False), G1),
    (X, URIRef(GK + "odd"), Literal("x", datatype=URIRef("urn:x:type")), G1),
    (X, URIRef(GK + "plain"), Literal("plain", datatype=XSD.string), G2),
    (X, URIRef(GK + "path/with-slash"), URIRef(ID + "a/b.c"), G1),  # no prefixed name
    (X, RDFS.seeAlso, URIRef(GK + ""), G1),
    (X, RDFS.seeAlso, URIRef(ID + "-dash"), G1),
    (X, URIRef(GK + "node"), BNode("b0"), G1),
    (BNode("b0"), RDFS.label, Literal("blank"), G1),
    (X, URIRef(GK + "node"), BNode("nodeID://b10006"), G2),  # a label Virtuoso gives
    (BNode("nodeID://b10006"), RDFS.comment, Literal(""), G2),
    (URIRef("urn:isbn:0451450523"), RDFS.seeAlso, URIRef("http://example.org/a#b"), G2),
]
_PARSERS = {f.name: f.media_type.split(";")[0] for f in GRAPH}
#: XML 1.0 holds no U+0000 nor most C0 controls (section 2.2): RDF/XML gets the rest.
_XML_HARD = [q for q in HARD if "\x00" not in q[2]]


def _statements(fmt: ResultFormat) -> list[Quad]:
    return _XML_HARD if fmt.name == "rdfxml" else HARD


def _as_parsed(term: Term) -> Term:
    """A term as rdflib's parsers give it back: literals normalised (``"01"^^xsd:integer``
    reads as 1), ``xsd:string`` implicit (RDF 1.1 Concepts section 3.3: the same literal)."""
    if isinstance(term, Literal):
        datatype = None if term.datatype == XSD.string else term.datatype
        return Literal(str(term), lang=term.language, datatype=datatype)
    return term


def _expected(statements: list[Quad], graph: URIRef | None = None) -> Graph:
    expected = Graph()
    for s, p, o, g in statements:
        if graph is None or g == graph:
            expected.add((s, p, _as_parsed(o)))
    return expected


def _read(body: bytes, fmt: ResultFormat) -> Graph | Dataset:
    parsed = Dataset() if fmt.name in ("trig", "nquads") else Graph()
    parsed.parse(data=body, format=_PARSERS[fmt.name])
    return parsed


@pytest.mark.parametrize("fmt", GRAPH, ids=[f.name for f in GRAPH])
def test_every_syntax_reads_back_the_same_statements(fmt: ResultFormat) -> None:
    statements = _statements(fmt)
    body = serialise(statements, fmt)
    parsed = _read(body, fmt)
    if isinstance(parsed, Dataset):
        for name in (G1, G2):
            assert isomorphic(parsed.graph(name), _expected(statements, name)), (fmt.name, name)
        assert len(parsed.default_graph) == 0, "nothing in the default graph"
    else:
        assert isomorphic(parsed, _expected(statements)), fmt.name
    text = body.decode("utf-8")
    assert "01" in text and "0.50" in text, "lexical forms are kept"


@pytest.mark.parametrize("fmt", GRAPH, ids=[f.name for f in GRAPH])
def test_triples_alone_read_back(fmt: ResultFormat) -> None:
    statements = _statements(fmt)
    triples = list(dict.fromkeys((s, p, o) for s, p, o, _ in statements))
    parsed = _read(serialise(triples, fmt), fmt)
    graph = parsed.default_graph if isinstance(parsed, Dataset) else parsed
    assert isomorphic(graph, _expected(statements)), fmt.name


def test_only_the_prefixes_in_use_are_declared() -> None:
    turtle = serialise(HARD, next(f for f in GRAPH if f.name == "turtle")).decode("utf-8")
    declared = {line.split()[1] for line in turtle.splitlines() if line.startswith("@prefix")}
    assert declared == {"gk:", "rdf:", "rdfs:", "xsd:"}
    assert "gk:position" in turtle and "<https://w3id.org/govkg/ontology#path/with-slash>" in turtle


def test_n_quads_lines_are_the_dumps_own(store: Store, build_dir: Path) -> None:
    """Every statement of the shipped graph without blank nodes, read from the store and
    written by govkg, is a line of the build's N-Quads dump, byte for byte."""
    rows = store.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").terms()
    quads: list[Quad] = [
        (r["s"], r["p"], r["o"], r["g"])  # type: ignore[misc]
        for r in rows
        if not any(isinstance(r[k], BNode) for k in ("s", "o"))
    ]
    assert len(quads) > 10000
    nquads = next(f for f in GRAPH if f.name == "nquads")
    written = set(serialise(sorted(quads, key=quad_key), nquads).decode("utf-8").splitlines())
    dump = set((build_dir / DATASET_DUMP).read_text("utf-8").splitlines())
    assert written <= dump
    assert len(written) == len(quads)


def test_rdf_xml_refuses_a_property_it_cannot_write() -> None:
    """RDF/XML writes a property as an element named by its IRI's last XML name (RDF/XML
    Syntax section 2.2): an IRI ending in none is refused (406), naming it."""
    rdfxml = next(f for f in GRAPH if f.name == "rdfxml")
    with pytest.raises(NotAcceptableError, match="ontology#> cannot be an RDF/XML property"):
        serialise([(X, URIRef(GK), Literal("x"))], rdfxml)
    with pytest.raises(NotAcceptableError, match="a literal holds a character XML 1.0 cannot"):
        serialise([(X, RDFS.label, Literal("nul \x00"))], rdfxml)
    turtle = next(f for f in GRAPH if f.name == "turtle")
    assert b"gk: " in serialise([(X, URIRef(GK), Literal("x"))], turtle)


def test_documents_are_the_same_bytes_in_every_process() -> None:
    """Workers and replicas send one document as the same bytes (one ETag): nothing in the
    writers follows Python's per-process string hashing (``PYTHONHASHSEED``)."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import hashlib\n"
        "from test_web_rdfdoc import HARD, _statements\n"
        "from govkg.web.negotiation import GRAPH\n"
        "from govkg.web.rdfdoc import serialise\n"
        "print(*(hashlib.sha256(serialise(_statements(f), f)).hexdigest() for f in GRAPH))\n"
    )
    answers = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(Path(__file__).parent)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        answers.add(done.stdout)
    assert len(answers) == 1, answers
