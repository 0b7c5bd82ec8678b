"""Writing RDF documents natively with pyoxigraph (no rdflib on the request path)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
from flask import Response

from govkg.namespaces import PREFIXES
from govkg.web.negotiation import ResultFormat


def serialise(items: Sequence[ox.Quad | ox.Triple], fmt: ResultFormat) -> bytes:
    """Write quads or triples in ``fmt``: quads keep their graph in TriG and N-Quads and become
    distinct triples in the triple syntaxes; only the prefixes in use are declared.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/govkg/id/x"),
    ...               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("x"))
    >>> from govkg.web.negotiation import GRAPH
    >>> serialise([t], GRAPH[1])
    b'<https://w3id.org/govkg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\\n'
    """
    syntax = getattr(ox.RdfFormat, fmt.native)
    out: list[Any]
    if fmt.name in ("trig", "nquads"):
        out = list(items)
    else:
        seen: dict[ox.Triple, None] = {}
        for item in items:
            seen.setdefault(item.triple if isinstance(item, ox.Quad) else item, None)
        out = list(seen)
    buffer = io.BytesIO()
    ox.serialize(out, buffer, syntax, prefixes=used_prefixes(out))
    return buffer.getvalue()


def used_prefixes(items: Iterable[ox.Quad | ox.Triple]) -> dict[str, str]:
    """Return govkg's prefixes whose namespace some IRI of ``items`` starts with."""
    iris = set()
    for item in items:
        for term in (item.subject, item.predicate, item.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
    return {
        prefix: ns for prefix, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)
    }


def rdf_response(
    items: Sequence[ox.Quad | ox.Triple] | bytes,
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
