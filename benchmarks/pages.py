"""Latency of the browsing pages (issue 15: framework, element and crosswalk pages) through the
real ``govkg serve``, against baselines measured in the same run on the same server: ``/healthz``
(the web server and Flask, nothing read) and the existing linked-data page of a framework
(``/page/id/framework/...``, one resource read from the store).

Each page is asked for once on a fresh server (cold: its queries run and its template renders,
then the page is cached, as every page is while the store does not change) and then
``--requests`` times in a row (warm: served from the page cache). Printed per page: cold
latency, warm median and 95th percentile, and the warm median's ratio to each baseline's. The
issue's target is under 50 ms per page on the shipped graph, cold included. One worker, so
that the cold request is the only one that renders. Traffic goes to 127.0.0.1 only; every loop
is bounded.

Run from a checkout::

    python benchmarks/pages.py --requests 200
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from http_common import Client, free_port, percentile_ms, running, timed

from govkg.build import ensure_built
from govkg.paths import bundled_layout, default_build_dir

HTML = "text/html"
#: The target of the issue: every page under this many milliseconds.
TARGET_MS = 50.0
BASELINES = ("/healthz", "/page/id/framework/nist-ai-rmf-1-0")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=200, help="warm requests per page")
    parser.add_argument("--elements", type=int, default=3, help="element pages per framework")
    args = parser.parse_args()

    layout = bundled_layout()
    build_dir = args.build_dir or default_build_dir(layout)
    ensure_built(layout, build_dir)
    folder = Path(tempfile.mkdtemp(prefix="govkg-bench-pages-"))
    # one server to find the pages by their links, a fresh one (empty caches) to time them
    with _serve(build_dir, folder / "discover.log") as port:
        client = Client(port)
        pages = _pages(client, args.elements)
        client.close()
    with _serve(build_dir, folder / "govkg.log") as port:
        client = Client(port)
        print(f"govkg serve on 127.0.0.1:{port}, 1 worker; {len(pages)} pages; ms\n")
        print(f"{'page':<66} {'cold':>7} {'p50':>6} {'p95':>6} {'/healthz':>9} {'/page/id':>9}")
        base = {path: _measure(client, path, args.requests) for path in BASELINES}
        for path, (cold, p50, p95) in base.items():
            print(f"{path:<66} {cold:7.2f} {p50:6.2f} {p95:6.2f}   (baseline)")
        slowest = 0.0
        for path in pages:
            cold, p50, p95 = _measure(client, path, args.requests)
            slowest = max(slowest, cold, p95)
            ratios = [p50 / base[b][1] for b in BASELINES]
            print(
                f"{path[:66]:<66} {cold:7.2f} {p50:6.2f} {p95:6.2f} "
                f"{ratios[0]:8.1f}x {ratios[1]:8.1f}x"
            )
        client.close()
    verdict = "within" if slowest < TARGET_MS else "OVER"
    print(f"\nslowest page (cold or p95): {slowest:.1f} ms, {verdict} the {TARGET_MS:g} ms target")
    return 0 if slowest < TARGET_MS else 1


@contextmanager
def _serve(build_dir: Path, log: Path) -> Iterator[int]:
    """Run ``govkg serve`` with one worker; yield its port once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "govkg", "serve", "--build-dir", str(build_dir)]
    command += ["--port", str(port), "--workers", "1", "-q"]
    with running("govkg serve", command, port, log) as server:
        server.wait_ready("/healthz")
        yield port


def _pages(client: Client, elements: int) -> list[str]:
    """The pages to time, found by following the site's own links (never a fixed list of
    frameworks): the two lists, every framework, a few elements of each, every crosswalk the
    crosswalk list links and one cell of each (on a server that is not the timed one)."""
    frameworks = _links(client, "/frameworks/", r"/frameworks/[^/\"]+")
    crosswalks = sorted(set(_links(client, "/crosswalks/", r"/crosswalks/[^/\"]+/[^/\"]+")))
    found = ["/frameworks/", "/crosswalks/"]
    for path in frameworks:
        found.append(path)
    for path in frameworks:
        found += _links(client, path, re.escape(path) + r"/[^\"#?]+")[:elements]
    for path in crosswalks:
        found.append(path)
        found += [
            c.replace("&amp;", "&").split("#")[0]
            for c in _links(client, path, re.escape(path) + r"\?row=[^\"]+")[:1]
        ]
    return found


def _links(client: Client, path: str, pattern: str) -> list[str]:
    status, body = client.get(path, HTML)
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}")
    text = body.decode("utf-8")
    links = [m.group(1) for m in re.finditer(rf'href="({pattern})"', text)]
    out = []
    for link in links:
        full = path.split("?")[0] + link if link.startswith("?") else link
        if full not in out:
            out.append(full)
    return out


def _measure(client: Client, path: str, requests: int) -> tuple[float, float, float]:
    """Cold latency (first request), warm median and 95th percentile, in ms."""
    started = time.perf_counter()
    status, _ = client.get(path, HTML)
    cold = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}")
    samples = timed(lambda: client.get(path, HTML), requests, warmup=5)
    return cold, percentile_ms(samples, 50), percentile_ms(samples, 95)


if __name__ == "__main__":
    raise SystemExit(main())
