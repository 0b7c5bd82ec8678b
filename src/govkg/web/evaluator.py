"""Killable evaluator processes: the hard time limit of a query (issue 4, point 4).

A Python thread cannot be stopped while the store evaluates, so every query runs in a child
process forked from the web worker (which already holds the loaded store, shared
copy-on-write). The worker sends the request down a pipe and waits with a deadline:

* the answer arrives in time → it is returned, small answers whole, large ones streamed in
  :data:`CHUNK_BYTES` pieces;
* the deadline passes → the child is killed (``SIGKILL`` stops the evaluation itself), the
  caller gets :class:`~govkg.web.errors.QueryTimeoutError` (503) and a fresh child replaces it;
* the child dies (a crash in the store, an allocation over its memory limit) →
  :class:`~govkg.web.errors.EvaluatorFailedError` (500) and a fresh child replaces it.

The pool is generic: a *task* (``request bytes, sink → None``) runs in the child and writes its
answer into a :class:`Sink`. See ``docs/decisions/endpoint-query-time-limit.md``.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import json
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

from govkg.errors import GovkgError, InputError, QueryError, UnknownQueryError
from govkg.sparql_guard import GuardError
from govkg.web.errors import (
    EvaluatorFailedError,
    NotAcceptableError,
    NotFoundError,
    QueryTimeoutError,
    ServiceBusyError,
)

#: Size of one streamed piece of an answer; an answer no larger comes back whole.
CHUNK_BYTES = 64 * 1024

_FINAL, _START, _DATA, _END, _ERROR = b"F", b"S", b"D", b"E", b"X"
_PR_SET_PDEATHSIG = 1
_CHILD_SIGNALS = (
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGWINCH",
    "SIGABRT",
    "SIGCHLD",
    "SIGALRM",
)
#: Errors a task may raise that travel back to the web worker by class name.
_TRAVELLING: dict[str, type[GovkgError]] = {
    cls.__name__: cls
    for cls in (QueryError, InputError, NotAcceptableError, NotFoundError, UnknownQueryError)
}


class Sink:
    """Where a task writes its answer, in the evaluator process (a binary file object).

    Call :meth:`start` with the media type first, then ``write`` the bytes (pyoxigraph's
    ``serialize`` can write into it directly).
    """

    def __init__(self, conn: Connection, chunk: int = CHUNK_BYTES):
        self._conn = conn
        self._chunk = chunk
        self._buffer = bytearray()
        self._media_type = "application/octet-stream"
        self._sent = False

    def start(self, media_type: str) -> None:
        """Set the media type of the answer (before any byte is written)."""
        self._media_type = media_type

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= self._chunk:
            self._flush(_START if not self._sent else _DATA)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: pieces are sent when full, the rest by :meth:`finish`."""

    def finish(self) -> None:
        """Send what is left and mark the answer complete."""
        if not self._sent:
            self._flush(_FINAL)
            return
        if self._buffer:
            self._flush(_DATA)
        self._conn.send_bytes(_END)

    def fail(self, error: str, message: str, kind: str | None = None) -> None:
        """Report an error instead of (or in the middle of) the answer."""
        payload = json.dumps({"error": error, "message": message, "kind": kind})
        self._conn.send_bytes(_ERROR + payload.encode("utf-8"))

    def _flush(self, tag: bytes) -> None:
        if tag in (_START, _FINAL):
            header = self._media_type.encode("ascii")
            self._conn.send_bytes(tag + bytes([len(header)]) + header + bytes(self._buffer))
            self._sent = True
        else:
            self._conn.send_bytes(tag + bytes(self._buffer))
        self._buffer.clear()


Task = Callable[[bytes, Sink], None]


