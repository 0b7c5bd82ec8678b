"""Framework submissions (govkg.submission.frameworks; docs/framework-submissions.md): the example
table and its SKOS twin give one govkg graph; each bad or hostile fixture of
tests/data/frameworks/cases gives exactly the findings beside it; the guards refuse with one
line, nothing written; an imported framework builds and mappings may reference its elements.
"""

from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib import BNode, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS

from govkg.build import build
from govkg.cli import main
from govkg.errors import InputError
from govkg.namespaces import GK
from govkg.paths import Layout
from govkg.spreadsheets import write_sheet
from govkg.submission import framework_table, limits
from govkg.submission.findings import FileReport
from govkg.submission.frameworks import (
    framework_for_import,
    is_framework_submission,
    validate_framework_file,
)
from govkg.submission.importing import ImportRefused
from govkg.submission.render import render
from govkg.submission.validate import Context, validate_file
from govkg.workspace import Workspace, init_workspace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "workspace" / "frameworks" / "acme-ai-policy.csv"
DATA = Path(__file__).parent / "data" / "frameworks"
SKOS_TWIN = DATA / "acme-ai-policy.skos.ttl"
CASES = sorted((DATA / "cases").glob("*.csv"))
ACME = "https://example.org/acme/"
POLICY = URIRef(ACME + "id/framework/acme-ai-policy")


def _context(layout: Layout, build_dir: Path, workspace: Workspace | None) -> Context:
    context = Context.load(layout, build_dir)
    context.layout = replace(layout, workspace=workspace)
    return context


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return init_workspace(tmp_path_factory.mktemp("ws") / "acme", "acme", ACME)


@pytest.fixture(scope="module")
def context(layout: Layout, build_dir: Path, workspace: Workspace) -> Context:
    return _context(layout, build_dir, workspace)


def _graph(path: Path, context: Context, metadata: Path | None = None) -> Graph:
    return framework_for_import(path, context, None, metadata, strict=True).graph


def _one_line_refusal(report: FileReport, pattern: str) -> None:
    assert report.error is not None and pattern in report.error, report.error
    assert "\n" not in report.error
    assert int(report.exit_code()) == 2


# -- the example and its forms --


def test_the_example_framework_is_fit_to_accept_even_strictly(context: Context):
    report = validate_framework_file(EXAMPLE, context)
    assert report.error is None
    assert report.findings.findings() == []
    assert report.mappings == 18
    assert report.mapping_set == str(POLICY)


def test_the_example_is_modelled_as_the_built_in_frameworks(context: Context):
    graph = _graph(EXAMPLE, context)
    assert (POLICY, RDF.type, GK.GovernanceFramework) in graph
    assert (POLICY, RDF.type, SKOS.ConceptScheme) in graph
    graph_iri = URIRef(ACME + "graph/frameworks/acme-ai-policy")
    assert (graph_iri, RDF.type, GK.SourceGraph) in graph
    source = URIRef(ACME + "id/source/acme-ai-use-policy-1-0")
    assert (source, RDF.type, GK.SourceDocument) in graph
    elements = set(graph.subjects(SKOS.inScheme, POLICY))
    assert len(elements) == 18
    assert all((e, DCTERMS.source, source) in graph for e in elements)
    assert all(str(e).startswith(f"{POLICY}/") for e in elements)
    tops = set(graph.objects(POLICY, SKOS.hasTopConcept))
    assert len(tops) == 5 and all((t, RDF.type, GK.Principle) in graph for t in tops)
    clause = URIRef(f"{POLICY}/risk-tiering")
    assert (clause, SKOS.broader, URIRef(f"{POLICY}/risk")) in graph
    assert (clause, RDF.type, GK.FrameworkElement) in graph
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)


def test_the_table_and_its_skos_twin_give_the_same_graph(context: Context):
    table, skos = _graph(EXAMPLE, context), _graph(SKOS_TWIN, context)
    if not isomorphic(table, skos):
        _, only_table, only_skos = graph_diff(to_isomorphic(table), to_isomorphic(skos))
        pytest.fail(
            f"only in the table: {sorted(only_table)[:5]}; only in SKOS: {sorted(only_skos)[:5]}"
        )


