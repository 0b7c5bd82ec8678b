"""How bodies enter and leave the app (``govkg.web.serving``, ADR 0014): request bodies read
whole under a cap, response bodies handed over whole or streamed through a gate with a cap and
a send deadline, ETag and 304 (RFC 9110 sections 8.8.3 and 13.1.2), one access-log line.

The WSGI middleware is exercised with small WSGI apps in process; the slow-upload case runs
against a real ``govkg serve`` with real sockets."""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from web_server import running

from govkg.web.connections import listeners, set_user_timeout
from govkg.web.errors import ServiceBusyError
from govkg.web.serving import INLINE_BYTES, Serving, StreamGate


def _app(body: Iterable[bytes], headers: list[tuple[str, str]] | None = None) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", headers or [("Content-Type", "text/plain")])
        return body

    return app


def _call(
    middleware: Serving, environ: dict[str, Any] | None = None
) -> tuple[str, dict[str, str], Iterable[bytes]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "wsgi.input": io.BytesIO(b"")}
    body = middleware(env | (environ or {}), start_response)
    return seen["status"], seen["headers"], body


class _Closing:
    """A body iterable that records whether the server closed it."""

    def __init__(self, pieces: list[bytes]):
        self._pieces = iter(pieces)
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self._pieces

    def close(self) -> None:
        self.closed = True


def test_small_bodies_are_handed_over_whole_as_a_list():
    """A list is what granian sends from its event loop, holding no thread."""
    pieces = _Closing([b"a", b"b"])
    status, _, body = _call(Serving(_app(pieces, [("Content-Length", "2")]), access_log=False))
    assert (status, body, pieces.closed) == ("200 OK", [b"ab"], True)


def test_large_bodies_pass_through_as_an_iterator():
    size = INLINE_BYTES + 1
    pieces = iter([b"x" * size])
    middleware = Serving(_app(pieces, [("Content-Length", str(size))]), access_log=False)
    _, headers, body = _call(middleware)
    assert body is pieces and "ETag" not in headers


def test_etag_and_304_for_whole_get_answers():
    middleware = Serving(_app([b"same"], [("Content-Length", "4")]), access_log=False)
    _, headers, _ = _call(middleware)
    tag = headers["ETag"]
    status, again, body = _call(middleware, {"HTTP_IF_NONE_MATCH": f'W/{tag}, "other"'})
    assert (status, list(body), again["ETag"]) == ("304 Not Modified", [b""], tag)
    assert "Content-Length" not in again  # the 304 repeats only the validator headers


def test_no_etag_when_storing_is_forbidden_or_not_a_get():
    no_store = [("Content-Length", "2"), ("Cache-Control", "no-store")]
    assert "ETag" not in _call(Serving(_app([b"ok"], no_store), access_log=False))[1]
    post = {"REQUEST_METHOD": "POST"}
    assert "ETag" not in _call(Serving(_app([b"ok"], [("Content-Length", "2")])), post)[1]


def test_the_stream_gate_caps_bodies_in_flight_and_frees_on_close():
    gate = StreamGate(max_streams=1, send_timeout=60)
    first = gate.stream(iter([b"a"]), "first")
    rejected = _Closing([b"b"])
    with pytest.raises(ServiceBusyError, match="1 large responses"):
        gate.stream(rejected, "second")  # type: ignore[arg-type]
    assert rejected.closed  # the refused body is released at once
    first.close()
    assert list(gate.stream(iter([b"c"]), "third")) == [b"c"]


def test_a_stream_past_its_send_deadline_is_cut_short():
    gate = StreamGate(max_streams=1, send_timeout=0.2)
    stream = gate.stream(iter([b"x"] * 1000), "slow")
    assert next(stream) == b"x"
    time.sleep(0.3)
    assert list(stream) == []  # cut: fewer bytes than declared, the connection closes
    assert list(gate.stream(iter([b"y"]), "next")) == [b"y"]  # and its slot is free


def test_a_request_body_is_read_whole_before_the_app_runs():
    received: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        received["input"] = environ["wsgi.input"]
        received["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "5", "wsgi.input": io.BytesIO(b"hello")}
    assert _call(Serving(app, access_log=False), environ)[0] == "200 OK"
    assert received["body"] == b"hello" and isinstance(received["input"], io.BytesIO)


def test_a_body_over_the_limit_is_refused_unread():
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": "1000",
        "wsgi.input": io.BytesIO(b"x" * 1000),
    }
    middleware = Serving(_app([b"ok"]), access_log=False, max_body_bytes=100)
    status, _, _ = _call(middleware, environ)
    assert status == "413 Content Too Large" and environ["wsgi.input"].tell() == 0


def test_access_log_line(caplog):
    middleware = Serving(_app([b"ok"], [("Content-Length", "2")]))
    with caplog.at_level("INFO", logger="govkg.access"):
        _call(middleware, {"QUERY_STRING": "a=1", "HTTP_USER_AGENT": "t", "REMOTE_ADDR": "1.2.3.4"})
    line = caplog.records[-1].getMessage()
    assert line.startswith('1.2.3.4 "GET /x?a=1 ') and " 200 2 " in line and line.endswith('"t"')


