"""What a remote store sends and reads: a query's dataset clauses taken out of its text, and
answers read into rdflib terms.

* :func:`split_dataset` finds FROM / FROM NAMED (SPARQL 1.1 Query section 13.2) with a
  tokeniser of the grammar's terminals (section 19.8: IRIs, prefixed names, strings,
  variables, comments), so a ``FROM`` inside a string, an IRI or a comment is left alone,
  and returns the text without them;
* :func:`read_results` reads SPARQL 1.1 Query Results JSON (including Virtuoso's
  ``typed-literal`` binding type and its ``nodeID://`` blank node labels);
* :func:`read_ntriples` reads N-Triples (RDF 1.1 N-Triples section 7), keeping every literal's
  lexical form.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef

from govkg.backends import Rows, Term, Triple
from govkg.errors import QueryError

_IRIREF = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
_NAME = re.compile(r"[A-Za-z0-9_\u00B7-\uFFFF][A-Za-z0-9_.\-\u00B7-\uFFFF]*")
_LOCAL = re.compile(r"(?:[^\s{}()\[\],;<>\"'#]|\\.)*")
_VARIABLE = re.compile(r"[?$][A-Za-z0-9_\u00B7-\uFFFF]*")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Token:
    """A terminal of the query: ``iri``, ``pname``, ``word``, ``string``, ``variable``,
    ``comment`` or ``other`` (one character), with its span in the text."""

    kind: str
    start: int
    end: int
    text: str


def tokens(text: str) -> Iterator[Token]:
    """The query's terminals, whitespace left out.

    >>> [t.kind for t in tokens('SELECT ?x FROM <g> { ?x ex:p "FROM <h>" } # FROM')]
    ['word', 'variable', 'word', 'iri', 'other', 'variable', 'pname', 'string', 'other', \
'comment']
    """
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        start = i
        if char == "#":
            end = text.find("\n", i)
            i, kind = (size if end < 0 else end), "comment"
        elif char == "<" and (match := _IRIREF.match(text, i)):
            i, kind = match.end(), "iri"
        elif char in "\"'":
            i, kind = _string_end(text, i), "string"
        elif char in "?$":
            i, kind = _VARIABLE.match(text, i).end(), "variable"  # type: ignore[union-attr]
        elif char == "@":
            match = _LANGTAG.match(text, i)
            i, kind = (match.end() if match else i + 1), "other"
        elif char == ":" or _NAME.match(text, i):
            name = _NAME.match(text, i)
            i = name.end() if name else i
            while i > start and text[i - 1] == ".":
                i -= 1
            if i < size and text[i] == ":":
                i = _LOCAL.match(text, i + 1).end()  # type: ignore[union-attr]
                while text[i - 1] == "." and i - 1 > start:
                    i -= 1
                kind = "pname"
            else:
                kind = "word"
            if i == start:
                i, kind = i + 1, "other"
        else:
            i, kind = i + 1, "other"
        yield Token(kind, start, i, text[start:i])


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(delimiter, i):
            return i + len(delimiter)
        else:
            i += 1
    return len(text)


@dataclass(frozen=True)
class DatasetClauses:
    """A query's FROM and FROM NAMED graphs, and its text without them."""

    text: str
    default: tuple[str, ...]
    named: tuple[str, ...]
    #: Prefixes of prefixed names the query uses without declaring them.
    undeclared: frozenset[str] = frozenset()
    #: IRIs the text writes in full or declares as a prefix's namespace (resolved).
    iris: frozenset[str] = frozenset()
    #: Whether the text has a ``GRAPH`` pattern (else its named graphs do not matter).
    reads_named_graphs: bool = True

    @property
    def given(self) -> bool:
        return bool(self.default or self.named)


