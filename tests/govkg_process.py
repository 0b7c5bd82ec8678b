"""Running the ``govkg`` command in a child process, as a user would, for the tests that kill
it mid-way (``GOVKG_FAULT``, govkg/faults.py) or need a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

#: Bound of one command (seconds).
TIMEOUT = 600


def run_govkg(
    *args: str,
    cwd: Path | None = None,
    fault: str | None = None,
    unset: Iterable[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m govkg ARGS`` and return what it did (never raises on a failure).

    Args:
        cwd: The folder it runs in.
        fault: A fault point to die at (``GOVKG_FAULT``); the caller's is never inherited.
        unset: More environment variables of the caller to leave out.
    """
    dropped = {"GOVKG_FAULT", *unset}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    if fault:
        environment["GOVKG_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "govkg", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment,
        cwd=cwd,
        check=False,
    )
