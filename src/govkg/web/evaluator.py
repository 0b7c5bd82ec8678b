"""Killable evaluator processes: the hard time limit of a query (ADR 0006) reached safely
from a threaded server (ADR 0014).

A Python thread cannot be stopped while the store evaluates, so every query runs in a child
process that holds the loaded store (shared copy-on-write). The web worker runs many request
threads, and forking a threaded process is unsafe (a lock held by another thread stays locked
in the child forever), so the worker never forks evaluators itself: at its start, while it is
still single-threaded, it forks one **spawner** (a fork server); the spawner is
single-threaded for life and forks each evaluator on request, handing the worker the
evaluator's end of a socket pair (``SCM_RIGHTS``) and its process id.

A request thread borrows an evaluator, sends the request and reads the whole answer under a
deadline:

* the answer arrives in time → it is returned; pieces beyond :data:`SPOOL_MEMORY_BYTES` are
  spooled to an unlinked temporary file, so the evaluator is free again the moment its answer
  is read, however slowly the client then reads (a slow reader never holds an evaluator);
* the deadline passes → the evaluator is killed (``SIGKILL`` stops the evaluation and frees
  its CPU), the caller gets :class:`~govkg.web.errors.QueryTimeoutError` (503) and a fresh
  evaluator replaces it;
* the evaluator dies (a crash in the store, an allocation over its memory limit) →
  :class:`~govkg.web.errors.EvaluatorFailedError` (500), only for the request it was
  answering; a fresh evaluator replaces it;
* every evaluator is busy → the request waits in a bounded queue (``max_queued`` waiting,
  ``queue_timeout`` seconds at most); beyond either bound →
  :class:`~govkg.web.errors.ServiceBusyError` (503 with ``Retry-After``) at once.

The pool is generic: a *task* (``request bytes, sink → None``) runs in the evaluator and
writes its answer into a :class:`Sink`.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import json
import math
import os
import resource
import select
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import IO

from govkg.errors import GovkgError, InputError, QueryError, UnknownQueryError
from govkg.sparql_guard import GuardError
from govkg.web.errors import (
    AnswerTooLargeError,
    EvaluatorFailedError,
    NotAcceptableError,
    NotFoundError,
    QueryTimeoutError,
    ServiceBusyError,
)

#: Size of one piece of an answer on its way from the evaluator.
CHUNK_BYTES = 64 * 1024
#: An answer up to this size is kept in memory; a larger one is spooled to a temporary file.
SPOOL_MEMORY_BYTES = 4 * 1024 * 1024
#: The largest answer an evaluator may send (a CONSTRUCT of the whole 1M-triple graph in
#: N-Triples is ~150 MiB); a larger one is stopped with 503, as a query over its time limit.
MAX_ANSWER_BYTES = 1024 * 1024 * 1024

#: Seconds to wait for a killed evaluator to be gone.
KILL_WAIT_SECONDS = 2.0

_FINAL, _START, _DATA, _END, _ERROR = b"F", b"S", b"D", b"E", b"X"
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
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

    Call :meth:`start` with the media type first, then ``write`` the bytes (the embedded
    store's native serialiser writes into it directly: ``EmbeddedStore.write``).
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


class Reply:
    """A complete answer from an evaluator, in memory or spooled to a temporary file.

    Attributes:
        media_type: The media type the task chose.
        size: Its length in bytes.
        body: The whole answer when it is held in memory (``spool`` is None), else ``b""``.
        spool: An unlinked temporary file holding the answer, or None.
    """

    __slots__ = ("media_type", "size", "body", "spool")

    def __init__(self, media_type: str, body: bytes, spool: IO[bytes] | None = None, size: int = 0):
        self.media_type = media_type
        self.body = body
        self.spool = spool
        self.size = size if spool is not None else len(body)

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        """Yield the answer in pieces of at most ``size`` bytes (then close the spool)."""
        if self.spool is None:
            for start in range(0, len(self.body), size):
                yield self.body[start : start + size]
            return
        try:
            self.spool.seek(0)
            while piece := self.spool.read(size):
                yield piece
        finally:
            self.close()

    def read_all(self, limit: int | None = None) -> bytes | None:
        """The whole answer; None when it exceeds ``limit`` bytes."""
        if limit is not None and self.size > limit:
            self.close()
            return None
        if self.spool is None:
            return self.body
        return b"".join(self.chunks())

    def close(self) -> None:
        """Drop the spooled copy, if any."""
        if self.spool is not None:
            self.spool.close()


class _Evaluator:
    """One evaluator process (a child of the spawner) and the worker's end of its socket."""

    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn
        # one poll object for the evaluator's life (multiprocessing's own poll() builds a
        # selector per call, a third of the hop's cost)
        self._poller = select.poll()
        self._poller.register(conn.fileno(), select.POLLIN)
        self.pidfd: int | None = None
        with contextlib.suppress(OSError, AttributeError):
            self.pidfd = os.pidfd_open(pid)  # a signal to a reused pid can never go astray

    def receive(self, deadline: float, timeout: float) -> bytes:
        """Wait for the next message until ``deadline``; kill the evaluator when it passes."""
        remaining = deadline - time.monotonic()
        try:
            ready = remaining > 0 and bool(self._poller.poll(math.ceil(remaining * 1000)))
        except OSError:
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
                "(it has been restarted); the query may have crashed the store"
            ) from None

    def kill(self) -> None:
        """Stop the evaluator for good (``SIGKILL``), wait until it is gone (its CPU and
        memory are free again) and close its socket."""
        with contextlib.suppress(OSError):
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                _poll_readable(self.pidfd, KILL_WAIT_SECONDS)
            else:  # pragma: no cover - kernels before 5.3
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        self.conn.close()
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None

    @property
    def alive(self) -> bool:
        if self.conn.closed:
            return False
        if self.pidfd is None:
            return True
        try:  # the pidfd reads as ready once the process has exited
            return not bool(_poll_readable(self.pidfd))
        except OSError:
            return False


