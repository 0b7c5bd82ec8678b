"""Writing the RDF documents of the site (a resource's description, the ontology, VoID, the
service description) from rdflib terms, whatever store they were read from.

N-Triples, N-Quads, Turtle, TriG and JSON-LD are written here, statement by statement in the
order given (a description is sorted by its N-Quads lines): rdflib's serialisers took 25 times
as long as pyoxigraph's on the largest document, the ontology's 1 070 quads (Turtle 54 ms
against 2 ms), these writers a few times as long. RDF/XML, asked for least, is written by
rdflib's serialiser. The syntaxes, section by section:

* N-Triples and N-Quads (RDF 1.1 N-Triples and N-Quads, section 2): one statement a line,
  strings escaped as RDF 1.2 N-Triples' canonical form does (section 4.1), as Oxigraph writes
  them;
* Turtle and TriG (RDF 1.1 Turtle section 2, TriG section 2): govkg's prefixes in use, one
  block per subject (``;`` between predicates, ``,`` between objects), one ``GRAPH { }``
  block per named graph in TriG;
* JSON-LD (JSON-LD 1.1 section 9, "Expanded document form"; flattened: one node object per
  subject, one ``@graph`` per named graph), which needs no context;
* RDF/XML cannot write a property whose IRI ends in no XML name, nor a literal holding a
  character XML 1.0 cannot (U+0000, most C0 controls): such a document is refused with
  :class:`~govkg.web.errors.NotAcceptableError` (406), naming what cannot be written.

Documents are made once and cached by the site (the store never changes while serving).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from govkg.backends import Quad, Term, Triple
from govkg.namespaces import PREFIXES
from govkg.web.errors import NotAcceptableError
from govkg.web.negotiation import GRAPH, ResultFormat

#: Datatypes a literal is written without (``xsd:string``; ``rdf:langString`` has a tag).
_PLAIN = (XSD.string, RDF.langString)
#: Escapes of RDF 1.2 N-Triples' canonical form (section 4.1): ECHAR where there is one, UCHAR
#: for the other control characters.
_ESCAPES = {
    **{i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F)},
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
#: A blank node label every syntax reads (N-Triples BLANK_NODE_LABEL, ASCII only).
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
#: A local name written after a prefix (Turtle PN_LOCAL, ASCII letters, digits, ``_-.``).
_LOCAL = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")
_TYPE = RDF.type
#: An XML name without colon (Namespaces in XML 1.0, NCName; ASCII only).
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Characters XML 1.0 cannot hold (section 2.2, production Char), so neither can RDF/XML.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def term_nt(term: Term) -> str:
    """A term as N-Triples writes it.

    >>> term_nt(Literal('say "hi"\\n', lang="en"))
    '"say \\\\"hi\\\\"\\\\n"@en'
    >>> term_nt(Literal("01", datatype=XSD.integer, normalize=False))
    '"01"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return "_:" + _label(term)
    text = '"' + str(term).translate(_ESCAPES) + '"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is None or term.datatype in _PLAIN:
        return text
    return f"{text}^^<{term.datatype}>"


def quad_key(item: Triple | Quad) -> str:
    """The N-Quads line of a triple or quad (without its final `` .``): the order in which a
    description lists its statements."""
    return " ".join(term_nt(term) for term in item)


