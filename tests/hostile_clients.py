"""Hostile HTTP clients on real sockets, and what the kernel says about a server's processes and
connections, for ``test_web_hostile.py`` (issue 8, points 2, 3 and 5).

Nothing here mocks anything: the clients are plain TCP sockets that misbehave the way slowloris
attacks, idle keep-alive hogs and slow readers do, and the observations come from ``/proc``
(process tree, CPU ticks, TCP connection states). Every loop is bounded in count and in time,
and every socket is closed before a function returns.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import selectors
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HOST = "127.0.0.1"
_NONCES = itertools.count()


def nonce(prefix: str = "n") -> str:
    """A string no earlier request used, to defeat the per-worker answer cache."""
    return f"{prefix}-{os.getpid()}-{time.time_ns()}-{next(_NONCES)}"


def sparql_path(query: str, fmt: str | None = None) -> str:
    """``/sparql?query=...`` (and ``&format=...``) for a GET."""
    path = "/sparql?query=" + quote(query)
    return path + f"&format={fmt}" if fmt else path


# == Ordinary requests, timed ====================================================================


@dataclass(frozen=True)
class Answer:
    """One request's outcome: ``status`` None when the connection failed (``error`` says how)."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    started: float  # time.monotonic() when the request was sent
    seconds: float
    error: str | None = None


