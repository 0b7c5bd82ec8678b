"""A remote SPARQL 1.1 server as a :class:`govkg.backends.Store`, over HTTP (httpx).

Stores are named ``KIND:URL`` (:mod:`govkg.backends.spec` has each kind's URL layout, the
environment variables and the quirks); :func:`open_remote` opens one.

Protocol (SPARQL 1.1 Protocol sections 2.1 and 2.2): queries are POSTed form-encoded to the
query endpoint, with an explicit dataset; updates are POSTed as ``update=`` to the update
endpoint; graphs are loaded with the Graph Store Protocol (section 5.5, POST: add the
N-Triples file's triples, streamed from the file).

Dataset rule (:func:`govkg.backends.Dataset`, SPARQL 1.1 Query section 13): govkg's graphs
are the ones the store's publication record names (:mod:`govkg.publication`, read again
after :data:`RECORD_TTL` seconds so replicas see a publish quickly). Every query is sent with
``default-graph-uri`` and ``named-graph-uri`` parameters:

1. a protocol dataset: its graphs;
2. else the query's FROM / FROM NAMED, taken out of its text (Virtuoso would add them to the
   protocol's graphs instead of giving way to them);
3. else the default graph is the merge of govkg's graphs and each of them is named: the
   record's :data:`MERGED_GRAPH_PROPERTY` when the publish wrote one (engines count a triple held by
   two graphs twice otherwise), else all of govkg's graphs; the named graphs are sent only
   when the query has a ``GRAPH`` pattern (nothing else reads them).

A graph that is not govkg's (nor the publication graph, named explicitly) is replaced by
:data:`NO_GRAPH`, an empty graph; an empty part of the dataset is that empty graph too. So
another dataset sharing the store is never visible, nor a publish's staging graphs
(:meth:`RemoteStore.count` alone reads a graph by any name: publish counts them so).

HTTP client: one pooled keep-alive :class:`httpx.Client` per store, connect and read
timeouts, environment proxies ignored (``trust_env=False``); reads (queries, counts, the
record) are retried with backoff after a refused connection, a dropped connection or a
502/503/504, never updates or loads. Credentials (:mod:`govkg.backends.spec`) go to the
server as basic or digest authentication and never into a message, a log or a repr.

Errors (every message one line naming the store's URL without credentials): a timeout
raises :class:`StoreTimeoutError`; a refused connection or a 5xx,
:class:`StoreUnavailableError`; 401/403, :class:`StoreError` (wrong credentials); 400,
:class:`QueryError` with the engine's first line; 404 on an endpoint or another engine's
``Server`` header, :class:`StoreError` (not a store of that kind).
"""

from __future__ import annotations

import functools
import heapq
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from govkg.backends import (
    NO_DATASET,
    Accept,
    Answer,
    AnswerKind,
    Dataset,
    NotAcceptableAnswerError,
    Rows,
    StoreError,
    StoreState,
    StoreTimeoutError,
    StoreUnavailableError,
    Triple,
)
from govkg.backends.spec import GRAPH_ALIASES, ROWS_ALIASES, StoreSpec, parse_spec
from govkg.backends.wire import (
    ask_as_select,
    boolean_answer,
    drop_unbound_binds,
    read_ntriples,
    read_results,
    restrict_graph_names,
    split_dataset,
)
from govkg.errors import GovkgError, QueryError
from govkg.namespaces import PUBLICATION_GRAPH
from govkg.publication import GKS, RECORD_QUERY, RecordState, record_from
from govkg.sparql_guard import scan

