"""govkg's SPARQL endpoint against Oxigraph's own server: the same graph, the same queries,
the same run (issue 8, point 6).

One command:

1. writes a synthetic governance graph of about ``--triples`` triples as one N-Quads file
   (``synthetic_graph.py``; ``--graph FILE`` reuses a file, or writes it there when missing);
2. serves it with ``govkg serve --no-builtin --data FILE`` and with ``oxigraph serve
   --union-default-graph`` (the file POSTed to its in-memory store before anything is
   measured; ``--oxigraph-store rocksdb``: ``oxigraph load`` then ``oxigraph serve-read-only``
   on disk), so both default graphs are the union of the named graphs; the quads each server
   holds are counted and printed. The in-memory store is the default because govkg evaluates
   on an in-memory pyoxigraph store too, so the ratios measure the serving path, not the
   storage (on RocksDB, Oxigraph answered the mix about 1.5-4x slower here);
3. latency: the 9-query mix of ``http_query_mix.py``, every request a fresh query text,
   sequential requests on one keep-alive ``http.client`` connection per server, the servers
   in alternation; per query the median and p99 of both, their ratio and the rows per
   request (both servers must return the same number on every request), then the geometric
   mean of the ratios;
4. throughput: ``wrk`` with ``--connections`` connections for ``--seconds`` on the lookup and
   the crosswalk query (one URL repeated, so govkg's answer cache may hit), ``--rounds`` runs
   per server alternating between them, the median kept; any non-2xx answer stops the run;
5. slow clients: p99 latency of sequential lookups (spread over ``--slow-seconds``, longer
   than govkg's header timeout; alternately on a keep-alive connection and on a new
   connection each) with and without ``--slow-clients`` connections that send
   request-header lines one per second and never finish, for both servers; the target is
   judged on the worse of the two connection modes;
6. issue 8's targets, each with PASS or MISS.

Run from a checkout, with govkg and the ``oxigraph`` command installed (``pip install -e
'.[bench]'``) and ``wrk`` on the PATH (Debian: ``apt-get install wrk``)::

    python benchmarks/http_vs_oxigraph.py
    python benchmarks/http_vs_oxigraph.py --govkg-arg=--workers=2 --requests 200

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time; both servers run in
their own process group, stopped whatever happens. Exit status: 0 when the run completed
(``--fail-on-miss``: 1 when a target is missed), 1 when the servers' row counts differ.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from http_common import (
    HOST,
    Client,
    Server,
    SlowClients,
    free_port,
    percentile_ms,
    post_ok,
    running,
    wrk,
)
from http_query_mix import CROSSWALK, LOOKUP, MIX, QueryKind, Texts, count_rows
from synthetic_graph import write_dataset

import govkg

#: Issue 8's targets.
LATENCY_TARGET = 1.3  # geometric mean of the median ratios govkg / Oxigraph: at most
LOOKUP_RATE_TARGET = 0.35  # throughput govkg / Oxigraph: at least
CROSSWALK_RATE_TARGET = 0.5
SLOW_CLIENT_TARGET = 2.0  # p99 with slow clients / p99 without: at most

#: A slow-client measurement stops after this many timed-out requests (its p99 is then at
#: least the timeout).
SLOW_PHASE_TIMEOUTS = 3
#: Seconds the whole latency step may take.
LATENCY_BUDGET = 900.0
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass
class Side:
    """One server under test and the path of its SPARQL query service."""

    name: str
    server: Server
    path: str

    def url(self, text: str) -> str:
        """The GET URL path of a query."""
        return f"{self.path}?query={quote(text)}"


@dataclass
class Latency:
    """Latency samples (seconds) and rows of one query kind, govkg first."""

    kind: QueryKind
    samples: tuple[list[float], list[float]]
    rows: tuple[int, int]
    disagreements: int

    def ratio(self, percentile: int) -> float:
        """govkg / Oxigraph at a percentile."""
        govkg, oxigraph = (percentile_ms(s, percentile) for s in self.samples)
        return govkg / oxigraph


def measure_latency(
    sides: tuple[Side, Side], kind: QueryKind, texts: list[str], warmup: int, deadline: float
) -> Latency:
    """Send each text once to each server, alternating which goes first; time all but the
    first ``warmup`` texts, and count the rows of every answer."""
    clients = [Client(side.server.port) for side in sides]
    samples: tuple[list[float], list[float]] = ([], [])
    rows = [0, 0]
    disagreements = 0
    try:
        for index, text in enumerate(texts):
            if time.monotonic() > deadline:
                raise SystemExit(f"{kind.name}: the latency step passed its time budget")
            counts = [0, 0]
            for which in (0, 1) if index % 2 == 0 else (1, 0):
                side = sides[which]
                started = time.perf_counter()
                status, body = clients[which].get(side.url(text), kind.accept)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise SystemExit(f"{side.name}, {kind.name}: HTTP {status}: {body[:300]!r}")
                counts[which] = count_rows(body, kind.graph_result)
                if index >= warmup:
                    samples[which].append(elapsed)
                    rows[which] += counts[which]
            if counts[0] != counts[1]:
                disagreements += 1
                if disagreements == 1:
                    print(f"  ! {kind.name}: govkg {counts[0]} rows, oxigraph {counts[1]}:\n{text}")
    finally:
        for client in clients:
            client.close()
    return Latency(kind, samples, (rows[0], rows[1]), disagreements)


#: The two ways the lookups of a slow-client phase reach the server.
MODES = ("keep-alive", "new connection")


@dataclass
class SlowPhase:
    """Sequential lookups of one connection mode timed while something else goes on."""

    samples: list[float]
    requested: int = 0
    lost: int = 0  # timed out or failed
    timeouts: int = 0

    def p99_ms(self, timeout: float) -> float:
        """p99 in ms; a lost request counts as ``timeout`` seconds."""
        return percentile_ms(self.samples + [timeout] * self.lost, 99)

    def note(self) -> str:
        """How many were answered, the slowest, the lost ones."""
        slowest = max(self.samples, default=0.0) * 1000
        note = f"{len(self.samples)}/{self.requested} answered, slowest {slowest:.1f} ms"
        if self.lost:
            note += f", {self.timeouts} timed out, {self.lost - self.timeouts} failed"
        return note


def timed_lookups(
    side: Side, texts: list[str], timeout: float, seconds: float
) -> dict[str, SlowPhase]:
    """Time one lookup per text, spread evenly over ``seconds``, alternately on one
    keep-alive connection and on a new connection each (as ``urllib`` or ``curl`` do); stop
    after ``SLOW_PHASE_TIMEOUTS`` timeouts."""
    phases = {mode: SlowPhase([]) for mode in MODES}
    kept = Client(side.server.port, timeout=timeout)
    start = time.monotonic()
    try:
        for index, text in enumerate(texts):
            time.sleep(max(0.0, start + index * seconds / len(texts) - time.monotonic()))
            mode = MODES[index % 2]
            phase = phases[mode]
            phase.requested += 1
            client = kept if mode == MODES[0] else Client(side.server.port, timeout=timeout)
            started = time.perf_counter()
            try:
                status, _ = client.get(side.url(text), LOOKUP.accept)
            except (OSError, http.client.HTTPException) as error:
                phase.lost += 1
                client.close()
                if client is kept:
                    kept = Client(side.server.port, timeout=timeout)
                if isinstance(error, TimeoutError):
                    phase.timeouts += 1
                    if sum(p.timeouts for p in phases.values()) >= SLOW_PHASE_TIMEOUTS:
                        break
                continue
            finally:
                if client is not kept:
                    client.close()
            if status == 200:
                phase.samples.append(time.perf_counter() - started)
            else:
                phase.lost += 1
    finally:
        kept.close()
    return phases


def _load() -> str:
    """The 1-minute load average: other work on the machine makes the figures noisy."""
    return f"{os.getloadavg()[0]:.2f}"


def _geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _oxigraph_binary(given: str | None) -> str:
    for candidate in (
        [given] if given else [str(Path(sys.executable).with_name("oxigraph")), "oxigraph"]
    ):
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit("no oxigraph command: pip install oxigraph (or give --oxigraph BIN)")


def _origin() -> str:
    """Where the govkg under test comes from (it may not be this checkout)."""
    root = Path(govkg.__file__).resolve().parents[2]
    git = ["git", "-C", str(root)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return str(root)
    if head.returncode:
        return str(root)
    return f"{root}, git {head.stdout.strip()}" + (" + changes in src/" if dirty.stdout else "")


def _count_quads(side: Side) -> int:
    client = Client(side.server.port)
    try:
        status, body = client.get(side.url(COUNT_QUADS))
    finally:
        client.close()
    if status != 200:
        raise SystemExit(f"{side.name}: counting quads: HTTP {status}: {body[:300]!r}")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--triples", type=int, default=100_000, help="size of the synthetic graph")
    add("--seed", type=int, default=0, help="seed of the graph and of the query texts")
    add("--graph", type=Path, help="N-Quads file to serve (reused if present, else written)")
    add("--requests", type=int, default=300, help="timed requests per query and server")
    add("--warmup", type=int, default=20, help="untimed requests per query and server first")
    add("--connections", type=int, default=8, help="wrk connections")
    add("--wrk-threads", type=int, default=2, help="wrk threads")
    add("--seconds", type=float, default=5.0, help="wrk run length")
    add("--rounds", type=int, default=3, help="wrk runs per query and server (median kept)")
    add("--slow-clients", type=int, default=200, help="slow connections")
    add(
        "--slow-requests",
        type=int,
        default=400,
        help="lookups per slow-client phase (half per mode)",
    )
    add("--slow-timeout", type=float, default=5.0, help="seconds before a lookup is lost")
    add(
        "--slow-seconds",
        type=float,
        default=15.0,
        help="time over which the lookups of a slow-client phase are spread",
    )
    add(
        "--govkg-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument of govkg serve, e.g. --govkg-arg=--workers=2 (repeatable)",
    )
    add("--oxigraph", metavar="BIN", help="the oxigraph command (default: beside python)")
    add(
        "--oxigraph-store",
        choices=("memory", "rocksdb"),
        default="memory",
        help="memory: oxigraph serve, data POSTed (default; govkg's store is in memory too); "
        "rocksdb: oxigraph load, then serve-read-only",
    )
    add(
        "--steps",
        nargs="+",
        choices=("latency", "throughput", "slow"),
        default=["latency", "throughput", "slow"],
        help="which measurements to run (default: all)",
    )
    add("--access-log", action="store_true", help="leave govkg's access log on")
    add("--fail-on-miss", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "throughput" in args.steps and not shutil.which("wrk"):
        raise SystemExit("wrk is not on the PATH (Debian: apt-get install wrk)")
    oxigraph = _oxigraph_binary(args.oxigraph)
    run_started = time.monotonic()
    print("$ python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="govkg-vs-ox-")))
        graph = args.graph or folder / f"synthetic-{args.triples}-{args.seed}.nq"
        if graph.exists():
            print(f"graph: {graph} (reused)")
        else:
            started = time.monotonic()
            count = write_dataset(graph, args.triples, args.seed)
            print(f"graph: {graph}: {count} quads written in {time.monotonic() - started:.1f} s")
        texts = Texts(graph, args.seed)

        govkg_port, oxigraph_port = free_port(), free_port()
        govkg_command = [sys.executable, "-m", "govkg", "serve", "--no-builtin"]
        govkg_command += ["--data", str(graph), "--port", str(govkg_port), "-q", *args.govkg_arg]
        bind = ["--bind", f"{HOST}:{oxigraph_port}", "--union-default-graph"]
        if args.oxigraph_store == "rocksdb":
            location = str(folder / "oxigraph")
            load = [oxigraph, "load", "--location", location, "--file", str(graph)]
            subprocess.run(load, check=True, capture_output=True, timeout=600)
            oxigraph_command = [oxigraph, "serve-read-only", "--location", location, *bind]
        else:
            oxigraph_command = [oxigraph, "serve", *bind]
        env = dict(os.environ)
        if not args.access_log:
            env["GOVKG_ACCESS_LOG"] = "off"
        started = time.monotonic()
        govkg_server = stack.enter_context(
            running("govkg serve", govkg_command, govkg_port, folder / "govkg.log", env)
        )
        oxigraph_server = stack.enter_context(
            running("oxigraph", oxigraph_command, oxigraph_port, folder / "oxigraph.log")
        )
        oxigraph_server.wait_ready("/query?query=" + quote("ASK {}"))
        if args.oxigraph_store == "memory":
            post_ok(oxigraph_port, "/store", graph.read_bytes(), "application/n-quads")
        govkg_server.wait_ready("/healthz")
        print(f"servers ready in {time.monotonic() - started:.1f} s")
        sides = (
            Side("govkg", govkg_server, "/sparql"),
            Side("oxigraph", oxigraph_server, "/query"),
        )
        quads = [_count_quads(side) for side in sides]
        version = subprocess.run(
            [oxigraph, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
        print(f"govkg {govkg.__version__} ({_origin()}): {' '.join(govkg_command[3:])}")
        print(f"{version}: {' '.join(oxigraph_command[1:])}")
        print(f"quads served: govkg {quads[0]}, oxigraph {quads[1]} (file: {len(texts.store)})")
        print(
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} cores, {platform.platform()}, load average {_load()}"
        )
        outcome = run(args, texts, sides)
        print(f"\nwhole run: {time.monotonic() - run_started:.0f} s; load average now {_load()}")
    return outcome


@dataclass(frozen=True)
class Check:
    """One line of the verdict: an issue-8 target (MISS when not met) or a correctness
    check (FAIL)."""

    text: str
    ok: bool
    target: bool = True

    def verdict(self) -> str:
        """PASS, MISS or FAIL."""
        return "PASS" if self.ok else "MISS" if self.target else "FAIL"


def latency_step(args: argparse.Namespace, texts: Texts, sides: tuple[Side, Side]) -> list[Check]:
    """Step 3: per-query latency of both servers, fresh texts, keep-alive connections."""
    print(
        f"\nlatency, ms: {args.requests} timed sequential requests per query and server (after "
        f"{args.warmup} untimed), each a fresh query text, keep-alive connections, the servers "
        "alternating"
    )
    print(
        f"{'query':<18} {'rows/req':>8} {'govkg p50':>9} {'oxi p50':>8} {'ratio':>6} "
        f"{'govkg p99':>9} {'oxi p99':>8} {'ratio':>6}"
    )
    deadline = time.monotonic() + LATENCY_BUDGET
    results: list[Latency] = []
    for kind in MIX:
        batch = texts.take(kind, args.warmup + args.requests)
        row = measure_latency(sides, kind, batch, args.warmup, deadline)
        results.append(row)
        rows = f"{row.rows[0] / args.requests:.1f}"
        if row.rows[0] != row.rows[1]:
            rows += f"/{row.rows[1] / args.requests:.1f}"
        p50s = [percentile_ms(s, 50) for s in row.samples]
        p99s = [percentile_ms(s, 99) for s in row.samples]
        print(
            f"{kind.name:<18} {rows:>8} {p50s[0]:>9.2f} {p50s[1]:>8.2f} {row.ratio(50):>5.2f}x "
            f"{p99s[0]:>9.2f} {p99s[1]:>8.2f} {row.ratio(99):>5.2f}x"
            + (f"  rows DIFFER on {row.disagreements} texts" if row.disagreements else "")
        )
    geomean = _geometric_mean([r.ratio(50) for r in results])
    geomean99 = _geometric_mean([r.ratio(99) for r in results])
    print(f"{'geometric mean':<37} {geomean:>5.2f}x {'':>18} {geomean99:>5.2f}x")
    disagreements = sum(r.disagreements for r in results)
    print(
        f"rows, all timed requests: govkg {sum(r.rows[0] for r in results)}, oxigraph "
        f"{sum(r.rows[1] for r in results)}; "
        + (f"{disagreements} requests differ" if disagreements else "the same on every request")
    )
    return [
        Check(
            f"latency: geometric mean {geomean:.3f}x Oxigraph server <= {LATENCY_TARGET}x",
            geomean <= LATENCY_TARGET,
        ),
        Check("both servers: the same rows on every request", not disagreements, target=False),
    ]


def throughput_step(
    args: argparse.Namespace, texts: Texts, sides: tuple[Side, Side]
) -> list[Check]:
    """Step 4: wrk on one lookup URL and one crosswalk URL."""
    print(
        f"\nthroughput, requests/s: wrk, {args.connections} connections, {args.wrk_threads} "
        f"threads, {args.seconds:g} s a run, one URL repeated (answered once before); "
        f"{args.rounds} rounds alternating the servers, median (range)"
    )
    print(f"{'query':<18} {'govkg':>19} {'oxigraph':>19} {'ratio':>6}  socket errors")
    rates: dict[str, float] = {}
    for kind in (LOOKUP, CROSSWALK):
        (text,) = texts.take(kind, 1)
        url = [side.url(text) for side in sides]
        for side, path in zip(sides, url, strict=True):
            warm = Client(side.server.port)
            warm.get(path, kind.accept)
            warm.close()
        runs: tuple[list[float], list[float]] = ([], [])
        errors: list[str] = []
        for _ in range(args.rounds):
            for which, side in enumerate(sides):
                measured = wrk(
                    side.server.port,
                    url[which],
                    args.connections,
                    args.seconds,
                    kind.accept,
                    args.wrk_threads,
                )
                runs[which].append(measured.rate)
                if measured.socket_errors:
                    errors.append(f"{side.name}: {measured.socket_errors}")
        medians = [statistics.median(r) for r in runs]
        rates[kind.name] = medians[0] / medians[1]
        spread = [
            f"{m:>6.0f} ({min(r):.0f}-{max(r):.0f})" for m, r in zip(medians, runs, strict=True)
        ]
        print(
            f"{kind.name:<18} {spread[0]:>19} {spread[1]:>19} {rates[kind.name]:>5.2f}x  "
            + ("; ".join(errors) or "none")
        )
    return [
        Check(
            f"throughput, lookup: {rates[LOOKUP.name]:.3f}x >= {LOOKUP_RATE_TARGET}x",
            rates[LOOKUP.name] >= LOOKUP_RATE_TARGET,
        ),
        Check(
            f"throughput, crosswalk: {rates[CROSSWALK.name]:.3f}x >= {CROSSWALK_RATE_TARGET}x",
            rates[CROSSWALK.name] >= CROSSWALK_RATE_TARGET,
        ),
    ]


def slow_client_step(
    args: argparse.Namespace, texts: Texts, sides: tuple[Side, Side]
) -> list[Check]:
    """Step 5: lookups with and without slow clients connected, both connection modes."""
    print(
        f"\nslow clients: p99 of {args.slow_requests} sequential lookups (fresh texts, spread "
        f"over {args.slow_seconds:g} s, alternately on one keep-alive connection and on a new "
        f"connection each, {args.slow_timeout:g} s timeout) without, then with "
        f"{args.slow_clients} connections sending one request-header line per second; ms"
    )
    print(f"{'server':<9} {'connection':<15} {'without':>8} {'with':>8} {'ratio':>7}")
    slow: dict[str, dict[str, float]] = {}
    for side in sides:
        batch = texts.take(LOOKUP, args.slow_requests)
        alone = timed_lookups(side, batch, args.slow_timeout, args.slow_seconds)
        dribbled = side.url(texts.take(LOOKUP, 1)[0])
        budget = args.slow_seconds + SLOW_PHASE_TIMEOUTS * args.slow_timeout + 60
        with SlowClients(side.server.port, args.slow_clients, dribbled, budget) as clients:
            connected = clients.connected()
            batch = texts.take(LOOKUP, args.slow_requests)
            crowded = timed_lookups(side, batch, args.slow_timeout, args.slow_seconds)
            closed, refused = clients.closed, clients.failed_connects
        slow[side.name] = {}
        for mode in MODES:
            before = alone[mode].p99_ms(args.slow_timeout)
            after = crowded[mode].p99_ms(args.slow_timeout)
            slow[side.name][mode] = after / before
            print(
                f"{side.name:<9} {mode:<15} {before:>8.2f} {after:>8.2f} "
                f"{slow[side.name][mode]:>6.2f}x  without: {alone[mode].note()}; "
                f"with: {crowded[mode].note()}"
            )
        print(
            f"{'':<9} slow clients: {connected} connected, {closed} closed by the server "
            f"(and opened again), {refused} refused"
        )

    def worst(name: str) -> str:
        mode = max(MODES, key=lambda m: slow[name][m])
        return f"{slow[name][mode]:.2f}x ({mode}, the worse mode)"

    return [
        Check(
            f"p99 with {args.slow_clients} slow clients: {worst('govkg')} the p99 without "
            f"<= {SLOW_CLIENT_TARGET}x (Oxigraph server: {worst('oxigraph')})",
            max(slow["govkg"].values()) <= SLOW_CLIENT_TARGET,
        )
    ]


STEPS = {"latency": latency_step, "throughput": throughput_step, "slow": slow_client_step}


def run(args: argparse.Namespace, texts: Texts, sides: tuple[Side, Side]) -> int:
    """Steps 3 to 6 of the module docstring (those in ``args.steps``); the exit status."""
    checks: list[Check] = []
    for name in args.steps:
        checks += STEPS[name](args, texts, sides)
    print("\ntargets (issue 8)")
    for check in sorted(checks, key=lambda check: not check.target):
        print(f"  {check.verdict()}  {check.text}")
    if any(not check.ok and (args.fail_on_miss or not check.target) for check in checks):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
