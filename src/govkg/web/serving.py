"""How response bodies leave the app: whole, or streamed under a cap and a send deadline; and
the access log. A WSGI middleware around the Flask app (PEP 3333), plus the gate that every
streamed body passes (ADR 0014).

* A body of known length up to :data:`INLINE_BYTES` is joined and handed to the HTTP server
  as one ``list`` item: granian then sends it from its own event loop, so a client that reads
  slowly holds no request thread (and query answers never hold an evaluator: they are read
  whole from it first, see :mod:`govkg.web.evaluator`).
* A larger body (a big query answer spooled to a temporary file, a dump) is streamed by a
  request thread. At most ``max_streams`` such bodies are in flight per worker (one more is
  answered 503 with ``Retry-After`` at once), and each must be sent within ``send_timeout``
  seconds: past it the body is cut short, which closes the connection (its declared
  ``Content-Length`` is not met, so the client cannot mistake it for a complete answer).
* A request body is read whole before the app sees it, by at most ``max_uploads`` threads of a
  worker at a time: a client that sends its body slowly holds one of those, never more (one
  more such request is answered 503 with ``Retry-After`` at once), and a body over the size
  limit is refused with 413 before a byte of it is read.
* The served dataset never changes while the server runs (a new build means new workers), so
  a successful ``GET`` answer sent whole is kept (:class:`AnswerCache`, per worker, keyed by
  everything it depends on: path, query string, ``Accept``, ``Accept-Encoding``, host and
  scheme) and the same request is answered again without reaching Flask.
* Every successful ``GET`` body
  that is sent whole gets a strong ``ETag`` (a hash of its bytes; RFC 9110 section 8.8.3)
  unless the app set one or forbade storing it, and a matching ``If-None-Match`` is answered
  304 without the body (section 13.1.2).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from govkg.errors import GovkgError
from govkg.web.errors import ServiceBusyError

#: Bodies up to this size are handed to the server whole (no thread is held while sending).
INLINE_BYTES = 1024 * 1024
#: Size of one piece of a streamed body: the send deadline is checked before each piece.
STREAM_CHUNK_BYTES = 16 * 1024
#: Headers a 304 answer repeats (RFC 9110 section 15.4.5).
_NOT_MODIFIED_KEEP = frozenset(
    ("etag", "vary", "cache-control", "content-location", "date", "expires", "last-modified")
)

log = logging.getLogger("govkg.web")
access = logging.getLogger("govkg.access")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class StreamGate:
    """The cap on streamed bodies in flight in one worker, and their send deadline.

    Args:
        max_streams: Streamed bodies in flight at most.
        send_timeout: Seconds one streamed body may take to send.
    """

    def __init__(self, max_streams: int, send_timeout: float):
        self.max_streams = max_streams
        self.send_timeout = send_timeout
        self._slots = threading.BoundedSemaphore(max_streams)

    def stream(self, chunks: Iterator[bytes], what: str) -> GatedStream:
        """Take a slot for ``chunks`` (a body of more than :data:`INLINE_BYTES`).

        Raises:
            ServiceBusyError: ``max_streams`` bodies are being sent already.
        """
        if not self._slots.acquire(blocking=False):
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            raise ServiceBusyError(
                f"{self.max_streams} large responses are being sent already; try again shortly"
            )
        return GatedStream(chunks, self._slots, time.monotonic() + self.send_timeout, what)


class GatedStream:
    """A WSGI body iterable that gives its slot back when closed and stops at its deadline."""

    def __init__(
        self, chunks: Iterator[bytes], slots: threading.BoundedSemaphore, deadline: float, what: str
    ):
        self._chunks = chunks
        self._slots: threading.BoundedSemaphore | None = slots
        self._deadline = deadline
        self._what = what

    def __iter__(self) -> GatedStream:
        return self

    def __next__(self) -> bytes:
        if self._slots is None:
            raise StopIteration
        if time.monotonic() > self._deadline:
            log.warning("%s: not sent within the send time limit; connection cut", self._what)
            self.close()
            raise StopIteration
        return next(self._chunks)

    def close(self) -> None:
        slots, self._slots = self._slots, None
        if slots is None:
            return
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        slots.release()


#: Whole GET answers kept per worker: each at most this size, all together at most the next.
CACHE_ENTRY_BYTES = 256 * 1024
CACHE_BYTES = 32 * 1024 * 1024
#: The request's parts an answer may depend on (its cache key), beside the method.
_KEY_PARTS = (
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_HOST",
    "wsgi.url_scheme",
)
#: Requests with these headers are never answered from the cache.
_UNCACHEABLE = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MODIFIED_SINCE", "HTTP_AUTHORIZATION")


class AnswerCache:
    """Whole ``GET`` answers (status, headers, body) of one worker, LRU, bounded in bytes."""

    def __init__(self, max_bytes: int = CACHE_BYTES, entry_bytes: int = CACHE_ENTRY_BYTES):
        self.max_bytes = max_bytes
        self.entry_bytes = entry_bytes
        self._entries: OrderedDict[tuple[str, ...], tuple[str, list[tuple[str, str]], bytes]]
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(environ: dict[str, Any]) -> tuple[str, ...] | None:
        """The cache key of a request, or None when it must not be answered from the cache."""
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in _UNCACHEABLE):
            return None
        return tuple(str(environ.get(part, "")) for part in _KEY_PARTS)

    def get(self, key: tuple[str, ...]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(
        self, key: tuple[str, ...], status: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        if len(body) > self.entry_bytes or any(
            k.lower() == "set-cookie" or (k.lower() == "cache-control" and "no-store" in v)
            for k, v in headers
        ):
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (status, list(headers), body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._entries:
                _, (_, _, old) = self._entries.popitem(last=False)
                self._bytes -= len(old)


class Serving:
    """The WSGI middleware: request bodies read under a cap, small response bodies whole,
    large ones streamed, one access-log line each.

    Args:
        app: The Flask app (any WSGI app).
        access_log: Write one line per request to the ``govkg.access`` logger.
        max_uploads: Requests of one worker whose body may be arriving at once.
        max_body_bytes: The largest request body read (larger: 413, unread).
        generation: What the answers depend on beyond the request (a remote store's build:
            :meth:`govkg.backends.Store.held_build`), part of the cache key; when it raises
            a :class:`GovkgError` (the store is down) the request is not answered from the
            cache.
    """

    def __init__(
        self,
        app: WsgiApp,
        access_log: bool = True,
        max_uploads: int = 8,
        max_body_bytes: int = 256 * 1024,
        generation: Callable[[], str | None] | None = None,
    ):
        self.app = app
        self.generation = generation
        self.access_log = access_log
        self.max_uploads = max_uploads
        self.max_body_bytes = max_body_bytes
        self._uploads = threading.BoundedSemaphore(max_uploads)
        self.cache = AnswerCache()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        refused = self._read_body(environ)
        if refused is not None:
            refusal_status, message, extra = refused
            text = (message + "\n").encode("utf-8")
            start_response(
                refusal_status,
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(text))),
                    ("Connection", "close"),
                    *extra,
                ],
            )
            if self.access_log:
                _log_line(environ, refusal_status, len(text), started)
            return [text]
        key = self.cache.key(environ)
        if key is not None and self.generation is not None:
            try:
                key = (*key, str(self.generation()))
            except GovkgError:
                key = None
        hit = self.cache.get(key) if key is not None else None
        if hit is not None:
            return self._whole(environ, start_response, hit[0], list(hit[1]), hit[2], started)
        head: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            head[:] = [status, headers]
            return _no_write

        body = self.app(environ, capture)
        status, headers = head
        length = _content_length(headers)
        if isinstance(body, list) or (length is not None and length <= INLINE_BYTES):
            try:
                data = b"".join(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            if status[:3] == "200" and environ.get("REQUEST_METHOD") == "GET":
                _add_etag(headers, data)
                if key is not None:
                    self.cache.put(key, status, headers, data)
            return self._whole(environ, start_response, status, headers, data, started)
        start_response(status, headers)
        if not self.access_log:
            return body
        return _Logged(body, environ, status, started)

    def _whole(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        data: bytes,
        started: float,
    ) -> list[bytes]:
        """Send a whole answer, or 304 when the client holds it already."""
        if status[:3] == "200" and _matches(environ.get("HTTP_IF_NONE_MATCH"), _etag(headers)):
            status, data = "304 Not Modified", b""
            headers = [
                (k, v)
                for k, v in headers
                if k.lower() in _NOT_MODIFIED_KEEP or k.lower().startswith("access-")
            ]
        start_response(status, headers)
        if self.access_log:
            _log_line(environ, status, len(data), started)
        return [data]

    def _read_body(self, environ: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]] | None:
        """Read the request body whole into memory (under the uploads cap); the refusal
        (status, message, extra headers) when it cannot be."""
        length_text = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and length_text in ("", "0"):
            return None
        try:
            length = int(length_text) if length_text else None
        except ValueError:
            return "400 Bad Request", "malformed Content-Length", []
        if length is not None and length > self.max_body_bytes:
            return "413 Content Too Large", "request body too large", []
        if not self._uploads.acquire(blocking=False):
            return (
                "503 Service Unavailable",
                f"{self.max_uploads} request bodies are arriving already; try again shortly",
                [("Retry-After", "1")],
            )
        try:
            stream = environ["wsgi.input"]
            if length is not None:
                data = stream.read(length)
            else:
                data = stream.read(self.max_body_bytes + 1)
                if len(data) > self.max_body_bytes:
                    return "413 Content Too Large", "request body too large", []
        finally:
            self._uploads.release()
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return None


class _Logged:
    """A streamed body that writes its access-log line when the server closes it."""

    def __init__(self, body: Iterable[bytes], environ: dict[str, Any], status: str, started: float):
        self._body = body
        self._iterator = iter(body)
        self._environ = environ
        self._status = status
        self._started = started
        self._sent = 0

    def __iter__(self) -> _Logged:
        return self

    def __next__(self) -> bytes:
        piece = next(self._iterator)
        self._sent += len(piece)
        return piece

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
        _log_line(self._environ, self._status, self._sent, self._started)


def _add_etag(headers: list[tuple[str, str]], data: bytes) -> str | None:
    """Add a strong ETag from the body's hash; None when the response has one of its own
    (returned instead) or must not be stored."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "etag":
            return value
        if lowered == "cache-control" and "no-store" in value:
            return None
    tag = '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
    headers.append(("ETag", tag))
    return tag


