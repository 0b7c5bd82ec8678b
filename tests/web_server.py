"""Starting the real ``govkg serve`` (granian) as a subprocess on a free loopback port, for
the web integration tests. Every wait is bounded; the server is always stopped."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Seconds to wait for the server to answer /healthz (loading the store, not building).
START_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0

#: The graphs the W3C SPARQL 1.1 Protocol cases query (``data1.rdf`` ... ``data3.rdf`` of the
#: manifest, each holding the one triple the cases ask about, as its update cases insert them).
PROTOCOL_DATA = """\
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://kasei.us/2009/09/sparql/data/data1.rdf> {
  <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document . }
<http://kasei.us/2009/09/sparql/data/data2.rdf> {
  <http://kasei.us/2009/09/sparql/data/data2.rdf> a foaf:Document . }
<http://kasei.us/2009/09/sparql/data/data3.rdf> {
  <http://kasei.us/2009/09/sparql/data/data3.rdf> a foaf:Document . }
"""


def free_port() -> int:
    """Return a TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A started server: its URL, process and log file."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request (no redirect following); returns status, headers, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = body.encode("utf-8") if isinstance(body, str) else body
            connection.request(method, path, body=payload, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            connection.close()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def descendants(self) -> list[int]:
        """Process ids of the server's workers and their evaluators (from /proc)."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            children = [child for child, parent in parents.items() if parent == pid]
            found += children
            frontier += children
        return found


def start_server(
    build_dir: Path,
    log: Path,
    *extra: str,
    workers: int = 2,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> RunningServer:
    """Start ``python -m govkg serve`` and wait until /healthz answers 200."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "govkg",
        "serve",
        "--build-dir",
        str(build_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "-q",
        *extra,
    ]
    environment = {**os.environ, **(env or {})}
    environment.pop("GOVKG_PUBLIC_URL", None)
    handle = log.open("wb")
    process = subprocess.Popen(
        args, stdout=handle, stderr=subprocess.STDOUT, env=environment, start_new_session=True
    )
    server = RunningServer(port=port, process=process, log=log, args=args)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {process.returncode}:\n{server.log_text()[-3000:]}"
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, body = server.request("GET", "/healthz", timeout=5)
            if status == 200 and json.loads(body)["status"] == "ok":
                return server
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(
        f"the server did not answer within {START_TIMEOUT} s:\n{server.log_text()[-3000:]}"
    )


def stop_server(server: RunningServer) -> None:
    """Stop the server gracefully (SIGTERM), then for good (SIGKILL to its session)."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def running(build_dir: Path, log: Path, *extra: str, **options: object) -> Iterator[RunningServer]:
    """Run a server for the duration of a ``with`` block."""
    server = start_server(build_dir, log, *extra, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)
