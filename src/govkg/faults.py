"""Fault injection for the fault tests, and for nothing else.

``GOVKG_FAULT=NAME`` makes the process kill itself with SIGKILL when it reaches the point
called NAME (:func:`point`), as a power cut or the OOM killer would. The points are named
``build:...`` and ``import:...`` where the build and the import call :func:`point`
(``tests/test_faults.py`` lists and uses them). Never set it outside the tests.
"""

from __future__ import annotations

import os
import signal

#: The environment variable naming the point at which to die.
FAULT_VARIABLE = "GOVKG_FAULT"


def point(name: str) -> None:
    """Die here, by SIGKILL, when ``GOVKG_FAULT`` names this point."""
    if os.environ.get(FAULT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
