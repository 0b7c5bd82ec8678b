"""One writer at a time: an advisory lock (``fcntl.flock``) on a lock file, held by a build
on its data and build folders and by an import on its data folder, from the first read that
decides what to write to the end of the write.

Builds take their data folder's lock shared (they only read it, and wait for an import to
finish) and their build folder's exclusive; an import takes its data folder's exclusive.
``flock`` locks belong to the open file, so the kernel releases them when the process ends,
even by SIGKILL: a killed run never leaves a stale lock. The lock file holds the pid of the
holder, for the message. Within one process the lock is re-entrant (an import that rebuilds
takes the data folder's lock once); another thread of the process waits as another process
would.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govkg.errors import FolderLockedError, os_errors

#: Locks this process holds, by lock file and thread (another thread waits like another process).
_held: dict[tuple[Path, int], int] = {}


def build_lock_path(build_dir: Path) -> Path:
    """The lock file of a build folder: beside it, since the live build is a link that each
    build replaces (``build/`` → ``.build.lock``)."""
    return build_dir.parent / f".{build_dir.name}.lock"


def data_lock_path(data_dir: Path) -> Path:
    """The lock file of a data folder: beside it, so that it never becomes part of the data
    (or of a wheel that bundles the folder): ``data/`` → ``.data.lock``."""
    absolute = Path(os.path.abspath(data_dir))
    return absolute.parent / f".{absolute.name}.lock"


@contextmanager
def locked(
    lock_file: Path, folder: Path, *, wait: bool = False, shared: bool = False
) -> Iterator[None]:
    """Hold the lock ``lock_file`` (created if missing) for writing ``folder``.

    Args:
        lock_file: The lock file.
        folder: The folder it protects, for the message.
        wait: Wait for the holder to finish instead of failing at once.
        shared: Take it shared (readers: builds reading a data folder) rather than
            exclusive (writers: an import); the two exclude each other.

    Raises:
        FolderLockedError: another process holds it and ``wait`` is off.
        ResourceError: the lock file cannot be created (read-only folder, no permission).
    """
    key = (lock_file.absolute(), threading.get_ident())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with os_errors(lock_file):
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            fcntl.flock(fd, mode | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise FolderLockedError(
                f"another govkg build or import holds this folder (pid {holder}); "
                "try again when it has finished",
                folder,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)
