"""``govkg validate`` on the fixtures under tests/data/mappings/: each valid file is fit to
accept; each invalid one produces exactly the findings listed beside it (focus node, path,
shape, line); each unreadable one gives exit 2 with a one-line error naming file and line.
Plus the checks that need a built case: hostile input generated on the fly, a deprecated
element, the equivalence of the streaming checker and pySHACL, and the text, JSON and Turtle
outputs of the command line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from govkg.cli import main
from govkg.paths import Layout
from govkg.submission.findings import FileReport
from govkg.submission.rdfinput import quiet_rdflib
from govkg.submission.readers import open_submission, to_graph
from govkg.submission.render import JSON_SCHEMA
from govkg.submission.rowshapes import RowChecker
from govkg.submission.validate import Context, validate_file
from govkg.validation import findings_from

MAPPINGS = Path(__file__).parent / "data" / "mappings"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VALID = sorted(p for p in (MAPPINGS / "valid").iterdir() if not p.name.endswith(".meta.yml"))
INVALID = sorted(p for p in (MAPPINGS / "invalid").iterdir() if not p.name.endswith(".json"))
UNREADABLE = sorted(p for p in (MAPPINGS / "unreadable").iterdir() if not p.name.endswith(".json"))


@pytest.fixture(scope="module")
def context(layout: Layout, build_dir: Path) -> Context:
    return Context.load(layout, build_dir)


def _validate(path: Path, context: Context) -> FileReport:
    metadata = path.with_name(path.name + ".meta.yml")
    return validate_file(
        path, context, metadata=metadata if metadata.exists() else None, limit=None
    )


def _expected(path: Path) -> dict:
    return json.loads(
        path.with_name(path.name.split(".")[0] + ".expected.json").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_fixture_is_fit_to_accept(case: Path, context: Context):
    report = _validate(case, context)
    assert report.error is None
    assert report.exit_code(strict=True) == 0, [f.message for f in report.findings.findings()]
    assert report.mappings > 0 and report.coverage


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_produces_exactly_its_findings(case: Path, context: Context):
    expected = _expected(case)
    report = _validate(case, context)
    assert int(report.exit_code()) == expected["exit_code"]
    found = Counter(
        (f.line, f.severity.lower(), f.shape, f.focus, f.path, f.component)
        for f in report.findings.findings()
    )
    wanted = Counter(
        (i["line"], i["severity"], i["shape"], i["focus"], i["path"], i["component"])
        for i in expected["findings"]
    )
    assert found == wanted


@pytest.mark.parametrize("case", UNREADABLE, ids=lambda p: p.name)
def test_unreadable_input_is_an_error_naming_file_and_line(
    case: Path, context: Context, build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    expected = _expected(case)
    report = _validate(case, context)
    assert report.error is not None and expected["error"] in report.error
    if expected["line"] != "any":
        assert report.error_line == expected["line"]
    code = main(["validate", "-q", "--build-dir", str(build_dir), str(case)])
    out, err = capsys.readouterr()
    assert code == expected["exit_code"] == 2
    assert out.startswith(f"{case}:{report.error_line or 1}: error: ")
    assert "Traceback" not in out + err


# --- hostile input made on the fly --------------------------------------------------------------

HEADER = (
    "#mapping_set_id: https://w3id.org/govkg/id/mapping-set/hostile\n"
    "subject_id\tpredicate_id\tobject_id\tmapping_justification\tcomment\n"
)


def test_a_10_mb_cell_is_refused_cleanly(tmp_path: Path, context: Context):
    path = tmp_path / "huge.sssom.tsv"
    path.write_text(
        HEADER + "a:b\tskos:exactMatch\ta:c\tsemapv:X\t" + "x" * 10_000_000 + "\n", encoding="utf-8"
    )
    report = validate_file(path, context)
    assert report.error is not None and "field larger than field limit" in report.error
    assert report.error_line == 3


def test_a_line_past_the_line_limit_is_refused(
    tmp_path: Path, context: Context, monkeypatch: pytest.MonkeyPatch
):
    from govkg.submission import limits

    monkeypatch.setattr(limits, "MAX_LINE", 1000)
    path = tmp_path / "long.sssom.tsv"
    path.write_text(HEADER + "x" * 5000 + "\n", encoding="utf-8")
    report = validate_file(path, context)
    assert report.error_line == 3 and "longer than" in (report.error or "")


def test_deeply_nested_json_ld_is_refused(tmp_path: Path, context: Context):
    path = tmp_path / "deep.jsonld"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    report = validate_file(path, context)
    assert report.error is not None


def test_deeply_nested_yaml_is_refused(tmp_path: Path, context: Context):
    path = tmp_path / "deep.sssom.tsv"
    path.write_text(
        "#a: " + "[" * 100 + "]" * 100 + "\n" + HEADER.split("\n", 1)[1], encoding="utf-8"
    )
    report = validate_file(path, context)
    assert report.error is not None and "nested deeper" in report.error


def test_deeply_nested_turtle_is_refused_or_read(tmp_path: Path, context: Context):
    path = tmp_path / "deep.ttl"
    path.write_text(
        "<urn:a> <urn:b> " + "[ <urn:c> " * 5000 + "]" * 5000 + " .\n", encoding="utf-8"
    )
    report = validate_file(path, context)  # never raises
    assert report.error is not None or report.exit_code() == 1


@pytest.mark.parametrize("name", ["-leading dash.sssom.tsv", "spaces and ünïcödé ✓.sssom.tsv"])
def test_odd_file_names(
    tmp_path: Path, name: str, build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / name
    path.write_bytes((MAPPINGS / "valid" / "minimal.sssom.tsv").read_bytes())
    code = main(["validate", "-q", "--build-dir", str(build_dir), "--", str(path)])
    out, _ = capsys.readouterr()
    assert code == 0 and str(path) in out


def test_missing_file_and_folder_exit_2(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    for path in (tmp_path / "nothing.sssom.tsv", tmp_path):
        assert main(["validate", "-q", "--build-dir", str(build_dir), str(path)]) == 2
    out, err = capsys.readouterr()
    assert "does not exist" in out and "is a folder" in out and "Traceback" not in err


def test_the_file_never_becomes_shapes(context: Context):
    """rdf-tricks.ttl switches gks:SubmittedMapping-confidence off and invents an element in
    its own data: the confidence is still checked and the element is still unknown."""
    report = _validate(MAPPINGS / "invalid" / "rdf-tricks.ttl", context)
    shapes = {f.shape.rsplit("#", 1)[1] for f in report.findings.findings()}
    assert {"SubmittedMapping-confidence", "SubmittedMapping-objectKnown"} <= shapes
    assert (
        URIRef("https://w3id.org/govkg/shapes#SubmittedMapping-confidence"),
        SH.deactivated,
        Literal(True),
    ) not in context.shapes


def test_a_deprecated_element_is_a_violation(context: Context):
    element = "https://w3id.org/govkg/id/framework/ai-verify-testing-framework/tc-1-1"
    context.index.deprecated.add(element)
    try:
        report = _validate(MAPPINGS / "valid" / "minimal.sssom.tsv", context)
    finally:
        context.index.deprecated.discard(element)
    (finding,) = report.findings.findings()
    assert finding.shape.endswith("#SubmittedMapping-notDeprecated") and finding.line == 16


def test_findings_past_the_limit_are_counted_exactly(tmp_path: Path, context: Context):
    rows = "".join(
        f"aiverify:tc-1-1\tskos:relatedMatch\tairmf:govern-1-1\tsemapv:X{n}\n" for n in range(120)
    )
    path = tmp_path / "many.sssom.tsv"
    source = (MAPPINGS / "invalid" / "vocabulary.sssom.tsv").read_text(encoding="utf-8")
    metadata = "".join(line + "\n" for line in source.splitlines() if line.startswith("#"))
    path.write_text(
        metadata + "subject_id\tpredicate_id\tobject_id\tmapping_justification\n" + rows,
        encoding="utf-8",
    )
    report = validate_file(path, context, limit=50)
    justification = ("Violation", "https://w3id.org/govkg/shapes#SubmittedMapping-justification")
    assert report.findings.counts[justification] == 120
    assert report.findings.omitted()[justification] == 70
    assert len(report.findings.kept[justification]) == 50


# --- the streaming checker agrees with pySHACL --------------------------------------------------


@pytest.mark.parametrize(
    "case", [p for p in VALID + INVALID if p.name not in ("empty.sssom.tsv",)], ids=lambda p: p.name
)
def test_streaming_checks_equal_pyshacl_on_every_mapping(case: Path, context: Context):
    """The compiled row shapes give the same (focus, path, shape, component, value) results as
    pySHACL run on the whole file as RDF (SHACL sections 4.1-4.5)."""
    import pyshacl

    metadata = case.with_name(case.name + ".meta.yml")
    fmt = (
        "turtle"
        if case.suffix == ".ttl"
        else "jsonld"
        if case.suffix == ".jsonld"
        else "csv"
        if case.suffix == ".csv"
        else "sssom-tsv"
    )
    with quiet_rdflib():
        submission = open_submission(
            case, fmt, context.prefixes, metadata if metadata.exists() else None
        )
        rows = list(submission.rows)
        submission.rows = iter(rows)
        graph = to_graph(submission)
        _, results, _ = pyshacl.validate(
            graph, shacl_graph=context.shapes, inference="none", allow_warnings=True
        )
    mapping_shapes = {c.shape for c in context.checker.checks}
    expected = {f.key() for f in findings_from(results) if f.shape in mapping_shapes}
    compiled = {
        f.key()
        for row in rows
        for f in context.checker.check(row.focus, row.values, row.line)
        if not _known_pyshacl_deviation(f.component, f.value)
    }
    assert compiled == expected


def _known_pyshacl_deviation(component: str | None, value: str | None) -> bool:
    """pySHACL 0.30-0.40 reports no sh:maxInclusive/sh:maxExclusive result for a literal that is
    ill-typed for xsd:double (rdflib then compares lexical forms); SHACL 4.3 requires one, which
    the streaming checker gives. The value fails sh:datatype in both engines anyway."""
    if component not in ("MaxInclusiveConstraintComponent", "MaxExclusiveConstraintComponent"):
        return False
    literal = Literal(value or "", datatype=URIRef("http://www.w3.org/2001/XMLSchema#double"))
    with quiet_rdflib():
        return bool(literal.ill_typed)


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "1",
        "0.5",
        "1.0000001",
        "-0.0",
        "-1e-9",
        "1e0",
        "NaN",
        "INF",
        "-INF",
        "abc",
        "",
        " 0.5",
        "+1",
        "0x1",
    ],
)
def test_confidence_edge_values_agree_with_pyshacl(value: str, context: Context):
    import pyshacl

    from govkg.namespaces import SSSOM

    node = URIRef("https://w3id.org/govkg/id/mapping-set/x/m")
    literal = Literal(value, datatype=URIRef("http://www.w3.org/2001/XMLSchema#double"))
    graph = Graph()
    graph.add((node, SSSOM.confidence, literal))
    graph.add((URIRef("https://w3id.org/govkg/id/mapping-set/x"), SSSOM.mappings, node))
    checker = RowChecker(context.shapes)
    with quiet_rdflib():
        compiled = {
            f.component
            for f in checker.check(str(node), {str(SSSOM.confidence): [literal]}, 1)
            if f.path == str(SSSOM.confidence)
            and not _known_pyshacl_deviation(f.component, f.value)
        }
        _, results, _ = pyshacl.validate(graph, shacl_graph=context.shapes, inference="none")
    expected = {
        str(results.value(r, SH.sourceConstraintComponent)).rsplit("#")[1]
        for r in results.subjects(SH.resultPath, SSSOM.confidence)
    }
    assert compiled == expected


def test_the_checker_refuses_a_constraint_it_cannot_evaluate():
    from govkg.submission.rowshapes import UnsupportedShapeError

    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix gks: <https://w3id.org/govkg/shapes#> .
        gks:SubmittedMapping sh:property gks:p .
        gks:p sh:path <urn:p> ; sh:class <urn:C> .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShapeError):
        RowChecker(shapes)


# --- command line and outputs -------------------------------------------------------------------


def test_text_output_one_finding_a_line(build_dir: Path, capsys: pytest.CaptureFixture[str]):
    case = MAPPINGS / "invalid" / "confidence.sssom.tsv"
    code = main(["validate", "-q", "--build-dir", str(build_dir), str(case)])
    out, _ = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"{case}:15: violation: confidence is one number within [0, 1]: got '1.5' (focus "
        "mset:test-confidence/tc-1-1--govern-1-1, path sssom:confidence, shape "
        "gks:SubmittedMapping-confidence)"
    )
    assert lines[-3].endswith("5 violation(s), 0 warning(s), 0 info(s): NOT fit to accept")


def test_strict_makes_warnings_fail(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    source = (MAPPINGS / "valid" / "minimal.sssom.tsv").read_text(encoding="utf-8")
    head = "".join(line + "\n" for line in source.splitlines()[:15])  # metadata and header
    path = tmp_path / "warning.sssom.tsv"  # a mapping the graph already holds: a warning
    path.write_text(
        head + "aiverify:tc-12-6\tgk:correspondsTo\tairmf:manage-2-1\t"
        "semapv:ManualMappingCuration\t0.6\thttps://orcid.org/0000-0002-1825-0097\n",
        encoding="utf-8",
    )
    assert main(["validate", "-q", "--build-dir", str(build_dir), str(path)]) == 0
    assert main(["validate", "-q", "--build-dir", str(build_dir), "--strict", str(path)]) == 1
    assert ": warning: set mset:ai-verify-ai-rmf-text-reuse " in capsys.readouterr().out


def test_json_output_follows_the_documented_schema(
    build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    cases = [
        MAPPINGS / "valid" / "minimal.sssom.tsv",
        MAPPINGS / "invalid" / "cycle.sssom.tsv",
        MAPPINGS / "unreadable" / "binary.sssom.tsv",
    ]
    code = main(
        ["validate", "-q", "--build-dir", str(build_dir), "--format", "json", *map(str, cases)]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 2 == document["exit_code"]
    assert document["schema"] == JSON_SCHEMA and document["conforms"] is False
    assert set(document) == {"schema", "govkg_version", "strict", "conforms", "exit_code", "files"}
    valid, cycle, binary = document["files"]
    assert set(valid) == {
        "path",
        "format",
        "readable",
        "error",
        "mapping_set",
        "mappings",
        "conforms",
        "exit_code",
        "counts",
        "findings",
        "omitted",
        "coverage",
    }
    assert valid["conforms"] and valid["mappings"] == 3 and valid["format"] == "sssom-tsv"
    assert valid["coverage"][0] == {
        "framework": "https://w3id.org/govkg/id/framework/ai-verify-testing-framework",
        "label": valid["coverage"][0]["label"],
        "role": "subject",
        "mapped": 3,
        "elements": valid["coverage"][0]["elements"],
        "percent": valid["coverage"][0]["percent"],
    }
    (finding,) = cycle["findings"]
    assert set(finding) == {
        "severity",
        "check",
        "message",
        "line",
        "column",
        "focus",
        "path",
        "shape",
        "component",
        "value",
    }
    assert finding["check"] == "consistency" and finding["line"] == 13
    assert binary["readable"] is False and binary["error"]["line"] == 1


def test_turtle_output_is_a_shacl_validation_report(
    build_dir: Path, capsys: pytest.CaptureFixture[str]
):
    case = MAPPINGS / "invalid" / "vocabulary.sssom.tsv"
    code = main(["validate", "-q", "--build-dir", str(build_dir), "--format", "turtle", str(case)])
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert code == 1
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 2
    for result in results:
        for prop in (
            SH.focusNode,
            SH.resultPath,
            SH.sourceShape,
            SH.resultSeverity,
            SH.resultMessage,
            SH.sourceConstraintComponent,
        ):
            assert graph.value(result, prop) is not None, prop


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]):
    assert main(["validate"]) == 2
    assert main(["validate", "--format", "xml", "x.tsv"]) == 2
    assert main(["export-mappings", "--format", "csv"]) == 2
    capsys.readouterr()


# --- the shipped examples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ai-verify-ai-rmf-text-reuse.sssom.tsv", "ai-verify-ai-rmf-text-reuse.ttl"]
)
def test_the_example_submission_validates(name: str, context: Context):
    report = _validate(EXAMPLES / name, context)
    assert report.exit_code(strict=True) == 0, [f.message for f in report.findings.findings()]
    assert report.mappings == 6


def test_the_invalid_examples_do_not(context: Context):
    examples = sorted(EXAMPLES.glob("invalid-*.sssom.tsv"))
    assert examples
    for path in examples:
        assert _validate(path, context).exit_code() == 1, path
