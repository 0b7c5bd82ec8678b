"""Real SPARQL servers for the store tests: Oxigraph server and Virtuoso Open Source 7, each
started on free 127.0.0.1 ports in a temporary folder, waited for (bounded), then stopped and
cleaned up.

A server that cannot start raises :class:`ServerStartError` with the tail of its log: a test
that needs it fails, never skips. Import the context managers, or the session fixtures
(``oxigraph``, ``virtuoso``) into a test module::

    from stores import oxigraph, virtuoso  # noqa: F401  (pytest fixtures)

Virtuoso comes from Debian's ``virtuoso-opensource`` package (``.ci/run`` installs it where
``virtuoso-t`` is absent); a fresh database has the user ``dba`` with password ``dba``, the
endpoints ``/sparql`` (read), ``/sparql-auth`` (update, digest auth) and
``/sparql-graph-crud-auth`` (Graph Store Protocol, digest auth).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Seconds to wait for a server to answer its SPARQL endpoint (Virtuoso creates its database
#: on first start: a few seconds on two cores).
START_TIMEOUT = 60.0
#: Seconds to wait for a server to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0
#: Lines of a server's log quoted when it fails to start.
LOG_TAIL = 20

#: Where Debian installs the Virtuoso server binary, if it is not on PATH.
VIRTUOSO_PLACES = ("/usr/bin/virtuoso-t", "/usr/lib/virtuoso-opensource-7/bin/virtuoso-t")
#: The administrator of a fresh Virtuoso database.
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"


class ServerStartError(RuntimeError):
    """A test server did not start (the message ends with its log's tail)."""


@dataclass
class ServerInfo:
    """A running test server.

    Attributes:
        kind: ``oxigraph`` or ``virtuoso``.
        url: Its base URL (``http://127.0.0.1:PORT``), without credentials.
        spec: The ``KIND:URL`` spec govkg opens it with (with credentials where it needs them).
        process: The server process.
        folder: Its database folder.
        log: Its log file.
        user: The user allowed to write (None: no authentication).
        password: That user's password.
    """

    kind: str
    url: str
    spec: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: Path
    user: str | None = None
    password: str | None = None

    @property
    def port(self) -> int:
        return int(urllib.parse.urlsplit(self.url).port or 80)

    def log_tail(self, lines: int = LOG_TAIL) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> Path:
    """The ``oxigraph`` command installed beside this Python (PyPI ``oxigraph``)."""
    path = Path(sys.executable).parent / "oxigraph"
    if not path.exists():
        found = shutil.which("oxigraph")
        if found is None:
            raise ServerStartError(f"{path}: the oxigraph server command is not installed")
        path = Path(found)
    return path


def virtuoso_binary() -> Path:
    """The ``virtuoso-t`` server command (Debian ``virtuoso-opensource``)."""
    found = shutil.which("virtuoso-t")
    if found is not None:
        return Path(found)
    for place in VIRTUOSO_PLACES:
        if Path(place).exists():
            return Path(place)
    raise ServerStartError(
        "virtuoso-t: not installed (apt-get install virtuoso-opensource; .ci/run does it)"
    )


def _answers(url: str, path: str, timeout: float = 2.0) -> bool:
    """True once ``url`` answers an ASK on ``path`` with 200."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        connection.request(
            "GET",
            f"{path}?{query}",
            headers={"Accept": "application/sparql-results+json"},
        )
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_ready(info: ServerInfo, path: str, timeout: float = START_TIMEOUT) -> None:
    """Wait (bounded) for ``info`` to answer on ``path``; raise with its log tail if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if info.process.poll() is not None:
            raise ServerStartError(
                f"{info.kind} server exited with {info.process.returncode} before answering "
                f"on {info.url}{path}; log tail:\n{info.log_tail()}"
            )
        if _answers(info.url, path):
            return
        time.sleep(0.2)
    _stop(info.process)
    raise ServerStartError(
        f"{info.kind} server did not answer on {info.url}{path} within {timeout:.0f} s; "
        f"log tail:\n{info.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL it after :data:`STOP_TIMEOUT`."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def _spawn(command: list[str], folder: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_oxigraph(folder: Path) -> ServerInfo:
    """Start an Oxigraph server on a free port with its database in ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph.log"
    command = [
        str(oxigraph_binary()),
        "serve",
        "--location",
        str(folder / "db"),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    url = f"http://127.0.0.1:{port}"
    process = _spawn(command, folder, log)
    info = ServerInfo("oxigraph", url, f"oxigraph:{url}", process, folder, log)
    _wait_ready(info, "/query")
    return info


#: A Virtuoso configuration of its own: database, ports and allowed folders in one folder.
#: ``ResultSetMaxRows`` is raised above the package default (10 000) so big answers are whole;
#: ``MaxQueryCostEstimationTime = 0`` turns off the cost estimator, which refused a named query
#: it estimated at 1692 s (``list-framework-elements``: it runs in 0.3 s).
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
AllowOSCalls = 0
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 500M
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
MaxClientConnections = 20
ServerThreads = 20
EnabledDavVSP = 0
HTTPProxyEnabled = 0
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 60
"""


def start_virtuoso(folder: Path) -> ServerInfo:
    """Start Virtuoso 7 (``virtuoso-t +foreground``) on free ports with a fresh database in
    ``folder`` (created); its user ``dba`` has the password ``dba``."""
    folder.mkdir(parents=True, exist_ok=True)
    binary = virtuoso_binary()
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    log = folder / "virtuoso.log"
    url = f"http://127.0.0.1:{http_port}"
    process = _spawn([str(binary), "+foreground", "+configfile", str(ini)], folder, log)
    spec = f"virtuoso:http://{VIRTUOSO_USER}:{VIRTUOSO_PASSWORD}@127.0.0.1:{http_port}"
    info = ServerInfo("virtuoso", url, spec, process, folder, log, VIRTUOSO_USER, VIRTUOSO_PASSWORD)
    _wait_ready(info, "/sparql")
    return info


@contextlib.contextmanager
def oxigraph_server(tmp_path: Path) -> Iterator[ServerInfo]:
    """A running Oxigraph server with its database under ``tmp_path``; stopped on exit."""
    info = start_oxigraph(tmp_path / "oxigraph")
    try:
        yield info
    finally:
        _stop(info.process)


@contextlib.contextmanager
def published_oxigraph(tmp_path: Path, build_dir: Path) -> Iterator[ServerInfo]:
    """An Oxigraph server under ``tmp_path`` holding ``build_dir``'s build, published by
    ``govkg publish``; stopped on exit."""
    from govkg.backends import open_store
    from govkg.publish import publish

    with oxigraph_server(tmp_path) as info:
        store = open_store(info.spec)
        try:
            publish(store, build_dir)
        finally:
            store.close()
        yield info


@contextlib.contextmanager
def virtuoso_server(tmp_path: Path) -> Iterator[ServerInfo]:
    """A running Virtuoso 7 with a fresh database under ``tmp_path``; stopped on exit."""
    info = start_virtuoso(tmp_path / "virtuoso")
    try:
        yield info
    finally:
        _stop(info.process)


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """One Oxigraph server for the test session."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as info:
        yield info


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """One Virtuoso server for the test session."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as info:
        yield info
