"""The one safe XLSX reader and writer of govkg (framework tables, NIST OLIR templates).

An XLSX file is a ZIP archive of XML parts (ECMA-376 Part 2, Open Packaging Conventions; the
workbook and sheet parts in ECMA-376 Part 1, section 18). A file from elsewhere is checked
before openpyxl opens it, and read so that nothing in it runs:

* the archive (:func:`check_archive`, with :mod:`zipfile` only): it must be a ZIP at all, no
  larger than :data:`MAX_FILE` bytes, with at most :data:`MAX_PARTS` parts, whose declared
  uncompressed sizes add up to at most :data:`MAX_UNCOMPRESSED` bytes, none compressed more
  than :data:`MAX_RATIO` times once past :data:`RATIO_FLOOR` bytes (a zip bomb), the shared
  strings at most :data:`MAX_SHARED_STRINGS` bytes (held in memory whole). Python's
  :mod:`zipfile` never inflates a part past its declared size (a lying header fails its
  CRC check), so checking the declared sizes bounds what openpyxl can be made to hold;
* external links (parts under ``xl/externalLinks/``, ECMA-376 Part 1, 18.14) are refused, and
  an XML part declaring a DOCTYPE (entity expansion) is refused; openpyxl parses the rest
  through :mod:`defusedxml`;
* formulas are refused, never evaluated: openpyxl reads in ``read_only`` mode with
  ``data_only=False``, so a formula cell comes back as one (``data_type == "f"``) rather than
  as the value some other program last cached for it; a text cell starting with ``=`` is
  refused too (it turns into a formula when the table is opened and saved again);
* a sheet past :data:`MAX_ROWS` rows or :data:`MAX_COLUMNS` columns, or a cell past
  :data:`MAX_CELL` characters, is refused (read as a stream, a row at a time).

Every refusal is one :class:`~govkg.errors.InputError` naming the file, and the cell
(``Sheet!C12``) where there is one. Values come back as text: numbers as Python writes them
(``5``, not ``5.0``, for a whole number), dates as ISO 8601 (``2026-12-01``, with the time
only when it is not midnight), booleans as ``true``/``false``.

The limits are module attributes read at the moment of use, so that a test can lower one.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from govkg.errors import InputError, os_errors

#: Bytes of an XLSX file on disk.
MAX_FILE = 64 * 1024 * 1024

#: Bytes of all the parts of an XLSX file once inflated (a 200,000-row, 10-column sheet of
#: short text takes about 60 MiB of sheet XML and shared strings).
MAX_UNCOMPRESSED = 256 * 1024 * 1024

#: Bytes of the shared strings part once inflated: openpyxl holds every string of it in memory
#: at once (64 MiB of the shortest strings are about 4 million Python strings, some 250 MB).
MAX_SHARED_STRINGS = 64 * 1024 * 1024

#: Parts (files) in the archive (a workbook of a few sheets has 10 to 30).
MAX_PARTS = 10_000

#: How many times a part may be compressed, once it is larger than :data:`RATIO_FLOOR`
#: (sheet XML of repetitive cells deflates 10 to 50 times; a zip bomb's parts about 1,000).
MAX_RATIO = 200

#: Parts smaller than this are not held to :data:`MAX_RATIO` (tiny parts compress oddly).
RATIO_FLOOR = 1024 * 1024

#: Rows of one sheet (twice the 100,000 mappings a submission is measured with).
MAX_ROWS = 200_000

#: Columns of one sheet (as :data:`govkg.submission.limits.MAX_COLUMNS` for CSV).
MAX_COLUMNS = 512

#: Characters of one cell (as :data:`govkg.submission.limits.MAX_CELL` for CSV; Excel itself
#: holds at most 32,767).
MAX_CELL = 1024 * 1024

#: Bytes read from the start of each XML part to look for a DOCTYPE.
_PROLOG = 4096

#: A fixed time for the parts of a written file, so that the same sheets give the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


class SheetRows:
    """The rows of one sheet, read as a stream: iterate for ``(row_number, cells)``.

    ``cells`` are the row's values as text, trailing empty cells dropped; rows with no value
    are skipped. The workbook is closed when the rows run out (or by :meth:`close`).

    Attributes:
        path: The file.
        sheet: The sheet's name.
        sheets: The names of every worksheet of the file, in order.
    """

    def __init__(self, path: Path, workbook: Any, sheet: str):
        self.path = path
        self.sheet = sheet
        self.sheets = list(workbook.sheetnames)
        self._workbook = workbook
        self._used = False

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        if self._used:
            raise InputError(f"sheet {self.sheet!r} was read already", self.path)
        self._used = True
        return self._rows()

    def __enter__(self) -> SheetRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the workbook (and its file)."""
        self._workbook.close()

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        worksheet = self._workbook[self.sheet]
        declared_rows, declared_columns = worksheet.max_row, worksheet.max_column
        if declared_rows is not None and declared_rows > MAX_ROWS:
            self.close()
            raise self._error(f"the sheet declares {declared_rows} rows: more than {MAX_ROWS}")
        if declared_columns is not None and declared_columns > MAX_COLUMNS:
            self.close()
            raise self._error(
                f"the sheet declares {declared_columns} columns: more than {MAX_COLUMNS}"
            )
        # a declared size bounds every row; without one each row is as wide as its last cell
        width = declared_columns if declared_rows and declared_columns else None
        blank: object = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, row in enumerate(
                    worksheet.iter_rows(max_row=MAX_ROWS + 1, max_col=width), 1
                ):
                    if number > MAX_ROWS:
                        raise self._error(f"the sheet has more than {MAX_ROWS} rows")
                    if row is blank:
                        continue
                    if len(row) > MAX_COLUMNS:
                        raise self._error(
                            f"the sheet has cells past column {MAX_COLUMNS}", number, len(row)
                        )
                    cells = [self._text(cell, number, column) for column, cell in enumerate(row, 1)]
                    if not cells or not any(cells):
                        # openpyxl fills the rows a sheet skips with one and the same
                        # tuple: seen once, each of the others is passed at once
                        blank = row
                        continue
                    while cells and not cells[-1]:
                        cells.pop()
                    yield number, cells
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, SyntaxError) as exc:
            raise self._error(f"damaged XLSX file: {_reason(exc)}") from None
        finally:
            self.close()

    def _text(self, cell: Any, row: int, column: int) -> str:
        """A cell's value as text; a formula, an error value or an oversized cell refused."""
        value = cell.value
        if value is None:
            return ""
        kind = getattr(cell, "data_type", "n")
        if kind == "f":
            raise self._error(
                "a formula cell (formulas are refused, never evaluated: paste values only)",
                row,
                column,
            )
        if kind == "e":
            raise self._error(f"an error value {value!r} (paste values only)", row, column)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.datetime):
            return (
                value.date().isoformat()
                if value.time() == dt.time(0)
                else value.isoformat(timespec="seconds")
            )
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, dt.timedelta):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
        text = str(value)
        if len(text) > MAX_CELL:
            raise self._error(f"a cell longer than {MAX_CELL} characters", row, column)
        if text.startswith("="):
            raise self._error(
                "a text cell starting with '=' (read as a formula by spreadsheet programs; "
                "prefix it with a space or an apostrophe)",
                row,
                column,
            )
        return text

    def _error(self, message: str, row: int | None = None, column: int | None = None) -> InputError:
        where = f"{self.sheet}!{cell_name(row, column)}: " if row and column else f"{self.sheet}: "
        return InputError(where + message, self.path)


