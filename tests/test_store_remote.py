"""The remote store (:mod:`govkg.backends.remote`) against real servers on 127.0.0.1: an
Oxigraph server and Virtuoso 7 (``tests/stores.py``), and tiny HTTP servers of our own for
stalls and failures (real sockets, no mocks).

Each test module starts its own servers: the dataset loaded here is not another module's.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.compare import isomorphic
from stores import ServerInfo, free_port, oxigraph_server, virtuoso_server

from govkg.backends import (
    Accept,
    Dataset,
    NotAcceptableAnswerError,
    Rows,
    Store,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
    open_embedded,
    open_store,
)
from govkg.backends.remote import MERGED_GRAPH_PROPERTY, RECORD_TTL, RemoteStore
from govkg.backends.spec import parse_spec
from govkg.backends.wire import split_dataset
from govkg.errors import InputError, QueryError
from govkg.namespaces import PUBLICATION_GRAPH
from govkg.publication import PUBLICATION, STAGING_PREFIX, record_update

EX = "https://w3id.org/govkg/test/"
G1, G2 = f"{EX}graph/one", f"{EX}graph/two"
#: A graph of another dataset sharing the store: never visible through govkg.
OTHER = "urn:someone-else:graph"
#: A publish's staging graph (publication.STAGING_PREFIX): holds the other dataset's triple too.
STAGING = f"{STAGING_PREFIX}0123456789abcdef:1"
#: The graph holding the merge of govkg's graphs (the record's MERGED_GRAPH_PROPERTY).
MERGED = "urn:govkg:test:merged"
#: govkg's graphs (as a build's N-Quads dump holds them) and another dataset's. Literals are
#: in canonical form: Virtuoso keeps values, not lexical forms (test_virtuoso_canonical_forms).
DATA = f"""\
<{EX}a> <{EX}label> "Alpha"@en <{G1}> .
<{EX}a> <{EX}label> "Alpha" <{G1}> .
<{EX}a> <{EX}size> "3"^^<http://www.w3.org/2001/XMLSchema#integer> <{G1}> .
<{EX}a> <{EX}part> _:p1 <{G1}> .
_:p1 <{EX}label> "part of \\"alpha\\"\\nline two" <{G1}> .
<{EX}b> <{EX}label> "Beta"@fr <{G2}> .
<{EX}b> <{EX}sees> <{EX}a> <{G2}> .
<{EX}a> <{EX}label> "Alpha" <{G2}> .
"""
OTHER_DATA = f'<{EX}secret> <{EX}label> "secret" .\n'

#: Queries answered alike by the embedded store and each remote one.
QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "SELECT DISTINCT ?s ?o WHERE { ?s <https://w3id.org/govkg/test/label> ?o }",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT ?s WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}",
    f"SELECT ?s ?o FROM <{G2}> WHERE {{ ?s ?p ?o }}",
    f"SELECT ?g ?s FROM NAMED <{G1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    f"PREFIX t: <{EX}> SELECT (COUNT(*) AS ?n) WHERE {{ ?s t:label ?o FILTER(LANG(?o) = 'en') }}",
    f"PREFIX t: <{EX}> SELECT ?o WHERE {{ ?s t:size ?o }}",
]


def _dump(tmp: Path) -> Path:
    path = tmp / "dataset.nq"
    path.write_text(DATA, encoding="utf-8")
    return path


def _publish(store: Store, tmp: Path) -> None:
    """Load the test graphs and the other dataset's graph, and record govkg's graphs."""
    graphs: dict[str, list[str]] = {}
    for line in DATA.splitlines():
        *triple, graph, _dot = line.rsplit(" ", 2)
        graphs.setdefault(graph.strip("<>"), []).append(" ".join(triple) + " .\n")
    for graph, lines in graphs.items():
        file = tmp / f"{len(graph)}-{abs(hash(graph))}.nt"
        file.write_text("".join(lines), encoding="utf-8")
        store.load(graph, file)
    other = tmp / "other.nt"
    other.write_text(OTHER_DATA, encoding="utf-8")
    store.load(OTHER, other)
    store.load(STAGING, other)
    merged = tmp / "merged.nt"
    merged.write_text("".join(sorted({x for lines in graphs.values() for x in lines})))
    store.load(MERGED, merged)
    _record(store, "test-build", [G1, G2])


def _record(store: Store, build: str, graphs: list[str]) -> None:
    """Write a publication record naming ``graphs`` and the merged graph."""
    store.update(
        record_update(build, "0" * 64, graphs, "2026-12-01T00:00:00Z")
        + f" ; INSERT DATA {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{PUBLICATION}> "
        f"<{MERGED_GRAPH_PROPERTY}> <{MERGED}> }} }}"
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServerInfo]]:
    folder = tmp_path_factory.mktemp("remote")
    with oxigraph_server(folder) as oxigraph, virtuoso_server(folder) as virtuoso:
        for info in (oxigraph, virtuoso):
            store = open_store(info.spec)
            try:
                _publish(store, folder)
            finally:
                store.close()
        yield {"oxigraph": oxigraph, "virtuoso": virtuoso}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest, servers: dict[str, ServerInfo]) -> Iterator[Store]:
    store = open_store(servers[request.param].spec)
    yield store
    store.close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_embedded([_dump(tmp_path_factory.mktemp("embedded"))])
    yield store
    store.close()


def _plain(rows: Rows) -> Counter[tuple[str, ...]]:
    """Rows as a multiset of N3 terms, blank nodes as ``_`` (labels differ per store)."""
    return Counter(
        tuple("-" if t is None else "_" if isinstance(t, BNode) else t.n3() for t in row)
        for row in rows
    )


# Parity with the embedded store -----------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES)
def test_rows_as_embedded(remote: Store, embedded: Store, query: str) -> None:
    """SELECT answers hold the same terms (kinds, lexical forms, languages, datatypes)."""
    got, want = remote.select(query), embedded.select(query)
    assert got.variables == want.variables
    assert _plain(got) == _plain(want)
    assert len(want) > 0


def test_ask_and_construct_as_embedded(remote: Store, embedded: Store) -> None:
    for query in (f"ASK {{ <{EX}b> ?p ?o }}", f"ASK {{ <{EX}secret> ?p ?o }}"):
        assert remote.ask(query) == embedded.ask(query)
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    got, want = Graph(), Graph()
    for triple in remote.construct(query):
        got.add(triple)
    for triple in embedded.construct(query):
        want.add(triple)
    assert len(want) == 7
    assert isomorphic(got, want)
    assert Literal('part of "alpha"\nline two') in set(got.objects())


def test_graphs_count_state(remote: Store) -> None:
    assert remote.graphs() == sorted([G1, G2])
    assert remote.count() == 8
    assert remote.count(G2) == 3
    assert remote.count(OTHER) == 1  # by name: publish counts its staging graphs this way
    state = remote.state()
    assert (state.build_id, state.manifest_sha256, state.quads) == ("test-build", "0" * 64, 8)
    assert state.graphs == (G1, G2)


def test_stream_passes_the_engines_bytes(remote: Store) -> None:
    answer = remote.stream("SELECT ?o WHERE { ?s ?p ?o }", Accept(rows=("text/csv",)))
    body = b"".join(answer.chunks)
    assert (answer.kind, answer.media_type) == ("rows", "text/csv")
    assert b"Beta" in body and b"secret" not in body
    answer = remote.stream(
        "CONSTRUCT WHERE { ?s ?p ?o }", Accept(graph=("application/x-foo", "text/turtle"))
    )
    assert (answer.kind, answer.media_type) == ("graph", "text/turtle")
    graph = Graph().parse(data=b"".join(answer.chunks), format="turtle")
    assert len(graph) == 7
    answer = remote.stream(f"ASK {{ <{EX}a> ?p ?o }}", Accept())
    assert answer.kind == "boolean" and b"true" in b"".join(answer.chunks)
    with pytest.raises(NotAcceptableAnswerError, match=remote.location):
        remote.stream("SELECT * WHERE { ?s ?p ?o }", Accept(rows=("image/png",)))


def test_bad_query_is_a_query_error(remote: Store) -> None:
    with pytest.raises(QueryError, match=f"at {remote.location} refused the query: .+"):
        remote.select("SELECT ?s WHERE { ?s ?p }")


# The dataset rule: another dataset in the same store is never visible ----------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { ?s ?p ?o }",
        "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"SELECT ?o WHERE {{ GRAPH <{OTHER}> {{ ?s ?p ?o }} }}",
        f"SELECT ?o FROM <{OTHER}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?o FROM <{G1}> FROM <{OTHER}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?o FROM NAMED <{OTHER}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "PREFIX o: <urn:someone-else:> SELECT ?o FROM o:graph WHERE { ?s ?p ?o }",
        "BASE <urn:someone-else:> SELECT ?o FROM <graph> WHERE { ?s ?p ?o }",
        f"SELECT ?o WHERE {{ GRAPH <{STAGING}> {{ ?s ?p ?o }} }}",
        # a graph variable fixed to another dataset's graph before or after the pattern
        f"SELECT ?o WHERE {{ VALUES ?g {{ <{OTHER}> }} GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} VALUES ?g {{ <{OTHER}> }}",
        f"SELECT ?o WHERE {{ BIND (<{OTHER}> AS ?g) GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g = <{OTHER}>) }}",
        f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STR(?g) = '{OTHER}') }}",
        f"SELECT ?o {{ {{ SELECT ?g {{ VALUES ?g {{ <{OTHER}> }} }} }} GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT ?o FROM <{STAGING}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?o FROM NAMED <{STAGING}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ],
)
def test_other_dataset_invisible(remote: Store, query: str) -> None:
    """SPARQL 1.1 Query 13.2: FROM/FROM NAMED name graphs of the store; only govkg's are
    (nor a publish's staging graphs: readers never see a half-published graph)."""
    values = {str(t) for t in remote.select(query).column("o")}
    assert "secret" not in values
    assert len(remote.select(f"SELECT ?o WHERE {{ GRAPH <{OTHER}> {{ ?s ?p ?o }} }}")) == 0


def test_staging_graph_invisible_to_a_protocol_dataset_but_counted(remote: Store) -> None:
    query = "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    assert len(remote.select(query, Dataset(default=(STAGING,), named=(STAGING,)))) == 0
    assert remote.count(STAGING) == 1  # publish counts its staging graphs by name


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?s WHERE { ?s ?p ?o . FILTER(bif:contains(?o, "x")) }',
        "SELECT (sql:x() AS ?v) WHERE { }",
        "PREFIX b: <http://www.openlinksw.com/schemas/bif#> SELECT (b:sleep(1) AS ?v) {}",
        "SELECT (<http://www.openlinksw.com/schemas/bif#sleep>(1) AS ?v) WHERE { }",
        "BASE <http://www.openlinksw.com/schemas/> SELECT (<sql#x>() AS ?v) WHERE { }",
    ],
)
def test_virtuoso_builtins_refused(servers: dict[str, ServerInfo], query: str) -> None:
    """Virtuoso runs SQL through bif: and sql: functions, however the query names them."""
    store = open_store(servers["virtuoso"].spec)
    try:
        with pytest.raises(QueryError, match="bif:, sql:"):
            store.select(query)
        # the same words in a string or as a local name are no call
        assert store.select('SELECT ?v WHERE { BIND("bif:sleep <sql:x>" AS ?v) }').column("v")
    finally:
        store.close()