#: The empty graph a query gets in place of a graph that is not govkg's.
NO_GRAPH = "urn:govkg:no-graph"
#: The record's property naming a graph that holds the RDF merge of govkg's graphs (each
#: triple once). Engines evaluate a dataset of several default graphs as the union of their
#: triples, a triple in two graphs twice (Oxigraph 0.5 and Virtuoso 7.2, measured); with
#: this graph the default graph is the RDF merge, as on the embedded store.
MERGED_GRAPH_PROPERTY = GKS.mergedGraph
#: Seconds the publication record is trusted before it is read again.
RECORD_TTL = 2.0
#: Seconds to connect; to wait for a query's answer when the caller gives no limit; to
#: wait for an update or a load.
CONNECT_TIMEOUT = 5.0
QUERY_TIMEOUT = 300.0
WRITE_TIMEOUT = 3600.0
#: Pauses before the retries of a read (so at most len + 1 attempts).
RETRY_BACKOFF = (0.2, 0.5, 1.0)
#: Statuses after which a read is tried again.
RETRY_STATUSES = frozenset({502, 503, 504})
#: Virtuoso's error codes of a transaction that lost a deadlock (answered 500; it was rolled
#: back, so the request is sent again, an update too).
VIRTUOSO_DEADLOCK = ("40001", "SR172")
#: Virtuoso's SPARQL (SP…) and SQL (SQ…) compiler errors, answered 500.
_VIRTUOSO_COMPILER = re.compile(r"\bError S[PQ]\d{3}\b")
#: Bytes read of an error answer, for its first line.
ERROR_BYTES = 4096
#: Bytes per chunk read from a file being loaded.
LOAD_CHUNK = 1 << 20
#: Engines named in ``Server`` headers, by kind.
SERVERS = {"oxigraph": ("oxigraph",), "virtuoso": ("virtuoso",), "fuseki": ("fuseki", "jena")}
#: Prefixes Virtuoso predeclares for its SQL built-ins, refused unless the query declares them.
VIRTUOSO_BUILTIN_PREFIXES = frozenset({"bif", "sql"})
#: Their namespaces: a query naming them by a prefix of its own or in full is refused too.
VIRTUOSO_BUILTIN_NAMESPACES = (
    "http://www.openlinksw.com/schemas/bif#",
    "http://www.openlinksw.com/schemas/sql#",
)
_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_NQUADS = "application/n-quads"
_KINDS: dict[str, AnswerKind] = {
    "SELECT": "rows",
    "ASK": "boolean",
    "CONSTRUCT": "graph",
    "DESCRIBE": "graph",
}


@dataclass(frozen=True)
class _Record:
    """The publication record as read: the state, and the graph holding the merge of
    govkg's graphs (:data:`MERGED_GRAPH_PROPERTY`), if the publish wrote one."""

    state: RecordState
    merged: str | None

    @functools.cached_property
    def allowed(self) -> frozenset[str]:
        """The graphs a query may read: govkg's and the merge."""
        return frozenset(self.state.graphs) | ({self.merged} if self.merged else set())

    @functools.cached_property
    def default_dataset(self) -> tuple[list[str], list[str]]:
        """The default and named graphs of a query that names none (rule 3)."""
        own = sorted(self.state.graphs)
        return ([self.merged] if self.merged else own or [NO_GRAPH]), own or [NO_GRAPH]


def open_remote(spec: str) -> RemoteStore:
    """Open the remote store a ``KIND:URL`` spec names (no request is made yet).

    Raises:
        InputError: an unknown kind or a malformed URL.
    """
    return RemoteStore(parse_spec(spec))