def test_the_table_as_xlsx_gives_the_same_graph(context: Context, tmp_path: Path):
    rows = list(csv.reader(EXAMPLE.read_text(encoding="utf-8").splitlines()))
    xlsx = tmp_path / "acme-ai-policy.xlsx"
    write_sheet(xlsx, {"Elements": rows})
    metadata = EXAMPLE.with_suffix(".yml")
    assert isomorphic(_graph(xlsx, context, metadata), _graph(EXAMPLE, context))


def test_an_xlsx_finding_names_its_cell(context: Context, tmp_path: Path):
    rows = [["id", "label", "parent"], ["top", "Top", ""], ["child", "Child", "nowhere"]]
    xlsx = tmp_path / "t.xlsx"
    write_sheet(xlsx, {"Elements": rows})
    report = validate_framework_file(xlsx, context, None, DATA / "cases" / "unknown-parent.yml")
    messages = [f.message for f in report.findings.findings()]
    assert any(m.startswith("cell Elements!C3: parent 'nowhere'") for m in messages), messages


@pytest.mark.parametrize("fmt", ["text", "json", "turtle"])
def test_reports_render_in_every_output_format(context: Context, fmt: str):
    report = validate_framework_file(DATA / "cases" / "cycle.csv", context)
    out = render([report], fmt, context.prefixes)
    assert "cycle" in out
    if fmt == "json":
        assert json.loads(out)["files"][0]["mappings"] == 4
        assert json.loads(out)["files"][0]["format"] == "framework-csv"


def test_the_text_summary_counts_a_frameworks_elements(capsys, build_dir: Path):
    """``govkg validate`` on a framework table says how many elements it holds, not mappings."""
    code = main(["validate", str(EXAMPLE), "--build-dir", str(build_dir)])
    summary = capsys.readouterr().out.splitlines()[-1]
    assert code == 0
    assert summary.startswith(f"{EXAMPLE}: 18 element(s) in framework <"), summary
    assert "acme-ai-policy>" in summary and "mapping(s)" not in summary


# -- bad and hostile input: the fixtures and their expected findings --


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_fixture_gives_exactly_its_findings(case: Path, context: Context):
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    report = validate_framework_file(case, context)
    if "error" in expected:
        _one_line_refusal(report, expected["error"])
        assert report.error_line == expected["line"]
        return
    found = [
        (f.line, f.severity.lower(), f.shape.rsplit("#", 1)[-1], f.message)
        for f in report.findings.findings()
    ]
    assert [(line, sev, shp) for line, sev, shp, _ in found] == [
        (e["line"], e["severity"], e["shape"]) for e in expected["findings"]
    ], found
    for (_, _, _, message), e in zip(found, expected["findings"], strict=True):
        assert e["message"] in message, (e["message"], message)
    assert int(report.exit_code()) == 1


def test_a_bad_fixture_is_never_imported(context: Context):
    with pytest.raises(ImportRefused):
        framework_for_import(DATA / "cases" / "cycle.csv", context, None, None, strict=False)


