"""Evaluating one query request in an evaluator process, with the dataset rules of the
SPARQL 1.1 Protocol (section 2.1.4) and results written natively by the store.

Dataset rules, in order:

1. ``default-graph-uri`` / ``named-graph-uri`` given: they are the dataset (an absent part is
   empty) and override FROM / FROM NAMED in the query;
2. the query has FROM or FROM NAMED: those name the dataset (SPARQL 1.1 Query section 13.2);
3. otherwise the default graph is the union of all graphs, and every named graph is available.

Graph IRIs only ever select graphs of the local store; nothing is fetched (pyoxigraph treats
FROM as a graph name, and a graph that is not in the store is empty).
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

from govkg.backends import Backend
from govkg.errors import QueryError
from govkg.web.errors import NotAcceptableError
from govkg.web.evaluator import Sink, Task
from govkg.web.negotiation import ResultFormat
from govkg.web.protocol import QueryRequest, protocol_dataset


def encode(
    request: QueryRequest, base_iri: str, tabular: ResultFormat | None, graph: ResultFormat | None
) -> bytes:
    """Encode a checked request for an evaluator (HTML tables are made from JSON results)."""
    default, named = protocol_dataset(request.default_graphs, request.named_graphs)
    payload = {
        "query": request.query,
        "base": base_iri,
        "default": list(default) if default is not None else None,
        "named": list(named) if named is not None else None,
        "tabular": _wire(tabular),
        "graph": _wire(graph),
    }
    return json.dumps(payload).encode("utf-8")


def _wire(fmt: ResultFormat | None) -> list[str] | None:
    if fmt is None:
        return None
    if fmt.name == "html":
        return ["application/sparql-results+json", "JSON"]
    return [fmt.media_type, fmt.native]


def make_task(backend: Backend) -> Task:
    """Return the evaluator task that answers encoded requests from ``backend``."""

    def task(payload: bytes, sink: Sink) -> None:
        data = json.loads(payload.decode("utf-8"))
        # the backend applies the dataset rules of the module docstring (Backend.query)
        results = backend.query(
            data["query"],
            default_graphs=data["default"],
            named_graphs=data["named"],
            base_iri=data["base"],
        )
        write_results(results, data["tabular"], data["graph"], sink)

    return task


def write_results(
    results: Any, tabular: list[str] | None, graph: list[str] | None, sink: Sink
) -> None:
    """Serialise results natively into ``sink`` in the format chosen for their kind.

    Raises:
        NotAcceptableError: the client accepts no format of this kind of result.
    """
    if isinstance(results, ox.QueryTriples):
        if graph is None:
            raise NotAcceptableError(
                "a CONSTRUCT or DESCRIBE result is RDF; accept one of "
                "text/turtle, application/n-triples, application/ld+json, "
                "application/rdf+xml, application/trig, application/n-quads"
            )
        sink.start(graph[0])
        writer: Any = getattr(ox.RdfFormat, graph[1])
    else:
        if tabular is None:
            raise NotAcceptableError(
                "a SELECT or ASK result is a results table; accept one of "
                "application/sparql-results+json, application/sparql-results"
                "+xml, text/csv, text/tab-separated-values"
            )
        sink.start(tabular[0])
        writer = getattr(ox.QueryResultsFormat, tabular[1])
    try:
        results.serialize(sink, writer)
    except (OSError, ValueError, TypeError, SyntaxError) as exc:
        raise QueryError(f"query failed: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]