def _etag(headers: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in headers if k.lower() == "etag"), None)


def _matches(if_none_match: str | None, tag: str | None) -> bool:
    """RFC 9110 section 13.1.2: weak comparison against each listed entity tag, or ``*``.

    >>> _matches('W/"a", "b"', '"b"'), _matches('"a"', '"b"'), _matches("*", '"b"')
    (True, False, True)
    """
    if not if_none_match or tag is None:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == wanted for part in if_none_match.split(","))


def _no_write(data: bytes) -> None:  # pragma: no cover - Flask never calls write()
    raise RuntimeError("the WSGI write() callable is not supported")


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if len(name) == 14 and name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _log_line(environ: dict[str, Any], status: str, size: int, started: float) -> None:
    """``client "METHOD /path?query PROTOCOL" status bytes Nms "user agent"`` (as gunicorn's
    common format, with the duration)."""
    target = quote(environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    access.info(
        '%s "%s %s %s" %s %d %dms "%s"',
        environ.get("REMOTE_ADDR", "-"),
        environ.get("REQUEST_METHOD", "-"),
        target,
        environ.get("SERVER_PROTOCOL", "-"),
        status.split(" ", 1)[0],
        size,
        (time.perf_counter() - started) * 1000,
        environ.get("HTTP_USER_AGENT", "-"),
    )
