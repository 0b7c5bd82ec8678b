"""Reading a SPARQL 1.1 Protocol query request (W3C Recommendation 2013-03-21, section 2.1).

Three ways to send a query are accepted (section 2.1.1 query via GET, 2.1.2 via URL-encoded
POST, 2.1.3 via POST directly); the RDF dataset may be named with ``default-graph-uri`` and
``named-graph-uri`` (section 2.1.4). The endpoint is read-only: any update operation (section
2.2), whatever the route or the content type, is refused with 403, and the query text is
bounded by :func:`govkg.sparql_guard.check_query` before any parser sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

from govkg.errors import InputError
from govkg.sparql_guard import GuardError, QueryShape, check_query
from govkg.web.config import MAX_DATASET_GRAPHS
from govkg.web.errors import UnsupportedMediaTypeError

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
_UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*$")


@dataclass(frozen=True)
class QueryRequest:
    """A query operation, checked and ready to evaluate.

    Attributes:
        query: The query text (already bounded by the guard).
        shape: What the guard's scan found (operation, keywords, depth).
        default_graphs: ``default-graph-uri`` values, or None when the protocol names no
            dataset (then the query's FROM/FROM NAMED or the union default graph apply).
        named_graphs: ``named-graph-uri`` values, or None likewise.
        formats: ``format``/``output`` parameter values (a result format override).
    """

    query: str
    shape: QueryShape
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: tuple[str, ...] = ()


def read_query_request(
    method: str,
    args: MultiDict[str, str],
    content_type: str | None,
    form: MultiDict[str, str] | None,
    body: bytes | None,
    *,
    max_bytes: int,
    max_nesting: int,
) -> QueryRequest | None:
    """Read and check a query request; None when it carries no query at all.

    Args:
        method: ``GET``, ``HEAD`` or ``POST``.
        args: The URL's query-string parameters.
        content_type: The request's ``Content-Type`` header (POST).
        form: The parsed body of a form POST, else None.
        body: The raw body of a direct POST, else None.
        max_bytes: Largest query accepted (SPARQL guard).
        max_nesting: Deepest nesting accepted (SPARQL guard).

    Raises:
        GuardError: an update (kind ``update``, 403), too large (413), too deep (400) or
            federated (403) query.
        UnsupportedMediaTypeError: a POST body that is neither form-encoded nor a SPARQL query.
        InputError: more than one query, a malformed graph IRI or a non-UTF-8 body (400).
    """
    mime, charset = _media_type(content_type)
    _refuse_updates(args)
    if method in ("GET", "HEAD"):
        params = args
    elif mime == FORM:
        params = form if form is not None else MultiDict()
        _refuse_updates(params)
        params = MultiDict(list(args.items(multi=True)) + list(params.items(multi=True)))
    elif mime == SPARQL_QUERY:
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaTypeError(f"{SPARQL_QUERY} must be UTF-8, not {charset}")
        if "query" in args:
            raise InputError("a query in the body and another in the URL: send one")
        text = _decode(body or b"")
        params = MultiDict(list(args.items(multi=True)) + [("query", text)])
    elif mime == SPARQL_UPDATE:
        raise GuardError("SPARQL Update is not accepted: the graph is read-only", kind="update")
    elif not mime:
        raise UnsupportedMediaTypeError(f"a POST needs a Content-Type: {FORM} or {SPARQL_QUERY}")
    else:
        raise UnsupportedMediaTypeError(
            f"unsupported Content-Type {mime}; send {FORM} or {SPARQL_QUERY}"
        )
    queries = params.getlist("query")
    if not queries:
        if method == "POST":
            raise InputError("no query: send the query in a 'query' parameter or as the body")
        return None
    if len(queries) > 1:
        raise InputError(f"{len(queries)} 'query' parameters: send exactly one")
    shape = check_query(queries[0], max_bytes=max_bytes, max_nesting=max_nesting)
    return QueryRequest(
        query=queries[0],
        shape=shape,
        default_graphs=_graphs(params, "default-graph-uri"),
        named_graphs=_graphs(params, "named-graph-uri"),
        formats=tuple(params.getlist("format") + params.getlist("output")),
    )


def protocol_dataset(
    default: tuple[str, ...] | None, named: tuple[str, ...] | None
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """Complete a protocol dataset (section 2.1.4): naming either part names the whole.

    A request with only ``named-graph-uri`` has an empty default graph, and one with only
    ``default-graph-uri`` has no named graphs, as with FROM / FROM NAMED in a query.

    >>> protocol_dataset(None, ("urn:g",))
    ((), ('urn:g',))
    >>> protocol_dataset(None, None)
    (None, None)
    """
    if default is None and named is None:
        return None, None
    return default or (), named or ()


def _refuse_updates(params: MultiDict[str, str]) -> None:
    for name in _UPDATE_PARAMS:
        if name in params:
            raise GuardError(
                f"SPARQL Update ({name!r} parameter) is not accepted: the graph is read-only",
                kind="update",
            )


def _media_type(header: str | None) -> tuple[str, str | None]:
    """The media type of a ``Content-Type`` header, lower-cased, and its charset if any
    (RFC 9110 section 8.3; parsed by werkzeug's ``parse_options_header``).

    >>> _media_type('Application/SPARQL-Query; Charset="UTF-8"')
    ('application/sparql-query', 'utf-8')
    """
    mime, options = parse_options_header(header)
    charset = options.get("charset")
    return mime.lower(), charset.lower() if charset is not None else None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the query is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
        ) from None


def _graphs(params: MultiDict[str, str], name: str) -> tuple[str, ...] | None:
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > MAX_DATASET_GRAPHS:
        raise InputError(f"more than {MAX_DATASET_GRAPHS} {name} values")
    for value in values:
        if not _ABSOLUTE_IRI.match(value):
            raise InputError(f"{name} must be an absolute IRI, not {value[:80]!r}")
    return tuple(values)