def split_dataset(text: str, base_iri: str | None = None) -> DatasetClauses:
    """Take FROM / FROM NAMED clauses out of a query (prefixed names and relative IRIs
    resolved with its PREFIX and BASE declarations).

    Raises:
        QueryError: a dataset clause without a graph name, or an unknown prefix.

    >>> c = split_dataset("PREFIX g: <urn:g:> SELECT * FROM g:a FROM NAMED <urn:b> { }")
    >>> (c.text, c.default, c.named)
    ('PREFIX g: <urn:g:> SELECT *     { }', ('urn:g:a',), ('urn:b',))
    """
    found = [t for t in tokens(text) if t.kind != "comment"]
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    default: list[str] = []
    named: list[str] = []
    cuts: list[tuple[int, int]] = []
    undeclared: set[str] = set()
    iris: set[str] = set()
    graph_patterns = False
    i = 0
    while i < len(found):
        token = found[i]
        if token.kind == "iri":
            iris.add(_resolve(token.text[1:-1], base))
        if token.kind == "pname" and token.text.split(":", 1)[0] not in prefixes:
            undeclared.add(token.text.split(":", 1)[0])
        word = token.text.upper() if token.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(found) and found[i + 2].kind == "iri":
            namespace = _resolve(found[i + 2].text[1:-1], base)
            prefixes[found[i + 1].text.rstrip(":")] = namespace
            iris.add(namespace)
            i += 3
            continue
        if word == "BASE" and i + 1 < len(found) and found[i + 1].kind == "iri":
            base = _resolve(found[i + 1].text[1:-1], base)
            i += 2
            continue
        graph_patterns = graph_patterns or word == "GRAPH"
        if word == "DEFINE":
            raise QueryError("engine pragmas (DEFINE) are not SPARQL and not accepted")
        if word == "FROM":
            is_named = i + 1 < len(found) and found[i + 1].text.upper() == "NAMED"
            target = i + 2 if is_named else i + 1
            if target >= len(found) or found[target].kind not in ("iri", "pname"):
                raise QueryError("FROM needs a graph IRI")
            graph = _graph_name(found[target], prefixes, base)
            (named if is_named else default).append(graph)
            cuts.append((token.start, found[target].end))
            i = target + 1
            continue
        i += 1
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return DatasetClauses(
        text, tuple(default), tuple(named), frozenset(undeclared), frozenset(iris), graph_patterns
    )


#: The variable an ASK query asked as a SELECT projects (:func:`ask_as_select`).
ASK_VARIABLE = "govkg_ask"


def ask_as_select(text: str) -> str:
    """The SELECT form of an ASK query: one constant column, a row per solution.

    Virtuoso 7.2 answers ``ASK { GRAPH <g> {...} }`` true for a graph the protocol dataset
    leaves out, and even for an empty graph (a SELECT projecting the pattern's variables is
    right), so ASK is asked as SELECT there.

    >>> print(ask_as_select("PREFIX ask: <urn:x:> ask { ?s ask:p 'ASK' }"))
    PREFIX ask: <urn:x:> SELECT * { ?s ask:p 'ASK' }
    LIMIT 1

    Raises:
        QueryError: the text has no ASK keyword.
    """
    found = [t for t in tokens(text) if t.kind == "word" and t.text.upper() == "ASK"]
    if not found:
        raise QueryError("not an ASK query")
    first = found[0]
    rest = text[first.end :]
    # LIMIT goes before a trailing VALUES clause; without one, at the end
    values = [t for t in tokens(rest) if t.kind == "word" and t.text.upper() == "VALUES"]
    depth_free = _top_level_values(rest, values)
    if depth_free is None:
        rest = rest.rstrip() + "\nLIMIT 1"  # on its own line: the text may end in a comment
    else:
        rest = rest[:depth_free] + "LIMIT 1 " + rest[depth_free:]
    grouped = any(t.kind == "word" and t.text.upper() == "GROUP" for t in tokens(rest))
    # SELECT *: Virtuoso drops a pattern none of whose variables is projected (it answers
    # one row for ``SELECT (1 AS ?x) { GRAPH <empty> { ?s ?p ?o } }``); a grouped query
    # cannot project *, so it projects a constant
    projection = f"(1 AS ?{ASK_VARIABLE})" if grouped else "*"
    return f"{text[: first.start]}SELECT {projection}{rest}"