@dataclass
class Reply:
    """An answer from an evaluator.

    Attributes:
        media_type: The media type the task chose.
        body: The whole answer, or its first piece when ``rest`` is not None.
        rest: The remaining pieces (a generator that must be consumed or closed), or None.
    """

    media_type: str
    body: bytes
    rest: Iterator[bytes] | None = None

    def close(self) -> None:
        """Abandon the rest of a streamed answer (its evaluator is stopped)."""
        if self.rest is not None:
            self.rest.close()  # type: ignore[attr-defined]

    def read_all(self, limit: int | None = None) -> bytes | None:
        """Join the whole answer; None (and the stream closed) when it exceeds ``limit``."""
        parts = [self.body]
        size = len(self.body)
        if self.rest is not None:
            with contextlib.closing(self.rest):  # type: ignore[type-var]
                for piece in self.rest:
                    size += len(piece)
                    if limit is not None and size > limit:
                        return None
                    parts.append(piece)
        return b"".join(parts)


class _Evaluator:
    """One child process and the parent's end of its pipe."""

    def __init__(self, task: Task, memory_mb: int):
        context = multiprocessing.get_context("fork")
        self.conn, child_end = context.Pipe(duplex=True)
        watch_parent = threading.current_thread() is threading.main_thread()
        self.process = context.Process(
            target=_child_main,
            name="govkg-evaluator",
            daemon=True,
            args=(child_end, task, memory_mb, watch_parent),
        )
        self.process.start()
        child_end.close()

    def receive(self, deadline: float, timeout: float) -> bytes:
        """Wait for the next message until ``deadline``; kill the child when it passes."""
        remaining = deadline - time.monotonic()
        try:
            ready = remaining > 0 and self.conn.poll(remaining)
        except (OSError, EOFError):
            ready = True
        if not ready:
            self.kill()
            raise QueryTimeoutError(
                f"the query ran longer than the time limit of {timeout:g} s "
                "and was stopped; simplify it or add a LIMIT"
            )
        try:
            return self.conn.recv_bytes()
        except (EOFError, OSError):
            self.kill()
            raise EvaluatorFailedError(
                "the query evaluator stopped unexpectedly while answering "
                "(it has been restarted); the query may have crashed the "
                "store"
            ) from None

    def kill(self) -> None:
        if self.process.pid is not None and self.process.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()

    @property
    def alive(self) -> bool:
        return self.process.exitcode is None and not self.conn.closed


class EvaluatorPool:
    """Up to ``size`` evaluator processes of the current process, started on demand.

    A pool copied into a forked process (a gunicorn worker forked from the master) starts
    empty there: children belong to the process that forked them.

    Args:
        task: What a child does with one request.
        size: Evaluators at most (one per concurrent request of the worker).
        memory_mb: Address-space limit of each child in MiB (0: unlimited).
    """

    def __init__(self, task: Task, size: int = 1, memory_mb: int = 0):
        self._task = task
        self._size = size
        self._memory_mb = memory_mb
        self._reset()

    def _reset(self) -> None:
        self._owner = os.getpid()
        self._idle: list[_Evaluator] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self._size)

    def start(self) -> None:
        """Start the evaluators now instead of at the first request (gunicorn ``post_fork``)."""
        self._check_owner()
        with self._lock:
            while len(self._idle) < self._size:
                self._idle.append(_Evaluator(self._task, self._memory_mb))

    def close(self) -> None:
        """Stop every idle evaluator of this process."""
        if os.getpid() != self._owner:
            return
        with self._lock:
            idle, self._idle = self._idle, []
        for evaluator in idle:
            evaluator.kill()

    def run(self, request: bytes, timeout: float) -> Reply:
        """Send ``request`` to an evaluator and wait at most ``timeout`` seconds in all.

        Raises:
            QueryTimeoutError: the time limit passed (the evaluation was stopped).
            EvaluatorFailedError: the evaluator died.
            ServiceBusyError: no evaluator became free within the time limit.
            GovkgError: the error the task raised (a malformed query, ...).
        """
        deadline = time.monotonic() + timeout
        self._check_owner()
        if not self._slots.acquire(timeout=timeout):
            raise ServiceBusyError("every query evaluator of this worker is busy; try again")
        try:
            evaluator = self._checkout()
            try:
                evaluator.conn.send_bytes(request)
            except OSError:
                evaluator.kill()
                raise EvaluatorFailedError(
                    "the query evaluator was not running (it has been restarted); try again"
                ) from None
            message = evaluator.receive(deadline, timeout)
        except BaseException:
            self._slots.release()
            raise
        tag = message[:1]
        if tag == _ERROR:
            self._checkin(evaluator)
            raise _error_from(message[1:])
        size = message[1]
        media_type = message[2 : 2 + size].decode("ascii")
        body = message[2 + size :]
        if tag == _FINAL:
            self._checkin(evaluator)
            return Reply(media_type, body)
        return Reply(media_type, body, _Stream(self, evaluator, deadline, timeout))

    def _checkout(self) -> _Evaluator:
        with self._lock:
            while self._idle:
                evaluator = self._idle.pop()
                if evaluator.alive:
                    return evaluator
                evaluator.kill()
        return _Evaluator(self._task, self._memory_mb)

    def _checkin(self, evaluator: _Evaluator) -> None:
        with self._lock:
            self._idle.append(evaluator)
        self._slots.release()

    def _check_owner(self) -> None:
        if os.getpid() != self._owner:
            self._reset()


