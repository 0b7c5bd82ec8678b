"""``govkg publish`` against real servers (Oxigraph server, Virtuoso 7) on 127.0.0.1.

What is held (issue 13, "govkg publish"): the store's per-graph counts equal the build's and
its record names the build; publishing the same build again changes nothing; a publish
killed (SIGKILL, ``GOVKG_FAULT``) at each of its fault points leaves a build answering whole,
and the next publish completes and leaves no staging graph; readers polling during a publish
see the old or the new build, never a mix (stores that apply one update atomically); a blank
node shared by two graphs stays one node; graphs of another dataset are never touched.
Every server is started by the test (``tests/stores.py``); one that cannot start fails it.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from govkg_process import run_govkg
from rdflib import Dataset as RdfDataset
from stores import ServerInfo, oxigraph_server, virtuoso_server

from govkg.backends import Dataset, Rows, Store, StoreError, StoreState, open_store
from govkg.build_cache import DATASET_DUMP, MANIFEST, Manifest, read_manifest
from govkg.errors import DamagedBuildError
from govkg.namespaces import PUBLICATION_GRAPH
from govkg.progress import Progress
from govkg.publication import (
    GKS,
    PUBLICATION,
    STAGING_PREFIX,
    Lease,
    RecordState,
    record_from,
    require_build,
)
from govkg.publish import FAULT_POINTS, publish, staging_graphs

KINDS = ("oxigraph", "virtuoso")
#: A graph of another dataset sharing the store.
OTHER_GRAPH = "urn:other-dataset:graph"
#: Longest wait for a reader thread (seconds).
READER_JOIN = 60.0


@pytest.fixture(params=KINDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerInfo]:
    """A fresh server of each kind for the test."""
    start = oxigraph_server if request.param == "oxigraph" else virtuoso_server
    with start(tmp_path / "server") as info:
        yield info


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[ServerInfo]:
    with oxigraph_server(tmp_path / "server") as info:
        yield info


# Helpers -------------------------------------------------------------------------------------


def make_build(folder: Path, quads: list[str]) -> Path:
    """A build folder holding just an N-Quads dump and its manifest (what publish reads)."""
    folder.mkdir(parents=True)
    (folder / DATASET_DUMP).write_text("".join(q + "\n" for q in quads), encoding="utf-8")
    Manifest(version="test").write(folder)
    return folder


def synthetic_quads(graphs: int, triples: int, tag: str) -> list[str]:
    """``triples`` quads spread over ``graphs`` graphs, their literals marked with ``tag``."""
    return [
        f'<https://w3id.org/govkg/id/t/{i}> <https://w3id.org/govkg/ontology#p> "{tag} {i}" '
        f"<https://w3id.org/govkg/graph/t/{i % graphs}> ."
        for i in range(triples)
    ]


def changed_copy(build_dir: Path, folder: Path) -> Path:
    """A copy of a build with one graph gone, one graph new and one triple more in another:
    another build id."""
    text = (build_dir.resolve() / DATASET_DUMP).read_text(encoding="utf-8")
    dump = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    counts = Counter(line.rsplit(" ", 2)[1] for line in dump)
    smallest = min(counts, key=lambda g: (counts[g], g))
    kept = [line for line in dump if line.rsplit(" ", 2)[1] != smallest]
    kept.append(
        '<https://w3id.org/govkg/id/t/new> <https://w3id.org/govkg/ontology#p> "new" '
        "<https://w3id.org/govkg/graph/t/new> ."
    )
    return make_build(folder, kept)


def expected_counts(build: Path) -> dict[str, int]:
    """The triples of each graph of a build's dump, as rdflib reads it."""
    dataset = RdfDataset()
    dataset.parse(build.resolve() / DATASET_DUMP, format="nquads")
    return {
        str(graph.identifier): len(graph)
        for graph in dataset.graphs()
        if len(graph) and str(graph.identifier) != "urn:x-rdflib:default"
    }


def manifest_sha256(build: Path) -> str:
    return hashlib.sha256((build.resolve() / MANIFEST).read_bytes()).hexdigest()