class RemoteStore:
    """A SPARQL 1.1 server reached over HTTP (see the module docstring).

    Args:
        spec: The parsed store spec.
        connect_timeout: Seconds to connect.
        query_timeout: Seconds a query may take when its caller gives no limit.
    """

    def __init__(
        self,
        spec: StoreSpec,
        connect_timeout: float = CONNECT_TIMEOUT,
        query_timeout: float = QUERY_TIMEOUT,
    ):
        self.spec = spec
        self.kind = spec.kind
        self.location = spec.location
        self.capabilities = spec.capabilities
        self.connect_timeout = connect_timeout
        self.query_timeout = query_timeout
        self._client = httpx.Client(
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            timeout=httpx.Timeout(query_timeout, connect=connect_timeout),
            follow_redirects=False,
            trust_env=False,
        )
        self._read_auth: httpx.Auth | None = None
        self._write_auth: httpx.Auth | None = None
        if spec.user is not None:
            password = spec.password or ""
            if not spec.layout.digest:
                self._read_auth = httpx.BasicAuth(spec.user, password)
                self._write_auth = self._read_auth
            else:
                self._write_auth = httpx.DigestAuth(spec.user, password)
        self._cached: tuple[float, _Record] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<RemoteStore {self.kind} {self.location}>"

    # Queries -------------------------------------------------------------------------------

    def select(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Rows:
        """Answer a SELECT query as rows of rdflib terms."""
        answer = self._read_answer(query, dataset, base_iri, timeout, _JSON)
        if not isinstance(answer, Rows):
            raise QueryError(f"the {self.kind} store at {self.location}: not a SELECT answer")
        return answer

    def ask(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Answer an ASK query (asked as a SELECT on Virtuoso: :func:`ask_as_select`)."""
        if self.kind == "virtuoso":
            return bool(self.select(ask_as_select(query), dataset, base_iri, timeout).rows)
        answer = self._read_answer(query, dataset, base_iri, timeout, _JSON)
        if not isinstance(answer, bool):
            raise QueryError(f"the {self.kind} store at {self.location}: not an ASK answer")
        return answer

    def construct(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> list[Triple]:
        """Answer a CONSTRUCT or DESCRIBE query as triples."""
        data = self._read_bytes(query, dataset, base_iri, timeout, _NTRIPLES)
        try:
            return read_ntriples(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"the {self.kind} store at {self.location} answered unreadable N-Triples: {exc}"
            ) from None

    def stream(
        self,
        query: str,
        accept: Accept,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Pass on the engine's own serialisation of the answer, in the first acceptable
        media type of its kind that the engine serves.

        Raises:
            NotAcceptableAnswerError: no acceptable media type of that kind is served.
        """
        kind = _KINDS.get(scan(query).operation)
        if kind is None:
            raise QueryError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        media_type, asked = self._choose(kind, accept)
        if kind == "boolean" and self.kind == "virtuoso":
            body = boolean_answer(self.ask(query, dataset, base_iri, timeout), asked)
            return Answer(kind, media_type, iter((body,)))
        limit = timeout or self.query_timeout
        deadline = time.monotonic() + limit
        response = self._query(query, dataset, base_iri, limit, asked)
        return Answer(kind, media_type, self._chunks(response, deadline, limit), response.close)

    def _choose(self, kind: AnswerKind, accept: Accept) -> tuple[str, str]:
        """The first acceptable media type the engine serves, and the type to ask it for."""
        layout = self.spec.layout
        served, aliases = (
            (layout.graph, GRAPH_ALIASES) if kind == "graph" else (layout.rows, ROWS_ALIASES)
        )
        for media_type in accept.graph if kind == "graph" else accept.rows:
            bare = media_type.split(";", 1)[0].strip().lower()
            asked = aliases.get(bare, bare)
            if asked in served:
                return media_type, asked
        what = "graph (CONSTRUCT, DESCRIBE)" if kind == "graph" else "results (SELECT, ASK)"
        raise NotAcceptableAnswerError(
            f"the {self.kind} store at {self.location} serves {what} answers as "
            f"{', '.join(served)}; none of them is acceptable"
        )

    def _read_answer(
        self, query: str, dataset: Dataset, base_iri: str | None, timeout: float | None, asked: str
    ) -> Rows | bool:
        data = self._read_bytes(query, dataset, base_iri, timeout, asked)
        try:
            return read_results(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StoreError(
                f"the {self.kind} store at {self.location} answered unreadable JSON results"
            ) from None

    def _read_bytes(
        self, query: str, dataset: Dataset, base_iri: str | None, timeout: float | None, asked: str
    ) -> bytes:
        limit = timeout or self.query_timeout
        deadline = time.monotonic() + limit
        response = self._query(query, dataset, base_iri, limit, asked)
        return b"".join(self._chunks(response, deadline, limit))

    def _query(
        self, query: str, dataset: Dataset, base_iri: str | None, limit: float, asked: str
    ) -> httpx.Response:
        deadline = time.monotonic() + limit
        text, default, named = self._dataset(query, dataset, base_iri, limit)
        left = max(deadline - time.monotonic(), 0.001)
        try:
            return self._post_query(text, default, named, asked, left)
        except StoreTimeoutError:
            raise self._timeout(limit) from None

    def _dataset(
        self, query: str, dataset: Dataset, base_iri: str | None, limit: float
    ) -> tuple[str, list[str], list[str]]:
        """The text to send and its protocol dataset (the module docstring's rule)."""
        clauses = split_dataset(query, base_iri)
        if self.kind == "virtuoso" and (
            clauses.undeclared & VIRTUOSO_BUILTIN_PREFIXES
            or any(iri.startswith(VIRTUOSO_BUILTIN_NAMESPACES) for iri in clauses.iris)
        ):
            raise QueryError("Virtuoso's SQL built-ins (bif:, sql:) are not accepted")
        text = clauses.text if clauses.given else query
        if self.kind == "virtuoso":
            text = drop_unbound_binds(text)
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        record = self._record(limit)
        if dataset.given:
            default_list = self._restrict(dataset.default or (), record.allowed)
            named_list = self._restrict(dataset.named or (), record.allowed)
        elif clauses.given:
            default_list = self._restrict(clauses.default, record.allowed)
            named_list = self._restrict(clauses.named, record.allowed)
        else:
            default_list, named_list = record.default_dataset
            if not clauses.reads_named_graphs:
                named_list = []  # nothing reads them: 1 336 graph names were 100 kB a query
        if self.kind == "virtuoso":  # its GRAPH <g> ignores named-graph-uri
            kept = set(named_list)
            text = restrict_graph_names(text, kept.__contains__, NO_GRAPH, base_iri)
        return text, default_list, named_list

    @staticmethod
    def _restrict(graphs: tuple[str, ...], allowed: frozenset[str]) -> list[str]:
        kept: list[str] = []
        for graph in graphs:
            # the record is readable (it says what is served); a publish's staging graphs are
            # not (readers never see a half-published graph): publish counts them by name
            visible = graph in allowed or graph == str(PUBLICATION_GRAPH)
            name = graph if visible else NO_GRAPH
            if name not in kept:
                kept.append(name)
        return kept or [NO_GRAPH]

    def _post_query(
        self, text: str, default: list[str], named: list[str], asked: str, limit: float
    ) -> httpx.Response:
        graphs = _dataset_params(tuple(default), tuple(named))
        body = "query=" + urllib.parse.quote_plus(text) + graphs
        return self._send(
            "POST",
            self.spec.query_url,
            form=body.encode("ascii"),
            headers={"Accept": asked},
            auth=self._read_auth,
            timeout=limit,
            retry=True,
        )

    def _chunks(self, response: httpx.Response, deadline: float, limit: float) -> Iterator[bytes]:
        """The answer's bytes, all read by the query's deadline: a read still waiting then
        is ended by :data:`WATCHDOG` (httpx's read timeout counts per read, so an engine
        sending its headers just before the limit could otherwise hold a reader to twice it).
        """
        watch = WATCHDOG.watch(deadline, response)
        try:
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise self._timeout(limit)
                yield chunk
        except httpx.TimeoutException:
            raise self._timeout(limit) from None
        except httpx.TransportError as exc:
            if watch.fired:
                raise self._timeout(limit) from None
            raise StoreUnavailableError(
                f"the {self.kind} store at {self.location} broke off its answer "
                f"({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:  # e.g. a body that does not decode
            raise StoreError(
                f"the {self.kind} store at {self.location} sent an unreadable answer "
                f"({type(exc).__name__})"
            ) from None
        finally:
            WATCHDOG.cancel(watch)
            response.close()

    # What the store holds ------------------------------------------------------------------

    def _record_state(self, fresh: bool = False) -> RecordState:
        return self._record(self.query_timeout, fresh).state

    def _record(self, limit: float, fresh: bool = False) -> _Record:
        """The publication record, read again after :data:`RECORD_TTL` seconds."""
        with self._lock:
            cached = self._cached
        now = time.monotonic()
        if cached is not None and not fresh and now - cached[0] < RECORD_TTL:
            return cached[1]
        response = self._post_query(
            RECORD_QUERY, [NO_GRAPH], [str(PUBLICATION_GRAPH)], _JSON, limit
        )
        data = b"".join(self._chunks(response, now + limit, limit))
        try:
            rows = read_results(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            rows = None
        if not isinstance(rows, Rows):
            raise StoreError(
                f"the {self.kind} store at {self.location} answered unreadable JSON results"
            )
        state = record_from(rows, 0)
        merged = None
        if state.known:
            found = sorted(str(r["o"]) for r in rows.terms() if r.get("p") == MERGED_GRAPH_PROPERTY)
            merged = found[0] if found else None
        record = _Record(state, merged)
        with self._lock:
            self._cached = (now, record)
        return record

    def graphs(self) -> list[str]:
        """govkg's named graphs (as the publication record names them), sorted."""
        return sorted(self._record_state().graphs)

    def count(self, graph: str | None = None) -> int:
        """Quads in one named graph (any graph of the store, by name), or in govkg's."""
        graphs = [graph] if graph is not None else list(self._record_state().graphs)
        if not graphs:
            return 0
        query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        response = self._post_query(query, [NO_GRAPH], graphs, _JSON, self.query_timeout)
        deadline = time.monotonic() + self.query_timeout
        rows = read_results(b"".join(self._chunks(response, deadline, self.query_timeout)))
        values = rows.column("n") if isinstance(rows, Rows) else []
        try:
            return int(str(values[0])) if values else 0
        except ValueError:
            raise StoreError(
                f"the {self.kind} store at {self.location} answered a count that is no number"
            ) from None

    def state(self, quads: bool = True) -> StoreState:
        """The publication record as read now (a :class:`RecordState`), with the quads of
        the graphs it names."""
        record = self._record_state(fresh=True)
        count = self.count() if record.graphs and quads else 0
        return RecordState(
            build_id=record.build_id,
            manifest_sha256=record.manifest_sha256,
            graphs=record.graphs,
            quads=count,
            published=record.published,
            format_version=record.format_version,
        )

    def held_build(self) -> str | None:
        """The build the record names, read again after :data:`RECORD_TTL` seconds; while
        the store cannot be read, the last build read, for another :data:`RECORD_TTL`
        seconds (the web asks on every request, for its cache keys: a store that is down
        must not make each request wait for the record's retries).

        Raises:
            StoreError: the record was never read and cannot be now.
        """
        try:
            return self._record_state().build_id
        except StoreError:
            with self._lock:
                cached = self._cached
                if cached is None:
                    raise
                self._cached = (time.monotonic(), cached[1])
            return cached[1].state.build_id

    # Writes --------------------------------------------------------------------------------

    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 Update (never retried).

        Raises:
            StoreError: the store has no update endpoint, or refused the update.
        """
        if self.spec.update_url is None:
            raise StoreError(
                f"the {self.kind} store at {self.location} has no update URL "
                f"(GOVKG_STORE_UPDATE_URL)"
            )
        self._forget_record()
        response = self._send(
            "POST",
            self.spec.update_url,
            form=("update=" + urllib.parse.quote_plus(text)).encode("ascii"),
            headers={"Accept": f"{_JSON}, */*;q=0.1"},
            auth=self._write_auth,
            timeout=WRITE_TIMEOUT,
            retry=False,
        )
        response.read()
        response.close()
        self._forget_record()

    def load(self, graph: str, path: Path) -> None:
        """Add an N-Triples file's triples to ``graph`` (Graph Store Protocol POST, the file
        streamed; never retried, except once when a digest challenge went stale before any
        byte was taken).

        Raises:
            StoreError: no Graph Store URL, the file cannot be read, or the store refused.
        """
        params = {self.spec.layout.graph_parameter: graph, **dict(self.spec.layout.load_parameters)}
        self._post_file(path, params, _NTRIPLES)

    def load_quads(self, path: Path) -> None:
        """Add an N-Quads file's quads, each into its named graph, in one Graph Store
        Protocol POST to the store as a whole (Oxigraph server's ``POST /store``, with its
        bulk loader: ``capabilities.quad_loads``).

        Raises:
            StoreError: the kind cannot, the file cannot be read, or the store refused.
        """
        if not self.capabilities.quad_loads:
            raise StoreError(
                f"the {self.kind} store at {self.location} does not load N-Quads in one "
                "request; load graph by graph"
            )
        self._post_file(path, dict(self.spec.layout.load_parameters), _NQUADS)

    def _post_file(self, path: Path, params: dict[str, str], media_type: str) -> None:
        """POST a file to the Graph Store URL (streamed, with its length)."""
        url = self.spec.gsp_url
        if url is None:
            raise StoreError(
                f"the {self.kind} store at {self.location} has no Graph Store Protocol URL "
                f"(GOVKG_STORE_GSP_URL)"
            )
        self._forget_record()
        if isinstance(self._write_auth, httpx.DigestAuth):
            self._prime_digest(url)
        for attempt in range(2):
            try:
                with path.open("rb") as file:
                    response = self._send(
                        "POST",
                        url,
                        params=params,
                        content=_file_chunks(file),
                        # A length, not chunks: Virtuoso 7.2 misreads chunked bodies.
                        headers={
                            "Content-Type": media_type,
                            "Content-Length": str(os.fstat(file.fileno()).st_size),
                        },
                        auth=self._write_auth,
                        timeout=WRITE_TIMEOUT,
                        retry=False,
                    )
                    response.read()
                    response.close()
                    break
            except httpx.StreamConsumed:
                if attempt:
                    raise StoreError(
                        f"the {self.kind} store at {self.location} refused the credentials "
                        f"while loading {path}"
                    ) from None
            except OSError as exc:
                raise StoreError(f"{path}: cannot read: {exc.strerror or exc}") from None
        self._forget_record()

    def _prime_digest(self, url: str) -> None:
        """Obtain a digest challenge with a small request, so a streamed load is sent with
        its credentials at once (a streamed body cannot be sent twice). Any answer but
        401/403 will do (Virtuoso answers a GET of an absent graph 404 or 501)."""
        response = self._send(
            "GET",
            url,
            params={self.spec.layout.graph_parameter: NO_GRAPH},
            headers={},
            auth=self._write_auth,
            timeout=self.query_timeout,
            retry=True,
            accept_statuses=frozenset(range(400, 600)) - {401, 403},
        )
        response.read()
        response.close()

    def _forget_record(self) -> None:
        with self._lock:
            self._cached = None

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    # HTTP ----------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        auth: httpx.Auth | None,
        timeout: float,
        retry: bool,
        params: dict[str, str] | None = None,
        form: bytes | None = None,
        content: Iterator[bytes] | None = None,
        accept_statuses: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send one request (reads retried; on Virtuoso a form request, query or update, also
        when it lost a deadlock: the engine rolled it back), and return its response, checked
        and open."""
        pauses = RETRY_BACKOFF
        deadline = time.monotonic() + timeout
        if form is not None:
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        attempt = 0
        while True:
            left = max(deadline - time.monotonic(), 0.001)
            request = self._client.build_request(
                method,
                url,
                params=params,
                content=form if form is not None else content,
                headers=headers,
                timeout=httpx.Timeout(left, connect=min(self.connect_timeout, left)),
            )
            try:
                response = self._client.send(request, auth=auth, stream=True)
            except httpx.TimeoutException:
                raise self._timeout(timeout) from None
            except httpx.TransportError as exc:  # connect, read, write, protocol errors
                failure: GovkgError = StoreUnavailableError(
                    f"cannot reach the {self.kind} store at {self.location} ({_reason(exc)})"
                )
                response = None
            except httpx.HTTPError as exc:  # anything else httpx raises: one line, no traceback
                raise StoreError(
                    f"the {self.kind} store at {self.location} failed ({type(exc).__name__})"
                ) from None
            again = retry
            if response is not None:
                deadlock = response.status_code == 500 and self.kind == "virtuoso"
                if response.status_code not in RETRY_STATUSES and not deadlock:
                    return self._check(response, url, accept_statuses)
                failure = self._failure(response, url)
                if deadlock:
                    again = form is not None and any(
                        code in failure.message for code in VIRTUOSO_DEADLOCK
                    )
            if (
                not again
                or attempt >= len(pauses)
                or time.monotonic() + pauses[attempt] >= deadline
            ):
                raise failure
            time.sleep(pauses[attempt])
            attempt += 1

    def _check(
        self, response: httpx.Response, url: str, accept_statuses: frozenset[int]
    ) -> httpx.Response:
        server = response.headers.get("server", "").lower()
        others = [e for k, names in SERVERS.items() if k != self.kind for e in names]
        if self.kind in SERVERS and any(name in server for name in others):
            response.close()
            raise StoreError(
                f"{self.location} is not a {self.kind} store (its server says "
                f"{response.headers.get('server', '')!r})"
            )
        if response.is_success or response.status_code in accept_statuses:
            return response
        raise self._failure(response, url)

    def _failure(self, response: httpx.Response, url: str) -> GovkgError:
        """The error an unsuccessful answer means (its body read, the response closed)."""
        status = response.status_code
        try:
            first = _first_line(response)
        finally:
            response.close()
        where = f"the {self.kind} store at {self.location}"
        if status == 400:
            return QueryError(f"{where} refused the query: {first}")
        if status in (401, 403):
            if self.spec.user is None:
                return StoreError(
                    f"{where} asks for credentials (give them in the URL's user part or "
                    f"GOVKG_STORE_USER / GOVKG_STORE_PASSWORD)"
                )
            return StoreError(f"wrong credentials for {where} (HTTP {status})")
        if status == 404:
            path = _masked(url.removeprefix(self.location) or "/")
            return StoreError(f"{self.location} is not a {self.kind} store: {path} is not found")
        if status == 406:
            return NotAcceptableAnswerError(f"{where} cannot serve the answer: {first}")
        if status == 500 and self.kind == "virtuoso" and _VIRTUOSO_COMPILER.search(first):
            # its SPARQL or SQL compiler failed on this query: the engine is up (502, not 503)
            return StoreError(f"{where} could not run the query (HTTP {status}): {first}")
        if status >= 500:
            return StoreUnavailableError(f"{where} failed (HTTP {status}): {first}")
        return StoreError(f"{where} answered HTTP {status}: {first}")

    def _timeout(self, limit: float) -> StoreTimeoutError:
        return StoreTimeoutError(
            f"the {self.kind} store at {self.location} did not answer within {limit:g} s"
        )


def _first_line(response: httpx.Response) -> str:
    """The first non-empty line of an error answer (HTML tags left out), at most 300
    characters."""
    data = b""
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= ERROR_BYTES:
                break
    except httpx.HTTPError:
        pass
    text = data[:ERROR_BYTES].decode("utf-8", errors="replace")
    if "html" in response.headers.get("content-type", ""):
        text = re.sub(r"<[^>]*>", "\n", text)
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())[:300]
    return response.reason_phrase or "no reason given"


class _Watch:
    """One answer :class:`Watchdog` ends at its deadline."""

    __slots__ = ("deadline", "fired", "response")

    def __init__(self, deadline: float, response: httpx.Response):
        self.deadline = deadline
        self.response: httpx.Response | None = response
        self.fired = False

    def __lt__(self, other: _Watch) -> bool:
        return self.deadline < other.deadline


class Watchdog:
    """Ends the reading of answers still open at their deadline: one daemon thread for all
    stores, which shuts the answer's socket down (a blocked ``recv`` then returns at once,
    where closing it from another thread would not wake it)."""

    def __init__(self) -> None:
        self._heap: list[_Watch] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Forget every watch, the thread and the lock (in a forked child)."""
        self.__init__()  # type: ignore[misc]

    def watch(self, deadline: float, response: httpx.Response) -> _Watch:
        """Watch ``response`` until :meth:`cancel`, ending it at ``deadline``."""
        entry = _Watch(deadline, response)
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._run, name="govkg-watchdog")
                self._thread.daemon = True
                self._thread.start()
            elif self._heap[0] is entry:
                self._wake.notify()
        return entry

    def cancel(self, entry: _Watch) -> None:
        """Stop watching (the entry leaves the heap when its deadline comes); once this
        returns, the answer's connection is not shut down (it may go back to the pool)."""
        with self._wake:
            entry.response = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0].response is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                wait = self._heap[0].deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                entry = heapq.heappop(self._heap)
                if entry.response is not None:
                    entry.fired = True
                    _shut_down(entry.response)


def _shut_down(response: httpx.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # closed meanwhile
            pass


#: The process's one watchdog (:meth:`RemoteStore._chunks`).
WATCHDOG = Watchdog()
# a forked child (a web worker) starts its own: the parent's thread is not copied, and its
# lock may have been held at the fork
os.register_at_fork(after_in_child=WATCHDOG.reset)


@functools.lru_cache(maxsize=64)
def _dataset_params(default: tuple[str, ...], named: tuple[str, ...]) -> str:
    """``&default-graph-uri=…&named-graph-uri=…``, form-encoded once per dataset (govkg's
    84 graph names took half a millisecond to encode, on every query)."""
    pairs = [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
    return "&" + urllib.parse.urlencode(pairs) if pairs else ""


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() else "cannot connect"
    return "connection dropped"


def _file_chunks(file: BinaryIO) -> Iterator[bytes]:
    while chunk := file.read(LOAD_CHUNK):
        yield chunk


def _masked(url: str) -> str:
    """A URL with any user part masked (the generic kind's update and Graph Store URLs come
    from the environment and may carry credentials)."""
    head, at, host = url.rpartition("@")
    if not at:
        return url
    scheme = head.split("//", 1)[0] + "//" if "//" in head else ""
    return f"{scheme}***@{host}"
