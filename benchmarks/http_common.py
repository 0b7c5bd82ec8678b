"""Helpers shared by the HTTP benchmarks (``http_named_queries.py``, ``http_vs_oxigraph.py``):
servers started in their own process group and always stopped, keep-alive clients, timing,
percentiles, ``wrk`` and slow clients.

Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
#: Seconds a server may take to answer its readiness probe after it starts.
START_TIMEOUT = 180.0
#: Seconds one benchmark request may take before the benchmark gives up on it.
REQUEST_TIMEOUT = 60.0
SPARQL_JSON = "application/sparql-results+json"


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process started in its own session (so its whole process group can be
    stopped), with its output in ``log``."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def tail(self, lines: int = 20) -> str:
        """The last lines the server wrote."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, path: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until ``GET path`` answers 200; stop the benchmark if the server exits or
        does not answer within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.name} exited with status {self.process.returncode}:\n{self.tail()}"
                )
            try:
                status, _ = request_once(self.port, path, timeout=5.0)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer {path} in {timeout:g} s:\n{self.tail()}")


@contextmanager
def running(
    name: str, command: Sequence[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start ``command`` in a new session; on exit, stop its process group (SIGTERM, then
    SIGKILL after 10 s)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        yield Server(name, process, port, log)
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group led by ``process``: SIGTERM, then SIGKILL after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; members of its group may remain (a worker process).
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return


def request_once(
    port: int, path: str, accept: str = SPARQL_JSON, timeout: float = REQUEST_TIMEOUT
) -> tuple[int, bytes]:
    """``GET path`` on a new connection; return the status and body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get_ok(port: int, path: str, accept: str = SPARQL_JSON) -> bytes:
    """``GET path`` on a new connection; stop the benchmark unless the answer is 200."""
    status, body = request_once(port, path, accept)
    if status != 200:
        raise SystemExit(f"{path[:80]}: HTTP {status}: {body[:200]!r}")
    return body


class Client:
    """One persistent HTTP/1.1 connection (``http.client``), reopened when the server closes
    it, as a keep-alive client does."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port = port
        self.timeout = timeout
        self.reconnects = 0
        self._connection = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def get(self, path: str, accept: str = SPARQL_JSON) -> tuple[int, bytes]:
        """``GET path``; return the status and body. A reused connection the server closed
        meanwhile is reopened once (the request is idempotent)."""
        for attempt in (1, 2):
            try:
                self._connection.request("GET", path, headers={"Accept": accept})
                response = self._connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._connection.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


def timed(call: Callable[[], object], count: int, warmup: int = 20) -> list[float]:
    """Seconds taken by each of ``count`` sequential calls, after ``min(warmup, count)``
    untimed ones."""
    for _ in range(min(warmup, count)):
        call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def percentile_ms(samples: Sequence[float], percentile: int) -> float:
    """The ``percentile``-th percentile of ``samples`` (seconds), in milliseconds; 50 is the
    median. Interpolated between samples, never beyond the largest.

    >>> percentile_ms([0.001, 0.002, 0.003], 50)
    2.0
    >>> percentile_ms([0.001] * 29 + [5.0], 99) <= 5000
    True
    """
    if percentile == 50 or len(samples) < 2:
        return statistics.median(samples) * 1000
    return statistics.quantiles(samples, n=100, method="inclusive")[percentile - 1] * 1000


@dataclass(frozen=True)
class WrkResult:
    """What ``wrk`` measured on one URL."""

    rate: float
    requests: int
    socket_errors: str | None
    output: str


def wrk(
    port: int,
    path: str,
    connections: int,
    seconds: float,
    accept: str = SPARQL_JSON,
    threads: int = 2,
) -> WrkResult:
    """Run ``wrk`` on one URL; stop the benchmark on any non-2xx/3xx answer."""
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-H",
        f"Accept: {accept}",
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    out = done.stdout + done.stderr
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}) on {path[:80]}:\n{out}")
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"errors under load on {path[:80]}:\n{out}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rate is None or total is None:
        raise SystemExit(f"wrk printed no rate for {path[:80]}:\n{out}")
    errors = re.search(r"Socket errors: (.*)", out)
    return WrkResult(
        float(rate.group(1)), int(total.group(1)), errors.group(1) if errors else None, out
    )


def has_wrk() -> bool:
    """Whether ``wrk`` is on the PATH."""
    return shutil.which("wrk") is not None


def python_rate(call: Callable[[int], object], clients: int, seconds: float) -> float:
    """Calls per second of ``clients`` forked processes calling ``call(i)`` in turn for
    ``seconds`` (the fallback when ``wrk`` is missing, and the in-process baseline)."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[int] = context.Queue()

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


def post_ok(port: int, path: str, body: bytes, content_type: str, timeout: float = 600.0) -> int:
    """``POST body`` to ``path`` on a new connection; return the status, stop the benchmark
    unless it is 2xx."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        answer = response.read()
        if not 200 <= response.status < 300:
            raise SystemExit(f"POST {path}: HTTP {response.status}: {answer[:300]!r}")
        return response.status
    finally:
        connection.close()


class SlowClients:
    """``count`` connections that send a request line, then one header line every
    ``interval`` seconds, never the blank line that ends the headers (a "slowloris").

    A connection the server closes (or answers, say with 408) is opened again, so ``count``
    stay connected; :attr:`closed` counts those. One thread runs them until :meth:`stop` (or
    the context's exit) or ``max_seconds``.
    """

    def __init__(self, port: int, count: int, path: str, max_seconds: float, interval: float = 1.0):
        self.port, self.count, self.path = port, count, path
        self.max_seconds, self.interval = max_seconds, interval
        self.closed = 0
        self.failed_connects = 0
        self._sockets: list[socket.socket | None] = [None] * count
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((HOST, self.port), timeout=2.0)
            sock.sendall(f"GET {self.path} HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            return sock
        except OSError:
            self.failed_connects += 1
            return None

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        for index in range(self.count):
            self._sockets[index] = self._open()
        self._ready.set()
        line = 0
        while not self._stop.wait(self.interval) and time.monotonic() < deadline:
            line += 1
            # Readable: the server closed the connection or answered (a timeout, 408 ...).
            poller = select.poll()
            for sock in self._sockets:
                if sock is not None:
                    poller.register(sock, select.POLLIN)
            ended = {fd for fd, _ in poller.poll(0)}
            for index, sock in enumerate(self._sockets):
                if sock is not None and sock.fileno() not in ended:
                    try:
                        sock.sendall(f"X-Slow-{line}: {index}\r\n".encode())
                        continue
                    except OSError:
                        pass
                if sock is not None:
                    sock.close()
                    self.closed += 1
                self._sockets[index] = self._open()

    def connected(self) -> int:
        """How many of the connections are open now."""
        return sum(1 for sock in self._sockets if sock is not None)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        self._ready.wait(60)
        # Let the server accept them and read a header line or two.
        time.sleep(2 * self.interval + 0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop sending and close every connection."""
        self._stop.set()
        self._thread.join(30)
        for sock in self._sockets:
            if sock is not None:
                sock.close()