def cell_name(row: int, column: int) -> str:
    """Return the A1 name of a cell.

    >>> cell_name(12, 3), cell_name(1, 27), cell_name(5, 703)
    ('C12', 'AA1', 'AAA5')
    """
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def check_archive(path: Path) -> None:
    """Refuse an XLSX file that is not a ZIP archive, is damaged, too large, a zip bomb, holds
    external links or an XML part declaring a DOCTYPE; before any XML parser sees it.

    Raises:
        InputError: naming the file and what is wrong.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if size > MAX_FILE:
        raise InputError(f"XLSX file larger than {MAX_FILE // 2**20} MiB", path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise InputError(f"XLSX archive of {len(parts)} parts: more than {MAX_PARTS}", path)
            total = 0
            for part in parts:
                total += part.file_size
                if total > MAX_UNCOMPRESSED:
                    raise InputError(
                        f"XLSX archive inflates to more than {MAX_UNCOMPRESSED // 2**20} MiB "
                        "(a zip bomb?)",
                        path,
                    )
                if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(
                    part.compress_size, 1
                ):
                    raise InputError(
                        f"XLSX part {part.filename} is compressed "
                        f"{part.file_size // max(part.compress_size, 1)} times: more than "
                        f"{MAX_RATIO} (a zip bomb?)",
                        path,
                    )
                name = part.filename.lower().lstrip("/")
                if name == "xl/sharedstrings.xml" and part.file_size > MAX_SHARED_STRINGS:
                    raise InputError(
                        f"XLSX shared strings inflate to more than "
                        f"{MAX_SHARED_STRINGS // 2**20} MiB",
                        path,
                    )
                if name.startswith("xl/externallinks/"):
                    raise InputError(
                        f"the workbook links to other files ({part.filename}): external links "
                        "are refused; paste values only",
                        path,
                    )
                if name.endswith((".xml", ".rels")):
                    with archive.open(part) as stream:
                        prolog = stream.read(_PROLOG)
                    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
                        raise InputError(
                            f"XLSX part {part.filename} declares a DOCTYPE (refused)", path
                        )
            if "xl/workbook.xml" not in {p.filename.lstrip("/") for p in parts}:
                raise InputError("not an XLSX workbook (no xl/workbook.xml part)", path)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not an XLSX file (not a readable ZIP archive: {exc})", path) from None
    except (zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise InputError(f"damaged XLSX file: {_reason(exc)}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def sheet_names(path: Path) -> list[str]:
    """Return the names of the worksheets of an XLSX file, in order (the file checked first)."""
    rows = read_sheet(path)
    rows.close()
    return rows.sheets


def read_sheet(path: Path, sheet: str | None = None) -> SheetRows:
    """Open one sheet of an XLSX file for reading, after :func:`check_archive`.

    Args:
        path: The file.
        sheet: The sheet's name; the first worksheet when None.

    Returns:
        The rows, to iterate once (each ``(row_number, cells)``).

    Raises:
        InputError: the file is refused or damaged, or has no such sheet (naming the file and
            the sheets it has); while iterating, a refused cell (naming ``Sheet!C12``).
    """
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    check_archive(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise InputError(f"damaged XLSX file: {_reason(exc)}", path) from None
    names = list(workbook.sheetnames)
    worksheets = [ws.title for ws in workbook.worksheets]
    if sheet is None:
        if not worksheets:
            workbook.close()
            raise InputError("the workbook has no worksheet", path)
        sheet = worksheets[0]
    elif sheet not in worksheets:
        workbook.close()
        raise InputError(f"no worksheet {sheet!r} (the workbook has: {', '.join(names)})", path)
    return SheetRows(path, workbook, sheet)


def sheet_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    """Return an XLSX file of the given sheets (name → rows of text), every cell a text cell
    (a value starting with ``=`` stays text, never a formula); the same sheets give the same
    bytes (the parts' times and the document's dates are fixed).

    Raises:
        InputError: no sheet, or a sheet name or value that XLSX cannot hold.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    if not sheets:
        raise InputError("an XLSX file needs at least one sheet")
    sizes = {
        f"xl/worksheets/sheet{number}.xml": (len(rows), max((len(r) for r in rows), default=0))
        for number, rows in enumerate(sheets.values(), 1)
    }
    workbook = Workbook(write_only=True)
    moment = dt.datetime(2000, 1, 1)
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "govkg"
    try:
        for name, rows in sheets.items():
            worksheet = workbook.create_sheet(title=name)
            for row in rows:
                cells = []
                for value in row:
                    cell = WriteOnlyCell(worksheet, value=str(value))
                    cell.data_type = "s"
                    cells.append(cell)
                worksheet.append(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
    except (IllegalCharacterError, ValueError) as exc:
        raise InputError(f"cannot write as XLSX: {_reason(exc)}") from None
    return _fixed_times(buffer.getvalue(), sizes)


def write_sheet(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    """Write an XLSX file of the given sheets (:func:`sheet_bytes`) atomically: a temporary
    file in the same folder, then a rename.

    Raises:
        ResourceError: the folder is full, read-only or not permitted.
        InputError: the sheets cannot be written as XLSX, or another failure to write.
    """
    write_bytes_atomically(path, sheet_bytes(sheets))


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in its folder and ``os.replace``.

    Raises:
        ResourceError: the folder is full, read-only or not permitted (naming ``target``).
        InputError: another failure to write.
    """
    temporary: str | None = None
    try:
        with os_errors(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            mask = os.umask(0o022)
            os.umask(mask)
            os.chmod(temporary, 0o666 & ~mask)
            os.replace(temporary, target)
            temporary = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", target) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _fixed_times(data: bytes, sizes: dict[str, tuple[int, int]]) -> bytes:
    """The same archive with every part dated :data:`_EPOCH` (openpyxl dates them now), and
    each sheet's size declared (ECMA-376 Part 1, 18.3.1.35 ``dimension``, which openpyxl's
    write-only mode leaves out), so that readers need not measure it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            info = zipfile.ZipInfo(part.filename, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            data = source.read(part)
            if part.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                data = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            rows, columns = sizes.get(part.filename, (0, 0))
            if rows and columns and b"<dimension " not in data:
                ref = f'<dimension ref="A1:{cell_name(rows, columns)}" />'.encode()
                data = data.replace(b"<sheetViews>", ref + b"<sheetViews>", 1)
            target.writestr(info, data)
    return out.getvalue()


def _reason(exc: BaseException) -> str:
    """One line saying what an exception says (its type when it says nothing)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
