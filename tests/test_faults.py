"""Fault tests (issue 9): builds and imports killed by SIGKILL at each step (through the
test-only fault points of ``govkg.faults``), parallel imports, damaged dumps, a full and a
read-only file system (a small tmpfs, when this machine lets the tests mount one), file modes.

Each test names the promise it checks: nothing wrong (a damaged or partial build is never
served or reused), nothing lost (a killed run leaves the previous state, and its leftovers are
cleaned by the next run).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from govkg_process import run_govkg

from govkg.backends import Store
from govkg.build import DATASET_DUMP, BuildReport, build, ensure_built, verify_build
from govkg.build_cache import MANIFEST
from govkg.cli import main
from govkg.errors import DamagedBuildError, ExitCode, FolderLockedError
from govkg.loading import load_sources
from govkg.locking import build_lock_path, data_lock_path
from govkg.paths import Layout
from govkg.querying import open_built, run_qc, run_query
from govkg.results import rows
from govkg.search_index import SEARCH_INDEX

MAPPINGS = Path(__file__).parent / "data" / "mappings"
KILLED = -9


def _checkout(layout: Layout, target: Path) -> Layout:
    """A copy of the sources, as a checkout (its data folder is written by the tests)."""
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / folder)
    return Layout(root=target, checkout=True)


def _submission(tmp_path: Path, key: str, predicate: str) -> Path:
    """A one-mapping set ``key``: aiverify:tc-1-1 PREDICATE airmf:govern-1-1."""
    lines = (MAPPINGS / "valid" / "minimal.sssom.tsv").read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines = lines[: header + 2]  # the metadata block, the header and the first mapping
    text = "\n".join(lines).replace("test-minimal", key).replace("skos:relatedMatch", predicate)
    path = tmp_path / f"{key}.sssom.tsv"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    patterns = (".*.staging-*", ".*.link-*", ".govkg-build-*", ".*-old-*")
    return sorted(p.name for pattern in patterns for p in folder.glob(pattern))


@contextlib.contextmanager
def _held_elsewhere(lock_file: Path) -> Iterator[None]:
    """Hold a lock file as another govkg process would (its own open file, its pid in it);
    :func:`govkg.locking.locked` in this process then finds it held."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        stream.write(f"{os.getpid()}\n")
        stream.flush()
        yield


def _cq(store: Store, name: str, layout: Layout) -> int:
    text = (layout.queries / f"{name}.rq").read_text(encoding="utf-8")
    return len(rows(run_query(store, text)))


# --- builds killed at each step ------------------------------------------------------------

BUILD_POINTS = [
    "build:after-load",
    "build:after-dumps",
    "build:before-swap",
    "build:after-rename",
    "build:after-swap",
]


@pytest.mark.parametrize("point", BUILD_POINTS)
def test_a_build_killed_at_any_step_leaves_a_verified_build_served(
    layout: Layout, build_dir: Path, tmp_path: Path, point: str
):
    """SIGKILL at each step of `govkg build --force`: the live build is still there, verifies
    and has the same bytes (the sources did not change); the next build removes what the
    killed one left (staging folders, links, versions no longer live)."""
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)  # a real folder, as an older govkg left it
    before = (target / DATASET_DUMP).read_bytes()
    done = run_govkg("build", "--force", "-q", "--build-dir", str(target), fault=point)
    assert done.returncode == KILLED, (point, done.returncode, done.stderr)
    assert (target / DATASET_DUMP).read_bytes() == before
    assert verify_build(target).quads > 11000
    build(layout, target)
    assert _leftovers(tmp_path) == []
    # the build before stays until the next start (a server may still read it)
    assert len(set(tmp_path.glob(".build.v*")) - {target.resolve()}) == 1
    assert target.is_symlink() and verify_build(target).quads > 11000