class _Stream:
    """The remaining pieces of a large answer; closing it early stops the evaluator.

    A class rather than a generator, so that ``close()`` before the first piece still
    returns the evaluator (or kills it) and frees its slot.
    """

    def __init__(self, pool: EvaluatorPool, evaluator: _Evaluator, deadline: float, timeout: float):
        self._pool = pool
        self._evaluator = evaluator
        self._deadline = deadline
        self._timeout = timeout
        self._done = False

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> bytes:
        if self._done:
            raise StopIteration
        try:
            message = self._evaluator.receive(self._deadline, self._timeout)
        except BaseException:
            self._finish(complete=False)
            raise
        tag = message[:1]
        if tag == _DATA:
            return message[1:]
        self._finish(complete=True)
        if tag == _END:
            raise StopIteration
        raise _error_from(message[1:])

    def close(self) -> None:
        """Give the evaluator back when the answer was read to its end, else kill it."""
        if not self._done:
            self._finish(complete=False)

    def _finish(self, complete: bool) -> None:
        self._done = True
        if complete and self._evaluator.alive:
            self._pool._checkin(self._evaluator)
            return
        self._evaluator.kill()
        self._pool._slots.release()


def _error_from(payload: bytes) -> GovkgError:
    data = json.loads(payload.decode("utf-8"))
    message = str(data.get("message") or "query failed")
    if data.get("error") == "GuardError":
        return GuardError(message, kind=str(data.get("kind")))
    cls = _TRAVELLING.get(str(data.get("error")))
    if cls is None:
        return EvaluatorFailedError(message)
    return cls(message)


def _child_main(conn: Connection, task: Task, memory_mb: int, watch_parent: bool) -> None:
    """The evaluator's loop: one request in, one answer out, until the pipe closes."""
    parent = os.getppid()
    if not os.environ.get("GOVKG_DEBUG"):  # a crash is reported by the worker, in one line
        faulthandler.disable()
    for name in _CHILD_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal's Ctrl-C is the server's job
    if watch_parent:
        _die_with_parent(parent)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError):
            os._exit(0)
        sink = Sink(conn)
        try:
            task(request, sink)
        except GovkgError as exc:
            sink.fail(type(exc).__name__, exc.message, getattr(exc, "kind", None))
            continue
        except MemoryError:
            sink.fail("MemoryError", "the query needed more memory than an evaluator may use")
            continue
        except Exception as exc:  # noqa: BLE001 - reported as one line, never a traceback
            sink.fail(type(exc).__name__, f"query evaluation failed: {type(exc).__name__}")
            continue
        sink.finish()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the web worker that forked it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)
