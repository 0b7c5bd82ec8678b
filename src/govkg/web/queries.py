"""The named queries (``queries/*.rq``) over HTTP: ``/queries/`` lists them (HTML or JSON by
``Accept``) and ``/queries/NAME`` runs one, negotiated like ``/sparql``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from govkg.errors import UnknownQueryError
from govkg.sparql_guard import check_query
from govkg.web import base_url, current_site
from govkg.web.negotiation import listing_response
from govkg.web.protocol import QueryRequest
from govkg.web.sparql import answer

bp = Blueprint("queries", __name__)
#: Query-string parameters of ``/queries/NAME`` that are not query parameters.
_RESERVED = ("format", "output")


@bp.route("/queries/")
@bp.route("/queries")
def listing() -> Response:
    """List the named queries with their summaries and links."""
    site = current_site()

    def document() -> object:
        root = base_url()
        return {
            "queries": [
                {
                    "name": q.name,
                    "summary": q.summary,
                    "url": f"{root}/queries/{q.name}",
                    "qualityControl": q.is_qc,
                    "parameters": [p.lstrip("_") for p in q.parameters],
                    "query": q.text,
                }
                for q in site.catalogue.values()
            ]
        }

    return listing_response(
        "the list of named queries", document, "queries.html", queries=site.catalogue.values()
    )


@bp.route("/queries/<path:name>", methods=["GET"])
def run(name: str) -> Response:
    """Run one named query; ``format`` and ``Accept`` choose the result format, and the other
    query-string parameters bind its ``?_name`` parameters (grlc style: ``?name=VALUE`` or
    ``?_name=VALUE``), read as ``govkg query --param`` reads them: a parameter whose name says
    what it holds (framework, element, set...) takes any spelling of an id and an unknown id is
    a 400 naming the close matches; other values are ids or IRIs where they are plainly so,
    else strings (``govkg.identifiers``)."""
    site = current_site()
    named = site.catalogue.get(name.removesuffix(".rq"))
    if named is None:
        raise UnknownQueryError(f"no named query {name!r}; see /queries/")
    values = {k: v for k, v in request.args.items() if k not in _RESERVED}
    text = named.bind(site.resolver.parameter_values(named, values))
    shape = check_query(
        text, max_bytes=site.config.max_query_bytes, max_nesting=site.config.max_nesting
    )
    formats = tuple(request.args.getlist("format") + request.args.getlist("output"))
    query = QueryRequest(
        query=text, shape=shape, default_graphs=None, named_graphs=None, formats=formats
    )
    return answer(query, title=named.name, summary=named.summary)