def serialise(items: Sequence[Triple | Quad], fmt: ResultFormat) -> bytes:
    """Write triples or quads in ``fmt``: quads keep their graph in TriG and N-Quads and become
    distinct triples in the triple syntaxes; only the prefixes in use are declared.

    >>> from govkg.web.negotiation import GRAPH
    >>> t = (URIRef("https://w3id.org/govkg/ontology#Principle"),
    ...      URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("principle", lang="en"))
    >>> serialise([t, t], GRAPH[1]).decode().count("\\n")
    1
    >>> print(serialise([t], GRAPH[0]).decode())
    @prefix gk: <https://w3id.org/govkg/ontology#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <BLANKLINE>
    gk:Principle rdfs:label "principle"@en .
    <BLANKLINE>
    """
    if fmt.name == "nquads":
        return "".join(dict.fromkeys(quad_key(item) + " .\n" for item in items)).encode("utf-8")
    graphs: dict[URIRef | None, list[Triple]]
    graphs = _by_graph(items) if fmt.name == "trig" else {None: _triples(items)}
    if fmt.name == "ntriples":
        return "".join(quad_key(triple) + " .\n" for triple in graphs[None]).encode("utf-8")
    if fmt.name in ("turtle", "trig"):
        return _turtle(graphs).encode("utf-8")
    if fmt.name == "jsonld":
        return _json_ld(graphs)
    for _, _, o in graphs[None]:
        if isinstance(o, Literal) and _NOT_XML.search(o):
            raise NotAcceptableError(
                f"a literal holds a character XML 1.0 cannot ({_NOT_XML.search(o)!r}); ask for "
                "another syntax: " + ", ".join(f.media_type for f in GRAPH if f.name != "rdfxml")
            )
    graph = Graph(bind_namespaces="none")
    for s, p, o in graphs[None]:
        graph.add((_xml_node(s), p, _xml_node(o)))
    for prefix, namespace in used_prefixes(graphs[None]).items():
        graph.bind(prefix, namespace)
    try:
        return graph.serialize(format="xml", encoding="utf-8")
    except ValueError:  # a predicate IRI without an XML name (RDF/XML section 2.2)
        bad = next(p for p in {p for _, p, _ in graphs[None]} if not _xml_name(p))
        raise NotAcceptableError(
            f"<{bad}> cannot be an RDF/XML property; ask for another syntax: "
            + ", ".join(f.media_type for f in GRAPH if f.name != "rdfxml")
        ) from None


def used_prefixes(items: Iterable[Triple | Quad]) -> dict[str, str]:
    """Return govkg's prefixes whose namespace some IRI of ``items`` starts with.

    >>> used_prefixes([(URIRef("https://w3id.org/govkg/ontology#Principle"),
    ...                 URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("x"))])
    {'gk': 'https://w3id.org/govkg/ontology#', 'rdfs': 'http://www.w3.org/2000/01/rdf-schema#'}
    """
    iris: set[str] = set()
    for item in items:
        iris.update(term for term in item[:3] if isinstance(term, URIRef))
        if isinstance(item[2], Literal) and item[2].datatype is not None:
            iris.add(item[2].datatype)
    return {
        prefix: ns for prefix, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)
    }


def rdf_response(
    items: Sequence[Triple | Quad] | bytes,
    fmt: ResultFormat,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RDF document response in ``fmt`` (``Vary: Accept``: the format was negotiated)."""
    body = items if isinstance(items, bytes) else serialise(items, fmt)
    response = Response(body, content_type=fmt.media_type)
    response.headers["Vary"] = "Accept"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


# -- the writers --------------------------------------------------------------------------------


def _label(node: BNode) -> str:
    """A blank node's label as given, or, when no syntax can read it (a store's own spelling,
    ``nodeID://b1`` say), the same label hex-encoded behind ``x``: one node, one label."""
    label = str(node)
    return label if _LABEL.fullmatch(label) else "x" + label.encode("utf-8").hex()


def _xml_node(node: Term) -> Term:
    """A term as RDF/XML is given it: a blank node relabelled when its label is no XML name
    (``rdf:nodeID``, RDF/XML section 2.10: a store's hex label may start with a digit), the
    same way as :func:`_label`; an ``xsd:string`` literal written plain, as elsewhere."""
    if isinstance(node, BNode) and not _NCNAME.fullmatch(node):
        return BNode("x" + str(node).encode("utf-8").hex())
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node))
    return node


def _xml_name(predicate: URIRef) -> bool:
    """True when RDF/XML can write ``predicate`` as an element (it ends in an XML name)."""
    return re.search(r"[A-Za-z_][A-Za-z0-9_.-]*$", predicate) is not None


