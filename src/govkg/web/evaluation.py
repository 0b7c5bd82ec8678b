"""Evaluating one query request: in an evaluator process over the embedded store, or in the
request thread over a remote store, with the dataset rules of the SPARQL 1.1 Protocol
(section 2.1.4) and results written natively by the store.

Dataset rules, in order:

1. ``default-graph-uri`` / ``named-graph-uri`` given: they are the dataset (an absent part is
   empty) and override FROM / FROM NAMED in the query;
2. the query has FROM or FROM NAMED: those name the dataset (SPARQL 1.1 Query section 13.2);
3. otherwise the default graph is the RDF merge of govkg's named graphs, and every one of them
   is available by name.

Graph IRIs only ever select graphs of the store; nothing is fetched. The store applies the
rules (:class:`govkg.backends.Dataset`); this module only passes the protocol's graphs on.

Two ways to hold the time limit, chosen by the store's ``capabilities.in_process``:

* the embedded store evaluates in this process's memory, so each query runs in a killable
  evaluator process (:mod:`govkg.web.evaluator`, ADR 0006) that writes the answer natively
  (``EmbeddedStore.write``);
* a remote store evaluates elsewhere: :class:`RemoteQueries` sends the query from the request
  thread with the time limit as the request's deadline, reads the answer the engine streams
  (in memory, or spooled to a temporary file when large) and abandons the request (closes the
  connection) at the deadline. At most ``evaluators`` queries per worker are sent at once,
  the others wait in the same bounded queue as for evaluators.

An engine that does not serve a format the endpoint offers (Virtuoso has no TSV results,
JSON-LD, TriG or N-Quads answers) is asked for JSON results or N-Triples, and govkg writes the
format asked for (:func:`convert`; SPARQL 1.1 Query Results CSV and TSV Formats section 4 for
TSV, rdflib's serialisers for RDF), so every store answers in every format the embedded one
does. Such answers are held in memory: at most :data:`MAX_CONVERTED_BYTES`.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO

from rdflib import Graph

from govkg.backends import (
    Accept,
    Answer,
    Dataset,
    NotAcceptableAnswerError,
    Store,
    StoreTimeoutError,
)
from govkg.backends.embedded import EmbeddedStore
from govkg.formats import RDF_SYNTAXES
from govkg.web.errors import (
    AnswerTooLargeError,
    NotAcceptableError,
    QueryTimeoutError,
    ServiceBusyError,
)
from govkg.web.evaluator import MAX_ANSWER_BYTES, SPOOL_MEMORY_BYTES, Reply, Sink, Task
from govkg.web.negotiation import GRAPH, TABULAR, ResultFormat
from govkg.web.protocol import QueryRequest, protocol_dataset

#: The media type HTML result tables are made from.
_HTML_SOURCE = "application/sparql-results+json"
#: What an engine is asked for when it serves none of the formats accepted (then converted).
_FALLBACK = Accept(rows=(_HTML_SOURCE,), graph=("application/n-triples",))
#: The largest answer converted into a format its engine does not serve.
MAX_CONVERTED_BYTES = 64 * 1024 * 1024
#: rdflib's serialiser of each RDF media type.
_RDFLIB = {s.media_type: s.rdflib for s in RDF_SYNTAXES}
#: Literals TSV writes bare (SPARQL 1.1 TSV section 4 allows Turtle's short forms).
_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "boolean": re.compile(r"true|false"),
}
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
#: The ``Content-Type`` of each result format, by its bare media type.
_SERVED = {f.media_type.split(";")[0]: f.media_type for f in TABULAR + GRAPH if f.name != "html"}


@dataclass(frozen=True)
class Evaluation:
    """One checked query request, as an evaluator or a remote store receives it.

    Attributes:
        query: The query text (passed the guard).
        base_iri: The base IRI of relative IRIs in the query.
        dataset: The protocol's dataset (:class:`govkg.backends.Dataset`).
        accept: The media type chosen for each kind of answer (none: not acceptable).
    """

    query: str
    base_iri: str
    dataset: Dataset
    accept: Accept

    @classmethod
    def of(
        cls,
        request: QueryRequest,
        base_iri: str,
        tabular: ResultFormat | None,
        graph: ResultFormat | None,
    ) -> Evaluation:
        """The evaluation of a checked request in the formats chosen (HTML tables are made
        from JSON results)."""
        default, named = protocol_dataset(request.default_graphs, request.named_graphs)
        return cls(
            query=request.query,
            base_iri=base_iri,
            dataset=Dataset(default, named),
            accept=Accept(rows=_wire(tabular), graph=_wire(graph)),
        )

    def encode(self) -> bytes:
        """The request as bytes (sent to an evaluator; the key of the result cache)."""
        payload = {
            "query": self.query,
            "base": self.base_iri,
            "default": _listed(self.dataset.default),
            "named": _listed(self.dataset.named),
            "rows": list(self.accept.rows),
            "graph": list(self.accept.graph),
        }
        return json.dumps(payload).encode("utf-8")

    @classmethod
    def decode(cls, payload: bytes) -> Evaluation:
        """The inverse of :meth:`encode`."""
        data = json.loads(payload.decode("utf-8"))
        default, named = data["default"], data["named"]
        return cls(
            query=data["query"],
            base_iri=data["base"],
            dataset=Dataset(
                tuple(default) if default is not None else None,
                tuple(named) if named is not None else None,
            ),
            accept=Accept(rows=tuple(data["rows"]), graph=tuple(data["graph"])),
        )


def encode(
    request: QueryRequest, base_iri: str, tabular: ResultFormat | None, graph: ResultFormat | None
) -> bytes:
    """Encode a checked request for an evaluator (:meth:`Evaluation.encode`)."""
    return Evaluation.of(request, base_iri, tabular, graph).encode()


def _wire(fmt: ResultFormat | None) -> tuple[str, ...]:
    if fmt is None:
        return ()
    if fmt.name == "html":
        return (_HTML_SOURCE,)
    return (fmt.media_type.split(";")[0],)


def _listed(graphs: tuple[str, ...] | None) -> list[str] | None:
    return list(graphs) if graphs is not None else None


def served_type(media_type: str) -> str:
    """The ``Content-Type`` of an answer a store wrote in ``media_type`` (the endpoint's own
    spelling, with its charset, whatever parameters the store added).

    >>> served_type("text/csv")
    'text/csv; charset=utf-8'
    """
    bare = media_type.split(";")[0].strip().lower()
    return _SERVED.get(bare, media_type)


def make_task(store: EmbeddedStore) -> Task:
    """Return the evaluator task that answers encoded requests from the embedded ``store``."""

    def task(payload: bytes, sink: Sink) -> None:
        evaluation = Evaluation.decode(payload)
        try:
            store.write(
                evaluation.query,
                evaluation.accept,
                evaluation.dataset,
                evaluation.base_iri,
                sink,
            )
        except NotAcceptableAnswerError as exc:
            raise NotAcceptableError(exc.message) from None

    return task


class RemoteQueries:
    """Queries of one web worker sent to a remote store, each under the time limit.

    Args:
        store: The store (``capabilities.in_process`` False).
        size: Queries sent at once, at most (the worker's ``evaluators``).
        max_queued: Queries that may wait for their turn; one more → 503 at once.
        queue_timeout: Seconds a query waits for its turn at most, then 503.
    """

    def __init__(self, store: Store, size: int, max_queued: int, queue_timeout: float):
        self.store = store
        self._size = size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._waiting = 0
        self._max_queued = max_queued
        self._queue_timeout = queue_timeout

    def run(self, evaluation: Evaluation, timeout: float) -> Reply:
        """Send the query and read its whole answer within ``timeout`` seconds.

        Raises:
            QueryTimeoutError: the time limit passed (the request was abandoned).
            ServiceBusyError: too many queries wait already, or none got its turn in time.
            AnswerTooLargeError: the answer exceeded :data:`MAX_ANSWER_BYTES`.
            NotAcceptableError: nothing acceptable for the answer's kind.
            StoreUnavailableError: the store is down (503).
            StoreError: the store answered with an error of its own (502).
            QueryError: the store refused the query as malformed (400).
        """
        self._acquire(timeout)
        try:
            return self._fetch(evaluation, timeout)
        finally:
            self._slots.release()

    def _acquire(self, timeout: float) -> None:
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            if self._waiting >= self._max_queued:
                raise ServiceBusyError(
                    f"the server is saturated ({self._size} queries running, "
                    f"{self._waiting} waiting); try again shortly"
                )
            self._waiting += 1
        wait = min(self._queue_timeout, timeout)
        try:
            acquired = self._slots.acquire(timeout=wait)
        finally:
            with self._lock:
                self._waiting -= 1
        if not acquired:
            raise ServiceBusyError(
                f"every query slot stayed busy for {wait:g} s; try again shortly"
            )

    def _fetch(self, evaluation: Evaluation, timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        wanted: str | None = None
        try:
            try:
                answer = self._stream(evaluation, evaluation.accept, timeout)
            except NotAcceptableAnswerError as exc:
                left = max(deadline - time.monotonic(), 0.001)
                answer = self._stream(evaluation, _FALLBACK, left)
                kinds = (
                    evaluation.accept.graph if answer.kind == "graph" else evaluation.accept.rows
                )
                if not kinds:
                    answer.close()
                    raise NotAcceptableError(exc.message) from None
                wanted = kinds[0]
        except StoreTimeoutError:
            raise _timeout(timeout) from None
        pieces: list[bytes] = []
        total = 0
        spool: IO[bytes] | None = None
        try:
            for piece in answer.chunks:
                if time.monotonic() > deadline:
                    raise _timeout(timeout)
                total += len(piece)
                if total > MAX_ANSWER_BYTES:
                    raise AnswerTooLargeError(
                        f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MiB and was "
                        "stopped; add a LIMIT or ask for less"
                    )
                if spool is None and total > SPOOL_MEMORY_BYTES:
                    spool = tempfile.TemporaryFile(prefix="govkg-answer-")
                    spool.writelines(pieces)
                    pieces = []
                if spool is not None:
                    spool.write(piece)
                else:
                    pieces.append(piece)
        except StoreTimeoutError:
            if spool is not None:
                spool.close()
            raise _timeout(timeout) from None
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        finally:
            answer.close()  # at the deadline: the remote request is abandoned here
        if wanted is not None:
            if total > MAX_CONVERTED_BYTES:
                if spool is not None:
                    spool.close()
                raise AnswerTooLargeError(
                    f"the store does not serve {wanted} and its answer is too large to convert "
                    f"(over {MAX_CONVERTED_BYTES // 2**20} MiB); ask for {answer.media_type}"
                )
            data = Reply(answer.media_type, b"".join(pieces), spool, total).read_all()
            assert data is not None
            return Reply(served_type(wanted), convert(data, answer.kind, wanted))
        media_type = served_type(answer.media_type)
        if spool is None:
            return Reply(media_type, b"".join(pieces))
        return Reply(media_type, b"", spool, total)

    def _stream(self, evaluation: Evaluation, accept: Accept, timeout: float) -> Answer:
        return self.store.stream(
            evaluation.query, accept, evaluation.dataset, evaluation.base_iri, timeout=timeout
        )


def convert(data: bytes, kind: str, media_type: str) -> bytes:
    """Write an answer given as SPARQL JSON results (rows) or N-Triples (graph) in
    ``media_type``.

    >>> rows = b'{"head": {"vars": ["x", "n"]}, "results": {"bindings": [{"x": {"type": '
    >>> rows += b'"literal", "value": "say \\\\"hi\\\\"", "xml:lang": "en"}, "n": {"type": '
    >>> rows += b'"literal", "value": "5", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    >>> tsv = convert(rows, "rows", "text/tab-separated-values").decode()
    >>> print(tsv.replace("\\t", " | "), end="")
    ?x | ?n
    "say \\"hi\\""@en | 5
    """
    if kind == "graph":
        if media_type == "application/n-quads":
            return data  # N-Triples lines are N-Quads lines of the default graph
        graph = Graph().parse(data=data, format="nt")
        return graph.serialize(format=_RDFLIB[media_type], encoding="utf-8")
    if media_type == "text/tab-separated-values":
        table = json.loads(data)
        if "boolean" in table:  # as the embedded store writes an ASK answer in TSV
            return b"true" if table["boolean"] else b"false"
        names = table["head"].get("vars", [])
        lines = ["\t".join("?" + name for name in names)]
        for row in table["results"]["bindings"]:
            lines.append("\t".join(_tsv_term(row.get(name)) for name in names))
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise NotAcceptableError(f"the store does not serve {media_type} answers")


def _tsv_term(term: dict[str, str] | None) -> str:
    """One RDF term as SPARQL 1.1 TSV writes it (section 4: Turtle / N-Triples syntax)."""
    if term is None:
        return ""
    value = term["value"]
    if term["type"] == "uri":
        return f"<{value}>"
    if term["type"] == "bnode":
        return f"_:{value}"
    datatype = term.get("datatype")
    bare = _BARE.get(datatype or "")
    if bare is not None and bare.fullmatch(value):
        return value
    quoted = '"' + value.translate(_TSV_ESCAPES) + '"'
    if "xml:lang" in term:
        return f"{quoted}@{term['xml:lang']}"
    if datatype and datatype != _XSD + "string":
        return f"{quoted}^^<{datatype}>"
    return quoted


def _timeout(limit: float) -> QueryTimeoutError:
    # the request is abandoned (its connection closed); whether the engine then stops
    # evaluating is its own affair (Oxigraph server does not: capabilities.cancellation)
    return QueryTimeoutError(
        f"the query ran longer than the time limit of {limit:g} s and its request to the "
        "store was abandoned; simplify it or add a LIMIT"
    )
