"""The SPARQL endpoint ``/sparql``: the query operation of the SPARQL 1.1 Protocol
(sections 2.1.1-2.1.3 GET, URL-encoded POST, direct POST; 2.1.4 dataset; 2.1.5 and 2.2
responses) and, without a query, the SPARQL 1.1 Service Description (section 2 of that
Recommendation) or an HTML query page for people.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from govkg.namespaces import DISPLAY_PREFIXES
from govkg.web import base_url, current_site
from govkg.web.config import MAX_HTML_RESULT_BYTES, MAX_HTML_ROWS
from govkg.web.errors import NotAcceptableError
from govkg.web.evaluator import Reply
from govkg.web.metadata import service_description
from govkg.web.negotiation import GRAPH, TABULAR, choose
from govkg.web.protocol import QueryRequest, read_query_request
from govkg.web.rdfdoc import rdf_response
from govkg.web.serving import INLINE_BYTES, STREAM_CHUNK_BYTES

bp = Blueprint("sparql", __name__)
#: Prefixes the query editor completes: govkg's display prefixes and its framework ids.
EDITOR_PREFIXES = {**DISPLAY_PREFIXES, "framework": DISPLAY_PREFIXES["id"] + "framework/"}
_HTML = next(f for f in TABULAR if f.name == "html")


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query operation, or describe the service when no query is sent."""
    site = current_site()
    form = request.form if request.mimetype == "application/x-www-form-urlencoded" else None
    body = request.get_data(cache=False) if request.mimetype == "application/sparql-query" else None
    query = read_query_request(
        request.method,
        request.args,
        request.headers.get("Content-Type"),
        form,
        body,
        max_bytes=site.config.max_query_bytes,
        max_nesting=site.config.max_nesting,
    )
    if query is None:
        return _describe_service()
    return answer(query)


def answer(query: QueryRequest, title: str | None = None, summary: str | None = None) -> Response:
    """Evaluate a checked query and answer in the negotiated format (also ``/queries/NAME``).

    The tabular and the graph format are chosen up front; when the query's form is known
    from the guard's scan and nothing acceptable exists for it, the answer is 406 before any
    evaluation.
    """
    accept = request.headers.get("Accept")
    requested = list(query.formats) or None
    tabular = choose(TABULAR, accept, requested)
    graph = choose(GRAPH, accept, requested)
    operation = query.shape.operation
    if tabular is None and (graph is None or operation in ("SELECT", "ASK")):
        raise NotAcceptableError(_not_acceptable(operation))
    if graph is None and operation in ("CONSTRUCT", "DESCRIBE"):
        raise NotAcceptableError(_not_acceptable(operation))
    site = current_site()
    reply = site.run_query(query, base_url() + "/sparql", tabular, graph)
    if tabular is _HTML and reply.media_type == "application/sparql-results+json":
        return _html_results(reply, query, title, summary)
    response = _stream(reply)
    response.headers["Vary"] = "Accept"
    return response


def _stream(reply: Reply) -> Response:
    """The answer as a response: whole when small, else streamed through the worker's gate
    (at most ``max_streams`` at once, each within ``send_timeout``)."""
    if reply.size <= INLINE_BYTES:
        body = reply.read_all()
        assert body is not None
        return Response(body, content_type=reply.media_type)
    gated = current_site().streams.stream(reply.chunks(STREAM_CHUNK_BYTES), "a query answer")
    response = Response(gated, content_type=reply.media_type, direct_passthrough=True)
    response.content_length = reply.size
    return response


def _html_results(
    reply: Reply, query: QueryRequest, title: str | None, summary: str | None
) -> Response:
    data = reply.read_all(limit=MAX_HTML_RESULT_BYTES)
    table = json.loads(data) if data is not None else None
    variables: list[str] = []
    rows: list[dict[str, dict[str, str]]] = []
    boolean = None
    if table is not None:
        variables = table.get("head", {}).get("vars", [])
        boolean = table.get("boolean")
        rows = table.get("results", {}).get("bindings", []) if boolean is None else []
    html = render_template(
        "results.html",
        title=title or "Query results",
        summary=summary,
        query=query.query,
        variables=variables,
        rows=rows[:MAX_HTML_ROWS],
        total=len(rows),
        boolean=boolean,
        too_large=table is None,
        max_rows=MAX_HTML_ROWS,
    )
    response = Response(html, content_type=_HTML.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _describe_service() -> Response:
    site = current_site()
    accept = request.headers.get("Accept")
    fmt = choose(GRAPH + (_HTML,), accept)
    if fmt is _HTML:
        examples = [q for q in site.catalogue.values() if not q.is_qc]
        return Response(
            render_template(
                "sparql.html",
                examples=examples,
                timeout=site.config.query_timeout,
                stats=site.stats,
                prefixes=EDITOR_PREFIXES,
            ),
            content_type=_HTML.media_type,
            headers={"Vary": "Accept"},
        )
    if fmt is None:
        raise NotAcceptableError(
            "the service description is RDF (text/turtle, application/ld+json, ...) or an HTML page"
        )
    return rdf_response(service_description(site.stats, base_url()), fmt)


def _not_acceptable(operation: str) -> str:
    if operation in ("CONSTRUCT", "DESCRIBE"):
        kinds = ", ".join(f.media_type for f in GRAPH)
        return f"nothing acceptable for a {operation} result; it can be sent as: {kinds}"
    kinds = ", ".join(f.media_type.split(";")[0] for f in TABULAR)
    return f"nothing acceptable for a {operation or 'query'} result; it can be sent as: {kinds}"
