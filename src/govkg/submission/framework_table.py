"""Reading a framework submitted as a table: CSV, TSV or XLSX, one element a row under a header
of the columns of :data:`COLUMNS`, with the framework's metadata in a YAML file beside it
(``<stem>.yml`` or ``<stem>.yaml``, or ``--metadata``). docs/framework-submissions.md.

Every input is guarded before a parser sees it, as mapping tables are: UTF-8 only, no NUL
byte, lines and cells of bounded size (:class:`~govkg.submission.lines.GuardedLines`,
:mod:`~govkg.submission.limits`), the YAML read safely (:mod:`~govkg.submission.yamlblock`),
XLSX only through :func:`govkg.spreadsheets.read_sheet` (formulas never evaluated), and at most
:data:`MAX_ELEMENTS` rows.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from govkg.errors import InputError
from govkg.submission import limits
from govkg.submission.framework_model import Draft, Element, syntax_problem
from govkg.submission.lines import GuardedLines
from govkg.submission.yamlblock import load_metadata_file
from govkg.validation import WARNING

#: Table formats of a framework submission and their delimiters (None: a spreadsheet).
TABLE_FORMATS: dict[str, str | None] = {
    "framework-csv": ",",
    "framework-tsv": "\t",
    "framework-xlsx": None,
}

#: The columns of a framework table, in the documented order; ``id`` and ``label`` are required.
COLUMNS = (
    "id",
    "notation",
    "label",
    "text",
    "definition",
    "parent",
    "kind",
    "source",
    "locator",
)

#: Other spellings of a column accepted in the header (case and spaces ignored).
ALIASES = {
    "key": "id",
    "name": "label",
    "title": "label",
    "preflabel": "label",
    "wording": "text",
    "broader": "parent",
    "type": "kind",
}

#: Rows of a framework table (a framework has tens to a few thousand elements; every row is
#: kept in memory and checked with pySHACL, so the limit bounds both).
MAX_ELEMENTS = 20_000


def table_format(path: Path) -> str | None:
    """The framework table format a file's extension names, or None.

    >>> [table_format(Path(n)) for n in ("a.csv", "b.TSV", "c.xlsx", "d.ttl")]
    ['framework-csv', 'framework-tsv', 'framework-xlsx', None]
    """
    suffix = path.suffix.lower().lstrip(".")
    name = f"framework-{suffix}"
    return name if name in TABLE_FORMATS else None


def metadata_beside(path: Path) -> Path | None:
    """The metadata file beside a table: ``<stem>.yml``, else ``<stem>.yaml``, else None."""
    for suffix in (".yml", ".yaml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def column_of(name: str) -> str | None:
    """The column a header cell names (an alias read as its column), or None.

    >>> column_of(" Label "), column_of("broader"), column_of("subject_id")
    ('label', 'parent', None)
    """
    key = name.strip().lower().replace(" ", "").replace("_", "")
    if key in COLUMNS:
        return key
    return ALIASES.get(key)


def read_table(path: Path, input_format: str, metadata: Path | None) -> Draft:
    """Read a framework table and its metadata.

    Raises:
        InputError: unreadable file or metadata (missing, not UTF-8, binary, a line, cell or
            row count past its limit, broken YAML), naming file and line (or cell).
    """
    meta_path = metadata or metadata_beside(path)
    if meta_path is None:
        raise InputError(
            f"a framework table needs its metadata: put {path.with_suffix('.yml').name} beside "
            "it or give --metadata FILE (docs/framework-submissions.md)",
            path,
        )
    values, lines = load_metadata_file(meta_path)
    draft = Draft(
        path=path,
        input_format=input_format,
        metadata=values,
        metadata_path=meta_path,
        metadata_lines=lines,
        elements=[],
    )
    delimiter = TABLE_FORMATS[input_format]
    if delimiter is None:
        sheet = values.get("sheet")
        rows, draft.sheet = _xlsx_rows(path, sheet if isinstance(sheet, str) else None)
    else:
        rows = _text_rows(path, delimiter)
    try:
        _read_rows(draft, rows)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return draft


def _text_rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line, cells)`` of a CSV/TSV file, behind the guards."""
    csv.field_size_limit(limits.MAX_CELL)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    lines = GuardedLines(path, stream)
    reader = csv.reader(iter(lines), delimiter=delimiter)
    while True:
        first = lines.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"not a valid table: {exc}", path, lines.line) from None
        yield first, cells


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[Iterable[tuple[int, list[str]]], str]:
    """The rows of an XLSX sheet through the one safe reader (H4's ``govkg.spreadsheets``)."""
    try:
        spreadsheets = importlib.import_module("govkg.spreadsheets")
    except ImportError:
        raise InputError(
            "XLSX is not supported by this govkg (no govkg.spreadsheets)", path
        ) from None
    rows = spreadsheets.read_sheet(path, sheet)
    name = getattr(rows, "sheet", None) or getattr(rows, "name", None) or sheet or "Sheet1"
    return rows, str(name)