def test_a_line_past_the_limit_is_refused_naming_it(
    context: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(limits, "MAX_LINE", 1024)
    path = tmp_path / "huge.csv"
    path.write_text("id,label\ntop,Top\nlong," + "x" * 2048 + "\n", encoding="utf-8")
    (tmp_path / "huge.yml").write_text((DATA / "cases" / "cycle.yml").read_text("utf-8"), "utf-8")
    report = validate_framework_file(path, context)
    _one_line_refusal(report, "line longer than")
    assert report.error_line == 3


def test_too_many_elements_are_refused(
    context: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(framework_table, "MAX_ELEMENTS", 10)
    path = tmp_path / "many.csv"
    path.write_text("id,label\n" + "".join(f"e{i},E {i}\n" for i in range(11)), "utf-8")
    (tmp_path / "many.yml").write_text((DATA / "cases" / "cycle.yml").read_text("utf-8"), "utf-8")
    _one_line_refusal(validate_framework_file(path, context), "more than 10 elements")


def test_a_yaml_bomb_in_the_metadata_is_refused(context: Context, tmp_path: Path):
    path = tmp_path / "bomb.csv"
    path.write_text("id,label\ntop,Top\n", "utf-8")
    (tmp_path / "bomb.yml").write_text('a: &a ["x", "x"]\nb: [*a, *a, *a]\n', "utf-8")
    _one_line_refusal(validate_framework_file(path, context), "anchors and aliases")


def test_a_table_without_metadata_is_refused_saying_where_it_goes(context: Context, tmp_path: Path):
    path = tmp_path / "alone.csv"
    path.write_text("id,label\ntop,Top\n", "utf-8")
    _one_line_refusal(validate_framework_file(path, context), "alone.yml")


def _xlsx(path: Path, cells: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Elements"
    for row in cells:
        sheet.append(row)
    workbook.save(path)
    return path


def test_an_xlsx_formula_is_one_line_exit_2_and_nothing_written(
    context: Context, workspace: Workspace, tmp_path: Path
):
    path = _xlsx(tmp_path / "formula.xlsx", [["id", "label"], ["top", "=HYPERLINK(1)"]])
    report = validate_framework_file(path, context, None, EXAMPLE.with_suffix(".yml"))
    _one_line_refusal(report, "Elements!B2")
    with pytest.raises(InputError, match="Elements!B2"):
        framework_for_import(path, context, None, EXAMPLE.with_suffix(".yml"), strict=False)
    assert list(workspace.frameworks.glob("*.ttl")) == []


def test_an_xlsx_external_link_is_one_line_exit_2(context: Context, tmp_path: Path):
    path = _xlsx(tmp_path / "link.xlsx", [["id", "label"], ["top", "Top"]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "xl/externalLinks/externalLink1.xml",
            '<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"/>',
        )
    report = validate_framework_file(path, context, None, EXAMPLE.with_suffix(".yml"))
    _one_line_refusal(report, "externalLink1.xml")


# -- telling frameworks from mappings; no workspace; replacing --


def test_framework_submissions_are_told_from_mapping_sets():
    mappings = ROOT / "tests" / "data" / "mappings" / "valid"
    assert is_framework_submission(EXAMPLE, None, None)
    assert is_framework_submission(SKOS_TWIN, None, None)
    assert is_framework_submission(Path("x.csv"), "framework-csv", None)
    assert not is_framework_submission(mappings / "minimal.sssom.tsv", None, None)
    assert not is_framework_submission(mappings / "set.ttl", None, None)
    assert not is_framework_submission(mappings / "plain.csv", None, None)
    assert not is_framework_submission(ROOT / "no-such-file.csv", None, None)


def test_without_a_workspace_validation_works_with_a_warning(layout: Layout, build_dir: Path):
    context = _context(layout, build_dir, None)
    report = validate_framework_file(EXAMPLE, context)
    findings = report.findings.findings()
    assert [f.severity for f in findings] == ["Warning"]
    assert "govkg init" in findings[0].message
    assert int(report.exit_code()) == 0 and int(report.exit_code(strict=True)) == 1
    with pytest.raises(InputError, match="govkg init"):
        framework_for_import(EXAMPLE, context, None, None, strict=False)


def test_an_existing_framework_is_replaced_only_when_asked(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    workspace = init_workspace(tmp_path / "ws", "acme", ACME)
    context = _context(layout, build_dir, workspace)
    (workspace.frameworks / "acme-ai-policy.ttl").write_text("# an earlier import\n", "utf-8")
    report = validate_framework_file(EXAMPLE, context)
    assert [f.shape.rsplit("#", 1)[-1] for f in report.findings.findings()] == ["NoCollision"]
    with pytest.raises(InputError, match="--replace"):
        framework_for_import(EXAMPLE, context, None, None, strict=True)
    imported = framework_for_import(EXAMPLE, context, None, None, strict=True, replace=True)
    assert imported.key == "acme-ai-policy" and imported.elements == 18


# -- imported and built: mappings may reference the new elements --


MAPPING = """\
#curie_map:
#  acme: https://example.org/acme/id/framework/acme-ai-policy/
#  airmf: https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/
#mapping_set_id: https://w3id.org/govkg/id/mapping-set/test-acme-policy-airmf
#mapping_set_title: Test set mapping the fictional Acme policy onto the AI RMF
#creator_id: https://orcid.org/0000-0002-1825-0097
#license: https://creativecommons.org/licenses/by/4.0/
#publication_date: 2026-03-02
#subject_source: https://example.org/acme/id/framework/acme-ai-policy
#object_source: https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0
#source_document: https://example.org/acme/id/source/acme-ai-use-policy-1-0
subject_id\tpredicate_id\tobject_id\tmapping_justification\tauthor_id
acme:governance-inventory\tskos:closeMatch\tairmf:govern-1-6\tsemapv:ManualMappingCuration\thttps://orcid.org/0000-0002-1825-0097
"""


def test_an_imported_framework_builds_and_mappings_may_reference_it(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    workspace = init_workspace(tmp_path / "ws", "acme", ACME)
    imported = framework_for_import(
        EXAMPLE, _context(layout, build_dir, workspace), None, None, strict=True
    )
    target = workspace.frameworks / f"{imported.key}.ttl"
    target.write_text(imported.graph.serialize(format="turtle"), "utf-8")
    with_workspace = replace(layout, workspace=workspace)
    build(with_workspace, tmp_path / "build")
    context = Context.load(with_workspace, tmp_path / "build")
    assert context.index.elements[f"{POLICY}/governance-inventory"] == str(POLICY)
    mapping = tmp_path / "acme--airmf.sssom.tsv"
    mapping.write_text(MAPPING, "utf-8")
    report = validate_file(mapping, context)
    violations = [f for f in report.findings.findings() if f.severity == "Violation"]
    assert report.error is None and violations == [], violations
    context.layout = with_workspace  # type: ignore[attr-defined]
    again = validate_framework_file(EXAMPLE, context)
    assert [(f.severity, f.shape.rsplit("#", 1)[-1]) for f in again.findings.findings()] == [
        ("Warning", "NoCollision")
    ]
    second = tmp_path / "acme-second-policy.csv"
    second.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    meta = EXAMPLE.with_suffix(".yml").read_text("utf-8")
    second.with_suffix(".yml").write_text(meta.replace("id: acme-ai-policy", "id: acme-2"), "utf-8")
    shared = validate_framework_file(second, context).findings.findings()
    assert sorted(f.focus or "" for f in shared) == [
        ACME + "id/agent/acme-robotics",
        ACME + "id/source/acme-ai-use-policy-1-0",
    ]
    assert all(f.severity == "Warning" and "already described" in f.message for f in shared)


# -- a large framework: pySHACL on one element per profile gives the findings of a whole run --


def _large_framework(folder: Path) -> Path:
    """A framework of 400 elements in a few profiles, some of them wrong in the data shapes'
    eyes: principles without notation (no position), categories under categories, risks
    without definition."""
    rows = ["id,notation,label,text,definition,parent,kind"]
    for f in range(8):
        rows.append(f"f{f},F{f},Function {f},Text.,,,function")
        for c in range(7):
            parent = f"f{f}" if c % 3 else f"f{f}-c0"
            rows.append(f"f{f}-c{c},F{f}.{c},Category {f}.{c},Text.,,{parent},category")
            for s in range(5):
                rows.append(f"f{f}-c{c}-s{s},F{f}.{c}.{s},Sub {s},Text.,,f{f}-c{c},subcategory")
    for p in range(60):
        notation = str(p) if p % 2 else ""
        rows.append(f"p{p},{notation},Principle {p},Text.,,,principle")
    for r in range(52):
        definition = "A risk." if r % 4 else ""
        rows.append(f"r{r},R{r},Risk {r},,{definition},,risk")
    path = folder / "large.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    path.with_suffix(".yml").write_text(
        (DATA / "cases" / "cycle.yml").read_text("utf-8").replace("test-cycle", "test-large"),
        "utf-8",
    )
    return path


def test_a_large_framework_gets_the_findings_of_a_whole_pyshacl_run(
    context: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from govkg.submission import framework_shacl

    path = _large_framework(tmp_path)

    def findings() -> set[tuple[object, ...]]:
        report = validate_framework_file(path, context, limit=None)
        return {
            (f.line, f.severity, f.shape, f.focus, f.path, f.value, f.message)
            for f in report.findings.findings()
        }

    sampled = findings()
    monkeypatch.setattr(framework_shacl, "SAMPLE_ABOVE", 10**9)
    whole = findings()
    assert sampled == whole
    shapes = {shape.rsplit("#", 1)[-1] for _, _, shape, *_ in whole}
    assert {"Category-parent", "Principle-position"} <= shapes, shapes
    assert len(whole) > 50


# -- SKOS and RDF input --


def test_skos_iris_outside_the_framework_are_refused(context: Context):
    report = validate_framework_file(DATA / "skos-outside-namespace.ttl", context)
    assert report.input_format == "framework-skos"
    found = {(f.line, f.shape.rsplit("#", 1)[-1]) for f in report.findings.findings()}
    assert {(22, "InWorkspaceNamespace"), (27, "ElementId"), (27, "ParentExists")} <= found
    warnings = [f.message for f in report.findings.findings() if f.severity == "Warning"]
    assert any("core#scopeNote> is not read" in m for m in warnings), warnings
    assert int(report.exit_code()) == 1


def test_broken_turtle_is_one_line_naming_the_line(context: Context, tmp_path: Path):
    path = tmp_path / "broken.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://example.org/acme/id/framework/x> a skos:ConceptScheme ;\n"
        "    skos:prefLabel 'x'@en\n"
        "<y> a skos:Concept .\n",
        "utf-8",
    )
    report = validate_framework_file(path, context, "framework-skos")
    assert report.error is not None and "\n" not in report.error
    assert int(report.exit_code()) == 2


def test_a_skos_file_holds_exactly_one_scheme(context: Context, tmp_path: Path):
    path = tmp_path / "two.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://example.org/acme/id/framework/a> a skos:ConceptScheme .\n"
        "<https://example.org/acme/id/framework/b> a skos:ConceptScheme .\n",
        "utf-8",
    )
    _one_line_refusal(validate_framework_file(path, context), "holds 2")


def test_a_nul_byte_is_refused(context: Context, tmp_path: Path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,label\ntop,T\x00p\n")
    (tmp_path / "nul.yml").write_text((DATA / "cases" / "cycle.yml").read_text("utf-8"), "utf-8")
    report = validate_framework_file(path, context)
    _one_line_refusal(report, "NUL byte")
    assert report.error_line == 2


# -- the command line: validate and import dispatch framework submissions here --


def test_the_command_line_validates_and_imports_a_framework(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from govkg.cli import main

    workspace = init_workspace(tmp_path / "ws", "acme", ACME)
    flags = ["--workspace", str(workspace.root), "-q"]
    assert main(["validate", *flags, str(EXAMPLE)]) == 0
    assert "fit to accept" in capsys.readouterr().out
    assert main(["validate", *flags, str(DATA / "cases" / "cycle.csv")]) == 1
    assert "a → c → b → a" in capsys.readouterr().out
    assert main(["validate", *flags, str(DATA / "cases" / "not-utf8.csv")]) == 2
    assert main(["import", *flags, str(DATA / "cases" / "cycle.csv")]) == 1
    assert list(workspace.frameworks.glob("*.ttl")) == []
    assert main(["import", *flags, str(EXAMPLE)]) == 0
    assert (workspace.frameworks / "acme-ai-policy.ttl").is_file()
    assert main(["import", *flags, str(EXAMPLE)]) == 2  # exists: --replace to replace it
    assert main(["import", *flags, "--replace", str(EXAMPLE)]) == 0


def test_skos_narrower_gives_the_parent_and_one_language_is_read(context: Context, tmp_path: Path):
    path = tmp_path / "bilingual.ttl"
    path.write_text(
        """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix f: <https://example.org/acme/id/framework/bilingual/> .
<https://example.org/acme/id/framework/bilingual> a skos:ConceptScheme ;
    skos:prefLabel "Cadre bilingue"@fr , "Bilingual framework"@en ;
    dcterms:publisher <https://example.org/acme/id/agent/govkg-tests> ;
    dcterms:source <https://example.org/acme/id/source/test-source> .
<https://example.org/acme/id/agent/govkg-tests> rdfs:label "govkg tests"@en .
<https://example.org/acme/id/source/test-source> dcterms:title "A made-up source"@en ;
    <http://www.w3.org/ns/dcat#landingPage> <https://example.org/tests/source> .
f:top a skos:Concept ; skos:topConceptOf <https://example.org/acme/id/framework/bilingual> ;
    skos:inScheme <https://example.org/acme/id/framework/bilingual> ;
    skos:prefLabel "Haut"@fr , "Top"@en ; skos:narrower f:child .
f:child a skos:Concept ; skos:inScheme <https://example.org/acme/id/framework/bilingual> ;
    skos:prefLabel "Enfant"@fr , "Child"@en .
""",
        "utf-8",
    )
    imported = framework_for_import(path, context, None, None, strict=False)
    child = URIRef(ACME + "id/framework/bilingual/child")
    assert (child, SKOS.broader, URIRef(ACME + "id/framework/bilingual/top")) in imported.graph
    assert {str(v) for v in imported.graph.objects(child, SKOS.prefLabel)} == {"Child"}
    warnings = [f.message for f in imported.report.findings.findings()]
    assert any(m.startswith("3 label(s) or text(s) in languages other than 'en'") for m in warnings)
