"""The safe XLSX reader and writer (govkg.spreadsheets): hostile workbooks are refused in one
line naming the file (and the cell), before or while openpyxl reads them, and nothing in them
is evaluated. The hostile fixtures are made here, in ``tmp_path``, from a workbook openpyxl
writes, with the one part that makes them hostile changed or added by :mod:`zipfile`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from govkg import spreadsheets
from govkg.errors import InputError
from govkg.spreadsheets import read_sheet, sheet_bytes, sheet_names, write_sheet


def _workbook(path: Path, rows: list[list[object]], title: str = "Relationships") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _rewrite(
    path: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> Path:
    """Copy the archive with some parts replaced (None: removed) and some added."""
    parts = {}
    with zipfile.ZipFile(path) as source:
        for info in source.infolist():
            parts[info.filename] = source.read(info)
    for name, data in change.items():
        if data is None:
            parts.pop(name)
        else:
            parts[name] = data
    parts.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def _refused(path: Path, pattern: str, sheet: str | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        for _ in read_sheet(path, sheet):
            pass
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: "), text
    assert re.search(pattern, text), text
    return caught.value


# -- what is read, and how --


def test_values_come_back_as_text(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "values.xlsx",
        [
            ["Focal Document Element", "Strength of Relationship", "Date", "Flag"],
            ["GOVERN 1.1", 7, dt.datetime(2026, 12, 1), True],
            [],
            ["MAP 1.1", 0.5, dt.datetime(2026, 12, 1, 9, 30), False, None, None],
        ],
    )
    rows = list(read_sheet(path))
    assert rows == [
        (1, ["Focal Document Element", "Strength of Relationship", "Date", "Flag"]),
        (2, ["GOVERN 1.1", "7", "2026-12-01", "true"]),
        (4, ["MAP 1.1", "0.5", "2026-12-01T09:30:00", "false"]),
    ]


def test_sheets_are_chosen_by_name(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Instructions"
    first.append(["read me"])
    workbook.create_sheet("Relationships").append(["a", "b"])
    workbook.save(path)
    assert sheet_names(path) == ["Instructions", "Relationships"]
    assert list(read_sheet(path)) == [(1, ["read me"])]
    assert list(read_sheet(path, "Relationships")) == [(1, ["a", "b"])]
    _refused(
        path, r"no worksheet 'Other' \(the workbook has: Instructions, Relationships\)", "Other"
    )


# -- formulas: refused, never evaluated --


def test_a_formula_is_refused_naming_its_cell(tmp_path: Path) -> None:
    rows: list[list[object]] = [["a", "b", "c"] for _ in range(11)]
    rows.append(["a", "b", '=HYPERLINK("http://example.org/","x")'])
    path = _workbook(tmp_path / "formula.xlsx", rows)
    _refused(path, r"Relationships!C12: a formula cell .*never evaluated")


def test_a_formula_with_a_cached_value_is_still_refused(tmp_path: Path) -> None:
    """A formula cell carries the value another program computed last (``<v>``); reading
    ``data_only`` would return that value as if it were data. govkg refuses the cell."""
    path = _workbook(tmp_path / "cached.xlsx", [["x", "y"]])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace(
        '<c r="B1" t="inlineStr"><is><t>y</t></is></c>',
        '<c r="B1" t="str"><f>WEBSERVICE("http://example.org/")</f><v>cached</v></c>',
    )
    assert "WEBSERVICE" in sheet
    _rewrite(path, {"xl/worksheets/sheet1.xml": sheet.encode()})
    _refused(path, r"Relationships!B1: a formula cell")


def test_text_that_starts_with_equals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "text.xlsx"
    write_sheet(path, {"S": [["ok"], ["=1+1"]]})
    _refused(path, r"S!A2: a text cell starting with '='")


def test_an_error_value_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "error.xlsx", [["x"]])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace(
        '<c r="A1" t="inlineStr"><is><t>x</t></is></c>', '<c r="A1" t="e"><v>#REF!</v></c>'
    )
    _rewrite(path, {"xl/worksheets/sheet1.xml": sheet.encode()})
    _refused(path, r"Relationships!A1: an error value '#REF!'")


# -- the archive --


def test_an_external_link_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "link.xlsx", [["a"]])
    link = (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        b'r:id="rId1"/></externalLink>'
    )
    _rewrite(path, {}, {"xl/externalLinks/externalLink1.xml": link})
    _refused(path, r"links to other files \(xl/externalLinks/externalLink1.xml\)")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "bomb.xlsx", [["a"]])
    zeros = b"<x>" + b"0" * (4 * 1024 * 1024) + b"</x>"  # deflates about 1,000 times
    _rewrite(path, {}, {"xl/worksheets/sheet2.xml": zeros})
    _refused(path, r"XLSX part xl/worksheets/sheet2.xml is compressed \d+ times: more than 200")


def test_an_archive_inflating_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "large.xlsx", [["a" * 5000]])
    monkeypatch.setattr(spreadsheets, "MAX_UNCOMPRESSED", 4096)
    _refused(path, r"inflates to more than 0 MiB \(a zip bomb\?\)")


def test_too_many_shared_strings_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "strings.xlsx", [["a"]])
    strings = "".join(f"<si><t>text {n}</t></si>" for n in range(200))
    _rewrite(path, {}, {"xl/sharedStrings.xml": f"<sst>{strings}</sst>".encode()})
    monkeypatch.setattr(spreadsheets, "MAX_SHARED_STRINGS", 1024)
    _refused(path, r"XLSX shared strings inflate to more than 0 MiB")


def test_a_doctype_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "doctype.xlsx", [["a"]])
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml")
    hostile = b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>' + workbook
    _rewrite(path, {"xl/workbook.xml": hostile})
    _refused(path, r"XLSX part xl/workbook.xml declares a DOCTYPE")


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "whole.xlsx", [["a", "b"]] * 50).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    _refused(cut, r"not an XLSX file \(not a readable ZIP archive")


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    path.write_text("Focal Document Element,Relationship\n")
    _refused(path, r"not an XLSX file")
    archive = tmp_path / "other.xlsx"
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr("hello.txt", "hi")
    _refused(archive, r"not an XLSX workbook \(no xl/workbook.xml part\)")


def test_a_damaged_part_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "damaged.xlsx", [["a"]])
    _rewrite(path, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row r='1'><c"})
    _refused(path, r"damaged XLSX file: unclosed token")


# -- huge sheets --


def test_a_sheet_past_the_row_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "rows.xlsx", [[str(n)] for n in range(12)])
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 10)
    _refused(path, r"Relationships: the sheet declares 12 rows: more than 10")


def test_a_far_row_without_a_declared_size_is_refused_at_once(tmp_path: Path) -> None:
    """A row numbered past the limit, in a sheet that declares no size: refused when reading
    reaches the limit, without making up the empty rows in between."""
    path = _workbook(tmp_path / "far.xlsx", [["a"]])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
    sheet = sheet.replace(
        "</sheetData>", '<row r="999999999"><c r="A999999999"><v>1</v></c></row></sheetData>'
    )
    _rewrite(path, {"xl/worksheets/sheet1.xml": sheet.encode()})
    start = time.monotonic()
    _refused(path, r"Relationships: the sheet has more than 200000 rows")
    assert time.monotonic() - start < 10


def test_a_sheet_past_the_column_limit_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "wide.xlsx", [["x"] * 600])
    _refused(path, r"Relationships: the sheet declares 600 columns: more than 512")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    _rewrite(path, {"xl/worksheets/sheet1.xml": re.sub(r"<dimension [^>]*/>", "", sheet).encode()})
    _refused(path, r"Relationships!WB1: the sheet has cells past column 512")


def test_a_cell_past_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "cell.xlsx", [["short", "x" * 100]])
    monkeypatch.setattr(spreadsheets, "MAX_CELL", 50)
    _refused(path, r"Relationships!B1: a cell longer than 50 characters")


# -- writing --


def test_written_sheets_read_back_and_never_hold_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out" / "table.xlsx"
    sheets = {"Relationships": [["Focal Document Element", "Rationale"], ["GV.1", "=SUM(A1)"]]}
    write_sheet(path, sheets)
    assert [p.name for p in path.parent.iterdir()] == ["table.xlsx"]  # no temporary left
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml
    cell = load_workbook(path)["Relationships"]["B2"]
    assert (cell.value, cell.data_type) == ("=SUM(A1)", "s")
    write_sheet(path, {"Relationships": [["a", "7"]]})
    assert list(read_sheet(path)) == [(1, ["a", "7"])]


def test_the_same_sheets_give_the_same_bytes() -> None:
    sheets = {"A": [["x", "y"]], "B": [["z"]]}
    first = sheet_bytes(sheets)
    time.sleep(1.1)
    assert sheet_bytes(sheets) == first


def test_what_cannot_be_written_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least one sheet"):
        sheet_bytes({})
    with pytest.raises(InputError, match="cannot write as XLSX"):
        write_sheet(tmp_path / "bad.xlsx", {"S": [["control \x01 character"]]})
    assert not list(tmp_path.iterdir())
