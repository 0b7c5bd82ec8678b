"""Where the time of one SPARQL request goes inside ``govkg serve``, step by step, against a
baseline measured in the same run: the same query evaluated and serialised directly on the
same in-process pyoxigraph store.

Steps (each timed alone, median of many calls, in microseconds):

* the whole WSGI call (govkg's middleware + Flask) for an answer served from the answer
  cache, and for a fresh query text (guard, negotiation, evaluator hop, evaluation);
* reading the request (protocol parsing and the query guard), content negotiation, encoding
  the evaluator payload, the evaluator round trip (``pool.run``), the access-log line and the
  ETag hash;
* floors: a three-line WSGI app, and Flask answering a constant string.

HTTP parsing and the socket are granian's (Rust) and are measured over HTTP by
``benchmarks/http_vs_oxigraph.py``. Run from a checkout::

    python benchmarks/request_path.py --calls 2000
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

from govkg.backends import Accept
from govkg.formats import negotiate
from govkg.web import EXTENSION, Site, create_app
from govkg.web.config import WebConfig
from govkg.web.evaluation import encode
from govkg.web.negotiation import GRAPH, TABULAR, choose
from govkg.web.protocol import QueryRequest, _media_type, read_query_request
from govkg.web.serving import Serving, _add_etag, _log_line

LOOKUP = (
    "SELECT ?s WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l . "
    'FILTER(STR(?l) = "{label}") }}'
)
ACCEPT = "application/sparql-results+json"
#: A browser's Accept header, parsed afresh each time (the pure function, without the memo).
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
CONTENT_TYPE = "application/sparql-query; charset=UTF-8"
JSON_ONLY = Accept(rows=("application/sparql-results+json",), graph=())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per step")
    args = parser.parse_args()
    logging.getLogger("govkg.access").disabled = True

    app = create_app(WebConfig.from_env())
    site: Site = app.extensions[EXTENSION]
    pool = site.pool
    assert pool is not None, "the benchmark runs on the embedded store (GOVKG_STORE unset)"
    pool.start()
    wsgi = Serving(app, access_log=False)
    labels = _labels(site)
    counter = iter(range(10**9))

    def fresh_text() -> str:
        return LOOKUP.format(label=labels[next(counter) % len(labels)]) + f" # {next(counter)}"

    def environ_for(text: str) -> dict[str, Any]:
        return EnvironBuilder(
            path="/sparql", query_string="query=" + quote(text), headers=[("Accept", ACCEPT)]
        ).get_environ()

    cached_environ = environ_for(LOOKUP.format(label=labels[0]))

    def call(environ: dict[str, Any]) -> bytes:
        return b"".join(wsgi(dict(environ), _start))

    call(cached_environ)

    def direct() -> None:
        answer = site.store.stream(fresh_text(), JSON_ONLY)
        b"".join(answer.chunks)

    text = fresh_text()
    request_args = MultiDict({"query": text})

    def read_request(args: MultiDict[str, str] = request_args) -> QueryRequest | None:
        return read_query_request("GET", args, None, None, None, max_bytes=65536, max_nesting=64)

    checked = read_request()
    fresh_environs = iter([environ_for(fresh_text()) for _ in range(args.calls + 60)])
    fresh_args = iter([MultiDict({"query": fresh_text()}) for _ in range(args.calls + 60)])
    assert checked is not None
    payload = encode(checked, "http://localhost/sparql", TABULAR[0], None)
    offered = [media for fmt in TABULAR for media in fmt.accepts]
    body = pool.run(payload, 30).read_all() or b""

    steps: list[tuple[str, Callable[[], object]]] = [
        ("baseline: embedded store query + JSON, in process", direct),
        ("WSGI call, answer from the cache", lambda: call(cached_environ)),
        ("WSGI call, fresh query text", lambda: call(next(fresh_environs))),
        ("  read request + guard (fresh text)", lambda: read_request(next(fresh_args))),
        ("  negotiate formats", lambda: (choose(TABULAR, ACCEPT), choose(GRAPH, ACCEPT))),
        ("  negotiate, a browser's Accept, no memo", lambda: negotiate(BROWSER, offered)),
        ("  parse a POST's Content-Type", lambda: _media_type(CONTENT_TYPE)),
        ("  encode evaluator payload", lambda: encode(checked, "http://x", TABULAR[0], None)),
        ("  evaluator round trip (same query)", lambda: pool.run(payload, 30)),
        ("  ETag hash of the answer", lambda: _add_etag([], body)),
        ("  access-log line (logger disabled)", lambda: _log_line(cached_environ, "200", 1, 0.0)),
        ("floor: three-line WSGI app", lambda: _bare(cached_environ)),
        ("floor: Flask constant route", _flask_floor()),
    ]
    baseline = None
    print(f"{'step':<46} {'median µs':>10} {'p95 µs':>9} {'× baseline':>11}")
    for name, step in steps:
        samples = _timed(step, args.calls)
        median = statistics.median(samples) * 1e6
        p95 = statistics.quantiles(samples, n=20)[18] * 1e6
        baseline = baseline or median
        print(f"{name:<46} {median:>10.1f} {p95:>9.1f} {median / baseline:>10.2f}x")
    pool.close()
    return 0


def _labels(site: Site) -> list[str]:
    rows = site.store.select(
        "SELECT DISTINCT ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } "
        "LIMIT 200"
    )
    return [str(label).replace('"', "") for label in rows.column("l")]


def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    if not status.startswith("200"):
        raise SystemExit(f"unexpected status {status}")


def _bare(environ: dict[str, Any]) -> list[bytes]:
    def app(env: dict[str, Any], start: Any) -> list[bytes]:
        start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    return app(environ, _start)


def _flask_floor() -> Callable[[], bytes]:
    flask = Flask("floor")
    flask.add_url_rule("/x", "x", lambda: "ok")
    environ = EnvironBuilder(path="/x").get_environ()
    start: Any = _start
    return lambda: b"".join(flask(dict(environ), start))


def _timed(step: Callable[[], object], calls: int) -> list[float]:
    for _ in range(min(50, calls)):
        step()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        step()
        samples.append(time.perf_counter() - started)
    return samples


if __name__ == "__main__":
    raise SystemExit(main())