def _poll_readable(fd: int, seconds: float = 0.0) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(round(seconds * 1000)))


class _Spawner:
    """The fork server of one web worker: forked while the worker is single-threaded, it stays
    single-threaded and forks evaluators on request."""

    def __init__(self, task: Task, memory_mb: int):
        self._lock = threading.Lock()
        control, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        watch_parent = threading.current_thread() is threading.main_thread()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the spawner
            try:
                control.close()
                _spawner_main(child_end, task, memory_mb, parent, watch_parent)
            finally:
                os._exit(0)
        child_end.close()
        self.pid = pid
        self.control = control

    def spawn(self) -> _Evaluator:
        """Start one evaluator and return the worker's handle on it."""
        try:
            with self._lock:
                self.control.sendall(b"S")
                message, fds, _flags, _address = socket.recv_fds(self.control, 8, 1)
        except OSError:
            message, fds = b"", []
        if len(message) != 8 or not fds:
            for fd in fds:
                os.close(fd)
            raise EvaluatorFailedError(
                "the query evaluators cannot be started (their spawner is gone); "
                "the worker is being replaced"
            )
        return _Evaluator(int.from_bytes(message, "big"), Connection(fds[0]))

    def close(self) -> None:
        """Stop the spawner (its evaluators follow it: they die with their parent)."""
        self.control.close()
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)

    @property
    def alive(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return pid == 0 and self.control.fileno() >= 0


def _spawner_main(
    control: socket.socket, task: Task, memory_mb: int, parent: int, watch_parent: bool
) -> None:  # pragma: no cover - runs in the spawner
    """The spawner's loop: one byte in, one evaluator forked, its socket and pid sent back."""
    _set_process_name(b"govkg-spawner")
    if not os.environ.get("GOVKG_DEBUG"):
        faulthandler.disable()
    for name in _CHILD_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    # The terminal's Ctrl-C and a service manager's SIGTERM to the whole group are the
    # server's to handle: the worker finishes its requests, then its evaluators die with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # evaluators are reaped by the kernel
    if watch_parent:
        _die_with_parent(parent)
    me = os.getpid()
    while True:
        try:
            request = control.recv(1)
        except OSError:
            return
        if not request:
            return
        worker_end, evaluator_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                worker_end.close()
                _child_main(Connection(evaluator_end.detach()), task, memory_mb, me)
            finally:
                os._exit(0)
        evaluator_end.close()
        try:
            socket.send_fds(control, [pid.to_bytes(8, "big")], [worker_end.fileno()])
        except OSError:
            return
        finally:
            worker_end.close()


class EvaluatorPool:
    """Up to ``size`` evaluator processes of the current process, forked by its spawner.

    A pool copied into a forked process (a web worker forked from the server's main process)
    starts empty there: the spawner and evaluators belong to the process that started them.

    Args:
        task: What an evaluator does with one request.
        size: Evaluators at most (concurrent evaluations of this worker).
        memory_mb: Address-space limit of each evaluator in MiB (0: unlimited).
        max_queued: Requests that may wait for a busy evaluator; one more → 503 at once.
        queue_timeout: Seconds a request waits for an evaluator at most, then 503.
    """

    def __init__(
        self,
        task: Task,
        size: int = 1,
        memory_mb: int = 0,
        max_queued: int = 64,
        queue_timeout: float = 30.0,
    ):
        self._task = task
        self._size = size
        self._memory_mb = memory_mb
        self._max_queued = max_queued
        self._queue_timeout = queue_timeout
        self._reset()

    def _reset(self) -> None:
        self._owner = os.getpid()
        self._spawner: _Spawner | None = None
        self._idle: list[_Evaluator] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self._size)
        self._waiting = 0

    def start(self) -> None:
        """Fork the spawner and the evaluators now, while this process is single-threaded
        (a web worker calls this before its first request)."""
        self._check_owner()
        with self._lock:
            spawner = self._spawner_locked()
            while len(self._idle) < self._size:
                self._idle.append(spawner.spawn())

    def close(self) -> None:
        """Stop the spawner and every idle evaluator of this process."""
        if os.getpid() != self._owner:
            return
        with self._lock:
            idle, self._idle = self._idle, []
            spawner, self._spawner = self._spawner, None
        for evaluator in idle:
            evaluator.kill()
        if spawner is not None:
            spawner.close()

    @property
    def waiting(self) -> int:
        """Requests waiting for an evaluator now."""
        return self._waiting

    def run(self, request: bytes, timeout: float) -> Reply:
        """Send ``request`` to an evaluator and read its whole answer within ``timeout``
        seconds (counted from the moment an evaluator takes it).

        Raises:
            QueryTimeoutError: the time limit passed (the evaluation was stopped).
            EvaluatorFailedError: the evaluator died.
            ServiceBusyError: too many requests wait already, or none got an evaluator in
                time.
            AnswerTooLargeError: the answer exceeded :data:`MAX_ANSWER_BYTES`.
            GovkgError: the error the task raised (a malformed query, ...).
        """
        self._check_owner()
        self._acquire_slot(timeout)
        try:
            evaluator = self._checkout()
            deadline = time.monotonic() + timeout
            try:
                evaluator.conn.send_bytes(request)
            except OSError:
                evaluator.kill()
                raise EvaluatorFailedError(
                    "the query evaluator was not running (it has been restarted); try again"
                ) from None
            reply = self._read_answer(evaluator, deadline, timeout)
        except BaseException:
            self._slots.release()
            raise
        self._checkin(evaluator)
        return reply

    def _acquire_slot(self, timeout: float) -> None:
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            if self._waiting >= self._max_queued:
                raise ServiceBusyError(
                    f"the server is saturated ({self._size} queries running, "
                    f"{self._waiting} waiting); try again shortly"
                )
            self._waiting += 1
        try:
            acquired = self._slots.acquire(timeout=min(self._queue_timeout, timeout))
        finally:
            with self._lock:
                self._waiting -= 1
        if not acquired:
            raise ServiceBusyError(
                "every query evaluator stayed busy for "
                f"{min(self._queue_timeout, timeout):g} s; try again shortly"
            )

    def _read_answer(self, evaluator: _Evaluator, deadline: float, timeout: float) -> Reply:
        message = evaluator.receive(deadline, timeout)
        tag = message[:1]
        if tag == _ERROR:
            self._checkin_later(evaluator)
            raise _error_from(message[1:])
        size = message[1]
        media_type = message[2 : 2 + size].decode("ascii")
        first = message[2 + size :]
        if tag == _FINAL:
            return Reply(media_type, first)
        pieces = [first]
        total = len(first)
        spool: IO[bytes] | None = None
        try:
            while True:
                message = evaluator.receive(deadline, timeout)
                tag = message[:1]
                if tag == _END:
                    break
                if tag == _ERROR:
                    self._checkin_later(evaluator)
                    raise _error_from(message[1:])
                total += len(message) - 1
                if total > MAX_ANSWER_BYTES:
                    evaluator.kill()
                    raise AnswerTooLargeError(
                        f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MiB and was "
                        "stopped; add a LIMIT or ask for less"
                    )
                if spool is None and total > SPOOL_MEMORY_BYTES:
                    spool = tempfile.TemporaryFile(prefix="govkg-answer-")
                    spool.writelines(pieces)
                    pieces = []
                if spool is not None:
                    spool.write(memoryview(message)[1:])
                else:
                    pieces.append(message[1:])
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        if spool is None:
            return Reply(media_type, b"".join(pieces))
        return Reply(media_type, b"", spool, total)

    def _checkin_later(self, evaluator: _Evaluator) -> None:
        """Keep an evaluator that reported an error (it is healthy) for the next request."""
        with self._lock:
            self._idle.append(evaluator)
        # the slot is released by run()'s error path

    def _spawner_locked(self) -> _Spawner:
        if self._spawner is None or not self._spawner.alive:
            self._spawner = _Spawner(self._task, self._memory_mb)
        return self._spawner

    def _checkout(self) -> _Evaluator:
        with self._lock:
            while self._idle:
                evaluator = self._idle.pop()
                if evaluator.alive:
                    return evaluator
                evaluator.close()
            spawner = self._spawner_locked()
        return spawner.spawn()

    def _checkin(self, evaluator: _Evaluator) -> None:
        with self._lock:
            self._idle.append(evaluator)
        self._slots.release()

    def _check_owner(self) -> None:
        if os.getpid() != self._owner:
            self._reset()


