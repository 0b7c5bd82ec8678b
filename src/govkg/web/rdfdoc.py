"""Writing the RDF documents of the site (a resource's description, the ontology, VoID, the
service description) from rdflib terms, whatever store they were read from.

Every syntax is written here, statement by statement in the order given (a description is
sorted by its N-Quads lines), so that a document is the same bytes in every process and on
every store (rdflib's RDF/XML order follows Python's per-process string hashing) and is
made quickly: rdflib's serialisers took 25 times as long as pyoxigraph's on the largest
document, the ontology's 1 070 quads (Turtle 54 ms against 2 ms). The syntaxes:

* N-Triples and N-Quads (RDF 1.1 N-Triples and N-Quads, section 2): one statement a line,
  strings escaped as RDF 1.2 N-Triples' canonical form does (section 4.1), as Oxigraph writes
  them;
* Turtle and TriG (RDF 1.1 Turtle section 2, TriG section 2): govkg's prefixes in use, one
  block per subject (``;`` between predicates, ``,`` between objects), one ``GRAPH { }``
  block per named graph in TriG;
* JSON-LD (JSON-LD 1.1 section 9, "Expanded document form"; flattened: one node object per
  subject, one ``@graph`` per named graph), which needs no context;
* RDF/XML (RDF 1.1 XML Syntax section 2): one ``rdf:Description`` per subject; it cannot
  write a property whose IRI ends in no XML name, nor a literal holding a character XML 1.0
  cannot (U+0000, most C0 controls): such a document is refused with
  :class:`~govkg.web.errors.NotAcceptableError` (406), naming what cannot be written.

Documents are made once and cached by the site (the store never changes while serving).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response
from rdflib import BNode, Literal, URIRef
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
_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')
#: A blank node label every syntax reads (N-Triples BLANK_NODE_LABEL, ASCII only).
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
#: A local name written after a prefix (Turtle PN_LOCAL, ASCII letters, digits, ``_-.``).
_LOCAL = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")
_TYPE_NT = f"<{RDF.type}>"
#: An XML name without colon (Namespaces in XML 1.0, NCName; ASCII only).
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: The XML name a property IRI ends in (its element's local part).
_XML_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;"}
_XML_ESCAPES |= {ord("\r"): "&#13;", ord("\t"): "&#9;", ord("\n"): "&#10;"}
_XML_ESCAPED = re.compile(r'[&<>"\r\t\n]')
_XML_ESCAPES_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"}
_XML_ESCAPED_TEXT = re.compile(r"[&<>\r]")
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
    text = str(term)
    text = '"' + (text.translate(_ESCAPES) if _ESCAPED.search(text) else text) + '"'
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
    if fmt.name == "ntriples":
        lines = (quad_key(item[:3]) + " .\n" for item in items)
        return "".join(dict.fromkeys(lines)).encode("utf-8")
    grouped = _Grouped(items, named=fmt.name == "trig")
    if fmt.name == "jsonld":
        return _json_ld(grouped)
    if fmt.name == "rdfxml":
        return _rdf_xml(grouped).encode("utf-8")
    return _turtle(grouped).encode("utf-8")


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


class _Grouped:
    """Statements as N-Triples terms (each term written once, compared as text: rdflib terms
    hash and compare slowly), grouped by graph (None: no graph), subject and predicate, each
    statement once, in the order first met.

    Attributes:
        graphs: Graph -> subject -> predicate -> objects.
        literals: A literal's N-Triples text -> the literal.
    """

    def __init__(self, items: Iterable[Triple | Quad], named: bool):
        self.graphs: dict[str | None, dict[str, dict[str, list[str]]]] = {}
        self.literals: dict[str, Literal] = {}
        seen: set[tuple[str, str, str, str | None]] = set()
        for item in items:
            s, p, o = term_nt(item[0]), term_nt(item[1]), term_nt(item[2])
            g = term_nt(item[3]) if named and len(item) == 4 else None
            if (s, p, o, g) in seen:
                continue
            seen.add((s, p, o, g))
            if o[0] == '"' and o not in self.literals:
                self.literals[o] = item[2]  # type: ignore[assignment]
            self.graphs.setdefault(g, {}).setdefault(s, {}).setdefault(p, []).append(o)

    def iris(self) -> set[str]:
        """Every IRI written (datatypes included)."""
        found: set[str] = set()
        for graph, subjects in self.graphs.items():
            if graph is not None:
                found.add(graph[1:-1])
            for s, predicates in subjects.items():
                if s[0] == "<":
                    found.add(s[1:-1])
                for p, objects in predicates.items():
                    found.add(p[1:-1])
                    for o in objects:
                        if o[0] == "<":
                            found.add(o[1:-1])
                        elif o[-1] == ">":
                            found.add(o[o.rindex("^^<") + 3 : -1])
        return found


def _prefixes(iris: set[str]) -> dict[str, str]:
    """govkg's prefixes whose namespace some of ``iris`` starts with.

    >>> _prefixes({"https://w3id.org/govkg/ontology#Principle"})
    {'gk': 'https://w3id.org/govkg/ontology#'}
    """
    return {
        prefix: ns for prefix, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)
    }


def _turtle(grouped: _Grouped) -> str:
    """Turtle (one graph, None) or TriG (named graphs) of grouped statements."""
    prefixes = _prefixes(grouped.iris())
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

    def term(nt: str) -> str:
        if nt[0] == "<":
            return iri(nt[1:-1])
        if nt[-1] == ">":  # a typed literal: "..."^^<datatype>
            cut = nt.rindex("^^<")
            return nt[: cut + 2] + iri(nt[cut + 3 : -1])
        return nt

    out = [f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in prefixes.items()]
    for graph, subjects in grouped.graphs.items():
        indent = "" if graph is None else "\t"
        out.append("\n" if graph is None else f"\n{term(graph)} {{\n")
        for subject, predicates in subjects.items():
            lines = [
                ("a" if p == _TYPE_NT else term(p)) + " " + " , ".join(map(term, objects))
                for p, objects in predicates.items()
            ]
            out.append(f"{indent}{term(subject)} " + f" ;\n{indent}\t".join(lines) + " .\n")
        if graph is not None:
            out.append("}\n")
    return "".join(out)


def _json_ld(grouped: _Grouped) -> bytes:
    """Expanded, flattened JSON-LD of grouped statements (a named graph: ``@id`` and
    ``@graph``)."""

    def node_id(nt: str) -> str:
        return nt[1:-1] if nt[0] == "<" else nt

    def value(nt: str) -> dict[str, str]:
        if nt[0] != '"':
            return {"@id": node_id(nt)}
        literal = grouped.literals[nt]
        found = {"@value": str(literal)}
        if literal.language:
            found["@language"] = literal.language
        elif literal.datatype is not None and literal.datatype not in _PLAIN:
            found["@type"] = str(literal.datatype)
        return found

    def nodes(subjects: dict[str, dict[str, list[str]]]) -> list[dict[str, Any]]:
        out = []
        for subject, predicates in subjects.items():
            node: dict[str, Any] = {"@id": node_id(subject)}
            for p, objects in predicates.items():
                if p == _TYPE_NT and not any(o[0] == '"' for o in objects):
                    node["@type"] = [node_id(o) for o in objects]
                else:
                    node[p[1:-1]] = [value(o) for o in objects]
            out.append(node)
        return out

    document: list[dict[str, Any]] = []
    for graph, subjects in grouped.graphs.items():
        if graph is None:
            document.extend(nodes(subjects))
        else:
            document.append({"@id": node_id(graph), "@graph": nodes(subjects)})
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _rdf_xml(grouped: _Grouped) -> str:
    """RDF/XML (RDF 1.1 XML Syntax): one ``rdf:Description`` per subject (section 2.2), a
    property element per statement named by the property IRI's namespace and XML name
    (govkg's prefix when it has one, else ``ns1``, ``ns2``...), ``rdf:resource`` /
    ``rdf:nodeID`` for IRIs and blank nodes (sections 2.4, 2.10), ``xml:lang`` and
    ``rdf:datatype`` for literals (sections 2.7, 2.9).

    Raises:
        NotAcceptableError: a property IRI ends in no XML name, or a literal holds a
            character XML 1.0 cannot.
    """
    others = ", ".join(f.media_type for f in GRAPH if f.name != "rdfxml")
    known = {ns: prefix for prefix, ns in PREFIXES.items()}
    namespaces: dict[str, str] = {str(RDF): "rdf"}
    elements: dict[str, str] = {}

    def element(predicate: str) -> str:
        name = elements.get(predicate)
        if name is None:
            local = _XML_LOCAL.search(predicate)
            if local is None:
                raise NotAcceptableError(
                    f"<{predicate}> cannot be an RDF/XML property; ask for another syntax: "
                    + others
                )
            ns = predicate[: local.start()]
            if ns not in namespaces:
                namespaces[ns] = known.get(ns) or f"ns{len(namespaces)}"
            name = elements[predicate] = f"{namespaces[ns]}:{local.group()}"
        return name

    def node(nt: str) -> str:
        if nt[0] == "<":
            return f'rdf:about="{_xml_escape(nt[1:-1])}"'
        return f'rdf:nodeID="{_xml_label(nt[2:])}"'

    body: list[str] = []
    for subject, predicates in grouped.graphs.get(None, {}).items():
        body.append(f"\t<rdf:Description {node(subject)}>\n")
        for p, objects in predicates.items():
            name = element(p[1:-1])
            for o in objects:
                if o[0] == "<":
                    body.append(f'\t\t<{name} rdf:resource="{_xml_escape(o[1:-1])}"/>\n')
                    continue
                if o[0] == "_":
                    body.append(f'\t\t<{name} rdf:nodeID="{_xml_label(o[2:])}"/>\n')
                    continue
                literal = grouped.literals[o]
                text = str(literal)
                bad = _NOT_XML.search(text)
                if bad is not None:
                    raise NotAcceptableError(
                        f"a literal holds a character XML 1.0 cannot ({bad.group()!r}); ask "
                        "for another syntax: " + others
                    )
                attribute = ""
                if literal.language:
                    attribute = f' xml:lang="{_xml_escape(literal.language)}"'
                elif literal.datatype is not None and literal.datatype not in _PLAIN:
                    attribute = f' rdf:datatype="{_xml_escape(literal.datatype)}"'
                body.append(f"\t\t<{name}{attribute}>{_xml_text(text)}</{name}>\n")
        body.append("\t</rdf:Description>\n")
    declared = "".join(
        f'\n\txmlns:{prefix}="{_xml_escape(ns)}"' for ns, prefix in namespaces.items()
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declared}>\n'
    return head + "".join(body) + "</rdf:RDF>\n"


def _xml_label(label: str) -> str:
    """A blank node label as an XML name (``rdf:nodeID``): as given when it is one, else
    hex-encoded behind ``x`` (a store's hex label may start with a digit)."""
    return label if _NCNAME.fullmatch(label) else "x" + label.encode("utf-8").hex()


def _xml_escape(text: str) -> str:
    """Text escaped for a double-quoted XML attribute (whitespace kept from the attribute
    value normalisation of XML 1.0 section 3.3.3)."""
    return text.translate(_XML_ESCAPES) if _XML_ESCAPED.search(text) else text


def _xml_text(text: str) -> str:
    """Text escaped for XML content (a carriage return kept from the line-end normalisation
    of XML 1.0 section 2.11)."""
    return text.translate(_XML_ESCAPES_TEXT) if _XML_ESCAPED_TEXT.search(text) else text
