"""Progress lines on standard error for long work (building, validating large files)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Prints ``[step/total] what ... done (1.2 s)`` lines on a stream (stderr by default).

    Args:
        total: The number of steps, for the ``[n/total]`` counter.
        stream: Where to write; nothing is written when it is None.
    """

    def __init__(self, total: int = 0, stream: TextIO | None = sys.stderr):
        self.total = total
        self.stream = stream
        self.count = 0
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step and report its start and end."""
        self.count += 1
        counter = f"[{self.count}/{self.total}] " if self.total else ""
        self._write(f"{counter}{name} ...")
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings[name] = elapsed
        self._write(f"{counter}{name}: done in {elapsed:.2f} s")

    def note(self, message: str) -> None:
        """Report a detail of the current step."""
        self._write(f"      {message}")

    def _write(self, line: str) -> None:
        if self.stream is not None:
            print(line, file=self.stream, flush=True)