def _top_level_values(text: str, values: list[Token]) -> int | None:
    """Where a VALUES clause outside every group starts in ``text`` (None: there is none)."""
    depth = 0
    starts = {t.start for t in values}
    for token in tokens(text):
        if token.kind == "other" and token.text == "{":
            depth += 1
        elif token.kind == "other" and token.text == "}":
            depth -= 1
        elif token.start in starts and depth == 0:
            return token.start
    return None


def boolean_answer(value: bool, media_type: str) -> bytes:
    """An ASK answer written in a results media type (as the embedded store writes it).

    >>> boolean_answer(True, "application/sparql-results+json")
    b'{"head":{},"boolean":true}'
    """
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return f'{{"head":{{}},"boolean":{word}}}'.encode()
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head></head><boolean>{word}</boolean></sparql>"
        ).encode()
    return word.encode()  # CSV and TSV define no boolean; the embedded store writes the word


def restrict_graph_names(
    text: str, visible: Callable[[str], bool], replacement: str, base_iri: str | None = None
) -> str:
    """Replace every constant graph name after ``GRAPH`` that ``visible`` refuses by
    ``<replacement>`` (prefixed names and relative IRIs resolved as in the query).

    Virtuoso 7.2 reads ``GRAPH <g> {...}`` from graph ``g`` even when the protocol's
    ``named-graph-uri`` leaves it out (``GRAPH ?g`` is restricted); govkg names an empty
    graph there instead.

    >>> restrict_graph_names("PREFIX o: <urn:o:> ASK { GRAPH o:x { ?s ?p ?o } }",
    ...                      lambda g: g.startswith("urn:mine:"), "urn:none")
    'PREFIX o: <urn:o:> ASK { GRAPH <urn:none> { ?s ?p ?o } }'
    """
    found = [t for t in tokens(text) if t.kind != "comment"]
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    cuts: list[tuple[int, int]] = []
    for i, token in enumerate(found):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(found) and found[i + 2].kind == "iri":
            prefixes[found[i + 1].text.rstrip(":")] = _resolve(found[i + 2].text[1:-1], base)
        elif word == "BASE" and i + 1 < len(found) and found[i + 1].kind == "iri":
            base = _resolve(found[i + 1].text[1:-1], base)
        elif word == "GRAPH" and i + 1 < len(found) and found[i + 1].kind in ("iri", "pname"):
            name = found[i + 1]
            try:
                graph = _graph_name(name, prefixes, base)
            except QueryError:  # a prefix the query does not declare (engines predeclare
                graph = ""  # some, Virtuoso dozens): never a graph of govkg's
            if not visible(graph):
                cuts.append((name.start, name.end))
    for start, end in reversed(cuts):
        text = f"{text[:start]}<{replacement}>{text[end:]}"
    return text


def _graph_name(token: Token, prefixes: dict[str, str], base: str) -> str:
    if token.kind == "iri":
        return _resolve(token.text[1:-1], base)
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise QueryError(f"unknown prefix {prefix + ':'!r} in a FROM clause")
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def _resolve(iri: str, base: str) -> str:
    return urllib.parse.urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri


def drop_unbound_binds(text: str) -> str:
    """Take out ``BIND (?_p AS ?v)`` where the variable ``?_p`` occurs nowhere else (a query
    parameter left unset): SPARQL 1.1 Query section 18.5 (Extend) leaves ``?v`` unbound then,
    as if the BIND were absent, but Virtuoso 7.2 binds it to nothing and joins no solution.

    >>> drop_unbound_binds("SELECT * { BIND (?_e AS ?e) ?e ?p ?o }")
    'SELECT * {   ?e ?p ?o }'
    >>> drop_unbound_binds("SELECT * { BIND (?_e AS ?e) ?e ?p ?_e }")
    'SELECT * { BIND (?_e AS ?e) ?e ?p ?_e }'
    """
    found = [t for t in tokens(text) if t.kind != "comment"]
    uses: dict[str, int] = {}
    for token in found:
        if token.kind == "variable":
            uses[token.text[1:]] = uses.get(token.text[1:], 0) + 1
    cuts: list[tuple[int, int]] = []
    for i in range(len(found) - 5):
        bind, opening, source, as_, _target, closing = found[i : i + 6]
        if (
            bind.kind == "word"
            and bind.text.upper() == "BIND"
            and opening.text == "("
            and source.kind == "variable"
            and source.text[1:].startswith("_")
            and uses[source.text[1:]] == 1
            and as_.text.upper() == "AS"
            and _target.kind == "variable"
            and closing.text == ")"
        ):
            cuts.append((bind.start, closing.end))
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text


# Answers -------------------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Virtuoso labels blank nodes of JSON results ``nodeID://b10000`` (``_:b10000`` in N-Triples).
_VIRTUOSO_BNODE = "nodeID://"


def _term(binding: dict[str, str]) -> Term:
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value.removeprefix(_VIRTUOSO_BNODE))
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang")
        if language:
            return Literal(value, lang=language, normalize=False)
        datatype = binding.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return Literal(value, datatype=URIRef(datatype), normalize=False)
        return Literal(value, normalize=False)
    raise ValueError(f"unknown binding type {kind!r}")


def read_results(data: bytes) -> Rows | bool:
    """Read a SPARQL 1.1 Query Results JSON document: rows, or an ASK's boolean.

    Raises:
        ValueError: not such a document.

    >>> read_results(b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":'
    ...     b'{"type":"literal","value":"01","datatype":"http://www.w3.org/2001/XMLSchema#integer"}'
    ...     b'}]}}').rows[0][0].n3()
    '"01"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    document = json.loads(data)
    if "boolean" in document:
        return bool(document["boolean"])
    names = tuple(document["head"].get("vars", ()))
    rows = [
        tuple(_term(b[name]) if name in b else None for name in names)
        for b in document["results"]["bindings"]
    ]
    return Rows(names, rows)


_NT_TERM = re.compile(
    r'\s*(?:<([^>]*)>|_:(\S+?)(?=[\s.])|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)'
)
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'"}


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text) if "\\" in text else text


def read_ntriples(data: bytes) -> list[Triple]:
    """Read an N-Triples document; literals keep their lexical form, blank nodes their
    labels.

    Raises:
        ValueError: a line that is not a triple.

    >>> read_ntriples(b'_:b <urn:p> "01"^^<urn:t> .')[0][2].n3()
    '"01"^^<urn:t>'
    """
    triples: list[Triple] = []
    for number, raw in enumerate(data.decode("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        terms: list[Term] = []
        position = 0
        for _ in range(3):
            match = _NT_TERM.match(line, position)
            if match is None:
                raise ValueError(f"line {number} is not a triple")
            iri, label, lexical, language, datatype = match.groups()
            if iri is not None:
                terms.append(URIRef(_unescape(iri)))
            elif label is not None:
                terms.append(BNode(label))
            elif language:
                terms.append(Literal(_unescape(lexical), lang=language, normalize=False))
            elif datatype and datatype != _XSD_STRING:
                terms.append(
                    Literal(_unescape(lexical), datatype=URIRef(datatype), normalize=False)
                )
            else:
                terms.append(Literal(_unescape(lexical), normalize=False))
            position = match.end()
        if line[position:].strip() != ".":
            raise ValueError(f"line {number} is not a triple")
        subject, predicate, value = terms
        if isinstance(subject, Literal) or not isinstance(predicate, URIRef):
            raise ValueError(f"line {number} is not a triple")
        triples.append((subject, predicate, value))
    return triples