def _triples(items: Iterable[Triple | Quad]) -> list[Triple]:
    """The distinct triples of ``items``, in the order first met."""
    return list(dict.fromkeys(item[:3] for item in items))


def _by_graph(items: Iterable[Triple | Quad]) -> dict[URIRef | None, list[Triple]]:
    """Statements grouped by graph (None: triples), each once, in the order first met."""
    graphs: dict[URIRef | None, dict[Triple, None]] = {}
    for item in items:
        graph = item[3] if len(item) == 4 else None
        graphs.setdefault(graph, {})[item[:3]] = None
    return {graph: list(triples) for graph, triples in graphs.items()}


def _by_subject(triples: Iterable[Triple]) -> dict[URIRef | BNode, dict[URIRef, list[Term]]]:
    subjects: dict[URIRef | BNode, dict[URIRef, list[Term]]] = {}
    for s, p, o in triples:
        subjects.setdefault(s, {}).setdefault(p, []).append(o)
    return subjects


def _turtle(graphs: dict[URIRef | None, list[Triple]]) -> str:
    """Turtle (one graph, None) or TriG (named graphs) of grouped statements."""
    prefixes = used_prefixes(t for triples in graphs.values() for t in triples)
    by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    names: dict[str, str] = {}

    def iri(value: str) -> str:
        name = names.get(value)
        if name is None:
            name = f"<{value}>"
            for prefix, ns in by_length:
                if value.startswith(ns) and _LOCAL.fullmatch(value[len(ns) :]):
                    name = f"{prefix}:{value[len(ns) :]}"
                    break
            names[value] = name
        return name

    def term(node: Term) -> str:
        if isinstance(node, URIRef):
            return iri(node)
        if isinstance(node, Literal) and not node.language:
            if node.datatype is not None and node.datatype not in _PLAIN:
                return '"' + str(node).translate(_ESCAPES) + '"^^' + iri(node.datatype)
        return term_nt(node)

    out = [f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in prefixes.items()]
    for graph, triples in graphs.items():
        indent = "" if graph is None else "\t"
        out.append("\n" if graph is None else f"\n{term(graph)} {{\n")
        for subject, predicates in _by_subject(triples).items():
            lines = [
                ("a" if p == _TYPE else iri(p)) + " " + " , ".join(term(o) for o in objects)
                for p, objects in predicates.items()
            ]
            out.append(f"{indent}{term(subject)} " + f" ;\n{indent}\t".join(lines) + " .\n")
        if graph is not None:
            out.append("}\n")
    return "".join(out)


def _json_ld(graphs: dict[URIRef | None, list[Triple]]) -> bytes:
    """Expanded, flattened JSON-LD of grouped statements (a named graph: ``@id`` and
    ``@graph``)."""

    def node_id(node: URIRef | BNode) -> str:
        return str(node) if isinstance(node, URIRef) else "_:" + _label(node)

    def value(node: Term) -> dict[str, str]:
        if not isinstance(node, Literal):
            return {"@id": node_id(node)}
        found = {"@value": str(node)}
        if node.language:
            found["@language"] = node.language
        elif node.datatype is not None and node.datatype not in _PLAIN:
            found["@type"] = str(node.datatype)
        return found

    def nodes(triples: list[Triple]) -> list[dict[str, Any]]:
        out = []
        for subject, predicates in _by_subject(triples).items():
            node: dict[str, Any] = {"@id": node_id(subject)}
            for p, objects in predicates.items():
                if p == _TYPE and not any(isinstance(o, Literal) for o in objects):
                    node["@type"] = [node_id(o) for o in objects if not isinstance(o, Literal)]
                else:
                    node[str(p)] = [value(o) for o in objects]
            out.append(node)
        return out

    document: list[dict[str, Any]] = []
    for graph, triples in graphs.items():
        if graph is None:
            document.extend(nodes(triples))
        else:
            document.append({"@id": str(graph), "@graph": nodes(triples)})
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