def _slow_upload(port: int, stop: threading.Event, result: dict[str, object]) -> None:
    """POST a query whose body arrives one byte every 0.2 s until ``stop`` is set."""
    body = b"query=" + quote("ASK {}").encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        sent = 0
        while not stop.is_set() and sent < len(body) - 1:
            sock.sendall(body[sent : sent + 1])
            sent += 1
            time.sleep(0.2)
        sock.sendall(body[sent:])
        result["answer"] = sock.recv(200)
    except OSError as exc:
        result["answer"] = repr(exc).encode()
    finally:
        sock.close()


def test_slow_uploads_hold_at_most_their_cap_and_others_are_served(build_dir: Path, tmp_path):
    """Issue 8, point 2 (body read timeouts): a body sent slowly holds one of ``max-uploads``
    threads; one more is answered 503 + Retry-After at once; GETs go on meanwhile."""
    with running(
        build_dir, tmp_path / "server.log", "--max-uploads", "2", "--header-timeout", "5", workers=1
    ) as server:
        stop = threading.Event()
        results: list[dict[str, object]] = [{} for _ in range(2)]
        senders = [
            threading.Thread(target=_slow_upload, args=(server.port, stop, result))
            for result in results
        ]
        try:
            for sender in senders:
                sender.start()
            time.sleep(1.0)
            started = time.monotonic()
            status, headers, _ = server.request(
                "POST",
                "/sparql",
                "query=" + quote("ASK {}"),
                {"Content-Type": "application/x-www-form-urlencoded"},
                timeout=5,
            )
            assert (status, headers.get("retry-after")) == (503, "1")
            assert time.monotonic() - started < 1.0
            for _ in range(5):
                started = time.monotonic()
                assert (
                    server.request("GET", "/sparql?query=" + quote("ASK {}"), timeout=5)[0] == 200
                )
                assert time.monotonic() - started < 1.0
        finally:
            stop.set()
            for sender in senders:
                sender.join(15)
        for result in results:  # the slow ones are answered once their bodies are complete
            assert bytes(result["answer"]).startswith(b"HTTP/1.1 200")  # type: ignore[arg-type]
        with contextlib.closing(http.client.HTTPConnection("127.0.0.1", server.port)) as c:
            c.request("POST", "/sparql", b"query=ASK%7B%7D", {"Content-Type": FORM})
            assert c.getresponse().status == 200  # the slots are free again


FORM = "application/x-www-form-urlencoded"


def test_the_listeners_user_timeout_cuts_a_client_that_stops_reading():
    """The kernel's send deadline (``govkg.web.connections``): set on a listener, inherited by
    the connections it accepts, it aborts a write to a client that no longer reads."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert listeners(port) == [server.fileno()]
        set_user_timeout(server.fileno(), 1.0)
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.settimeout(20)
        started = time.monotonic()
        with pytest.raises(OSError):  # ETIMEDOUT once the zero window outlasts the timeout
            for _ in range(10_000):
                accepted.sendall(b"x" * 65536)
        assert time.monotonic() - started < 10
        accepted.close()
        client.close()


def _counting_app(headers: list[tuple[str, str]] | None = None) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        calls.append(1)
        body = f"answer for {environ.get('HTTP_ACCEPT')}".encode()
        start_response("200 OK", (headers or []) + [("Content-Length", str(len(body)))])
        return [body]

    return app, calls


def test_the_same_get_is_answered_from_the_cache_without_the_app():
    app, calls = _counting_app()
    middleware = Serving(app, access_log=False)
    first = _call(middleware, {"HTTP_ACCEPT": "text/csv"})
    second = _call(middleware, {"HTTP_ACCEPT": "text/csv"})
    assert (first[0], list(first[2])) == (second[0], list(second[2])) and len(calls) == 1
    assert first[1]["ETag"] == second[1]["ETag"]
    _call(middleware, {"HTTP_ACCEPT": "text/html"})  # another representation: the app again
    assert len(calls) == 2
    status, _, body = _call(
        middleware, {"HTTP_ACCEPT": "text/csv", "HTTP_IF_NONE_MATCH": first[1]["ETag"]}
    )
    assert (status, list(body), len(calls)) == ("304 Not Modified", [b""], 2)


def test_ranges_posts_and_no_store_answers_never_come_from_the_cache():
    app, calls = _counting_app()
    middleware = Serving(app, access_log=False)
    for _ in range(2):
        _call(middleware, {"HTTP_RANGE": "bytes=0-1"})
        _call(middleware, {"REQUEST_METHOD": "POST"})
    assert len(calls) == 4
    no_store, counted = _counting_app([("Cache-Control", "no-store")])
    middleware = Serving(no_store, access_log=False)
    _call(middleware)
    _call(middleware)
    assert len(counted) == 2