def _error_from(payload: bytes) -> GovkgError:
    data = json.loads(payload.decode("utf-8"))
    message = str(data.get("message") or "query failed")
    if data.get("error") == "GuardError":
        return GuardError(message, kind=str(data.get("kind")))
    cls = _TRAVELLING.get(str(data.get("error")))
    if cls is None:
        return EvaluatorFailedError(message)
    return cls(message)


def _child_main(
    conn: Connection, task: Task, memory_mb: int, parent: int
) -> None:  # pragma: no cover - runs in the evaluator
    """The evaluator's loop: one request in, one answer out, until the socket closes."""
    _set_process_name(b"govkg-evaluator")
    if not os.environ.get("GOVKG_DEBUG"):  # a crash is reported by the worker, in one line
        faulthandler.disable()
    for name in _CHILD_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's to handle (see the spawner)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
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
        except (BrokenPipeError, ConnectionResetError):
            os._exit(0)  # the worker gave up on this answer (its time limit passed)
        except Exception as exc:  # noqa: BLE001 - reported as one line, never a traceback
            sink.fail(type(exc).__name__, f"query evaluation failed: {type(exc).__name__}")
            continue
        try:
            sink.finish()
        except OSError:
            os._exit(0)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return None


def _set_process_name(name: bytes) -> None:
    """Name this process (``/proc/PID/comm``, what ``ps`` and ``top`` show)."""
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.prctl(_PR_SET_NAME, ctypes.c_char_p(name[:15]), 0, 0, 0)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the process that forked it dies."""
    libc = _libc()
    if libc is None:
        return
    with contextlib.suppress(AttributeError):
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)
