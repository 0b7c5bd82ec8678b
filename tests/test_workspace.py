"""Workspaces (issue 12, item 1; docs/workspaces.md): the configuration and its errors, the
order in which commands find a workspace, ``govkg init`` (refusal, idempotence, atomicity),
and which layout and build folder every command then uses."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from govkg.cli import main
from govkg.cli.common import build_dir_for, layout_for
from govkg.errors import ExitCode, InputError
from govkg.paths import bundled_layout, default_build_dir
from govkg.workspace import (
    CONFIG_NAME,
    SOURCE_FOLDERS,
    Workspace,
    find_workspace,
    init_workspace,
    load_workspace,
)

KILLED = -9


@pytest.fixture(autouse=True)
def _no_workspace_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GOVKG_WORKSPACE or GOVKG_BUILD_DIR of the environment running the tests."""
    monkeypatch.delenv("GOVKG_WORKSPACE", raising=False)
    monkeypatch.delenv("GOVKG_BUILD_DIR", raising=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# --- the configuration ---------------------------------------------------------------------


def test_init_writes_a_workspace_that_loads(tmp_path: Path):
    workspace = init_workspace(tmp_path / "acme", namespace="https://example.org/acme/")
    root = tmp_path / "acme"
    assert workspace == load_workspace(root)
    assert (workspace.name, workspace.namespace) == ("acme", "https://example.org/acme/")
    config = tomllib.loads((root / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config == {"version": 1, "name": "acme", "namespace": "https://example.org/acme/"}
    for folder in SOURCE_FOLDERS:
        assert (root / folder).is_dir() and getattr(workspace, folder) == root / folder
    assert workspace.build == root / "build"
    readme = (root / "README.md").read_text(encoding="utf-8")
    for told in ("frameworks/", "crosswalks/", "sources/", "govkg import", "govkg build"):
        assert told in readme
    assert "/build/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert str(workspace.iri("framework/x")) == "https://example.org/acme/id/framework/x"
    assert (
        str(workspace.graph_iri("frameworks", "x")) == "https://example.org/acme/graph/frameworks/x"
    )


BROKEN = [
    ('version = 1\nname = "a"\nnamespace = "https://example.org/a/\n', 3, "not valid TOML"),
    ('version = 1\nname = "a"\nnamespace = "https://example.org/a/"\nnmae = "b"\n', 4, "nmae"),
    ('version = 2\nname = "a"\nnamespace = "https://example.org/a/"\n', 1, "version 2"),
    ('version = "1"\nname = "a"\nnamespace = "https://example.org/a/"\n', 1, "version '1'"),
    ('name = "a"\nnamespace = "https://example.org/a/"\n', None, "no 'version'"),
    ('version = 1\nname = "a b"\nnamespace = "https://example.org/a/"\n', 2, "'name'"),
    ('version = 1\nname = "a"\n\nnamespace = "https://example.org/a"\n', 4, "ending in '/'"),
    ('version = 1\nname = "a"\nnamespace = "https://w3id.org/govkg/a/"\n', 3, "govkg's own"),
    ('version = 1\nname = "a"\nnamespace = "not an iri/"\n', 3, "absolute IRI"),
    ("version = 1\n\xff\n", 2, "not UTF-8"),
]


@pytest.mark.parametrize(("text", "line", "says"), BROKEN)
def test_a_broken_configuration_is_one_line_naming_file_and_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    line: int | None,
    says: str,
):
    """Any command run in a workspace whose configuration is broken exits 2 with one line
    ``FILE:LINE: what is wrong`` (no traceback)."""
    config = tmp_path / CONFIG_NAME
    config.write_bytes(text.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"))
    monkeypatch.chdir(tmp_path)
    assert main(["queries"]) == ExitCode.INPUT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    where = f"{config}:{line}: " if line else f"{config}: "
    assert err.startswith(f"govkg: error: {where}"), err
    assert says in err


# --- where commands find the workspace -----------------------------------------------------


def test_discovery_order_is_flag_then_environment_then_folders_upwards(tmp_path: Path):
    flag = init_workspace(tmp_path / "flag", namespace="https://example.org/flag/")
    env = init_workspace(tmp_path / "env", namespace="https://example.org/env/")
    here = init_workspace(tmp_path / "here", namespace="https://example.org/here/")
    deep = tmp_path / "here" / "frameworks" / "drafts"
    deep.mkdir()
    environ = {"GOVKG_WORKSPACE": str(env.root)}
    assert find_workspace(flag.root, environ, deep) == flag
    assert find_workspace(None, environ, deep) == env
    assert find_workspace(None, {}, deep) == here
    assert find_workspace(None, {"GOVKG_WORKSPACE": ""}, deep) == here
    assert find_workspace(None, {}, tmp_path) is None  # the built-in graph alone
    # the configuration file itself names its workspace too
    assert find_workspace(flag.config, {}, tmp_path) == flag


def test_a_named_workspace_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    missing = tmp_path / "nowhere"
    with pytest.raises(InputError, match="does not exist"):
        find_workspace(missing, {}, tmp_path)
    with pytest.raises(InputError, match="GOVKG_WORKSPACE: no such workspace"):
        find_workspace(None, {"GOVKG_WORKSPACE": str(missing)}, tmp_path)
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="not a govkg workspace.*govkg init"):
        find_workspace(tmp_path / "plain", {}, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["queries", "--workspace", str(missing)]) == ExitCode.INPUT_ERROR
    assert f"govkg: error: {missing}: no such workspace" in capsys.readouterr().err
    monkeypatch.setenv("GOVKG_WORKSPACE", str(missing))
    assert main(["check"]) == ExitCode.INPUT_ERROR
    assert "GOVKG_WORKSPACE" in capsys.readouterr().err


def test_layout_and_build_folder_follow_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The workspace's layout adds it to the built-in sources; its build is <workspace>/build
    unless --build-dir or GOVKG_BUILD_DIR say otherwise; outside any workspace, today's
    layout and build folder."""
    workspace = init_workspace(tmp_path / "ws", namespace="https://example.org/ws/")
    monkeypatch.chdir(workspace.root)
    args = argparse.Namespace(workspace=None, build_dir=None)
    layout = layout_for(args)
    assert layout.workspace == workspace and layout.root == bundled_layout().root
    assert build_dir_for(args, layout) == workspace.build
    assert build_dir_for(argparse.Namespace(workspace=None, build_dir=tmp_path / "b")) == (
        tmp_path / "b"
    )
    monkeypatch.setenv("GOVKG_BUILD_DIR", str(tmp_path / "env-build"))
    assert build_dir_for(args, layout) == tmp_path / "env-build"
    monkeypatch.delenv("GOVKG_BUILD_DIR")
    monkeypatch.chdir(tmp_path)
    outside = layout_for(args)
    assert outside == bundled_layout() and outside.workspace is None
    assert build_dir_for(args, outside) == default_build_dir(bundled_layout())


# --- govkg init ----------------------------------------------------------------------------


def test_init_again_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "ws"
    assert main(["init", str(root), "--name", "mine", "--namespace", "https://example.org/m/"]) == 0
    assert "made workspace mine" in capsys.readouterr().out
    (root / "frameworks" / "kept.ttl").write_text("# mine\n", encoding="utf-8")
    before = _files(root)
    assert main(["init", str(root), "--namespace", "https://example.org/other/"]) == 0
    assert "already a govkg workspace" in capsys.readouterr().out
    assert _files(root) == before


def test_init_refuses_a_folder_that_is_not_empty_and_not_a_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    root = tmp_path / "taken"
    root.mkdir()
    (root / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["init", str(root)]) == ExitCode.INPUT_ERROR
    assert f"govkg: error: {root}: the folder is not empty" in capsys.readouterr().err
    assert _files(root) == {"notes.txt": b"mine\n"}
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["init", str(a_file)]) == ExitCode.INPUT_ERROR
    assert "not a folder" in capsys.readouterr().err


def test_init_fills_an_empty_folder_and_refuses_bad_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    empty = tmp_path / "My Policies"
    empty.mkdir()
    workspace = init_workspace(empty)
    assert workspace.name == "My-Policies"
    assert workspace.namespace == "https://example.org/My-Policies/"
    for bad in (["--namespace", "https://w3id.org/govkg/x/"], ["--name", "a/b"]):
        assert main(["init", str(tmp_path / "bad"), *bad]) == ExitCode.INPUT_ERROR
        assert "govkg: error:" in capsys.readouterr().err
        assert not (tmp_path / "bad").exists()


def test_init_killed_before_it_finishes_leaves_no_half_made_workspace(tmp_path: Path):
    """SIGKILL just before the workspace is renamed into place: there is no workspace (no
    folder at all), commands there see none, and init again makes it."""
    root = tmp_path / "ws"
    environment = {**os.environ, "GOVKG_FAULT": "init:before-rename"}
    environment.pop("GOVKG_WORKSPACE", None)
    done = subprocess.run(
        [sys.executable, "-m", "govkg", "init", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert done.returncode == KILLED, done.stderr
    assert not root.exists()
    assert find_workspace(None, {}, tmp_path) is None
    assert init_workspace(root) == load_workspace(root)


def test_workspace_graph_of_a_file(tmp_path: Path):
    workspace = Workspace(tmp_path, "w", "https://example.org/w/")
    assert workspace.graph_iri_of(tmp_path / "crosswalks" / "sub" / "x.ttl") == (
        workspace.graph_iri("crosswalks", "sub/x")
    )
    assert workspace.graph_iri_of(tmp_path / "build" / "x.ttl") is None
