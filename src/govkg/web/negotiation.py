"""The result formats of the endpoint, and choosing one by ``Accept`` or a ``format``
parameter (SPARQL 1.1 Protocol section 2.2.6; RFC 9110 section 12.5.1).

Tabular formats answer SELECT and ASK (SPARQL 1.1 Query Results JSON, XML, CSV and TSV, plus
an HTML table for people); graph formats answer CONSTRUCT and DESCRIBE and every RDF document
of the site, and come from the one syntax table in :mod:`govkg.formats`. Both kinds are
negotiated separately, so one request can say what it wants for either kind of result.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, render_template, request

from govkg.errors import InputError
from govkg.formats import RDF_SYNTAXES, negotiate
from govkg.web.errors import NotAcceptableError

#: The media types of list pages.
_LIST_TYPES = ["text/html", "application/json"]


@dataclass(frozen=True)
class ResultFormat:
    """A format an answer can be written in.

    Attributes:
        name: Its name (``json``, ``turtle`` ...).
        media_type: The ``Content-Type`` sent with it.
        accepts: Media types that select it in ``Accept`` (the first is its own).
        names: Values of the ``format`` parameter that select it.
        kind: ``tabular`` (SELECT/ASK) or ``graph`` (CONSTRUCT/DESCRIBE, RDF documents).
        extension: File extension of an RDF document in this format ("" if none).
    """

    name: str
    media_type: str
    accepts: tuple[str, ...]
    names: tuple[str, ...]
    kind: str
    extension: str = ""


TABULAR: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        ("json",),
        "tabular",
    ),
    ResultFormat(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ("xml",),
        "tabular",
    ),
    ResultFormat("csv", "text/csv; charset=utf-8", ("text/csv",), ("csv",), "tabular"),
    ResultFormat(
        "tsv",
        "text/tab-separated-values; charset=utf-8",
        ("text/tab-separated-values",),
        ("tsv",),
        "tabular",
    ),
    ResultFormat("html", "text/html; charset=utf-8", ("text/html",), ("html",), "tabular"),
)

#: Media types and ``format`` names that also select an RDF syntax (older or looser names).
_GRAPH_ALIASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "turtle": (("application/x-turtle", "application/turtle"), ("ttl", "n3")),
    "ntriples": ((), ("nt",)),
    "jsonld": (("application/json",), ("json-ld", "json")),
    "rdfxml": (("application/xml", "text/xml"), ("rdf", "rdf+xml", "xml")),
    "trig": ((), ()),
    "nquads": ((), ("nq",)),
}
GRAPH: tuple[ResultFormat, ...] = tuple(
    ResultFormat(
        s.name,
        s.media_type,
        (s.media_type, *_GRAPH_ALIASES[s.name][0]),
        (s.name, *_GRAPH_ALIASES[s.name][1]),
        "graph",
        s.extension,
    )
    for s in RDF_SYNTAXES
)

_BY_EXTENSION = {f.extension: f for f in GRAPH}


def graph_format_by_extension(extension: str) -> ResultFormat | None:
    """Return the RDF format whose file extension is ``extension``.

    >>> graph_format_by_extension("ttl").media_type
    'text/turtle'
    """
    return _BY_EXTENSION.get(extension)


def choose(
    formats: tuple[ResultFormat, ...], accept: str | None, requested: list[str] | None = None
) -> ResultFormat | None:
    """Choose one of ``formats`` by the ``format`` parameter values, else by ``Accept``.

    Args:
        formats: The candidates, the server's preference first.
        accept: The ``Accept`` header.
        requested: Values of the ``format`` parameter (names or media types); the first one
            naming any known format decides.

    Returns:
        The chosen format, or None when nothing acceptable is among ``formats``.

    Raises:
        InputError: ``requested`` names no known format at all.

    >>> choose(TABULAR, "text/csv;q=0.5, application/sparql-results+xml").name
    'xml'
    >>> choose(GRAPH, None, ["json"]).name
    'jsonld'
    """
    if requested:
        for value in requested:
            found = _by_name(value)
            if found:
                return next((f for f in formats if f in found), None)
        known = sorted({n for f in TABULAR + GRAPH for n in f.names})
        raise InputError(
            f"unknown format {requested[0]!r} (known: {', '.join(known)}, or a media type)"
        )
    if accept is not None and len(accept) > _MEMO_ACCEPT_BYTES:
        return _by_accept.__wrapped__(formats, accept)
    return _by_accept(formats, accept)


#: ``Accept`` headers up to this length are remembered (clients send the same few again and
#: again; negotiation was the largest single step of a cached answer, see
#: ``benchmarks/request_path.py``).
_MEMO_ACCEPT_BYTES = 512


@functools.lru_cache(maxsize=1024)
def _by_accept(formats: tuple[ResultFormat, ...], accept: str | None) -> ResultFormat | None:
    offered: list[str] = []
    owner: dict[str, ResultFormat] = {}
    for fmt in formats:
        for media in fmt.accepts:
            if media not in owner:
                offered.append(media)
                owner[media] = fmt
    chosen = negotiate(accept, offered)
    return owner[chosen] if chosen else None


def _by_name(value: str) -> list[ResultFormat]:
    key = value.strip().lower().split(";")[0].strip()
    return [f for f in TABULAR + GRAPH if key in f.names or key in f.accepts]


def listing_response(
    what: str, json_body: Callable[[], object], template: str, **context: object
) -> Response:
    """Answer a list page (downloads, named queries) as HTML or JSON by ``Accept``.

    Args:
        what: What is listed, for the 406 message ("the list of downloads").
        json_body: Makes the JSON document (called only when JSON is chosen).
        template: The HTML template, rendered with ``context``.

    Raises:
        NotAcceptableError: the client accepts neither HTML nor JSON.
    """
    chosen = negotiate(request.headers.get("Accept"), _LIST_TYPES)
    if chosen == "application/json":
        response = Response(
            json.dumps(json_body(), indent=1) + "\n", content_type="application/json"
        )
    elif chosen == "text/html":
        response = Response(
            render_template(template, **context), content_type="text/html; charset=utf-8"
        )
    else:
        raise NotAcceptableError(f"{what} is HTML or JSON")
    response.headers["Vary"] = "Accept"
    return response
