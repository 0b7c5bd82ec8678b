"""govkg over each kind of store against the same engine queried directly, and publish time
(issue 13, point 8).

One command, for each graph (the shipped build; a generated graph of ``--triples`` triples,
1M by default, written by ``synthetic_graph.py`` and built with ``govkg.build``) and each
engine:

* ``embedded``: ``govkg serve --no-builtin --data govkg.nq`` against ``oxigraph serve``
  holding the same dump in memory (the engine govkg embeds, served by its own server, as in
  ``http_vs_oxigraph.py``);
* ``oxigraph``: an Oxigraph server on disk, the build published into it with
  :func:`govkg.publish.publish` (timed: issue 13's publish target is measured on the
  generated graph), then ``govkg serve --store oxigraph:URL`` against the same server's
  ``/query``;
* ``virtuoso``: Virtuoso 7 (started as ``tests/stores.py`` starts it), the build published,
  ``govkg serve --store virtuoso:URL`` against the same server's ``/sparql``.

"The engine directly" is asked for the answer govkg gives, as govkg's remote store asks it:
every query POSTed with the graph holding the RDF merge of govkg's graphs as
``default-graph-uri`` (the one the publication record names, ``gks:mergedGraph``; for the
embedded side, made in the in-memory Oxigraph with one INSERT) and, for a query with a GRAPH
pattern, govkg's graphs as ``named-graph-uri`` (SPARQL 1.1 Protocol 2.1.4); the parameters
are encoded once, outside the timed request, as govkg's store encodes them once. Asking
for all graphs the engine's own way is not the same query: Oxigraph's
``union-default-graph``, a list of default graphs, and
Virtuoso's default graph repeat a triple once per graph holding it (the shipped build has
triples in up to four graphs: the crosswalk query gave 768 rows instead of 6), where SPARQL's
merge holds it once.

Latency: the 9-query mix of ``http_query_mix.py`` (each request a fresh query text with a
non-empty answer; on a graph too small for enough distinct texts, one is sent again with a
distinct ``LIMIT`` above its answer's size: :class:`FreshTexts`), sequential requests on one
keep-alive connection per server, govkg and the direct engine alternating; per query the
median of both and their ratio, then the geometric mean of the ratios (issue 13's target: at
most 1.3x). Both sides must return the same number of rows (distinct triples) on every
request (a difference is printed and fails the run).

Run from a checkout, with govkg, the ``oxigraph`` command (``pip install -e '.[bench]'``) and
Virtuoso (Debian ``virtuoso-opensource``) installed::

    python benchmarks/stores.py --quick
    python benchmarks/stores.py --engines oxigraph --graphs generated --work /tmp/stores-bench

``--work DIR`` keeps the generated layout and its build there for the next run. Traffic goes
to 127.0.0.1 only; every server runs in its own process group and is stopped whatever
happens. Exit status: 0 when the run completed (``--fail-on-miss``: 1 when a target is
missed), 1 when govkg and an engine disagree on rows.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import math
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import quote, quote_plus, urlencode

from http_common import Client, Server, free_port, percentile_ms, post_ok, running, stop_group
from http_query_mix import MIX, QueryKind, Texts, count_rows
from synthetic_graph import generate

import govkg
from govkg.backends import Dataset, open_store
from govkg.build import build
from govkg.build_cache import DATASET_DUMP, MANIFEST, verify_build
from govkg.errors import GovkgError
from govkg.namespaces import PUBLICATION_GRAPH
from govkg.paths import Layout, bundled_layout
from govkg.publication import GKS, MERGED_GRAPH, PUBLICATION
from govkg.publish import publish

#: Issue 13's targets.
LATENCY_TARGET = 1.3  # geometric mean of the median ratios govkg / the engine directly
PUBLISH_TARGET = 60.0  # seconds to publish the generated graph (1M triples) to Oxigraph
PUBLISH_TARGET_TRIPLES = 1_000_000
ENGINES = ("embedded", "oxigraph", "virtuoso")
GRAPHS = ("shipped", "generated")
#: Virtuoso echoes every protocol graph of a query as an ``X-SPARQL-default-graph`` /
#: ``X-SPARQL-named-graph`` header of its answer: far more than http.client's 100.
http.client._MAXHEADERS = 100_000  # type: ignore[attr-defined]
#: Seconds the latency step of one engine and graph may take.
LATENCY_BUDGET = 900.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Side:
    """A server and how to send it a query: GET ``path`` with fixed URL parameters, or (with
    ``default``) POST form-encoded with the dataset's graphs, as govkg's remote store does
    (SPARQL 1.1 Protocol 2.1.2): the default graphs always, the ``named`` ones when the query
    has a GRAPH pattern (nothing else reads them). Both encoded once, as govkg does."""

    name: str
    server: Server
    path: str
    params: str = ""
    default: list[str] | None = None
    named: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._default = "&" + urlencode([("default-graph-uri", g) for g in self.default or []])
        self._named = "&" + urlencode([("named-graph-uri", g) for g in self.named])

    def send(self, client: Client, text: str, accept: str) -> tuple[int, bytes]:
        """Send one query; the status and body."""
        if self.default is None:
            return client.get(f"{self.path}?{self.params}query={quote(text)}", accept)
        named = self._named if _GRAPH.search(text) else ""
        body = ("query=" + quote_plus(text) + self._default + named).encode()
        return post(client, self.path, body, accept)


#: A GRAPH pattern in one of the mix's texts (none has the word in a string or an IRI).
_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)


def post(client: Client, path: str, body: bytes, accept: str) -> tuple[int, bytes]:
    """POST a form on the client's keep-alive connection (reopened once if the server closed
    it meanwhile)."""
    headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
    for attempt in (1, 2):
        connection = client._connection
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass
class Measured:
    """One query kind on one engine: latency samples of each side (govkg first)."""

    kind: QueryKind
    samples: list[list[float]]
    disagreements: int

    def ratio(self, side: int = 1) -> float:
        """Median latency of govkg over that of another side (1: the engine directly)."""
        return percentile_ms(self.samples[0], 50) / percentile_ms(self.samples[side], 50)


def measure(
    sides: list[Side], kind: QueryKind, texts: list[str], warmup: int, deadline: float
) -> Measured:
    """Send each text to every side, rotating which goes first; time all but the first
    ``warmup``; count the rows of every answer (they must agree)."""
    clients = [Client(side.server.port) for side in sides]
    samples: list[list[float]] = [[] for _ in sides]
    disagreements = 0
    try:
        for index, text in enumerate(texts):
            if time.monotonic() > deadline:
                raise SystemExit(f"{kind.name}: the latency step passed its time budget")
            counts = [0] * len(sides)
            for step in range(len(sides)):
                which = (index + step) % len(sides)
                side = sides[which]
                started = time.perf_counter()
                status, body = side.send(clients[which], text, kind.accept)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise SystemExit(f"{side.name}, {kind.name}: HTTP {status}: {body[:300]!r}")
                counts[which] = answer_size(body, kind.graph_result)
                if index >= warmup:
                    samples[which].append(elapsed)
            if len(set(counts)) > 1:
                disagreements += 1
                if disagreements == 1:
                    names = ", ".join(f"{s.name} {c}" for s, c in zip(sides, counts, strict=True))
                    print(f"    ! {kind.name}: rows differ: {names}\n{text}")
    finally:
        for client in clients:
            client.close()
    return Measured(kind, samples, disagreements)


#: Above the size of any answer of the mix: a LIMIT that changes a text, never its answer.
LIMIT_BASE = 10_000_000


class FreshTexts:
    """Query texts never sent before, for every engine of a run, over one graph.

    A small graph (the shipped one) gives fewer distinct non-empty texts than a run needs:
    the texts it gave are then sent again with a distinct ``LIMIT`` above any answer's size
    (SPARQL 1.1 Query 15.5), so each text is new to every cache of answers while the answer
    is the same.
    """

    def __init__(self, texts: Texts):
        self.texts = texts
        self.seen: dict[str, list[str]] = {}
        self.reused = 0

    def take(self, kind: QueryKind, count: int) -> list[str]:
        """``count`` texts of ``kind``.

        Raises:
            SystemExit: the graph gives no non-empty text of ``kind`` at all.
        """
        seen = self.seen.setdefault(kind.name, [])
        found: list[str] = []
        try:
            while len(found) < count:
                found += self.texts.take(kind, 1)
        except SystemExit:
            if not found and not seen:
                raise
        seen += found
        while len(found) < count:
            self.reused += 1
            found.append(f"{seen[self.reused % len(seen)]}\nLIMIT {LIMIT_BASE + self.reused}")
        return found


def answer_size(body: bytes, graph_result: bool) -> int:
    """Rows of a SPARQL JSON answer, or distinct triples of an N-Triples one (an engine may
    write a triple once per graph of the default graph holding it).

    >>> answer_size(b"<a:s> <a:p> <a:o> .\\n<a:s> <a:p> <a:o> .\\n", True)
    1
    """
    if graph_result:
        return len({line.strip() for line in body.splitlines() if line.strip()})
    return count_rows(body, graph_result)


def geometric_mean(values: list[float]) -> float:
    """The geometric mean.

    >>> round(geometric_mean([1.0, 4.0]), 6)
    2.0
    """
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _stores_module() -> ModuleType:
    """``tests/stores.py``: the real-server starters the contract tests use (Virtuoso's ini,
    ports, readiness), so the benchmark runs the engines as the tests do."""
    spec = importlib.util.spec_from_file_location("govkg_test_stores", ROOT / "tests/stores.py")
    if spec is None or spec.loader is None:
        raise SystemExit("tests/stores.py: not found (run from a checkout)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@contextmanager
def engine_server(kind: str, folder: Path) -> Iterator[tuple[Server, str]]:
    """A fresh Oxigraph server (on disk) or Virtuoso in ``folder``: its server and spec."""
    stores = _stores_module()
    info = stores.start_oxigraph(folder) if kind == "oxigraph" else stores.start_virtuoso(folder)
    try:
        yield Server(kind, info.process, info.port, info.log), str(info.spec)
    finally:
        stop_group(info.process)


def _oxigraph_binary() -> str:
    found = shutil.which(str(Path(sys.executable).with_name("oxigraph"))) or shutil.which(
        "oxigraph"
    )
    if found is None:
        raise SystemExit("no oxigraph command: pip install oxigraph")
    return found


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOVKG_STORE", "GOVKG_FAULT")}
    env["GOVKG_ACCESS_LOG"] = "off"
    return env


def govkg_serve(
    stack: ExitStack, folder: Path, args: argparse.Namespace, *serve_args: str
) -> Server:
    """``govkg serve`` with ``serve_args``, ready (``/healthz`` answers 200)."""
    port = free_port()
    command = [sys.executable, "-m", "govkg", "serve", "--port", str(port), "-q"]
    command += [*serve_args, *args.govkg_arg]
    server = stack.enter_context(
        running("govkg serve", command, port, folder / f"govkg-{port}.log", _env())
    )
    server.wait_ready("/healthz", args.start_timeout)
    return server


@dataclass
class Outcome:
    """What one engine on one graph gave."""

    engine: str
    graph: str
    geomean: float
    disagreements: int
    publish_seconds: float | None = None
    quads: int = 0
    failure: str | None = None


def run_engine(
    engine: str, graph: str, build_dir: Path, texts: FreshTexts, args: argparse.Namespace
) -> Outcome:
    """Start the engine, publish (remote), start govkg serve over it, measure the mix."""
    dump = build_dir / DATASET_DUMP
    publish_seconds: float | None = None
    quads = 0
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"stores-{engine}-")))
        started = time.monotonic()
        if engine == "embedded":
            port = free_port()
            command = [_oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
            command.append("--union-default-graph")
            engine_side = stack.enter_context(
                running("oxigraph (memory)", command, port, folder / "oxigraph.log")
            )
            engine_side.wait_ready("/query?query=" + quote("ASK {}"))
            post_ok(port, "/store", dump.read_bytes(), "application/n-quads")
            graphs = sorted(graph.value for graph in texts.texts.store.named_graphs())
            # The RDF merge as one graph, as a publish writes it for a remote store.
            merge = f"INSERT {{ GRAPH <{MERGED_GRAPH}> {{ ?s ?p ?o }} }} "
            merge += "WHERE { GRAPH ?g { ?s ?p ?o } }"
            post_ok(port, "/update", merge.encode(), "application/sparql-update")
            default = [str(MERGED_GRAPH)]
            front = govkg_serve(stack, folder, args, "--no-builtin", "--data", str(dump))
        else:
            engine_side, spec = stack.enter_context(engine_server(engine, folder / engine))
            store = open_store(spec)
            try:
                result = publish(store, build_dir)
            except GovkgError as exc:
                print(f"  publish failed: {exc.message}")
                return Outcome(engine, graph, math.inf, 0, failure=exc.message)
            finally:
                store.close()
            publish_seconds, quads = result.seconds, result.quads
            print(
                f"  published {result.quads} quads in {len(result.graphs)} graphs to {engine} "
                f"in {result.seconds:.1f} s"
            )
            graphs = list(result.graphs)
            default = record_default(spec, graphs)
            front = govkg_serve(stack, folder, args, "--store", spec)
        print(f"  servers ready in {time.monotonic() - started:.1f} s")
        # The engine asked for what govkg answers, as govkg's remote store asks it: the merge
        # of govkg's graphs as default graph, each of them named (SPARQL 1.1 Protocol
        # 2.1.4), POSTed.
        path = "/sparql" if engine == "virtuoso" else "/query"
        direct = Side(f"{engine} directly", engine_side, path, default=default, named=graphs)
        sides = [Side("govkg", front, "/sparql"), direct]
        deadline = time.monotonic() + LATENCY_BUDGET
        heads = "".join(f" {side.name[-14:]:>14}" for side in sides)
        print(f"  p50 ms: {'query':<18}{heads} {'ratio':>6}")
        results: list[Measured] = []
        for kind in MIX:
            try:
                batch = texts.take(kind, args.warmup + args.requests)
            except SystemExit as exc:
                print(f"          {kind.name:<18} not measured: {exc}")
                continue
            row = measure(sides, kind, batch, args.warmup, deadline)
            results.append(row)
            p50 = "".join(f" {percentile_ms(s, 50):>14.2f}" for s in row.samples)
            print(
                f"          {kind.name:<18}{p50} {row.ratio():>5.2f}x"
                + (f"  rows DIFFER on {row.disagreements} texts" if row.disagreements else "")
            )
        geomean = geometric_mean([r.ratio() for r in results])
        line = f"          {'geometric mean':<18}{'':>{15 * len(sides)}} {geomean:>5.2f}x"
        print(line)
    return Outcome(
        engine,
        graph,
        geomean,
        sum(r.disagreements for r in results),
        publish_seconds,
        quads,
    )


def record_default(spec: str, graphs: list[str]) -> list[str]:
    """The default graphs govkg's remote store sends: the graph holding the RDF merge when
    the publication record names one (``gks:mergedGraph``), else every graph of the build."""
    store = open_store(spec)
    try:
        rows = store.select(
            f"SELECT ?m WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{PUBLICATION}> "
            f"<{GKS.mergedGraph}> ?m }} }}",
            Dataset(default=(), named=(str(PUBLICATION_GRAPH),)),
        )
    finally:
        store.close()
    merged = [str(term) for term in rows.column("m")]
    return merged or graphs


def graph_build(name: str, args: argparse.Namespace, work: Path) -> Path:
    """The build folder of the shipped graph or of the generated one (built when missing)."""
    if name == "shipped":
        layout, build_dir = bundled_layout(), work / "build-shipped"
    else:
        source = work / f"layout-{args.triples}-{args.seed}"
        build_dir = work / f"build-{args.triples}-{args.seed}"
        if not (source / "data").exists():
            started = time.monotonic()
            files = generate(source, args.triples, args.seed)
            print(f"  generated {len(files)} files in {time.monotonic() - started:.0f} s")
        layout = Layout(root=source, checkout=True)
    if name == "generated" and (build_dir / MANIFEST).exists():
        manifest = verify_build(build_dir)  # a damaged build stops the run, naming the file
        print(f"  build {manifest.build_id[:12]} in {build_dir} (reused)")
        return build_dir
    started = time.monotonic()
    report = build(layout, build_dir)
    print(
        f"  build: {report.asserted} asserted + {report.inferred} inferred triples "
        f"({time.monotonic() - started:.0f} s, reused where current)"
    )
    return build_dir


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add = parser.add_argument
    add("--triples", type=int, default=PUBLISH_TARGET_TRIPLES, help="size of the generated graph")
    add("--seed", type=int, default=0, help="seed of the generated graph and of the query texts")
    add("--requests", type=int, default=200, help="timed requests per query and engine")
    add("--warmup", type=int, default=20, help="untimed requests per query and engine first")
    add("--quick", action="store_true", help="30 timed requests after 5 untimed")
    add("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    add("--graphs", nargs="+", choices=GRAPHS, default=list(GRAPHS))
    add(
        "--start-timeout",
        type=float,
        default=900.0,
        help="seconds govkg serve may take to load the graph and answer /healthz",
    )
    add("--work", type=Path, help="keep the generated layout and builds here (reused)")
    add(
        "--govkg-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument of govkg serve, e.g. --govkg-arg=--workers=2 (repeatable)",
    )
    add("--fail-on-miss", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup = 30, 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("$ python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"govkg {govkg.__version__}; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    run_started = time.monotonic()
    outcomes: list[Outcome] = []
    with ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stores-")))
        work.mkdir(parents=True, exist_ok=True)
        for graph in args.graphs:
            print(f"\n{graph} graph")
            build_dir = graph_build(graph, args, work)
            texts = FreshTexts(Texts(build_dir / DATASET_DUMP, args.seed))
            print(f"  {len(texts.texts.store)} quads; {args.requests} timed requests per query")
            for engine in args.engines:
                print(f"\n {graph} graph, {engine}")
                outcomes.append(run_engine(engine, graph, build_dir, texts, args))
    print(f"\nwhole run: {time.monotonic() - run_started:.0f} s")
    return verdict(outcomes, args)


def verdict(outcomes: list[Outcome], args: argparse.Namespace) -> int:
    """Print issue 13's targets with PASS or MISS; the exit status."""
    print("\ntargets (issue 13)")
    missed = wrong = False
    for outcome in outcomes:
        if outcome.failure is not None:
            wrong = True
            print(f"  FAIL  {outcome.graph} graph, {outcome.engine}: {outcome.failure}")
            continue
        ok = outcome.geomean <= LATENCY_TARGET
        missed |= not ok
        print(
            f"  {'PASS' if ok else 'MISS'}  {outcome.graph} graph, {outcome.engine}: govkg "
            f"{outcome.geomean:.2f}x the engine directly <= {LATENCY_TARGET}x"
        )
        if outcome.disagreements:
            wrong = True
            print(f"  FAIL  {outcome.graph}, {outcome.engine}: rows differ")
    for outcome in outcomes:
        if outcome.engine == "oxigraph" and outcome.graph == "generated" and not outcome.failure:
            seconds = outcome.publish_seconds or 0.0
            ok = seconds < PUBLISH_TARGET
            missed |= not ok
            print(
                f"  {'PASS' if ok else 'MISS'}  publish {outcome.quads} quads to Oxigraph "
                f"server: {seconds:.1f} s < {PUBLISH_TARGET:.0f} s"
            )
    publishes = [o for o in outcomes if o.publish_seconds is not None]
    if publishes:
        print("publish times: " + ", ".join(
            f"{o.graph}/{o.engine} {o.publish_seconds:.1f} s ({o.quads} quads)" for o in publishes
        ))  # fmt: skip
    return 1 if wrong or (missed and args.fail_on_miss) else 0


if __name__ == "__main__":
    raise SystemExit(main())
