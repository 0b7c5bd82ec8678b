"""The publish lease: two publishes to one store are kept apart (issue 13, point 4; two
writers at once is one of govkg's hostile conditions), against real servers on 127.0.0.1.

What is held: of publishes racing for one store exactly one goes on and every other fails at
once, exit 5, in one line naming the store's URL (never its credentials), the holder and its
expiry, and the store then holds exactly one complete build; a publish killed while holding
the lease leaves a lease that refuses the next publish until it expires or is taken over with
``--break-lease``; a publish whose lease is taken over stops without switching; the lease
never changes what readers read (the record, ``state()``); on Virtuoso, whose reads are
anonymous, a publish with a wrong password fails at the lease, exit 2, before staging
anything. Servers are started by the tests (``tests/stores.py``); one that cannot start fails.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from govkg_process import run_govkg
from stores import ServerInfo, oxigraph_server, virtuoso_server
from test_publish import (
    assert_answers_whole,
    assert_busy_line,
    assert_holds,
    changed_copy,
    make_build,
    raw_graphs,
    synthetic_quads,
)

from govkg.backends import Dataset, Store, open_embedded, open_store
from govkg.build_cache import read_manifest
from govkg.namespaces import PUBLICATION_GRAPH
from govkg.progress import Progress
from govkg.publication import RECORD_QUERY, Lease, StoreBusyError
from govkg.publish import publish

#: Publishes racing for the lease in the thread race.
RACERS = 6
#: Rounds of the thread race.
ROUNDS = 3
#: Bound of one ``govkg publish`` child process (seconds).
CHILD_TIMEOUT = 300.0
#: Longest wait for a lease to appear or expire (seconds).
LEASE_WAIT = 60.0
#: Triples of the builds the racing processes publish: enough that a publish holds the lease
#: for seconds, far longer than the start-up jitter of two processes.
RACE_TRIPLES = 150_000
#: Seconds a publish holding a 2 s lease is watched before another tries (its lease would
#: have expired by then without renewals; publishing RACE_TRIPLES over a smaller build takes
#: about 13 s on Oxigraph server, 12 of them in the switch).
RENEWED_PAST = 3.5


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[ServerInfo]:
    with oxigraph_server(tmp_path / "server") as info:
        yield info


@pytest.fixture
def virtuoso(tmp_path: Path) -> Iterator[ServerInfo]:
    with virtuoso_server(tmp_path / "server") as info:
        yield info


def start_publish(*args: str) -> subprocess.Popen[str]:
    """Start ``govkg publish ARGS`` in a child process (as a user would)."""
    environment = {k: v for k, v in os.environ.items() if k != "GOVKG_FAULT"}
    return subprocess.Popen(
        [sys.executable, "-m", "govkg", "publish", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def finish(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Wait (bounded) for a child; its exit code, stdout and stderr."""
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    return child.returncode, out, err


def wait_for(condition: str, check: Callable[[], object], timeout: float = LEASE_WAIT) -> None:
    """Poll ``check()`` until it is true, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout:.0f} s: {condition}")


def live_leases(store: Store) -> list[str]:
    now = Lease(store).clock()
    return [h.holder for h in Lease(store).holders() if h.live(now)]


# The lease itself ----------------------------------------------------------------------------


def test_lease_on_the_embedded_store() -> None:
    """Taken, refused to another, renewed, released, expired and broken, on the embedded
    store (the clock is moved instead of waited for)."""
    store = open_embedded()
    moment = [Lease(store).clock()]

    def clock() -> datetime:
        return moment[0]

    first = Lease(store, 60, holder="first", clock=clock)
    second = Lease(store, 60, holder="second", clock=clock)
    first.take()
    with pytest.raises(StoreBusyError, match="is being published to by first until ") as refused:
        second.take()
    assert refused.value.exit_code == 5
    moment[0] += timedelta(seconds=50)
    first.renew()  # now good for 60 s from here
    moment[0] += timedelta(seconds=50)
    with pytest.raises(StoreBusyError):
        second.take()
    moment[0] += timedelta(seconds=11)  # first has expired: second takes it, first is out
    second.take()
    assert [h.holder for h in second.holders()] == ["second"]
    with pytest.raises(StoreBusyError, match="was taken over by second until "):
        first.renew()
    third = Lease(store, 60, holder="third", clock=clock)
    third.take(force=True)
    assert [h.holder for h in third.broken] == ["second"]
    assert third.release() and third.holders() == []


def race(leases: list[Lease]) -> list[str]:
    """Every lease taken at the same instant (a barrier), each in its own thread: what each
    got (``holds``, ``busy``, or the unexpected error)."""
    barrier = threading.Barrier(len(leases))
    outcomes = ["none"] * len(leases)

    def take(n: int) -> None:
        barrier.wait(timeout=30)
        try:
            leases[n].take()
            outcomes[n] = "holds"
        except StoreBusyError:
            outcomes[n] = "busy"
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            outcomes[n] = repr(exc)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(len(leases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LEASE_WAIT)
    return outcomes


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_racing_for_the_lease_one_wins(kind: str, tmp_path: Path) -> None:
    """Publishes with their own connections take the lease at the same instant (a barrier):
    in every round exactly one holds it and the others fail busy."""
    start = oxigraph_server if kind == "oxigraph" else virtuoso_server
    with start(tmp_path / "server") as info:
        stores = [open_store(info.spec) for _ in range(RACERS)]
        try:
            for _ in range(ROUNDS):
                leases = [Lease(s, 60, holder=f"racer {n}") for n, s in enumerate(stores)]
                outcomes = race(leases)
                assert sorted(outcomes) == ["busy"] * (RACERS - 1) + ["holds"], outcomes
                winner = leases[outcomes.index("holds")]
                assert live_leases(stores[0]) == [winner.holder]
                assert winner.release()
                assert Lease(stores[0]).holders() == []
        finally:
            for store in stores:
                store.close()


# Publishes at once ---------------------------------------------------------------------------


def race_publishes(server: ServerInfo, builds: list[Path]) -> None:
    """Start one ``govkg publish`` per build at once: one exits 0, the other 5 with the busy
    line; the store then holds the winner's build, whole."""
    children = [
        start_publish("--store", server.spec, "--build-dir", str(build)) for build in builds
    ]
    outcomes = [finish(child) for child in children]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 5], [(code, err[-500:]) for code, _, err in outcomes]
    winner = next(n for n, (code, _, _) in enumerate(outcomes) if code == 0)
    assert_busy_line(outcomes[1 - winner][2], server)
    store = open_store(server.spec)
    try:
        assert_holds(store, server, builds[winner])
    finally:
        store.close()


