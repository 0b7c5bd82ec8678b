"""The example workspace walk (issue 12, item 6; examples/workspace/README.md) from an installed
wheel, outside any checkout: ``govkg init → validate → import`` (the framework table, then
its OLIR and SSSOM mappings) ``→ build → check → serve``, and a SPARQL query to the server
that returns the imported framework's elements and mappings.

The wheel is built from this checkout and installed with ``pip --no-index --no-deps`` into a
fresh virtual environment; its dependencies come from the environment running the tests (a
``.pth`` file naming its site-packages), so nothing is downloaded. The test checks that the
``govkg`` it runs is the installed one, whose sources are the wheel's ``_resources``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "workspace"
NAMESPACE = "https://example.org/acme/"
FRAMEWORK = f"{NAMESPACE}id/framework/acme-ai-policy"
#: Bounds of the waits (seconds): one command, the server's start, its stop.
COMMAND_TIMEOUT = 600
START_TIMEOUT = 180
STOP_TIMEOUT = 30


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the govkg wheel of this checkout installed; returns
    its ``bin`` folder."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = out.glob("govkg-*.whl")
    venv = tmp_path_factory.mktemp("venv") / "env"
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Then the dependencies of the environment running the tests, after the venv's own packages
    # (a path line of a .pth file is appended to sys.path; its own .pth files are not read,
    # so an editable govkg of that environment stays out). Written after the install: pip
    # would take a govkg installed there (as in CI, not editable) for this one and skip it.
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    paths |= {
        entry for entry in sys.path if entry.endswith("site-packages") and Path(entry).is_dir()
    }
    (Path(site) / "_test_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in sorted(paths)), encoding="utf-8"
    )
    return venv / "bin"


def _environment(home: Path) -> dict[str, str]:
    """The environment of the walk: no govkg settings of the caller, a home of its own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOVKG_")}
    environment.pop("PYTHONPATH", None)
    environment.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    return environment


def _run(
    bin_dir: Path, cwd: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(bin_dir / "govkg"), *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert done.returncode == 0, (args, done.returncode, done.stdout[-3000:], done.stderr[-3000:])
    return done


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sparql(port: int, query: str) -> list[dict[str, str]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/sparql",
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    return [{k: v["value"] for k, v in b.items()} for b in answer["results"]["bindings"]]


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, "govkg serve ended before it listened"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"govkg serve did not answer within {START_TIMEOUT} s")


def test_the_example_walk_from_an_installed_wheel(installed: Path, tmp_path: Path):
    """The README's walk, command by command, in a folder outside any checkout."""
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(home)
    where = subprocess.run(
        [str(installed / "python"), "-c", "import govkg.paths as p; print(p.bundled_layout())"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert str(installed.parent) in where and "checkout=False" in where, where
    assert str(ROOT) not in where

    # the example's files, copied out of the checkout, as a user would have them
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLE, inputs, ignore=shutil.ignore_patterns("README.md"))
    table = inputs / "frameworks" / "acme-ai-policy.csv"
    olir = inputs / "acme-ai-policy--nist-ai-rmf.olir.csv"
    sssom = inputs / "acme-ai-policy--nist-ai-rmf.sssom.tsv"

    _run(installed, tmp_path, env, "init", "acme", "--namespace", NAMESPACE)
    workspace = tmp_path / "acme"
    checked = _run(installed, workspace, env, "validate", "-q", str(table))
    assert "fit to accept" in checked.stdout
    _run(installed, workspace, env, "import", "-q", str(table))
    assert (workspace / "frameworks" / "acme-ai-policy.ttl").is_file()
    _run(installed, workspace, env, "build", "-q")
    checked = _run(installed, workspace, env, "validate", "-q", str(olir))
    assert "0 violation(s)" in checked.stdout
    _run(installed, workspace, env, "import", "-q", str(olir))
    checked = _run(installed, workspace, env, "validate", "-q", str(sssom))
    assert "0 violation(s)" in checked.stdout
    _run(installed, workspace, env, "import", "-q", str(sssom))
    assert len(list((workspace / "crosswalks").glob("*.ttl"))) == 2
    _run(installed, workspace, env, "build", "-q")
    assert (workspace / "build" / "manifest.json").is_file()
    _run(installed, workspace, env, "check", "-q")
    listed = _run(
        installed,
        workspace,
        env,
        "query",
        "-q",
        "list-framework-elements",
        "--param",
        f"framework={FRAMEWORK}",
        "--format",
        "csv",
    )
    assert len(listed.stdout.strip().splitlines()) == 1 + 18

    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [str(installed / "govkg"), "serve", "-q", "--port", str(port), "--workers", "1"],
            cwd=workspace,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, server)
            elements = _sparql(
                port,
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                f"SELECT ?e WHERE {{ ?e skos:inScheme <{FRAMEWORK}> }}",
            )
            mappings = _sparql(
                port,
                "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                "SELECT ?m ?o WHERE { ?m owl:annotatedSource ?s ; owl:annotatedTarget ?o . "
                f"?s skos:inScheme <{FRAMEWORK}> }}",
            )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=STOP_TIMEOUT)
    assert len(elements) == 18, (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
    assert len(mappings) == 14 + 13  # the OLIR table's and the SSSOM set's
    assert all(
        m["o"].startswith("https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/") for m in mappings
    )