def test_leftovers_of_an_older_govkg_and_a_lost_link_are_recovered(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """A crash between the two renames of the old swap left no build/ and the builds in
    `.build-old-*` and `.govkg-build-*`: the next start cleans them; a finished version
    without a live link (killed between the rename and the link) becomes the live build."""
    (tmp_path / ".govkg-build-abc").mkdir()
    (tmp_path / ".build-old-123").mkdir()
    target = tmp_path / "build"
    build(layout, target)
    live = target.resolve()
    target.unlink()  # the link is gone; the version it named is finished
    assert ensure_built(layout, target).parent == live
    assert target.is_symlink() and _leftovers(tmp_path) == []


# --- imports killed at each step -----------------------------------------------------------

IMPORT_POINTS = ["import:after-validate", "import:before-rename", "import:after-write"]


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_an_import_killed_at_any_step_loses_nothing(layout: Layout, tmp_path: Path, point: str):
    """SIGKILL at each step of `govkg import`: the data folder holds the old files (and the
    new one only once it is complete); the next import removes the temporary file."""
    checkout = _checkout(layout, tmp_path / "co")
    imported = checkout.data / "imported"
    before = _files(checkout.data)
    submission = MAPPINGS / "valid" / "minimal.sssom.tsv"
    done = run_govkg("import", "-q", "--data-dir", str(checkout.data), str(submission), fault=point)
    assert done.returncode == KILLED, (point, done.returncode, done.stderr)
    after = {
        name: body for name, body in _files(checkout.data).items() if not name.endswith(".tmp")
    }
    if point == "import:after-write":
        assert set(after) - set(before) == {"imported/test-minimal.ttl"}
        assert {name: after[name] for name in before} == before
        load_sources(checkout)  # complete, and fit for the build
        return
    assert after == before
    again = run_govkg("import", "-q", "--data-dir", str(checkout.data), str(submission))
    assert again.returncode == 0, again.stderr
    assert not list(imported.glob(".*.tmp"))


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


# --- parallel imports ----------------------------------------------------------------------


def test_an_import_while_another_holds_the_data_folder_is_refused(
    layout: Layout, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """The data folder is locked from validation to the end of the write: a second import
    exits 5 naming the folder and the holder's pid, and writes nothing."""
    checkout = _checkout(layout, tmp_path / "co")
    submission = _submission(tmp_path, "test-related", "skos:relatedMatch")
    with _held_elsewhere(data_lock_path(checkout.data)):
        code = main(["import", "-q", "--data-dir", str(checkout.data), str(submission)])
    err = capsys.readouterr().err
    assert code == ExitCode.BUSY == 5
    assert (
        f"{checkout.data}: another govkg build or import holds this folder (pid {os.getpid()})"
        in err
    )
    assert not (checkout.data / "imported" / "test-related.ttl").exists()


def test_contradicting_imports_one_after_the_other_into_a_data_dir(layout: Layout, tmp_path: Path):
    """With --data-dir the submission is checked against the build of the folder it joins:
    skos:exactMatch after skos:relatedMatch for the same pair is refused."""
    checkout = _checkout(layout, tmp_path / "co")
    related = _submission(tmp_path, "test-related", "skos:relatedMatch")
    exact = _submission(tmp_path, "test-exact", "skos:exactMatch")
    first = run_govkg("import", "-q", "--data-dir", str(checkout.data), str(related))
    assert first.returncode == 0, first.stderr
    second = run_govkg("import", "-q", "--data-dir", str(checkout.data), str(exact))
    assert second.returncode == 1, second.stdout + second.stderr
    assert "contradicts mset:test-related/tc-1-1--govern-1-1" in second.stdout
    assert not (checkout.data / "imported" / "test-exact.ttl").exists()


def test_contradicting_imports_in_parallel_never_both_pass(layout: Layout, tmp_path: Path):
    """Two imports of contradicting sets started together: at most one is written (the other
    waits out as busy, 5, or is refused, 1), and the build and the QC queries then pass."""
    checkout = _checkout(layout, tmp_path / "co")
    related = _submission(tmp_path, "test-related", "skos:relatedMatch")
    exact = _submission(tmp_path, "test-exact", "skos:exactMatch")
    build(checkout, tmp_path / "co" / "build")  # both imports find a current build
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "govkg",
                "import",
                "-q",
                "--data-dir",
                str(checkout.data),
                str(p),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in (related, exact)
    ]
    codes = [run.wait(timeout=600) for run in runs]
    for run in runs:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.close()
        run.stderr.close()
    assert sorted(codes) in ([0, 1], [0, 5]), codes
    written = [p.name for p in (checkout.data / "imported").glob("test-*.ttl")]
    assert len(written) == 1, written
    store = open_built(checkout, tmp_path / "co" / "build")
    assert all(result.passed for result in run_qc(checkout, store))


# --- damaged builds ------------------------------------------------------------------------


def _cut(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "emptied":
        path.write_bytes(b"")
    elif how == "cut-at-a-line":
        half = data.index(b"\n", len(data) // 2) + 1
        path.write_bytes(data[:half])
    else:  # cut mid-line
        path.write_bytes(data[: len(data) // 2 + 7])


#: Named queries whose answers need asserted and inferred triples of several graphs.
WHOLE_GRAPH_QUERIES = ("cq02-mapped-frameworks", "cq13-organisation-ancestors")


@pytest.mark.parametrize("how", ["emptied", "cut-at-a-line", "cut-mid-line"])
def test_a_damaged_dump_is_never_served(layout: Layout, build_dir: Path, tmp_path: Path, how: str):
    """A cut or emptied govkg.nq fails verification with one line naming the file; every
    reader then rebuilds (the sources are here) and answers from the whole graph."""
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    quads = verify_build(target).quads
    intact = open_built(layout, build_dir)
    answers = {name: _cq(intact, name, layout) for name in WHOLE_GRAPH_QUERIES}
    assert all(answers.values()), answers
    _cut(target / DATASET_DUMP, how)
    with pytest.raises(DamagedBuildError) as damaged:
        verify_build(target)
    assert str(damaged.value).startswith(f"{(target / DATASET_DUMP).resolve()}: damaged build")
    store = open_built(layout, target)
    assert len(store) == quads == verify_build(target).quads
    assert {name: _cq(store, name, layout) for name in WHOLE_GRAPH_QUERIES} == answers


@pytest.mark.parametrize("how", ["emptied", "cut-mid-line"])
def test_a_damaged_search_index_is_never_used(
    layout: Layout, build_dir: Path, tmp_path: Path, how: str
):
    """search.sqlite cut or emptied fails verification with one line naming it; the next
    reader rebuilds, and the index is whole again (the same bytes as the intact build's)."""
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    index = target / SEARCH_INDEX
    _cut(index, how)
    with pytest.raises(DamagedBuildError) as damaged:
        verify_build(target)
    assert str(damaged.value).startswith(f"{index.resolve()}: damaged build")
    ensure_built(layout, target)
    verify_build(target)
    assert index.read_bytes() == (build_dir / SEARCH_INDEX).read_bytes()
    with sqlite3.connect(index) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()


def test_no_reuse_of_a_damaged_build(
    layout: Layout, built: tuple[Path, BuildReport], build_dir: Path, tmp_path: Path
):
    """Cut mid-line, the old dump held about half the inferences: an incremental rebuild does
    not reuse them and infers what a clean build infers."""
    _, built_report = built
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    clean = verify_build(target)
    _cut(target / DATASET_DUMP, "cut-mid-line")
    report = build(layout, target)
    assert report.validation == "full"
    assert report.inferred == built_report.inferred > 0
    assert verify_build(target).quads == clean.quads
    assert (target / DATASET_DUMP).read_bytes() == (build_dir / DATASET_DUMP).read_bytes()
    _cut(target / DATASET_DUMP, "cut-mid-line")
    assert main(["build", "-q", "--force", "--build-dir", str(target)]) == 0
    assert (target / DATASET_DUMP).read_bytes() == (build_dir / DATASET_DUMP).read_bytes()


def test_a_manifest_without_digests_is_not_trusted(build_dir: Path, tmp_path: Path):
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    (target / MANIFEST).write_text('{"version": "0", "sources_digest": "x"}\n', encoding="utf-8")
    with pytest.raises(DamagedBuildError, match="records no sizes and digests"):
        verify_build(target)


def test_a_build_with_another_holding_its_folder_is_refused(
    layout: Layout, build_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    target = tmp_path / "build"
    with _held_elsewhere(build_lock_path(target)):
        with pytest.raises(FolderLockedError):
            build(layout, target)
        assert main(["build", "-q", "--force", "--build-dir", str(target)]) == 5
    assert "another govkg build or import holds this folder" in capsys.readouterr().err


# --- file modes ----------------------------------------------------------------------------


def test_imported_files_and_builds_follow_the_umask(layout: Layout, tmp_path: Path):
    checkout = _checkout(layout, tmp_path / "co")
    old = os.umask(0o022)
    try:
        code = main(
            [
                "import",
                "-q",
                "--data-dir",
                str(checkout.data),
                str(MAPPINGS / "valid" / "minimal.sssom.tsv"),
            ]
        )
    finally:
        os.umask(old)
    assert code == 0
    mode = (checkout.data / "imported" / "test-minimal.ttl").stat().st_mode & 0o777
    assert mode == 0o644, oct(mode)
    assert (tmp_path / "co" / "build").resolve().stat().st_mode & 0o777 == 0o755


# --- a full disk, a read-only folder, a mount point ----------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (the build writes about 9 MB), or a skip saying why there is none."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8); not available here")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        for _ in range(10):
            if subprocess.run(["umount", str(mount)], check=False).returncode == 0:
                break
            time.sleep(0.2)


def test_a_full_disk_is_an_environment_error_naming_the_folder(
    tmpfs: Path, capsys: pytest.CaptureFixture[str]
):
    code = main(["build", "-q", "--build-dir", str(tmpfs / "build")])
    err = capsys.readouterr().err
    assert code == ExitCode.ENVIRONMENT == 4, err
    assert str(tmpfs) in err and "No space left on device (ENOSPC)" in err
    assert "internal error" not in err
    assert sorted(p.name for p in tmpfs.iterdir()) == [".build.lock"]  # staging removed


def test_a_mount_point_as_build_folder_is_refused_before_building(
    tmpfs: Path, capsys: pytest.CaptureFixture[str]
):
    started = time.monotonic()
    code = main(["build", "-q", "--build-dir", str(tmpfs)])
    err = capsys.readouterr().err
    assert code == 4 and f"{tmpfs}: the build folder is a mount point" in err
    assert time.monotonic() - started < 1.0


def test_a_read_only_data_folder_is_an_environment_error(
    layout: Layout, tmpfs: Path, capsys: pytest.CaptureFixture[str]
):
    checkout = _checkout(layout, tmpfs.parent / "co")
    shutil.rmtree(checkout.data)
    checkout.data.mkdir()
    subprocess.run(["mount", "--bind", str(layout.data), str(checkout.data)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(checkout.data)], check=True)
        code = main(
            [
                "import",
                "-q",
                "--data-dir",
                str(checkout.data),
                str(MAPPINGS / "valid" / "minimal.sssom.tsv"),
            ]
        )
    finally:
        subprocess.run(["umount", str(checkout.data)], check=False)
    err = capsys.readouterr().err
    assert code == 4, err
    assert f"{checkout.data / 'imported'}" in err and "Read-only file system (EROFS)" in err