def test_two_publish_processes_one_wins(oxigraph: ServerInfo, tmp_path: Path) -> None:
    """Two ``govkg publish`` processes of two builds started together: one publishes, the
    other fails at once (exit 5, one line); the store holds the winner's build, whole."""
    builds = [
        make_build(tmp_path / name, synthetic_quads(8, RACE_TRIPLES, name)) for name in ("a", "b")
    ]
    race_publishes(oxigraph, builds)


def test_publish_while_another_runs_is_refused(oxigraph: ServerInfo, tmp_path: Path) -> None:
    """A publish started while another holds the lease fails at once and touches nothing:
    the running publish, whose 2 s lease is renewed while it works (its switch alone takes
    seconds), completes whole."""
    old = make_build(tmp_path / "old", synthetic_quads(8, 20_000, "old"))
    new = make_build(tmp_path / "new", synthetic_quads(8, RACE_TRIPLES, "new"))
    store = open_store(oxigraph.spec)
    try:
        publish(store, old)
        args = ("--store", oxigraph.spec, "--build-dir", str(new), "--lease-seconds", "2")
        running = start_publish(*args)
        wait_for("the first publish holds the lease", lambda: live_leases(store))
        time.sleep(RENEWED_PAST)  # longer than its lease: only renewals keep it
        assert running.poll() is None, "the publish ended too soon to show its renewals"
        started = time.monotonic()
        done = run_govkg("publish", "--store", oxigraph.spec, "--build-dir", str(old))
        assert done.returncode == 5, done.stderr
        assert_busy_line(done.stderr, oxigraph)
        assert time.monotonic() - started < CHILD_TIMEOUT / 10  # at once, not after a wait
        code, out, err = finish(running)
        assert code == 0, err
        assert out.startswith("published"), out
        assert_holds(store, oxigraph, new)
    finally:
        store.close()


# A killed publish's lease --------------------------------------------------------------------


def test_killed_publish_lease_expires(
    oxigraph: ServerInfo, build_dir: Path, tmp_path: Path
) -> None:
    """A publish killed holding a short lease refuses the next publish until it expires;
    then the next one cleans up the dead publish's staging graphs and completes."""
    newer = changed_copy(build_dir, tmp_path / "newer")
    store = open_store(oxigraph.spec)
    try:
        publish(store, build_dir)
        args = ("publish", "--store", oxigraph.spec, "--build-dir", str(newer))
        killed = run_govkg(*args, "--lease-seconds", "4", fault="publish:staged")
        assert killed.returncode == -9, killed.stderr
        assert live_leases(store), "the killed publish's lease is live"
        refused = run_govkg(*args)
        assert refused.returncode == 5, refused.stderr
        assert_busy_line(refused.stderr, oxigraph)
        assert_answers_whole(store, build_dir)
        wait_for("the killed publish's lease expires", lambda: not live_leases(store))
        done = run_govkg(*args)
        assert done.returncode == 0, done.stderr
        assert "staging graphs of an unfinished publish" in done.stderr
        assert_holds(store, oxigraph, newer)
    finally:
        store.close()


