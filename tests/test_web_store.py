"""``govkg serve --store`` over a real Oxigraph server (issue 13, points 5 and 7).

Every server here is real: Oxigraph servers started on free 127.0.0.1 ports
(:mod:`stores`), the build published into them with :func:`govkg.publish.publish`, and
``govkg serve`` under its production server, granian (:mod:`web_server`). The same requests
go to a server over the embedded store and to servers over the Oxigraph server; their answers
must be the same: SELECT, ASK and CONSTRUCT in several formats, named queries, the guard's
refusals, a linked-data page. A slow query is stopped at the time limit (503), an engine
killed answers 503 with one line and a restarted one answers again, a store without a govkg
build is refused (exit 2, one line naming its URL), and two replicas on one store answer
alike.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import os
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import to_isomorphic
from stores import (
    ServerInfo,
    oxigraph_binary,
    oxigraph_server,
    published_oxigraph,
    virtuoso_server,
)
from web_server import RunningServer, start_server, stop_server

from govkg.backends import Store, open_store
from govkg.build_cache import read_manifest
from govkg.cli import main
from govkg.publish import publish

FRAMEWORK = "https://w3id.org/govkg/ontology#GovernanceFramework"
#: Requests compared between the embedded and the store-backed servers: (query, Accept).
#: Each SELECT is ordered, so that rows compare in order.
COMPARED = (
    (
        f"SELECT ?f ?label WHERE {{ ?f a <{FRAMEWORK}> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?f ?label",
        "application/sparql-results+json",
    ),
    (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "text/csv",
    ),
    (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "text/tab-separated-values",
    ),
    (
        "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#inScheme> ?o } "
        "ORDER BY ?s ?o LIMIT 50",
        "application/sparql-results+xml",
    ),
    (f"ASK {{ ?s a <{FRAMEWORK}> }}", "application/sparql-results+json"),
    (
        f"CONSTRUCT {{ ?f ?p ?o }} WHERE {{ ?f a <{FRAMEWORK}> ; ?p ?o }}",
        "text/turtle",
    ),
    (
        "DESCRIBE <https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0>",
        "application/n-triples",
    ),
)
#: rdflib's parser of each RDF media type.
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
#: Named queries compared (``/queries/NAME``).
NAMED = ("cq01-fact-sheet-principles",)
#: A query that runs for minutes on any engine: a three-way cross product of the graph.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: The time limit of the servers that meet :data:`SLOW`, and how late a 503 may come.
LIMIT_SECONDS = 2.0
LATE_SECONDS = 6.0


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[ServerInfo]:
    """An Oxigraph server holding the session's build, published by govkg."""
    with published_oxigraph(tmp_path_factory.mktemp("store"), build_dir) as info:
        yield info


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[RunningServer]:
    """govkg serve over the embedded store."""
    server = start_server(build_dir, tmp_path_factory.mktemp("embedded") / "serve.log")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, build_dir: Path, published: ServerInfo
) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Two govkg serve instances over the one Oxigraph server (the first one with the build
    folder, for its downloads; the second without any)."""
    folder = tmp_path_factory.mktemp("replicas")
    first = start_server(build_dir, folder / "one.log", "--store", published.spec)
    try:
        second = start_server(folder / "no-build", folder / "two.log", "--store", published.spec)
    except BaseException:
        stop_server(first)
        raise
    yield first, second
    stop_server(second)
    stop_server(first)


def _query(server: RunningServer, query: str, accept: str) -> tuple[int, str, bytes]:
    status, headers, body = server.request(
        "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    return status, headers.get("content-type", ""), body


def _post(server: RunningServer, query: str, accept: str) -> tuple[int, str, bytes]:
    status, headers, body = server.request(
        "POST",
        "/sparql",
        body=query.encode("utf-8"),
        headers={"Accept": accept, "Content-Type": "application/sparql-query"},
    )
    return status, headers.get("content-type", ""), body


def _comparable(media_type: str, body: bytes) -> object:
    """An answer in a form that compares equal when two answers mean the same."""
    bare = media_type.split(";")[0]
    if bare == "application/sparql-results+json":
        data = json.loads(body)
        rows = [
            {name: _json_term(term) for name, term in row.items()}
            for row in data.get("results", {}).get("bindings", [])
        ]
        return data.get("boolean"), data["head"].get("vars"), rows
    if bare in ("text/csv", "text/tab-separated-values"):
        delimiter = "," if bare == "text/csv" else "\t"
        return list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter))
    if bare == "application/sparql-results+xml":
        return _xml_rows(body)
    dataset = Dataset()
    dataset.parse(data=body, format=RDFLIB_FORMATS[bare])
    graph = Graph()
    for subject, predicate, value, _ in dataset.quads((None, None, None, None)):
        graph.add((subject, predicate, value))
    return to_isomorphic(graph)


def _json_term(term: dict[str, str]) -> tuple[str, str, str | None, str | None]:
    """A term of SPARQL JSON results (section 3.2.2), the older ``typed-literal`` type and an
    explicit ``xsd:string`` read as the plain literal they are in RDF 1.1."""
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    datatype = term.get("datatype")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = None
    return kind, term["value"], term.get("xml:lang"), datatype


def _meaningful(media_type: str, body: bytes) -> bool:
    """The answer holds something (a test that compares empty answers shows nothing)."""
    found = _comparable(media_type, body)
    if isinstance(found, tuple):
        return bool(found[0] or found[2])
    if isinstance(found, list):
        return len(found) > 1 or (len(found) == 1 and media_type.startswith("application/"))
    return len(found) > 0  # type: ignore[arg-type]


def _xml_rows(body: bytes) -> list[list[tuple[str, str]]]:
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2005/sparql-results#}"
    rows = []
    for result in ET.fromstring(body).iter(ns + "result"):
        rows.append(
            sorted(
                (binding.attrib["name"], "".join(binding.itertext()).strip())
                for binding in result.iter(ns + "binding")
            )
        )
    return rows


@pytest.mark.parametrize(("query", "accept"), COMPARED, ids=[a for _, a in COMPARED])
def test_the_endpoint_answers_as_the_embedded_store_does(
    embedded: RunningServer,
    replicas: tuple[RunningServer, RunningServer],
    query: str,
    accept: str,
) -> None:
    expected_status, expected_type, expected = _query(embedded, query, accept)
    assert expected_status == 200, expected
    assert _meaningful(expected_type, expected)
    for server in replicas:
        status, media_type, body = _query(server, query, accept)
        assert status == 200, body
        assert media_type == expected_type
        assert _comparable(media_type, body) == _comparable(expected_type, expected)


@pytest.mark.parametrize("name", NAMED)
def test_named_queries_answer_as_on_the_embedded_store(
    embedded: RunningServer, replicas: tuple[RunningServer, RunningServer], name: str
) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    status, _, expected = embedded.request("GET", f"/queries/{name}", headers=accept)
    assert status == 200, expected
    assert json.loads(expected)["results"]["bindings"], "the named query answers something"
    for server in replicas:
        status, _, body = server.request("GET", f"/queries/{name}", headers=accept)
        assert status == 200, body
        assert _comparable("application/sparql-results+json", body) == _comparable(
            "application/sparql-results+json", expected
        )


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        (
            "GET",
            "/sparql?"
            + urllib.parse.urlencode(
                {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}
            ),
            None,
            None,
            403,
        ),
        (
            "POST",
            "/sparql",
            "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "application/sparql-update",
            403,
        ),
        ("POST", "/sparql", "update=DROP+ALL", "application/x-www-form-urlencoded", 403),
        ("GET", "/sparql?query=SELECT+*+WHERE+%7B", None, None, 400),
    ],
    ids=["service", "update-body", "update-form", "malformed"],
)
def test_refusals_are_the_same(
    embedded: RunningServer,
    replicas: tuple[RunningServer, RunningServer],
    method: str,
    path: str,
    body: str | None,
    content_type: str | None,
    status: int,
) -> None:
    accept = "application/sparql-results+json, text/plain;q=0.5"  # errors come as text
    headers = {"Accept": accept, **({"Content-Type": content_type} if content_type else {})}
    got, _, expected = embedded.request(method, path, body, headers)
    assert got == status
    for server in replicas:
        answer = server.request(method, path, body, headers)
        assert answer[0] == status
        if status == 403:  # the guard's refusals, before any store: word for word
            assert answer[2] == expected
        assert len(answer[2].decode().strip().splitlines()) == 1


def test_the_update_was_refused_before_the_store(published: ServerInfo) -> None:
    store = open_store(published.spec)
    try:
        assert not store.ask("ASK { GRAPH ?g { <urn:a> <urn:b> <urn:c> } }")
        assert not store.ask("ASK { <urn:a> <urn:b> <urn:c> }")
    finally:
        store.close()


def test_linked_data_pages_as_on_the_embedded_store(
    embedded: RunningServer, replicas: tuple[RunningServer, RunningServer]
) -> None:
    iri = "/id/framework/nist-ai-rmf-1-0"
    html, nt = {"Accept": "text/html"}, {"Accept": "application/n-triples"}
    status, headers, _ = embedded.request("GET", iri, headers=html)
    assert status == 303
    page_path = headers["location"]
    status, _, page = embedded.request("GET", page_path, headers=html)
    assert status == 200
    assert b"AI Risk Management Framework" in page
    status, headers, _ = embedded.request("GET", iri, headers=nt)
    assert status == 303
    data_path = headers["location"]
    status, _, expected = embedded.request("GET", data_path, headers=nt)
    assert status == 200
    for server in replicas:
        status, headers, _ = server.request("GET", iri, headers=html)
        assert (status, headers["location"]) == (303, page_path)
        status, headers, body = server.request("GET", page_path, headers=html)
        assert status == 200
        assert headers["content-type"].startswith("text/html")
        assert b"AI Risk Management Framework" in body
        status, headers, _ = server.request("GET", iri, headers=nt)
        assert (status, headers["location"]) == (303, data_path)
        status, _, body = server.request("GET", data_path, headers=nt)
        assert status == 200
        assert _comparable("application/n-triples", body) == _comparable(
            "application/n-triples", expected
        )


def test_healthz_names_the_store_and_its_build(
    build_dir: Path, published: ServerInfo, replicas: tuple[RunningServer, RunningServer]
) -> None:
    manifest = read_manifest(build_dir.resolve())
    assert manifest is not None
    for server in replicas:
        status, headers, body = server.request("GET", "/healthz")
        assert status == 200
        assert headers["cache-control"] == "no-store"
        state = json.loads(body)
        assert state["status"] == "ok"
        assert state["build"] == state["storeBuild"] == manifest.build_id
        assert state["stale"] is False
        assert state["store"] == {
            "kind": "oxigraph",
            "location": published.url,
            "reachable": True,
        }


def test_downloads_come_from_a_build_folder_of_the_same_build(
    build_dir: Path, replicas: tuple[RunningServer, RunningServer]
) -> None:
    with_build, without = replicas
    listing = {"Accept": "application/json"}
    status, _, body = with_build.request("GET", "/downloads/", headers=listing)
    assert status == 200
    names = {item["name"] for item in json.loads(body)["downloads"]}
    assert "govkg.nq" in names
    status, _, dump = with_build.request("GET", "/downloads/govkg.nq")
    assert status == 200
    assert dump == (build_dir / "govkg.nq").read_bytes()
    status, _, body = without.request("GET", "/downloads/", headers=listing)
    assert status == 200
    assert json.loads(body)["downloads"] == []
    assert without.request("GET", "/downloads/govkg.nq")[0] == 404


def test_search_finds_the_same_with_or_without_the_build_folder(
    embedded: RunningServer, replicas: tuple[RunningServer, RunningServer]
) -> None:
    """The replica with the build folder reads its search index; the one without makes it
    from the store: both find what the embedded server finds."""
    path = "/search?q=transparency"
    accept = {"Accept": "application/json"}
    status, _, body = embedded.request("GET", path, headers=accept)
    assert status == 200
    expected = _found(body)
    assert expected[0] > 0
    for server in replicas:
        status, _, body = server.request("GET", path, headers=accept, timeout=60)
        assert status == 200, body
        assert _found(body) == expected


def _found(body: bytes) -> tuple[int, list[tuple[str, str]]]:
    document = json.loads(body)
    return document["total"], [(hit["iri"], hit["label"]) for hit in document["hits"]]


def test_void_counts_come_from_the_store(
    embedded: RunningServer, replicas: tuple[RunningServer, RunningServer]
) -> None:
    query = (
        "SELECT ?n WHERE { ?d <http://rdfs.org/ns/void#triples> ?n ; "
        "<http://rdfs.org/ns/void#sparqlEndpoint> ?e }"
    )
    expected = _void_counts(embedded, query)
    assert expected
    for server in replicas:
        assert _void_counts(server, query) == expected


def _void_counts(server: RunningServer, query: str) -> list[str]:
    status, _, body = server.request("GET", "/.well-known/void", headers={"Accept": "text/turtle"})
    assert status == 200
    graph = Graph().parse(data=body, format="turtle")
    return sorted(str(row[0]) for row in graph.query(query))  # type: ignore[index]


def test_a_store_without_a_build_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with oxigraph_server(tmp_path) as empty:
        code = main(["serve", "--store", empty.spec, "--build-dir", str(tmp_path / "none")])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert empty.url in lines[0] and "no govkg build" in lines[0]


def test_data_files_are_refused_with_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    code = main(["serve", "--store", "oxigraph:http://127.0.0.1:9", "--data", str(extra)])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--store" in lines[0]


def test_credentials_are_never_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--store", "oxigraph:http://someone:s3cret@127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "s3cret" not in err and "127.0.0.1:9" in err


def test_time_limit_then_engine_down_then_back(tmp_path: Path, build_dir: Path) -> None:
    """A slow query → 503 at the limit; the engine killed → 503, one line, /healthz 503; the
    engine restarted on its port → the same server answers again."""
    with oxigraph_server(tmp_path / "engine") as engine:
        store = open_store(engine.spec)
        try:
            publish(store, build_dir)
        finally:
            store.close()
        server = start_server(
            build_dir,
            tmp_path / "serve.log",
            "--store",
            engine.spec,
            workers=1,
            timeout=LIMIT_SECONDS,
        )
        try:
            started = time.monotonic()
            status, _, body = _query(server, SLOW, "application/sparql-results+json")
            took = time.monotonic() - started
            assert status == 503, body
            assert b"time limit" in body
            assert took < LIMIT_SECONDS + LATE_SECONDS

            _kill(engine.process)
            ask = "ASK { ?s ?p ?o }"
            status, _, body = _query(server, ask, "application/json, text/plain;q=0.5")
            assert status == 503, body
            assert len(body.decode().strip().splitlines()) == 1
            assert engine.url in body.decode()
            status, _, body = server.request("GET", "/healthz")
            assert status == 503
            assert json.loads(body)["store"]["reachable"] is False

            with _restarted(engine):
                status, _, body = _query(server, ask, "application/json")
                assert status == 200, body
                assert json.loads(body)["boolean"] is True
                assert server.request("GET", "/healthz")[0] == 200
        finally:
            stop_server(server)


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


@contextlib.contextmanager
def _restarted(engine: ServerInfo) -> Iterator[subprocess.Popen[bytes]]:
    """The engine started again on its port with its database (waited for, bounded)."""
    command = [
        str(oxigraph_binary()),
        "serve",
        "--location",
        str(engine.folder / "db"),
        "--bind",
        f"127.0.0.1:{engine.port}",
    ]
    with (engine.folder / "restart.log").open("ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(engine.port):
            assert process.poll() is None, (engine.folder / "restart.log").read_text()
            assert time.monotonic() < deadline, "the engine did not restart within 60 s"
            time.sleep(0.2)
        yield process
    finally:
        _kill(process)


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/query?query=ASK%7B%7D")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def test_a_new_publication_is_reported_then_switched_to_on_sighup(
    tmp_path: Path, build_dir: Path
) -> None:
    """The store's record names another build (as after ``govkg publish`` of a new one):
    /healthz says the server is stale; SIGHUP switches it to that build, no restart."""
    from govkg.namespaces import PUBLICATION_GRAPH
    from govkg.publication import GKS, PUBLICATION

    with oxigraph_server(tmp_path / "engine") as engine:
        store = open_store(engine.spec)
        try:
            first = publish(store, build_dir).build_id
            server = start_server(
                build_dir, tmp_path / "serve.log", "--store", engine.spec, workers=1
            )
            try:
                store.update(
                    f"WITH <{PUBLICATION_GRAPH}> DELETE {{ <{PUBLICATION}> <{GKS.buildId}> ?b }} "
                    f'INSERT {{ <{PUBLICATION}> <{GKS.buildId}> "next" }} '
                    f"WHERE {{ <{PUBLICATION}> <{GKS.buildId}> ?b }}"
                )
                state = json.loads(server.request("GET", "/healthz")[2])
                assert (state["build"], state["storeBuild"], state["stale"]) == (
                    first,
                    "next",
                    True,
                )
                server.process.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 60
                while state["build"] != "next":
                    assert time.monotonic() < deadline, "SIGHUP did not switch within 60 s"
                    time.sleep(0.5)
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        state = json.loads(server.request("GET", "/healthz")[2])
                assert state["stale"] is False
            finally:
                stop_server(server)
        finally:
            store.close()


def test_a_cached_answer_is_not_served_after_a_publication(tmp_path: Path, build_dir: Path) -> None:
    """The result cache is keyed by the build the store holds: once its record names
    another build, the same query is asked again (the previous build's answer is not kept)."""
    from govkg.namespaces import PUBLICATION_GRAPH
    from govkg.publication import GKS, PUBLICATION

    query = "SELECT ?o WHERE { GRAPH ?g { <urn:govkg-test:s> <urn:govkg-test:p> ?o } }"
    accept = "application/sparql-results+json"
    with oxigraph_server(tmp_path / "engine") as engine:
        store = open_store(engine.spec)
        try:
            publish(store, build_dir)
            graph = store.graphs()[0]
            server = start_server(
                build_dir, tmp_path / "serve.log", "--store", engine.spec, workers=1
            )
            try:
                for _ in range(2):  # the second is answered from the caches
                    for ask in (_query, _post):
                        status, _, body = ask(server, query, accept)
                        assert status == 200 and json.loads(body)["results"]["bindings"] == []
                store.update(
                    f"INSERT DATA {{ GRAPH <{graph}> {{ "
                    f'<urn:govkg-test:s> <urn:govkg-test:p> "new" }} }} ; '
                    f"WITH <{PUBLICATION_GRAPH}> DELETE {{ <{PUBLICATION}> <{GKS.buildId}> ?b }} "
                    f'INSERT {{ <{PUBLICATION}> <{GKS.buildId}> "next" }} '
                    f"WHERE {{ <{PUBLICATION}> <{GKS.buildId}> ?b }}"
                )
                deadline = time.monotonic() + 10  # the record is read again after 2 s
                for ask in (_query, _post):  # GET: the whole-answer cache; POST: the results'
                    while True:
                        status, _, body = ask(server, query, accept)
                        bindings = json.loads(body)["results"]["bindings"]
                        if bindings:
                            break
                        assert time.monotonic() < deadline, "a cached answer outlived the build"
                        time.sleep(0.5)
                    assert status == 200 and [b["o"]["value"] for b in bindings] == ["new"]
            finally:
                stop_server(server)
        finally:
            store.close()


def test_each_process_asks_over_its_own_connections(published: ServerInfo) -> None:
    """A store opened before a fork (as granian forks workers) answers every process its
    own answers, even while both ask at once over what the parent had pooled."""
    from govkg.web.dataset import open_published

    store = open_published(published.spec)
    try:
        assert store.ask("ASK { ?s ?p ?o }")  # a pooled keep-alive connection now
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports by its exit status
            os._exit(0 if _asks_alike(store, 1000) else 1)
        mine = _asks_alike(store, 0)
        deadline = time.monotonic() + 60
        while (waited := os.waitpid(child, os.WNOHANG))[0] == 0:
            if time.monotonic() > deadline:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
                pytest.fail("the forked process did not finish its queries within 60 s")
            time.sleep(0.05)
        assert mine
        assert os.waitstatus_to_exitcode(waited[1]) == 0
    finally:
        store.close()


def _asks_alike(store: Store, offset: int) -> bool:
    """Ask 40 queries, each with its own answer; True when each got its own."""
    for i in range(offset, offset + 40):
        rows = store.select(f"SELECT ?i WHERE {{ VALUES ?i {{ {i} }} }}")
        if [str(v) for v in rows.column("i")] != [str(i)]:
            return False
    return True


@pytest.fixture(scope="module")
def on_virtuoso(
    tmp_path_factory: pytest.TempPathFactory, build_dir: Path
) -> Iterator[tuple[ServerInfo, RunningServer]]:
    """govkg serve over a Virtuoso 7 holding the session's build (digest credentials)."""
    folder = tmp_path_factory.mktemp("virtuoso")
    with virtuoso_server(folder) as info:
        store = open_store(info.spec)
        try:
            publish(store, build_dir)
        finally:
            store.close()
        server = start_server(build_dir, folder / "serve.log", "--store", info.spec)
        yield info, server
        stop_server(server)


#: DESCRIBE's answer is the engine's to define (SPARQL 1.1 Query section 16.4): not compared
#: across engines.
ACROSS_ENGINES = [(q, a) for q, a in COMPARED if not q.startswith("DESCRIBE")]


@pytest.mark.parametrize(("query", "accept"), ACROSS_ENGINES, ids=[a for _, a in ACROSS_ENGINES])
def test_over_virtuoso_the_endpoint_answers_as_the_embedded_store_does(
    embedded: RunningServer,
    on_virtuoso: tuple[ServerInfo, RunningServer],
    query: str,
    accept: str,
) -> None:
    _, server = on_virtuoso
    expected_status, expected_type, expected = _query(embedded, query, accept)
    assert expected_status == 200, expected
    status, media_type, body = _query(server, query, accept)
    assert status == 200, body
    assert media_type == expected_type
    assert _comparable(media_type, body) == _comparable(expected_type, expected)


def test_over_virtuoso_healthz_shows_no_credentials(
    on_virtuoso: tuple[ServerInfo, RunningServer],
) -> None:
    info, server = on_virtuoso
    status, _, body = server.request("GET", "/healthz")
    assert status == 200
    state = json.loads(body)
    assert state["store"] == {"kind": "virtuoso", "location": info.url, "reachable": True}
    assert info.password is not None and f":{info.password}@" not in body.decode()
    assert f":{info.password}@" not in server.log_text()


@pytest.mark.parametrize("accept", sorted(RDFLIB_FORMATS))
def test_over_virtuoso_every_rdf_format_is_served(
    embedded: RunningServer, on_virtuoso: tuple[ServerInfo, RunningServer], accept: str
) -> None:
    """Formats Virtuoso does not write (JSON-LD, TriG, N-Quads) are written by govkg from its
    N-Triples: the same graph as the embedded server's."""
    _, server = on_virtuoso
    query = f"CONSTRUCT {{ ?f ?p ?o }} WHERE {{ ?f a <{FRAMEWORK}> ; ?p ?o }}"
    status, media_type, expected = _query(embedded, query, accept)
    assert status == 200, expected
    assert _meaningful(media_type, expected)
    status, got_type, body = _query(server, query, accept)
    assert status == 200, body
    assert got_type == media_type
    assert _comparable(got_type, body) == _comparable(media_type, expected)