def test_protocol_dataset_restricted(remote: Store) -> None:
    """SPARQL 1.1 Protocol 2.1.4: the protocol's graphs override FROM; others are empty."""
    query = f"SELECT ?o FROM <{G2}> WHERE {{ ?s ?p ?o }}"
    only_g1 = remote.select(query, Dataset(default=(G1,), named=()))
    assert "Beta" not in {str(t) for t in only_g1.column("o")} and len(only_g1) == 5
    assert len(remote.select(query, Dataset(default=(OTHER,), named=(OTHER,)))) == 0
    named_only = remote.select("SELECT ?o WHERE { ?s ?p ?o }", Dataset(named=(G1,)))
    assert len(named_only) == 0  # an absent part is empty


def test_several_default_graphs_as_embedded(remote: Store, embedded: Store) -> None:
    """A protocol dataset of two default graphs: a triple in both counts as the embedded
    store counts it (both engines evaluate the union of the graphs' triples)."""
    query = f"SELECT ?o WHERE {{ <{EX}a> <{EX}label> ?o }}"
    dataset = Dataset(default=(G1, G2), named=())
    assert _plain(remote.select(query, dataset)) == _plain(embedded.select(query, dataset))


def test_from_in_strings_and_comments_stays() -> None:
    clauses = split_dataset(
        'SELECT ?from WHERE { ?from <urn:p> "FROM <urn:x>" } # FROM <urn:y>\nLIMIT 1'
    )
    assert not clauses.given
    assert "FROM <urn:x>" in clauses.text and "# FROM <urn:y>" in clauses.text