class _TakeOverAt(io.StringIO):
    """A progress stream that has another publish break the lease when a line starts with
    ``marker`` (the moment is chosen by the publish's own progress, no mock)."""

    def __init__(self, spec: str, marker: str):
        super().__init__()
        self.spec, self.marker, self.done = spec, marker, False

    def write(self, text: str) -> int:
        if not self.done and self.marker in text:
            self.done = True
            other = open_store(self.spec)
            try:
                Lease(other, 60, holder="the operator").take(force=True)
            finally:
                other.close()
        return super().write(text)


def test_publish_whose_lease_is_taken_over_stops_before_switching(
    oxigraph: ServerInfo, build_dir: Path, tmp_path: Path
) -> None:
    newer = changed_copy(build_dir, tmp_path / "newer")
    store = open_store(oxigraph.spec)
    try:
        publish(store, build_dir)
        stream = _TakeOverAt(oxigraph.spec, "switch to the new build ...")
        with pytest.raises(StoreBusyError, match="was taken over by the operator until "):
            publish(store, newer, Progress(stream=stream))
        assert stream.done
        assert_answers_whole(store, build_dir)
        assert live_leases(store) == ["the operator"]  # its lease is not released by the loser
    finally:
        store.close()


# What readers see ----------------------------------------------------------------------------


def test_a_lease_changes_nothing_readers_read(oxigraph: ServerInfo, build_dir: Path) -> None:
    """The lease shares the publication graph with the record, under another subject: the
    record query, ``state()`` and a reader's answers are the same with a lease held."""
    store = open_store(oxigraph.spec)
    reader = open_store(oxigraph.spec)
    try:
        publish(store, build_dir)
        scope = Dataset(default=(), named=(str(PUBLICATION_GRAPH),))
        before = (reader.state(), reader.select(RECORD_QUERY, scope).rows, reader.count())
        lease = Lease(store, 60, holder="a publish")
        lease.take()
        after = (reader.state(), reader.select(RECORD_QUERY, scope).rows, reader.count())
        assert before == after
        assert [h.holder for h in lease.holders()] == ["a publish"]
        manifest = read_manifest(build_dir.resolve())
        assert manifest is not None and after[0].build_id == manifest.build_id
        assert lease.release()
    finally:
        store.close()
        reader.close()


# Credentials ---------------------------------------------------------------------------------


def test_wrong_or_no_password_fails_before_staging_on_virtuoso(
    virtuoso: ServerInfo, build_dir: Path
) -> None:
    """Virtuoso reads anonymously and writes with digest credentials: a wrong password fails
    at the lease, the publish's first write, in one line, exit 2, nothing staged."""
    store = open_store(virtuoso.spec)
    try:
        publish(store, build_dir)
        before = raw_graphs(virtuoso)
        password = "not-the-password-7731"
        spec = virtuoso.spec.replace(f":{virtuoso.password}@", f":{password}@")
        assert spec != virtuoso.spec
        done = run_govkg("publish", "--store", spec, "--build-dir", str(build_dir))
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        expected = f"wrong credentials for the virtuoso store at {virtuoso.url} (HTTP 401)"
        assert lines[-1] == f"govkg: error: {expected}", done.stderr
        assert "Traceback" not in done.stderr and password not in done.stderr + done.stdout
        assert "stage" not in done.stderr  # it never got to staging
        assert raw_graphs(virtuoso) == before
        assert Lease(store).holders() == []
        # No credentials at all: the same, naming where to give them.
        anonymous = f"virtuoso:{virtuoso.url}"
        done = run_govkg(
            "publish",
            "--store",
            anonymous,
            "--build-dir",
            str(build_dir),
            unset=["GOVKG_STORE_USER", "GOVKG_STORE_PASSWORD"],
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines()[-1] == (
            f"govkg: error: the virtuoso store at {virtuoso.url} asks for credentials (give "
            f"them in the URL's user part or GOVKG_STORE_USER / GOVKG_STORE_PASSWORD)"
        )
        assert "stage" not in done.stderr
        assert raw_graphs(virtuoso) == before
        assert Lease(store).holders() == []
    finally:
        store.close()


def test_two_publish_processes_one_wins_on_virtuoso(virtuoso: ServerInfo, tmp_path: Path) -> None:
    builds = [make_build(tmp_path / name, synthetic_quads(4, 30_000, name)) for name in "ab"]
    race_publishes(virtuoso, builds)


def test_lease_seconds_must_be_positive(build_dir: Path) -> None:
    done = run_govkg(
        "publish",
        "--store",
        "oxigraph:http://127.0.0.1:9",
        "--build-dir",
        str(build_dir),
        "--lease-seconds",
        "0",
    )
    assert done.returncode == 2
    assert "not a positive number of seconds: '0'" in done.stderr