def _read_rows(draft: Draft, rows: Iterable[tuple[int, list[str]]]) -> None:
    plan: list[str | None] | None = None
    header_line = 1
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if plan is None:
            plan = _header(draft, cells, number)
            header_line = number
            continue
        if len(draft.elements) >= MAX_ELEMENTS:
            raise InputError(
                f"more than {MAX_ELEMENTS} elements: not a framework govkg can check", draft.path
            )
        draft.elements.append(_element(draft, plan, cells, number))
    if plan is None:
        raise InputError("the table is empty: no header row", draft.path, header_line)


def _header(draft: Draft, cells: list[str], line: int) -> list[str | None]:
    if len(cells) > limits.MAX_COLUMNS:
        raise InputError(f"more than {limits.MAX_COLUMNS} columns", draft.path, line)
    plan: list[str | None] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(cells):
        column = column_of(cell)
        where = _cell_name(draft, index, line)
        if column is None:
            if cell.strip():
                draft.problems.append(
                    syntax_problem(
                        f"{where}: column {cell.strip()!r} is not a framework column and is not "
                        f"read (columns: {', '.join(COLUMNS)})",
                        line,
                        WARNING,
                    )
                )
        elif column in seen:
            draft.problems.append(
                syntax_problem(
                    f"{where}: column {cell.strip()!r} repeats column {seen[column]!r} "
                    f"({column}); only the first is read",
                    line,
                )
            )
            column = None
        else:
            seen[column] = cell.strip()
        plan.append(column)
    missing = [name for name in ("id", "label") if name not in seen]
    if missing:
        raise InputError(
            f"the header has no {' or '.join(missing)} column (a framework table has the "
            f"columns {', '.join(COLUMNS)}; id and label are required)",
            draft.path,
            line,
        )
    return plan


def _cell_name(draft: Draft, index: int, line: int) -> str:
    if draft.sheet is not None:
        return f"cell {draft.sheet}!{get_column_letter(index + 1)}{line}"
    return f"column {index + 1}"


def _element(draft: Draft, plan: list[str | None], cells: list[str], line: int) -> Element:
    values: dict[str, Any] = {}
    letters: dict[str, str] = {}
    for index, column in enumerate(plan):
        if column is None or index >= len(cells):
            continue
        text = cells[index].strip()
        values[column] = text or None
        letters[column] = get_column_letter(index + 1)
    if len(cells) > len(plan) and any(c.strip() for c in cells[len(plan) :]):
        draft.problems.append(
            syntax_problem(
                f"row has {len(cells)} cells, the header {len(plan)}: the extra cells are not read",
                line,
                WARNING,
            )
        )
    return Element(
        key=values.get("id") or "",
        line=line,
        notation=values.get("notation"),
        label=values.get("label"),
        text=values.get("text"),
        definition=values.get("definition"),
        parent=values.get("parent"),
        kind=values.get("kind"),
        source=values.get("source"),
        locator=values.get("locator"),
        cell=letters,
    )
