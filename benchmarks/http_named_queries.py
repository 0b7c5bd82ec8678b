"""Latency and throughput of named queries over HTTP (``govkg serve``) against a baseline
measured in the same run: the same queries evaluated directly on an in-process pyoxigraph
store, results serialised to SPARQL JSON (what the endpoint does inside its evaluator).

Prints, per query, the median and 95th-percentile latency of both and their ratio, then the
throughput of a few concurrent clients for both. Two floors are measured in the same run: a
govkg request that evaluates nothing (a static file: the web server + Flask) and a bare WSGI
app of three lines under granian with the same workers (what any Python server costs here).
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.

Run from a checkout (after ``govkg build``)::

    python benchmarks/http_named_queries.py --requests 300 --clients 4 --seconds 3

``benchmarks/http_vs_oxigraph.py`` compares the endpoint with ``oxigraph serve`` instead.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from http_common import free_port, get_ok, has_wrk, percentile_ms, python_rate, running, timed
from http_common import wrk as run_wrk

from govkg.build import DATASET_DUMP, ensure_built
from govkg.catalogue import load_catalogue
from govkg.paths import bundled_layout, default_build_dir

DEFAULT_QUERIES = (
    "cq01-fact-sheet-principles",
    "cq08-economic-figures",
    "cq13-organisation-ancestors",
    "count-instances-per-class",
)
FLOOR_PATH = "/static/style.css"
BARE_APP = """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--queries", nargs="+", default=list(DEFAULT_QUERIES))
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per query")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=3.0, help="throughput run length")
    parser.add_argument("--workers", type=int, default=None, help="govkg serve --workers")
    args = parser.parse_args()

    layout = bundled_layout()
    build_dir = args.build_dir or default_build_dir(layout)
    ensure_built(layout, build_dir)
    catalogue = load_catalogue(layout)
    texts = {name: catalogue[name].text for name in args.queries}

    store = ox.Store()
    store.bulk_load(path=str(build_dir / DATASET_DUMP), format=ox.RdfFormat.N_QUADS)

    def direct(text: str) -> bytes:
        out = io.BytesIO()
        result = store.query(text, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
        result.serialize(out, ox.QueryResultsFormat.JSON)
        return out.getvalue()

    port, bare_port = free_port(), free_port()
    command = [sys.executable, "-m", "govkg", "serve", "--build-dir", str(build_dir)]
    command += ["--port", str(port), "-q"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    from govkg.web.server import default_workers

    folder = Path(tempfile.mkdtemp(prefix="govkg-bench-"))
    (folder / "bare.py").write_text(BARE_APP, encoding="utf-8")
    bare_command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--http", "1"]
    bare_command += ["--no-ws", "--no-log", "--working-dir", str(folder), "--host", "127.0.0.1"]
    bare_command += ["--port", str(bare_port), "--workers", str(args.workers or default_workers())]
    bare_command += ["bare:app"]
    env = {**os.environ, "GOVKG_ACCESS_LOG": "off"}
    with (
        running("govkg serve", command, port, folder / "govkg.log", env) as server,
        running("granian (bare app)", bare_command, bare_port, folder / "bare.log") as bare,
    ):
        server.wait_ready("/healthz")
        bare.wait_ready("/")
        print(f"govkg serve on 127.0.0.1:{port} ({' '.join(command[3:])})")
        print(f"{args.requests} sequential requests per query; latencies in ms\n")
        print(
            f"{'query':<32} {'direct p50':>10} {'HTTP p50':>9} {'ratio':>6} "
            f"{'direct p95':>10} {'HTTP p95':>9}"
        )
        for name, text in texts.items():
            base = timed(partial(direct, text), args.requests)
            path = f"/sparql?query={quote(text)}"
            over = timed(partial(get_ok, port, path), args.requests)
            base50, over50 = percentile_ms(base, 50), percentile_ms(over, 50)
            print(
                f"{name:<32} {base50:>10.3f} {over50:>9.3f} {over50 / base50:>5.1f}x "
                f"{percentile_ms(base, 95):>10.3f} {percentile_ms(over, 95):>9.3f}"
            )
        for label, target, target_path in (
            ("(govkg, no evaluation)", port, FLOOR_PATH),
            ("(bare WSGI app, granian)", bare_port, "/"),
        ):
            floor = timed(partial(get_ok, target, target_path), args.requests)
            print(
                f"{label:<32} {'':>10} {percentile_ms(floor, 50):>9.3f} "
                f"{'':>6} {'':>10} {percentile_ms(floor, 95):>9.3f}"
            )

        load = "wrk" if has_wrk() else f"{args.clients} Python clients"
        print(
            f"\nthroughput ({load}, {args.seconds:g} s per line; direct: "
            f"{args.clients} processes evaluating in turn)"
        )
        print(f"{'target':<32} {'direct q/s':>10} {'HTTP req/s':>10} {'HTTP/direct':>11}")
        for name, text in texts.items():
            rate = python_rate(
                partial(_ignore_index, partial(direct, text)), args.clients, args.seconds
            )
            over_rate = _http_rate(port, f"/sparql?query={quote(text)}", args)
            print(f"{name:<32} {rate:>10.0f} {over_rate:>10.0f} {over_rate / rate:>11.2f}")
        floor_rate = _http_rate(port, FLOOR_PATH, args)
        bare_rate = _http_rate(bare_port, "/", args)
        print(f"{'(govkg, no evaluation)':<32} {'':>10} {floor_rate:>10.0f}")
        print(f"{'(bare WSGI app, granian)':<32} {'':>10} {bare_rate:>10.0f}")
    return 0


def _http_rate(port: int, path: str, args: argparse.Namespace) -> float:
    """Requests per second on one URL: wrk when installed, else Python clients."""
    if has_wrk():
        return run_wrk(port, path, 4 * args.clients, args.seconds).rate
    call = partial(_ignore_index, partial(get_ok, port, path))
    return python_rate(call, args.clients, args.seconds)


def _ignore_index(call: Callable[[], object], index: int) -> object:
    return call()


if __name__ == "__main__":
    raise SystemExit(main())
