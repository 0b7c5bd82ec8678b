"""The lines of a table submission, read as a stream behind guards: UTF-8 only (a byte-order
mark at the start is dropped), no NUL byte, no line past :data:`~govkg.submission.limits.MAX_LINE`;
then the metadata block, the ``#`` lines at the top (SSSOM/TSV), past which the table starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from govkg.errors import InputError
from govkg.submission import limits


class GuardedLines:
    """Decoded lines of one file, counted, each guarded; the file closes when they run out.

    Args:
        path: The file (named in errors).
        stream: The file, open for reading bytes.

    Attributes:
        line: The number of the last line read (0 before the first).
        pending: The first line after the metadata block, once :meth:`metadata_block` read it
            (None when the file ends first).
    """

    def __init__(self, path: Path, stream: BinaryIO):
        self.path = path
        self.stream = stream
        self.line = 0
        self.pending: str | None = None
        self._lines = self._raw_lines()

    def __iter__(self) -> Iterator[str]:
        """Yield the lines not read yet (with their line ends)."""
        return self._lines

    def _raw_lines(self) -> Iterator[str]:
        with self.stream:
            while True:
                raw = self.stream.readline(limits.MAX_LINE + 1)
                if not raw:
                    return
                self.line += 1
                if len(raw) > limits.MAX_LINE:
                    raise InputError(
                        f"line longer than the {limits.MAX_LINE // 2**20} MiB limit",
                        self.path,
                        self.line,
                    )
                yield self._decode(raw)

    def _decode(self, raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                f"{exc.start + 1}); save the file as UTF-8",
                self.path,
                self.line,
            ) from None
        if "\x00" in text:
            raise InputError("binary content (NUL byte): not a text table", self.path, self.line)
        if self.line == 1:
            text = text.removeprefix("\ufeff")
        return text

    def metadata_block(self) -> tuple[str, int, int]:
        """Read the ``#`` lines at the top; return the YAML text (without the ``#``), its first
        line (0 when there is none) and the number of the line after it."""
        block: list[str] = []
        size = 0
        first = 0
        for text in self._lines:
            if not text.startswith("#"):
                self.pending = text
                break
            first = first or self.line
            size += len(text)
            if size > limits.MAX_METADATA:
                raise InputError(
                    f"metadata block larger than the {limits.MAX_METADATA // 2**20} MiB limit",
                    self.path,
                    self.line,
                )
            block.append(text[1:].rstrip("\r\n"))
        return "\n".join(block), first, self.line
