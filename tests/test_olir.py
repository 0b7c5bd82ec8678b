"""NIST OLIR relationship tables (govkg.submission.olir, NIST IR 8278A r1): read as the same
submission the SSSOM reader gives (CSV and XLSX alike), each template rule a finding naming the
file and line (and the cell of a workbook), and written back from a mapping set so that reading
the export gives the same mappings."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDFS

from govkg.backends import Store
from govkg.build import build
from govkg.cli import main
from govkg.errors import InputError
from govkg.namespaces import GK, SSSOM
from govkg.paths import Layout
from govkg.spreadsheets import write_sheet
from govkg.submission.importing import import_submission
from govkg.submission.olir import COLUMNS, RELATIONSHIPS, NotationIndex
from govkg.submission.olir_export import export_olir
from govkg.submission.readers import detect_format, open_submission
from govkg.submission.rows import Row
from govkg.submission.validate import Context, validate_file
from govkg.submission.vocabulary import default_prefixes

OLIR = Path(__file__).parent / "data" / "olir"
TABLE = OLIR / "ai-verify--ai-rmf.olir.csv"
METADATA = OLIR / "ai-verify--ai-rmf.olir.yml"
AIRMF = "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/"
AIVERIFY = "https://w3id.org/govkg/id/framework/ai-verify-testing-framework/"
SUBJECT, PREDICATE, OBJECT = (
    str(OWL.annotatedSource),
    str(OWL.annotatedProperty),
    str(OWL.annotatedTarget),
)
HEADER = list(COLUMNS)


def _read(path: Path, layout: Layout, **kwargs: object) -> tuple[list[Row], list[str]]:
    fmt = detect_format(path)
    submission = open_submission(path, fmt, default_prefixes(layout.data), **kwargs)  # type: ignore[arg-type]
    rows = list(submission.rows)
    return rows, [f.message for f in submission.problems]


def _triples(rows: list[Row]) -> set[tuple[str, ...]]:
    """Each mapping as (subject, predicate, object, rationale, comment, score)."""

    def one(row: Row, prop: str) -> str:
        values = row.values.get(prop, [])
        return str(values[0]) if values else ""

    return {
        (
            one(r, SUBJECT),
            one(r, PREDICATE),
            one(r, OBJECT),
            one(r, str(GK.matchBasis)),
            one(r, str(RDFS.comment)),
            one(r, str(SSSOM.similarity_score)),
        )
        for r in rows
    }


def test_a_row_is_a_mapping_from_the_reference_to_the_focal_element(layout: Layout) -> None:
    """NIST IR 8278A r1, Table 2: the Relationship is asserted for the Reference Document
    Element compared to the Focal Document Element, so the reference element is the subject.
    The metadata comes from the side file ``<name>.yml``; a focal element left without a
    relationship (3.2, guideline 3) is no mapping."""
    rows, problems = _read(TABLE, layout)
    assert problems == []
    assert [r.line for r in rows] == [2, 3, 5]
    assert _triples(rows) == {
        (
            AIVERIFY + "tc-1-1",
            str(GK.intersectsWith),
            AIRMF + "govern-1-1",
            "semantic",
            "Test row: an id of the reference framework",
            "0.3",
        ),
        (
            AIVERIFY + "tc-1-2",
            str(GK.supersetOf),
            AIRMF + "govern-1-2",
            "functional",
            "Test row: a CURIE",
            "",
        ),
        (
            AIVERIFY + "1-3",
            str(GK.equalTo),
            AIRMF + "measure-2-3",
            "syntactic",
            "Test row: a notation of the reference framework",
            "1.0",
        ),
    }
    first = rows[0]
    assert first.values[str(SSSOM.mapping_justification)] == [
        URIRef("https://w3id.org/semapv/vocab/ManualMappingCuration")
    ]
    assert [str(a) for a in first.values[str(URIRef("http://purl.org/pav/authoredBy"))]] == [
        "https://w3id.org/govkg/id/agent/govkg-developers"
    ]
    assert str(first.values[str(SSSOM.similarity_measure)][0]).startswith("NIST IR 8278A r1")


def test_notations_are_read_with_the_graphs_index(layout: Layout, store: Store) -> None:
    """``1.3`` is the notation of AI Verify's testable criterion tc-1-3: found in the built
    graph; without the index it is read as an id (``1-3``), which the graph does not hold."""
    rows, _ = _read(TABLE, layout, notations=NotationIndex.from_store(store))
    subjects = {str(r.values[SUBJECT][0]) for r in rows}
    assert AIVERIFY + "tc-1-3" in subjects and AIVERIFY + "1-3" not in subjects


def test_validate_resolves_notations_from_the_cli(capsys, build_dir: Path) -> None:
    """``govkg validate`` reads the OLIR table with the built graph's notations: ``1.3`` on
    line 5 is AI Verify's tc-1-3, so the table is fit to accept."""
    code = main(["validate", str(TABLE), "--build-dir", str(build_dir), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert code == 0 and report["format"] == "olir-csv", report
    assert report["mappings"] == 3 and report["findings"] == []


def test_validate_names_the_line_of_a_notation_the_graph_does_not_hold(
    capsys, tmp_path: Path, build_dir: Path
) -> None:
    table = tmp_path / TABLE.name
    table.write_text(TABLE.read_text(encoding="utf-8").replace(",1.3,", ",9.99,"), "utf-8")
    shutil.copy(METADATA, tmp_path / METADATA.name)
    code = main(["validate", str(table), "--build-dir", str(build_dir), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    found = [(f["line"], f["severity"], f["shape"].rsplit("#", 1)[-1]) for f in report["findings"]]
    assert code == 1 and found == [(5, "violation", "SubmittedMapping-subjectKnown")]


def _bad_rows() -> list[list[str]]:
    return [
        HEADER,
        ["GOVERN 1.1", "", "Semantic", "related", "tc-1-1", "", "", "3"],
        ["GOVERN 1.2", "", "intuitive", "subset of", "tc-1-2", "", "", "11"],
        ["GOVERN 1.3", "", "", "equal", "tc-1-3", "", "", "7"],
        ["GOVERN 1.4", "", "semantic", "", "tc-1-4", "", "", "N/A"],
    ]


_BAD = [
    (2, 4, "Violation", "Relationship 'related' is not one of: subset of, intersects with"),
    (3, 3, "Violation", "Rationale 'intuitive' is not one of: syntactic, semantic, functional"),
    (3, 8, "Violation", "Strength of Relationship '11' is not an integer from 0 to 10"),
    (4, 3, "Warning", "Rationale is empty"),
    (
        4,
        8,
        "Warning",
        "Strength of Relationship 7 for 'equal': NIST IR 8278A r1 (3.2.12) assigns 10",
    ),
    (5, 4, "Violation", "Relationship is empty"),
]


def _bad_findings(rows: list[Row]) -> list[tuple[int, int | None, str, str]]:
    return sorted((p.line or 0, p.column, p.severity, p.message) for r in rows for p in r.problems)


def test_template_rules_are_findings_naming_line_and_column(tmp_path: Path, layout: Layout) -> None:
    path = tmp_path / "bad.olir.csv"
    path.write_text("".join(",".join(r) + "\n" for r in _bad_rows()), encoding="utf-8")
    rows, problems = _read(path, layout, metadata=METADATA)
    assert problems == []
    found = _bad_findings(rows)
    assert len(found) == len(_BAD)
    for (line, column, severity, message), expected in zip(found, _BAD, strict=True):
        assert (line, column, severity) == expected[:3]
        assert message.startswith(expected[3]), message
        assert "cell" not in message  # a CSV has lines, not cells


def test_a_workbook_reads_as_its_csv_and_findings_name_the_cell(
    tmp_path: Path, layout: Layout
) -> None:
    """The first worksheet with an OLIR header is read (here after an instructions sheet, the
    header below a title row); the rows are the CSV's, findings name ``Sheet!C12``."""
    path = tmp_path / "table.olir.xlsx"
    csv_rows = [line.split(",") for line in _bad_rows_text().splitlines()]
    write_sheet(
        path,
        {
            "Instructions": [["Fill in the Relationships sheet."]],
            "Relationships": [["NIST IR 8477-based set theory relationship mapping"], *csv_rows],
        },
    )
    rows, _ = _read(path, layout, metadata=METADATA)
    found = _bad_findings(rows)
    assert [(line - 1, column, severity) for line, column, severity, _ in found] == [
        e[:3] for e in _BAD
    ]
    cells = [m.rsplit("(cell ", 1)[1].rstrip(")") for _, _, _, m in found]
    assert cells == [
        "Relationships!D3",
        "Relationships!C4",
        "Relationships!H4",
        "Relationships!C5",
        "Relationships!H5",
        "Relationships!D6",
    ]


def _bad_rows_text() -> str:
    return "".join(",".join(r) + "\n" for r in _bad_rows())


def test_the_same_table_as_csv_and_xlsx_gives_the_same_mappings(
    tmp_path: Path, layout: Layout
) -> None:
    text = TABLE.read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    path = tmp_path / "same.olir.xlsx"
    write_sheet(path, {"Relationships": rows})
    from_csv, _ = _read(TABLE, layout)
    from_xlsx, _ = _read(path, layout, metadata=METADATA)
    assert _triples(from_xlsx) == _triples(from_csv)
    assert [r.line for r in from_xlsx] == [r.line for r in from_csv]


def test_a_formula_in_a_workbook_is_refused_naming_its_cell(
    tmp_path: Path, layout: Layout, build_dir: Path
) -> None:
    from openpyxl import Workbook

    path = tmp_path / "formula.olir.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Relationships"
    sheet.append(HEADER)
    sheet.append(["GOVERN 1.1", "", "semantic", "equal", "tc-1-1", "", "=1+1", "10"])
    workbook.save(path)
    with pytest.raises(InputError, match=r"Relationships!G2: a formula cell"):
        _read(path, layout, metadata=METADATA)
    report = validate_file(path, Context.load(layout, build_dir), metadata=METADATA)
    assert report.error is not None and report.error.startswith("Relationships!G2: a formula")
    assert report.exit_code(strict=False) == 2


def test_a_hostile_workbook_is_refused_by_import_and_nothing_is_written(
    tmp_path: Path, layout: Layout, build_dir: Path
) -> None:
    """Issue 12, item 7: a zip bomb named as an OLIR workbook is one input error naming the
    file; the import writes nothing."""
    import zipfile

    path = tmp_path / "bomb.olir.xlsx"
    write_sheet(path, {"Relationships": [HEADER]})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.xml", b"0" * (8 * 1024 * 1024))
    copy = _copy(layout, build_dir, tmp_path / "copy")
    before = sorted(p.name for p in copy.data.rglob("*"))
    with pytest.raises(InputError) as caught:
        import_submission(path, copy, tmp_path / "copy" / "build", metadata=METADATA)
    assert str(caught.value).startswith(f"{path}: XLSX part xl/media/padding.xml is compressed")
    assert sorted(p.name for p in copy.data.rglob("*")) == before


def _copy(layout: Layout, build_dir: Path, target: Path) -> Layout:
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / "src" / folder)
    shutil.copytree(build_dir, target / "build")
    return Layout(root=target / "src", checkout=True)


def test_a_metadata_block_in_the_csv_works_as_the_side_file(tmp_path: Path, layout: Layout) -> None:
    path = tmp_path / "block.olir.csv"
    block = "".join(f"#{line}\n" for line in METADATA.read_text().splitlines())
    path.write_text(block + TABLE.read_text(), encoding="utf-8")
    rows, problems = _read(path, layout)
    assert problems == []
    offset = block.count("\n")
    assert [r.line - offset for r in rows] == [2, 3, 5]
    assert _triples(rows) == _triples(_read(TABLE, layout)[0])


def test_lines_count_as_the_file_has_them(tmp_path: Path, layout: Layout) -> None:
    """A byte-order mark (Excel's "CSV UTF-8"), a title row above the header and a quoted cell
    over two lines: each mapping keeps its own first line."""
    path = tmp_path / "lines.olir.csv"
    path.write_text(
        "\ufeffAI Verify to AI RMF (test)\n"
        + ",".join(HEADER)
        + "\n"
        + 'GOVERN 1.1,"two\nlines",semantic,equal,tc-1-1,,,10\n'
        + "GOVERN 1.2,,semantic,related,tc-1-2,,,\n",
        encoding="utf-8",
    )
    rows, problems = _read(path, layout, metadata=METADATA)
    assert problems == []
    assert [r.line for r in rows] == [3, 5]
    assert [(p.line, p.column) for r in rows for p in r.problems] == [(5, 4)]


def test_a_table_without_metadata_says_where_it_goes(tmp_path: Path, layout: Layout) -> None:
    path = tmp_path / "bare.olir.csv"
    shutil.copy(TABLE, path)
    _, problems = _read(path, layout)
    assert problems[0].startswith("no set metadata: ") and "bare.olir.yml" in problems[0]


def test_what_is_not_a_set_theory_mapping_table_is_refused(tmp_path: Path, layout: Layout) -> None:
    path = tmp_path / "none.olir.csv"
    path.write_text("Control,Mapped to\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match="no OLIR header row"):
        _read(path, layout, metadata=METADATA)
    supportive = tmp_path / "supportive.olir.csv"
    supportive.write_text(
        "Focal Document Element,Relationship Type,Reference Document Element\n"
        "PR.AA-01,supports,CA\n",
        encoding="utf-8",
    )
    _, problems = _read(supportive, layout, metadata=METADATA)
    assert any("supportive relationship mapping" in p for p in problems)
    assert any("lacks the column 'Relationship'" in p for p in problems)


EXAMPLE = Path(__file__).parents[1] / "examples" / "workspace"


def test_the_example_workspace_table_reads_as_csv_and_as_xlsx(
    tmp_path: Path, layout: Layout
) -> None:
    """The example (contract 7): the fictional Acme policy's rules (by id) against AI RMF
    subcategories (by notation); every mapping says it is fictional; the same table as a
    workbook, made here, gives the same mappings."""
    table = EXAMPLE / "acme-ai-policy--nist-ai-rmf.olir.csv"
    rows, problems = _read(table, layout)
    # read outside its workspace, the set's id (in the workspace's namespace) is foreign
    assert [p for p in problems if "is not a govkg IRI" not in p] == [] and len(rows) == 14
    assert all(not r.problems for r in rows)
    acme = "https://example.org/acme/id/framework/acme-ai-policy/"
    for subject, predicate, obj, rationale, comment, score in _triples(rows):
        assert subject.startswith(acme) and obj.startswith(AIRMF)
        assert URIRef(predicate) in RELATIONSHIPS.values()
        assert comment.startswith("FICTIONAL example")
        assert rationale in ("syntactic", "semantic", "functional") and score
    workbook = tmp_path / "acme-ai-policy--nist-ai-rmf.olir.xlsx"
    write_sheet(workbook, {"Relationships": list(csv.reader(table.open(encoding="utf-8")))})
    from_xlsx, _ = _read(workbook, layout, metadata=table.with_suffix(".yml"))
    assert _triples(from_xlsx) == _triples(rows)


# -- writing --


@pytest.mark.slow
def test_export_reads_back_as_the_same_mappings(
    layout: Layout, build_dir: Path, tmp_path: Path
) -> None:
    """Import an OLIR table into a copy of the sources, build, export it as OLIR CSV and XLSX:
    reading either export gives the mappings the table gave."""
    table = tmp_path / "round-trip.olir.csv"
    table.write_text(
        TABLE.read_text(encoding="utf-8").replace(",1.3,", ",tc-1-3,"), encoding="utf-8"
    )
    shutil.copy(METADATA, tmp_path / "round-trip.olir.yml")
    original, _ = _read(table, layout)
    target = tmp_path / "copy"
    copy = _copy(layout, build_dir, target)
    done = import_submission(table, copy, target / "build")
    assert done.mappings == 3
    build(copy, target / "build")
    key = "olir-test-ai-verify-ai-rmf"
    (csv_export,) = export_olir(copy, target / "build", [key], "olir-csv")
    assert (csv_export.key, csv_export.mappings, csv_export.suffix, csv_export.unstated) == (
        key,
        3,
        ".olir.csv",
        0,
    )
    written = tmp_path / "exported.olir.csv"
    written.write_bytes(csv_export.data)
    again, problems = _read(written, layout)
    assert problems == []
    assert _triples(again) == _triples(original)
    (xlsx_export,) = export_olir(copy, target / "build", [key], "olir-xlsx")
    workbook = tmp_path / "exported.olir.xlsx"
    workbook.write_bytes(xlsx_export.data)
    side = tmp_path / "exported.olir.yml"
    side.write_text(
        "".join(
            line[1:] + "\n" for line in csv_export.data.decode().splitlines() if line[:1] == "#"
        )
    )
    from_xlsx, _ = _read(workbook, layout)
    assert _triples(from_xlsx) == _triples(original)
    assert export_olir(copy, target / "build", [key], "olir-xlsx")[0].data == xlsx_export.data


def test_a_set_without_set_theory_predicates_is_written_with_its_predicate_named(
    layout: Layout, build_dir: Path
) -> None:
    (item,) = export_olir(layout, build_dir, ["ai-verify-ai-rmf-text-reuse"], "olir-csv")
    text = item.data.decode()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == ",".join(COLUMNS)
    assert item.unstated == item.mappings == len(lines) - 1 == 6
    assert all(
        "govkg predicate gk:correspondsTo: no NIST IR 8477 set relationship" in line
        for line in lines[1:]
    )
    with pytest.raises(InputError, match="no mapping set with mappings called nope"):
        export_olir(layout, build_dir, ["nope"], "olir-csv")