def raw_graphs(info: ServerInfo) -> dict[str, int]:
    """Every named graph of the server and its triples, asked of the engine directly (not
    through govkg's dataset rule)."""
    path = "/query" if info.kind == "oxigraph" else "/sparql"
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = httpx.post(
        info.url + path,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    response.raise_for_status()
    return {b["g"]["value"]: int(b["n"]["value"]) for b in response.json()["results"]["bindings"]}


def assert_holds(store: Store, info: ServerInfo, build: Path) -> None:
    """The store holds exactly the build: record, per-graph counts, no staging graph."""
    state = store.state()
    manifest = read_manifest(build.resolve())
    assert manifest is not None
    assert state.build_id == manifest.build_id
    assert state.manifest_sha256 == manifest_sha256(build)
    counts = expected_counts(build)
    assert sorted(state.graphs) == sorted(counts)
    assert {g: store.count(g) for g in counts} == counts
    assert state.quads == sum(counts.values())
    graphs = raw_graphs(info)
    assert not [g for g in graphs if g.startswith(STAGING_PREFIX)]
    assert staging_graphs(store) == []
    assert Lease(store).holders() == []  # released


# Publishing ----------------------------------------------------------------------------------


def test_publish_then_counts_equal_the_build(server: ServerInfo, build_dir: Path) -> None:
    store = open_store(server.spec)
    try:
        result = publish(store, build_dir)
        assert result.changed
        assert result.quads == sum(expected_counts(build_dir).values())
        assert_holds(store, server, build_dir)
        # The record is what the reader of the record reads.
        assert isinstance(store.state(), RecordState)
        require_build(store.state(), store.location)
        again = publish(store, build_dir)
        assert not again.changed
        assert again.build_id == result.build_id
        assert_holds(store, server, build_dir)
    finally:
        store.close()


def test_new_build_replaces_old_and_other_dataset_stays(
    server: ServerInfo, build_dir: Path, tmp_path: Path
) -> None:
    store = open_store(server.spec)
    try:
        other = tmp_path / "other.nt"
        other.write_text(
            '<urn:other-dataset:s> <urn:other-dataset:p> "kept" .\n'
            '<urn:other-dataset:s> <urn:other-dataset:p> "also kept" .\n',
            encoding="utf-8",
        )
        store.load(OTHER_GRAPH, other)
        publish(store, build_dir)
        newer = changed_copy(build_dir, tmp_path / "newer")
        lines = io.StringIO()
        result = publish(store, newer, Progress(stream=lines))
        assert result.changed
        assert_holds(store, server, newer)
        # Only the new graph (and the merge) is staged; the others stay where they are.
        kept = len(set(expected_counts(build_dir)) & set(expected_counts(newer)))
        assert f"{kept} graphs unchanged, left in place" in lines.getvalue()
        old_only = set(expected_counts(build_dir)) - set(expected_counts(newer))
        graphs = raw_graphs(server)
        assert old_only and not old_only & set(graphs)  # the graph the new build lacks is gone
        assert graphs[OTHER_GRAPH] == 2
        publish(store, build_dir)  # and back
        assert_holds(store, server, build_dir)
        assert raw_graphs(server)[OTHER_GRAPH] == 2
    finally:
        store.close()


def test_shared_blank_node_stays_one_node(server: ServerInfo, tmp_path: Path) -> None:
    graph = "https://w3id.org/govkg/graph/t/"
    build = make_build(
        tmp_path / "build",
        [
            f'_:shared <https://w3id.org/govkg/ontology#p> "in a" <{graph}a> .',
            f'_:shared <https://w3id.org/govkg/ontology#p> "in b" <{graph}b> .',
            f'_:alone <https://w3id.org/govkg/ontology#p> "only in b" <{graph}b> .',
            f"<https://w3id.org/govkg/id/t/x> <https://w3id.org/govkg/ontology#q> _:alone "
            f"<{graph}b> .",
        ],
    )
    store = open_store(server.spec)
    try:
        publish(store, build)
        rows = store.select(
            'SELECT ?x WHERE { GRAPH ?a { ?x <https://w3id.org/govkg/ontology#p> "in a" } '
            'GRAPH ?b { ?x <https://w3id.org/govkg/ontology#p> "in b" } }'
        )
        assert len(rows) == 1
        rows = store.select(
            "SELECT ?y WHERE { GRAPH ?b { <https://w3id.org/govkg/id/t/x> "
            '<https://w3id.org/govkg/ontology#q> ?y . ?y ?p "only in b" } }'
        )
        assert len(rows) == 1
    finally:
        store.close()


def test_a_build_of_many_graphs_is_published_and_replaced(
    server: ServerInfo, tmp_path: Path
) -> None:
    """1 336 graphs (as a generated 1M-triple build has): Virtuoso refuses that many DROPs in
    one request (SQ156 "Query too large" at 1 336), so they are dropped a hundred at a time."""
    graph = "https://w3id.org/govkg/graph/many/"
    builds = [
        make_build(
            tmp_path / f"build-{version}",
            [
                f"<https://w3id.org/govkg/id/many/{n}> <https://w3id.org/govkg/ontology#p> "
                f'"{version} {n}" <{graph}{n}> .'
                for n in range(1336)
            ],
        )
        for version in ("first", "second")
    ]
    store = open_store(server.spec)
    try:
        for build in builds:
            publish(store, build)
            assert_holds(store, server, build)
        rows = store.select("SELECT ?o WHERE { <https://w3id.org/govkg/id/many/1335> ?p ?o }")
        assert [str(o) for o in rows.column("o")] == ["second 1335"]
    finally:
        store.close()


def test_a_triple_in_two_graphs_counts_once_in_the_default_graph(
    server: ServerInfo, tmp_path: Path
) -> None:
    graph = "https://w3id.org/govkg/graph/t/"
    triple = '<https://w3id.org/govkg/id/t/1> <https://w3id.org/govkg/ontology#p> "v"'
    build = make_build(tmp_path / "build", [f"{triple} <{graph}a> .", f"{triple} <{graph}b> ."])
    store = open_store(server.spec)
    try:
        publish(store, build)
        rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert [int(str(n)) for n in rows.column("n")] == [1]
        assert store.count() == 2  # quads in govkg's graphs
    finally:
        store.close()


def test_damaged_build_refused_naming_the_file(
    oxigraph: ServerInfo, build_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "build"
    shutil.copytree(build_dir.resolve(), copy)
    dump = copy / DATASET_DUMP
    dump.write_bytes(dump.read_bytes()[:-200])
    store = open_store(oxigraph.spec)
    try:
        with pytest.raises(DamagedBuildError, match="govkg.nq"):
            publish(store, copy)
        assert raw_graphs(oxigraph) == {}
    finally:
        store.close()


# Killed publishes ----------------------------------------------------------------------------


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_killed_publish_leaves_a_whole_build(
    server: ServerInfo, build_dir: Path, tmp_path: Path, point: str
) -> None:
    newer = changed_copy(build_dir, tmp_path / "newer")
    store = open_store(server.spec)
    try:
        publish(store, build_dir)
        done = run_govkg("publish", "--store", server.spec, "--build-dir", str(newer), fault=point)
        assert done.returncode == -9, done.stderr
        switched = point == "publish:switched"
        assert_answers_whole(store, newer if switched else build_dir)
        # The killed publish's lease is live: the next publish is refused, in one line …
        publish_args = ("publish", "--store", server.spec, "--build-dir", str(newer))
        done = run_govkg(*publish_args)
        assert done.returncode == 5, done.stderr
        assert_busy_line(done.stderr, server)
        assert_answers_whole(store, newer if switched else build_dir)
        # … until an operator who knows it is dead takes the lease over.
        done = run_govkg(*publish_args, "--break-lease")
        assert done.returncode == 0, done.stderr
        assert "took the lease over from " in done.stderr
        assert done.stdout.startswith("unchanged" if switched else "published"), done.stdout
        assert_holds(store, server, newer)
    finally:
        store.close()


def test_killed_first_publish_then_completes(oxigraph: ServerInfo, build_dir: Path) -> None:
    store = open_store(oxigraph.spec)
    try:
        done = run_govkg(
            "publish",
            "--store",
            oxigraph.spec,
            "--build-dir",
            str(build_dir),
            fault="publish:staged-some",
        )
        assert done.returncode == -9, done.stderr
        with pytest.raises(StoreError, match="holds no govkg build"):
            require_build(store.state(), store.location)
        done = run_govkg(
            "publish", "--store", oxigraph.spec, "--build-dir", str(build_dir), "--break-lease"
        )
        assert done.returncode == 0, done.stderr
        assert_holds(store, oxigraph, build_dir)
    finally:
        store.close()


def assert_busy_line(stderr: str, server: ServerInfo) -> None:
    """A publish refused for a live lease said so in one line naming the store (never its
    credentials), the holder and the expiry."""
    lines = stderr.strip().splitlines()
    assert len(lines) >= 1 and "Traceback" not in stderr, stderr
    last = lines[-1]
    assert last.startswith(f"govkg: error: the store at {server.url} is being published to by ")
    assert re.search(r" pid \d+ until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", last), last
    assert "--break-lease" in last
    if server.password:
        assert f":{server.password}@" not in stderr


def assert_answers_whole(store: Store, build: Path) -> None:
    """The store's record names ``build`` and each of its graphs holds that build's count."""
    state = store.state()
    manifest = read_manifest(build.resolve())
    assert manifest is not None and state.build_id == manifest.build_id
    counts = expected_counts(build)
    assert {g: store.count(g) for g in state.graphs} == counts


# Readers during a publish --------------------------------------------------------------------


def observe(store: Store, graphs: list[str]) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The record's build and each graph's count, read in ONE query (one snapshot)."""
    rows = store.select(
        f"SELECT ?build ?g (COUNT(*) AS ?n) WHERE {{ "
        f"GRAPH <{PUBLICATION_GRAPH}> {{ <{PUBLICATION}> <{GKS.buildId}> ?build }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{PUBLICATION_GRAPH}>) }} GROUP BY ?build ?g",
        Dataset(default=(), named=(str(PUBLICATION_GRAPH), *graphs)),
    )
    found = rows.dicts()
    builds = {row["build"] for row in found}
    assert len(builds) == 1, builds
    return builds.pop(), tuple(sorted((row["g"], int(row["n"])) for row in found))


def test_readers_see_old_or_new_never_a_mix(server: ServerInfo, tmp_path: Path) -> None:
    """Atomic stores: every observation is the old build or the new one. Others (Virtuoso:
    one graph a request, the record last): each graph is whole, old or new, and once the
    record names the new build every graph is new."""
    old = make_build(tmp_path / "old", synthetic_quads(4, 20_000, "old"))
    new = make_build(tmp_path / "new", synthetic_quads(4, 22_000, "new"))
    graphs = sorted(expected_counts(old))
    assert graphs == sorted(expected_counts(new))
    expected = {}
    for build in (old, new):
        manifest = read_manifest(build)
        assert manifest is not None
        expected[manifest.build_id] = tuple(sorted(expected_counts(build).items()))
    store = open_store(server.spec)
    reader = open_store(server.spec)
    seen: Counter[tuple[str, tuple[tuple[str, int], ...]]] = Counter()
    failures: list[BaseException] = []
    stop = threading.Event()

    def poll() -> None:
        try:
            while not stop.is_set():
                seen[observe(reader, graphs)] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    try:
        publish(store, old)
        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.2)
        publish(store, new)
        time.sleep(0.2)
        stop.set()
        thread.join(READER_JOIN)
        assert not thread.is_alive()
        assert not failures, failures
        assert len(seen) >= 2, seen  # both builds were observed
        new_id = list(expected)[1]
        for (build_id, counts), _ in seen.items():
            if store.capabilities.atomic_update or build_id == new_id:
                assert expected[build_id] == counts, (build_id, counts)
            else:
                whole = [dict(c) for c in expected.values()]
                assert all(n in (whole[0][g], whole[1][g]) for g, n in counts), counts
    finally:
        stop.set()
        store.close()
        reader.close()


# The record ----------------------------------------------------------------------------------


def test_record_states() -> None:
    none = record_from(Rows(("p", "o"), []), 0)
    with pytest.raises(StoreError, match=r"^the store at http://h:1 holds no govkg build"):
        require_build(none, "http://h:1")
    from rdflib import Literal

    unknown = record_from(Rows(("p", "o"), [(GKS.formatVersion, Literal("2"))]), 0)
    assert unknown.format_version == "2" and unknown.build_id is None
    with pytest.raises(StoreError, match="unknown govkg build record \\(format '2'"):
        require_build(unknown, "http://h:1")
    with pytest.raises(StoreError, match="holds no govkg build"):
        require_build(StoreState(None, None, (), 0), "http://h:1")


# The command ---------------------------------------------------------------------------------


def test_command_needs_a_store(build_dir: Path) -> None:
    done = run_govkg("publish", "--build-dir", str(build_dir), unset=["GOVKG_STORE"])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "govkg: error: publish needs --store KIND:URL (or GOVKG_STORE)"
    ]


def test_command_unreachable_store_one_line(build_dir: Path) -> None:
    from stores import free_port

    url = f"http://127.0.0.1:{free_port()}"
    done = run_govkg("publish", "--store", f"oxigraph:{url}", "--build-dir", str(build_dir))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("govkg: error:") and url in lines[-1], done.stderr
    assert "Traceback" not in done.stderr