def test_engine_pragmas_refused(remote: Store) -> None:
    with pytest.raises(QueryError, match="DEFINE"):
        remote.select(f"DEFINE input:default-graph-uri <{OTHER}> SELECT ?o WHERE {{ ?s ?p ?o }}")


# Failures: one line naming the store, never its credentials ---------------------------------


def test_server_down_is_unavailable() -> None:
    port = free_port()
    store = open_store(f"oxigraph:http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as caught:
        store.select("SELECT * WHERE { ?s ?p ?o }")
    message = str(caught.value)
    assert message == (
        f"cannot reach the oxigraph store at http://127.0.0.1:{port} (connection refused)"
    )
    assert time.monotonic() - started < 5  # three retries with backoff, bounded
    store.close()


def test_wrong_kind(servers: dict[str, ServerInfo]) -> None:
    store = open_store(f"oxigraph:{servers['virtuoso'].url}")
    with pytest.raises(StoreError, match=r"is not a oxigraph store") as caught:
        store.state()
    assert "\n" not in str(caught.value)
    store.close()


def test_wrong_password_never_shown(servers: dict[str, ServerInfo]) -> None:
    """Virtuoso's -auth endpoints take digest credentials (RFC 7616)."""
    url = servers["virtuoso"].url.replace("http://", "http://dba:Hunter2Secret@")
    store = open_store(f"virtuoso:{url}")
    assert "Hunter2Secret" not in repr(store) and "Hunter2Secret" not in store.location
    with pytest.raises(StoreError) as caught:
        store.update("INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }")
    assert str(caught.value) == (
        f"wrong credentials for the virtuoso store at {servers['virtuoso'].url} (HTTP 401)"
    )
    assert "Hunter2Secret" not in str(caught.value)
    store.close()


def test_no_credentials(servers: dict[str, ServerInfo], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVKG_STORE_USER", raising=False)
    monkeypatch.delenv("GOVKG_STORE_PASSWORD", raising=False)
    store = open_store(f"virtuoso:{servers['virtuoso'].url}")
    with pytest.raises(StoreError, match="asks for credentials"):
        store.update("CLEAR SILENT GRAPH <urn:x>")
    store.close()


def test_credentials_from_environment(
    servers: dict[str, ServerInfo], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Digest auth on Virtuoso with GOVKG_STORE_USER / _PASSWORD: a streamed GSP load."""
    monkeypatch.setenv("GOVKG_STORE_USER", "dba")
    monkeypatch.setenv("GOVKG_STORE_PASSWORD", "dba")
    store = open_store(f"virtuoso:{servers['virtuoso'].url}")
    file = tmp_path / "more.nt"
    file.write_text("".join(f"<urn:s{i}> <urn:p> {i} .\n" for i in range(500)), encoding="utf-8")
    store.load("urn:govkg:test:env", file)
    store.load("urn:govkg:test:env", file)  # the challenge is reused
    assert store.count("urn:govkg:test:env") == 500
    store.update("DROP SILENT GRAPH <urn:govkg:test:env>")
    assert store.count("urn:govkg:test:env") == 0
    store.close()


def test_generic_kind(
    servers: dict[str, ServerInfo], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``sparql:URL`` with the update and Graph Store URLs from the environment."""
    url = servers["oxigraph"].url
    monkeypatch.setenv("GOVKG_STORE_UPDATE_URL", f"{url}/update")
    monkeypatch.setenv("GOVKG_STORE_GSP_URL", f"{url}/store")
    store = open_store(f"sparql:{url}/query")
    assert store.capabilities.writable and store.capabilities.graph_store
    assert not store.capabilities.atomic_update  # promised by no generic server
    assert store.graphs() == sorted([G1, G2])
    file = tmp_path / "generic.nt"
    file.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    store.load("urn:govkg:staging:generic", file)
    assert store.count("urn:govkg:staging:generic") == 1
    store.update("DROP SILENT GRAPH <urn:govkg:staging:generic>")
    assert store.count("urn:govkg:staging:generic") == 0
    monkeypatch.delenv("GOVKG_STORE_UPDATE_URL")
    read_only = open_store(f"sparql:{url}/query")
    assert not read_only.capabilities.writable
    with pytest.raises(StoreError, match="has no update URL"):
        read_only.update("CLEAR SILENT GRAPH <urn:x>")
    read_only.close()
    store.close()


def test_bad_specs() -> None:
    with pytest.raises(InputError, match="unknown kind 'graphdb'"):
        parse_spec("graphdb:http://127.0.0.1:7200")
    with pytest.raises(InputError) as caught:
        parse_spec("oxigraph:ftp://user:TopSecret@127.0.0.1/")
    assert "TopSecret" not in str(caught.value) and "***@127.0.0.1" in str(caught.value)
    with pytest.raises(InputError, match="names its dataset"):
        parse_spec("fuseki:http://127.0.0.1:3030")
    spec = parse_spec(
        "sparql:https://db.example.org/sparql", {"GOVKG_STORE_UPDATE_URL": "https://u/x"}
    )
    assert (spec.query_url, spec.update_url, spec.gsp_url) == (
        "https://db.example.org/sparql",
        "https://u/x",
        None,
    )
    assert spec.capabilities.writable and not spec.capabilities.graph_store


# Time limits and retries, with servers of our own ------------------------------------------


class _Stall:
    """A socket that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


def test_stalled_server_times_out() -> None:
    stall = _Stall()
    store = open_store(f"oxigraph:{stall.url}")
    started = time.monotonic()
    with pytest.raises(StoreTimeoutError, match=f"at {stall.url} did not answer within 1 s"):
        store.select("SELECT * WHERE { ?s ?p ?o }", timeout=1.0)
    assert time.monotonic() - started < 3
    store.close()
    stall.close()


class _LateHeaders(http.server.BaseHTTPRequestHandler):
    """Sends an answer's headers after ``delay`` seconds, then a few bytes of its body, then
    nothing (each read within httpx's per-read timeout, the whole beyond the query's limit)."""

    delay = 0.8

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if quote(str(PUBLICATION_GRAPH), safe="").encode() in body:  # the record: none
            answer = b'{"head":{"vars":["p","o"]},"results":{"bindings":[]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":["x"]},')
        self.wfile.flush()
        time.sleep(5)

    def log_message(self, *args: object) -> None:
        pass


def test_answer_ends_at_the_limit_not_twice_it() -> None:
    """The hard time limit holds while the body is read: headers at 0.8 s of a 1 s limit,
    then silence, is a timeout at 1 s (not at 1.8 s, when a per-read timeout would end)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LateHeaders)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    store = open_store(f"oxigraph:{url}")
    try:
        for read in (
            lambda: store.select("SELECT * WHERE { ?s ?p ?o }", timeout=1.0),
            lambda: b"".join(
                store.stream(
                    "SELECT * WHERE { ?s ?p ?o }",
                    Accept(rows=("application/sparql-results+json",)),
                    timeout=1.0,
                ).chunks
            ),
        ):
            started = time.monotonic()
            with pytest.raises(StoreTimeoutError, match="did not answer within 1 s"):
                read()
            assert 0.8 <= time.monotonic() - started < 1.4
    finally:
        store.close()
        server.shutdown()
        server.server_close()


def test_slow_query_times_out(servers: dict[str, ServerInfo]) -> None:
    """A real engine busy longer than the limit: the request is abandoned at the limit (a
    join of 8 patterns over 7 triples: 5.8M solutions, about 3 s on Oxigraph 0.5)."""
    store = open_store(servers["oxigraph"].spec)
    patterns = " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8))
    started = time.monotonic()
    with pytest.raises(StoreTimeoutError, match="did not answer within 0.5 s"):
        store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}", timeout=0.5)
    assert time.monotonic() - started < 2.5
    store.close()


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first request of each path, then a SPARQL answer; counts requests."""

    seen: Counter[str] = Counter()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.split("?", 1)[0]
        _Flaky.seen[path] += 1
        if _Flaky.seen[path] == 1:
            body, status, media = b"overloaded\n", 503, "text/plain"
        elif path == "/query":
            body = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'
            status, media = 200, "application/sparql-results+json"
        else:
            body, status, media = b"", 204, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_retries_for_reads_only() -> None:
    _Flaky.seen = Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    store = RemoteStore(parse_spec(f"oxigraph:{url}", {}))
    try:
        rows = store.select(
            "SELECT ?x WHERE { ?x ?p ?o }", Dataset(default=(G1,), named=())
        )  # the record read (one 503, then an answer) comes first
        assert rows.variables == ("x",)
        assert _Flaky.seen["/query"] == 3  # 503, record, then the query itself
        with pytest.raises(StoreUnavailableError, match=f"at {url} failed .HTTP 503.: overloaded"):
            store.update("CLEAR SILENT GRAPH <urn:x>")
        assert _Flaky.seen["/update"] == 1  # never retried
    finally:
        store.close()
        server.shutdown()
        server.server_close()


class _Deadlocked(http.server.BaseHTTPRequestHandler):
    """Virtuoso's answer to a transaction that lost a deadlock (rolled back), to the first
    update, and another 500 to any update whose text says ``fails``; counts updates."""

    updates = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Deadlocked.updates += 1
        if _Deadlocked.updates == 1:
            answer, status = b"Virtuoso 40001 Error SR172: Transaction deadlocked\n", 500
        elif b"fails" in body:
            answer, status = b"Virtuoso 42000 Error SP031: something else\n", 500
        else:
            answer, status = b"", 200
        self.send_response(status)
        self.send_header("Server", "Virtuoso/07.20.3240 (Linux)")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def test_virtuoso_compiler_error_is_the_engines_failure_not_unavailability(
    servers: dict[str, ServerInfo],
) -> None:
    """Virtuoso answers 500 when its SQL compiler fails on a query (a trailing VALUES of a
    variable not projected: SQ200): a StoreError (502), not StoreUnavailableError (503,
    which says try again later)."""
    store = open_store(servers["virtuoso"].spec)
    query = "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } } VALUES ?g { <urn:x> }"
    try:
        with pytest.raises(
            StoreError, match=r"could not run the query \(HTTP 500\): .*SQ200"
        ) as caught:
            store.select(query)
        assert not isinstance(caught.value, StoreUnavailableError)
    finally:
        store.close()


def test_virtuoso_update_sent_again_after_a_deadlock_only() -> None:
    """Virtuoso rolls back a transaction that lost a deadlock (40001, SR172): that update is
    sent again; any other failure of an update is not."""
    _Deadlocked.updates = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Deadlocked)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    store = RemoteStore(parse_spec(f"virtuoso:http://dba:dba@{url[7:]}", {}))
    try:
        store.update("CLEAR SILENT GRAPH <urn:x>")
        assert _Deadlocked.updates == 2
        with pytest.raises(StoreError, match="could not run the query .HTTP 500.: Virtuoso 42000"):
            store.update("CLEAR SILENT GRAPH <urn:fails>")
        assert _Deadlocked.updates == 3
    finally:
        store.close()
        server.shutdown()
        server.server_close()


# Engine quirks, measured --------------------------------------------------------------------


def test_virtuoso_update_not_atomic(servers: dict[str, ServerInfo]) -> None:
    """Virtuoso applies a request's operations one by one (capabilities.atomic_update False):
    an INSERT stays when a later LOAD of the same request fails."""
    store = open_store(servers["virtuoso"].spec)
    assert not store.capabilities.atomic_update
    graph = "urn:govkg:test:atomic"
    with pytest.raises(StoreError):
        store.update(
            f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }} ;\n"
            f"LOAD <http://127.0.0.1:{free_port()}/none> INTO GRAPH <{graph}>"
        )
    assert store.count(graph) == 1
    store.update(f"DROP SILENT GRAPH <{graph}>")
    store.close()


def test_oxigraph_update_atomic(servers: dict[str, ServerInfo]) -> None:
    store = open_store(servers["oxigraph"].spec)
    assert store.capabilities.atomic_update
    graph = "urn:govkg:test:atomic"
    with pytest.raises(StoreError):
        store.update(
            f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }} ;\n"
            f"LOAD <http://127.0.0.1:{free_port()}/none> INTO GRAPH <{graph}>"
        )
    assert store.count(graph) == 0
    store.close()


def test_virtuoso_canonical_forms(servers: dict[str, ServerInfo], tmp_path: Path) -> None:
    """A known deviation: Virtuoso keeps a typed literal's value, not its lexical form."""
    store = open_store(servers["virtuoso"].spec)
    file = tmp_path / "lexical.nt"
    file.write_text(
        '<urn:a> <urn:b> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n', encoding="utf-8"
    )
    lexical = f"{EX}graph/lexical"
    store.load(lexical, file)
    _record(store, "test-build-lexical", [G1, G2, lexical])  # a fresh store: no cached record
    try:
        rows = store.select(
            "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", Dataset(default=(), named=(lexical,))
        )
        assert [str(o) for o in rows.column("o")] == ["1"]
    finally:
        _record(store, "test-build", [G1, G2])
        store.update(f"DROP SILENT GRAPH <{lexical}>")
        store.close()


def test_record_seen_by_a_second_instance(servers: dict[str, ServerInfo]) -> None:
    """Two stores over one server (replicas): a publish is seen within the record's TTL."""
    first, second = open_store(servers["oxigraph"].spec), open_store(servers["oxigraph"].spec)
    try:
        assert second.graphs() == sorted([G1, G2])
        _record(first, "test-build-2", [G1])
        deadline = time.monotonic() + 5
        while second.graphs() != [G1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert second.graphs() == [G1]
        assert len(second.select(f"SELECT ?o WHERE {{ GRAPH ?g {{ <{EX}b> ?p ?o }} }}")) == 0
    finally:
        _record(first, "test-build", [G1, G2])
        first.close()
        second.close()


def test_held_build_while_the_store_is_down(tmp_path: Path) -> None:
    """The web keys its caches by the held build on every request: once the store stops
    answering, the last build read is given (one failed read, then none for the record's
    time to live), not a wait for the record's retries on each call."""
    with oxigraph_server(tmp_path) as info:
        store = open_store(info.spec)
        try:
            _record(store, "down-build", [G1])
            assert store.held_build() == "down-build"
            info.process.kill()
            info.process.wait(10)
            time.sleep(RECORD_TTL + 0.1)
            assert store.held_build() == "down-build"  # the record was due: this read failed
            started = time.monotonic()
            for _ in range(20):
                assert store.held_build() == "down-build"
            assert time.monotonic() - started < 0.5
            with pytest.raises(StoreUnavailableError):
                store.select("SELECT * WHERE { ?s ?p ?o }")
        finally:
            store.close()
