"""Latency and throughput of named queries over HTTP (``govkg serve``) against a baseline
measured in the same run: the same queries evaluated directly on an in-process pyoxigraph
store, results serialised to SPARQL JSON (what the endpoint does inside its evaluator).

Prints, per query, the median and 95th-percentile latency of both and their ratio, then the
throughput of a few concurrent clients for both. Two floors are measured in the same run: a
govkg request that evaluates nothing (a static file: gunicorn + Flask) and a bare WSGI app of
three lines under gunicorn with the same workers (what any Python server costs here).
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.

Run from a checkout (after ``govkg build``)::

    python benchmarks/http_named_queries.py --requests 300 --clients 4 --seconds 3
"""

from __future__ import annotations

import argparse
import http.client
import io
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

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
START_TIMEOUT = 120.0
BARE_APP = """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--queries", nargs="+", default=list(DEFAULT_QUERIES))
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per query")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=3.0, help="throughput run length")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
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
        store.query(text, use_default_graph_as_union=True).serialize(
            out, ox.QueryResultsFormat.JSON
        )  # type: ignore[union-attr]
        return out.getvalue()

    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "govkg",
        "serve",
        "--build-dir",
        str(build_dir),
        "--port",
        str(port),
        "-q",
    ]
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = {**os.environ, "GOVKG_ACCESS_LOG": "off"}
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    folder = tempfile.mkdtemp(prefix="govkg-bench-")
    Path(folder, "bare.py").write_text(BARE_APP, encoding="utf-8")
    bare_port = _free_port()
    from govkg.server import default_workers

    bare = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--chdir",
            folder,
            "-b",
            f"127.0.0.1:{bare_port}",
            "-w",
            str(args.workers or default_workers()),
            "bare:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(port)
        _wait(bare_port, "/")
        print(f"govkg serve on 127.0.0.1:{port} ({' '.join(command[3:])})")
        print(f"{args.requests} sequential requests per query; latencies in ms\n")
        print(
            f"{'query':<32} {'direct p50':>10} {'HTTP p50':>9} {'ratio':>6} "
            f"{'direct p95':>10} {'HTTP p95':>9}"
        )
        for name, text in texts.items():
            base = _timed(lambda t=text: direct(t), args.requests)
            path = f"/sparql?query={quote(text)}"
            over = _timed(lambda p=path: _get(port, p), args.requests)
            print(
                f"{name:<32} {_ms(base, 50):>10.3f} {_ms(over, 50):>9.3f} "
                f"{_ms(over, 50) / _ms(base, 50):>5.1f}x {_ms(base, 95):>10.3f} "
                f"{_ms(over, 95):>9.3f}"
            )
        floor = _timed(lambda: _get(port, FLOOR_PATH), args.requests)
        print(
            f"{'(govkg, no evaluation)':<32} {'':>10} {_ms(floor, 50):>9.3f} "
            f"{'':>6} {'':>10} {_ms(floor, 95):>9.3f}"
        )
        naked = _timed(lambda: _get(bare_port, "/"), args.requests)
        print(
            f"{'(bare WSGI app, gunicorn)':<32} {'':>10} {_ms(naked, 50):>9.3f} "
            f"{'':>6} {'':>10} {_ms(naked, 95):>9.3f}"
        )

        load = "wrk" if shutil.which("wrk") else f"{args.clients} Python clients"
        print(
            f"\nthroughput ({load}, {args.seconds:g} s per line; direct: "
            f"{args.clients} processes evaluating in turn)"
        )
        print(f"{'target':<32} {'direct q/s':>10} {'HTTP req/s':>10} {'HTTP/direct':>11}")
        for name, text in texts.items():
            rate = _throughput(lambda i, t=text: direct(t), args.clients, args.seconds)
            over = _http_rate(port, f"/sparql?query={quote(text)}", args)
            print(f"{name:<32} {rate:>10.0f} {over:>10.0f} {over / rate:>11.2f}")
        floor_rate = _http_rate(port, FLOOR_PATH, args)
        bare_rate = _http_rate(bare_port, "/", args)
        print(f"{'(govkg, no evaluation)':<32} {'':>10} {floor_rate:>10.0f}")
        print(f"{'(bare WSGI app, gunicorn)':<32} {'':>10} {bare_rate:>10.0f}")
    finally:
        for process in (server, bare):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, path: str = "/healthz") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if _get(port, path):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path[:60]}: HTTP {response.status}")
        return body
    finally:
        connection.close()


def _timed(call, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(min(20, count)):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _ms(samples: list[float], percentile: int) -> float:
    if percentile == 50:
        return statistics.median(samples) * 1000
    return statistics.quantiles(samples, n=100)[percentile - 1] * 1000


def _http_rate(port: int, path: str, args: argparse.Namespace) -> float:
    """Requests per second on one URL: wrk when installed, else Python clients."""
    if shutil.which("wrk"):
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{4 * args.clients}",
                f"-d{args.seconds:g}s",
                "-H",
                "Accept: application/sparql-results+json",
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=args.seconds + 60,
            check=True,
        ).stdout
        if "Non-2xx" in out:
            raise SystemExit(f"{path[:60]}: errors under load:\n{out}")
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if found:
            return float(found.group(1))
    return _throughput(lambda i: _get(port, path), args.clients, args.seconds)


def _throughput(call, clients: int, seconds: float) -> float:  # type: ignore[no-untyped-def]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def client(index: int) -> None:
        done, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            call(index + done)
            done += 1
        queue.put(done)

    processes = [context.Process(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for process in processes:
        process.start()
    total = sum(queue.get(timeout=seconds + 60) for _ in processes)
    for process in processes:
        process.join(10)
    return total / (time.monotonic() - started)


if __name__ == "__main__":
    raise SystemExit(main())