def timed_request(
    port: int,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One request on a fresh connection; never raises for a network failure."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, found, data, started, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        return Answer(None, {}, b"", started, time.monotonic() - started, error)
    finally:
        connection.close()


# == Slowloris: connections that dribble header lines ============================================


@dataclass
class DribbleReport:
    """What the dribbling connections saw.

    Attributes:
        opened: Connections made in all (first ones and reconnections).
        first_lifetimes: For each first-round connection the server closed, seconds from its
            connect to the close.
        first_still_open: First-round connections the server had not closed at the end.
        open_counts: Connections open at each one-second tick, after reconnecting.
        answers: First bytes the server sent on a dribbling connection (e.g. a 408), if any.
        connect_failures: Connections that could not be made.
    """

    opened: int = 0
    first_lifetimes: list[float] = field(default_factory=list)
    first_still_open: int = 0
    open_counts: list[int] = field(default_factory=list)
    answers: list[bytes] = field(default_factory=list)
    connect_failures: int = 0


def dribble(
    port: int,
    count: int,
    seconds: float,
    interval: float = 1.0,
    started: list[float] | None = None,
) -> DribbleReport:
    """Hold ``count`` connections that send a request line, then one header line every
    ``interval`` seconds and never the blank line ending the headers, for ``seconds``. A
    connection the server closes is replaced at once, so the pressure stays on.

    ``started`` (if given) gets the monotonic time at which all ``count`` are connected.
    """
    report = DribbleReport()
    selector = selectors.DefaultSelector()
    first_round: dict[socket.socket, float] = {}
    later: dict[socket.socket, float] = {}

    def connect(first: bool) -> None:
        try:
            sock = socket.create_connection((HOST, port), timeout=3.0)
        except OSError:
            report.connect_failures += 1
            return
        try:
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sock.setblocking(False)
        except OSError:
            sock.close()
            report.connect_failures += 1
            return
        selector.register(sock, selectors.EVENT_READ)
        (first_round if first else later)[sock] = time.monotonic()
        report.opened += 1

    def closed(sock: socket.socket, end: float) -> None:
        selector.unregister(sock)
        sock.close()
        if sock in first_round:
            report.first_lifetimes.append(time.monotonic() - first_round.pop(sock))
        else:
            later.pop(sock, None)
        if time.monotonic() < end - 0.2:
            connect(first=False)

    try:
        for _ in range(count):
            connect(first=True)
        if started is not None:
            started.append(time.monotonic())
        end = time.monotonic() + seconds
        tick, line = time.monotonic() + interval, 0
        for _ in range(int(seconds * 1000)):  # bounded; each turn waits for I/O or a tick
            now = time.monotonic()
            if now >= end:
                break
            for key, _ in selector.select(timeout=max(0.0, min(tick, end) - now)):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    if len(report.answers) < 5:
                        report.answers.append(data[:100])
                    continue
                closed(sock, end)
            if time.monotonic() >= tick:
                line += 1
                for sock in list(first_round) + list(later):
                    try:
                        sock.send(f"X-Dribble-{line}: {line}\r\n".encode("ascii"))
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed(sock, end)
                report.open_counts.append(len(first_round) + len(later))
                tick += interval
        report.first_still_open = len(first_round)
        return report
    finally:
        for sock in list(first_round) + list(later):
            sock.close()
        selector.close()


# == Idle connections ============================================================================


def idle_connections(port: int, count: int) -> list[tuple[socket.socket, float]]:
    """Open ``count`` connections that send nothing; returns each with its connect time."""
    opened: list[tuple[socket.socket, float]] = []
    try:
        for _ in range(count):
            sock = socket.create_connection((HOST, port), timeout=3.0)
            opened.append((sock, time.monotonic()))
    except BaseException:
        close_all(sock for sock, _ in opened)
        raise
    return opened


def wait_closed_by_server(
    connections: list[tuple[socket.socket, float]], seconds: float
) -> list[float | None]:
    """Wait up to ``seconds`` for the server to close each connection (EOF or reset); returns,
    per connection, the seconds from its connect time to the close (None: still open)."""
    selector = selectors.DefaultSelector()
    result: list[float | None] = [None] * len(connections)
    index = {}
    try:
        for position, (sock, _) in enumerate(connections):
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
            index[sock] = position
        end = time.monotonic() + seconds
        for _ in range(100_000):  # bounded; each turn waits for I/O
            now = time.monotonic()
            if now >= end or not index:
                break
            for key, _ in selector.select(timeout=end - now):
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                try:
                    data = ready.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:  # a 408 or similar before the close: keep reading
                    continue
                position = index.pop(ready)
                selector.unregister(ready)
                result[position] = time.monotonic() - connections[position][1]
        return result
    finally:
        selector.close()


def close_all(sockets: Iterable[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()


# == Slow readers ================================================================================

#: TCP states in /proc/net/tcp (include/net/tcp_states.h).
ESTABLISHED = 0x01


def server_side_state(server_port: int, client_port: int) -> int | None:
    """The TCP state of the server's end of the connection from ``client_port`` on 127.0.0.1
    (None: no such socket any more), read from /proc/net/tcp and tcp6.

    A server that cuts a connection closes its socket: its state leaves ESTABLISHED at once
    (FIN_WAIT1 while the kernel still holds unsent data, or gone after a reset), even while a
    slow client has not yet read the bytes queued before the close.
    """
    local, remote = f":{server_port:04X}", f":{client_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[1].endswith(local) and parts[2].endswith(remote):
                    return int(parts[3], 16)
    return None


def accepted_connections(pid: int, server_port: int) -> int:
    """Connections to ``server_port`` that process ``pid`` has accepted and holds open (its
    socket descriptors matched against /proc/net/tcp; connections still waiting in the
    kernel's backlog belong to no process)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    local = f":{server_port:04X}"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                established = int(parts[3], 16) == ESTABLISHED
                if parts[1].endswith(local) and established and parts[9] in inodes:
                    count += 1
    return count


@dataclass
class SlowRead:
    """What a slow reader saw.

    Attributes:
        status: Status code of the response (None: no response head arrived).
        headers: Response headers, lower-cased names.
        first_byte_after: Seconds from sending the request to the first response byte.
        slow_bytes: Body bytes read while reading slowly.
        cut_after: Seconds from the first response byte until the server's end of the
            connection left ESTABLISHED (None: it never did while the client read slowly).
        body_bytes: Body bytes received in all (slow reading, then draining fast).
        eof: The connection ended (EOF or reset) while draining.
        complete: The body received is complete (Content-Length met, or the last chunk seen).
        error: A failure before the response head.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    first_byte_after: float | None = None
    slow_bytes: int = 0
    cut_after: float | None = None
    body_bytes: int = 0
    eof: bool = False
    complete: bool = False
    error: str | None = None


def slow_read(
    port: int,
    path: str,
    slow_seconds: float,
    headers: dict[str, str] | None = None,
    piece: int = 64,
    pause: float = 0.1,
    drain_seconds: float = 20.0,
) -> SlowRead:
    """GET ``path`` with a tiny receive buffer, read ``piece`` bytes every ``pause`` seconds
    for ``slow_seconds`` after the first response byte (watching the server's end of the
    connection), then read as fast as possible until the connection ends or
    ``drain_seconds`` pass. The request keeps the connection alive (HTTP/1.1 default), so the
    server closes it only to cut the body short."""
    outcome = SlowRead()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
        sock.settimeout(30.0)
        sock.connect((HOST, port))
        client_port = sock.getsockname()[1]
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        sent = time.monotonic()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        head = b""
        for _ in range(10_000):  # the response head, in small reads
            data = sock.recv(256)
            if not data:
                break
            head += data
            if b"\r\n\r\n" in head:
                break
        if b"\r\n\r\n" not in head:
            outcome.error = f"no response head: {head[:200]!r}"
            return outcome
        first = time.monotonic()
        outcome.first_byte_after = first - sent
        raw_head, body = head.split(b"\r\n\r\n", 1)
        status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
        outcome.status = int(status_line.split()[1])
        outcome.headers = {
            k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)
        }
        received = bytearray(body)
        sock.settimeout(pause)
        end = first + slow_seconds
        for _ in range(int(slow_seconds / pause) + 10):
            if time.monotonic() >= end:
                break
            state = server_side_state(port, client_port)
            if outcome.cut_after is None and state != ESTABLISHED:
                outcome.cut_after = time.monotonic() - first
            try:
                data = sock.recv(piece)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            if not data:
                outcome.eof = True
                break
            received += data
            time.sleep(pause)
        outcome.slow_bytes = len(received)
        if not outcome.eof:
            sock.settimeout(1.0)
            drain_end = time.monotonic() + drain_seconds
            for _ in range(1_000_000):
                if time.monotonic() >= drain_end:
                    break
                try:
                    data = sock.recv(1 << 20)
                except TimeoutError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    outcome.eof = True
                    break
                received += data
        outcome.body_bytes = len(received)
        outcome.complete = _complete(outcome.headers, bytes(received))
        return outcome
    except OSError as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
        return outcome
    finally:
        sock.close()


def _complete(headers: dict[str, str], body: bytes) -> bool:
    if "content-length" in headers:
        return len(body) >= int(headers["content-length"])
    if "chunked" in headers.get("transfer-encoding", ""):
        return body.endswith(b"0\r\n\r\n")
    return False


# == The server's processes ======================================================================

SPAWNER = "govkg-spawner"
EVALUATOR = "govkg-evaluator"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    """One process as /proc/PID/stat shows it; ``ticks`` is user plus system CPU time."""

    pid: int
    ppid: int
    comm: str
    state: str
    ticks: int


def processes() -> dict[int, Proc]:
    """Every live (non-zombie) process of the machine."""
    found: dict[int, Proc] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        if rest[0] in ("Z", "X"):
            continue
        found[int(entry.name)] = Proc(
            int(entry.name), int(rest[1]), comm, rest[0], int(rest[11]) + int(rest[12])
        )
    return found


def tree(root: int) -> list[Proc]:
    """The live descendants of ``root``."""
    table = processes()
    result: list[Proc] = []
    frontier = [root]
    for _ in range(10_000):
        if not frontier:
            break
        pid = frontier.pop()
        children = [p for p in table.values() if p.ppid == pid]
        result += children
        frontier += [c.pid for c in children]
    return result


def by_comm(root: int, comm: str) -> list[Proc]:
    """The live descendants of ``root`` named ``comm``."""
    return [p for p in tree(root) if p.comm == comm]


def workers(root: int) -> dict[int, int]:
    """The server's worker processes (children of ``root`` owning a spawner): worker pid →
    spawner pid."""
    table = tree(root)
    children = {p.pid for p in table if p.ppid == root}
    return {p.ppid: p.pid for p in table if p.comm == SPAWNER and p.ppid in children}


def zombies(root: int) -> list[int]:
    """Descendants of ``root`` (through live processes) that died and were never reaped."""
    parents = {p.pid for p in tree(root)} | {root}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        if rest[0] == "Z" and int(rest[1]) in parents:
            found.append(int(entry.name))
    return found


def evaluators_per_spawner(root: int) -> dict[int, int]:
    """Spawner pid → its live evaluators, for the spawners under ``root``."""
    table = tree(root)
    spawners = {p.pid: 0 for p in table if p.comm == SPAWNER}
    for p in table:
        if p.comm == EVALUATOR and p.ppid in spawners:
            spawners[p.ppid] += 1
    return spawners


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] not in ("Z", "X")


def cpu_ticks(pids: Iterable[int]) -> dict[int, int]:
    """User plus system CPU ticks of each pid still alive."""
    table = processes()
    return {pid: table[pid].ticks for pid in pids if pid in table}


def busy_evaluators(root: int, seconds: float = 0.4) -> dict[int, int]:
    """The evaluators of ``root`` with the CPU ticks each used during ``seconds``."""
    pids = [p.pid for p in by_comm(root, EVALUATOR)]
    before = cpu_ticks(pids)
    time.sleep(seconds)
    after = cpu_ticks(pids)
    return {pid: after[pid] - before[pid] for pid in before if pid in after}
