"""Checks a SPARQL request's text before any parser sees it.

pyoxigraph 0.5 crashes the process on deeply nested groups and can reach the network through
``SERVICE``; rdflib's parser recurses and is slow on huge input. So a query is first bounded
in size and nesting depth, and scanned (outside strings, IRIs and comments) for ``SERVICE``
and for the update operations of SPARQL 1.1 Update (section 3), which govkg never performs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from govkg.errors import QueryError

#: Default limits (the endpoint and the CLI use the same ones).
MAX_QUERY_BYTES = 64 * 1024
MAX_NESTING = 64
#: Operators (``! + - * / | ^ & = < >`` outside strings, IRIs and names) and UNIONs. Measured
#: with pyoxigraph 0.5: 8,000 chained ``+`` or 16,000 ``UNION`` groups crash the process,
#: because the parser recurses once per operator.
MAX_OPERATORS = 1000

_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PN_LOCAL = re.compile(r":[^\s{}()\[\],;]*")
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}
_OPEN, _CLOSE = "{([", "})]"
_OPERATOR_CHARACTERS = frozenset("!+-*/|^&=<>")


@dataclass(frozen=True)
class QueryShape:
    """What the scan found.

    Attributes:
        depth: The deepest nesting of ``{``, ``(`` and ``[``.
        keywords: Upper-cased bare words outside strings, IRIs and comments.
        operation: The first bare word after the prologue (``SELECT``, ``INSERT`` ...).
        operators: How many operator characters and ``UNION`` keywords the query holds.
    """

    depth: int
    keywords: frozenset[str]
    operation: str
    operators: int = 0


@functools.lru_cache(maxsize=256)
def scan(text: str) -> QueryShape:
    """Scan a query's text for nesting depth and bare keywords, skipping strings, IRIs and
    comments (SPARQL 1.1 Query grammar section 19.8 terminals).

    >>> scan('SELECT * { ?s ?p "}{" } # {').depth
    1
    """
    depth = deepest = operators = 0
    words: set[str] = set()
    operation = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "'\"":
            i = _skip_string(text, i)
        elif c == "<" and (m := _IRIREF.match(text, i)):
            i = m.end()
        elif c in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
            i += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            i += 1
        elif c.isalpha() or c == "_":
            m = _WORD.match(text, i)
            assert m is not None
            previous = text[i - 1] if i else " "
            is_pname = m.end() < n and text[m.end()] == ":"
            if previous not in "?$:" and not is_pname:
                word = m.group().upper()
                words.add(word)
                if not operation and word not in ("PREFIX", "BASE"):
                    operation = word
                operators += word == "UNION"
            i = m.end()
            if is_pname:  # skip the local part of a prefixed name
                local = _PN_LOCAL.match(text, i)
                i = local.end() if local else i + 1
        else:
            operators += c in _OPERATOR_CHARACTERS
            i += 1
    return QueryShape(
        depth=deepest, keywords=frozenset(words), operation=operation, operators=operators
    )


def _skip_string(text: str, start: int) -> int:
    quote = text[start]
    long = text.startswith(quote * 3, start)
    delimiter = quote * 3 if long else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(delimiter, i):
            return i + len(delimiter)
        if not long and text[i] == "\n":
            return i + 1
        i += 1
    return len(text)


def check_query(
    text: str,
    max_bytes: int = MAX_QUERY_BYTES,
    max_nesting: int = MAX_NESTING,
    allow_service: bool = False,
    max_operators: int = MAX_OPERATORS,
) -> QueryShape:
    """Refuse a query that is too large, too deep, too long a chain of operators, an update,
    or (unless allowed) federated.

    Raises:
        QueryError: with a one-line reason; ``kind`` tells the HTTP layer which status fits.

    >>> check_query("SELECT * WHERE { ?s ?p ?o }").depth
    1
    """
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise GuardError(
            f"query of {size} bytes is over the limit of {max_bytes} bytes", kind="too-large"
        )
    shape = scan(text)
    if shape.depth > max_nesting:
        raise GuardError(
            f"query nests groups {shape.depth} deep; the limit is {max_nesting}", kind="too-deep"
        )
    if shape.operators > max_operators:
        raise GuardError(
            f"query holds {shape.operators} operators and UNIONs; the limit is {max_operators}",
            kind="too-deep",
        )
    if shape.operation in _UPDATE_WORDS or shape.operation == "WITH":
        raise GuardError(
            f"SPARQL Update ({shape.operation}) is not accepted: the graph is read-only",
            kind="update",
        )
    if "SERVICE" in shape.keywords and not allow_service:
        raise GuardError(
            "SERVICE (federated query) is not allowed on this endpoint", kind="service"
        )
    return shape


class GuardError(QueryError):
    """A query refused by the guard; ``kind`` is too-large, too-deep (nesting or operator
    chains), update or service."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind
