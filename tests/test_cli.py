"""The command line, called in-process through ``main(argv)``, plus one console-script smoke
test."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from govkg.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_csv_has_a_header_row_and_plain_values(capsys, build_dir: Path):
    code, out, _ = _run(
        capsys,
        "query",
        "cq08-economic-figures",
        "--format",
        "csv",
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert {"indicator", "indicatorLabel", "value", "unit", "year"} <= set(table[0])
    assert any(row["value"] == "22000000000" and row["unit"] == "SGD" for row in table)
    assert all(row["indicator"].startswith("https://w3id.org/govkg/id/") for row in table)


@pytest.mark.parametrize("fmt", ["table", "tsv", "json"])
def test_query_formats(capsys, build_dir: Path, fmt: str):
    code, out, _ = _run(
        capsys,
        "query",
        "cq01-fact-sheet-principles",
        "--format",
        fmt,
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0
    if fmt == "json":
        assert len(json.loads(out)["results"]["bindings"]) == 13
    elif fmt == "table":
        assert "explainability" in out and "(13 rows)" in out
    else:
        assert out.splitlines()[0].split("\t")[:2] == ["?principle", "?label"]


def test_query_from_a_file_and_from_stdin(capsys, monkeypatch, build_dir: Path, tmp_path: Path):
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    code, out, _ = _run(
        capsys, "query", str(rq), "--format", "csv", "--build-dir", str(build_dir), "-q"
    )
    assert code == 0 and int(out.splitlines()[1]) > 1000
    monkeypatch.setattr(sys, "stdin", io.StringIO("ASK { ?s ?p ?o }"))
    code, out, _ = _run(capsys, "query", "-", "--build-dir", str(build_dir), "-q")
    assert code == 0 and out == "true\n"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { ?s ?p }", "malformed query"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ],
)
def test_bad_queries_exit_2_with_one_line(capsys, monkeypatch, build_dir: Path, query, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    code, out, err = _run(capsys, "query", "-", "--build-dir", str(build_dir), "-q")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unknown_named_query_exits_2(capsys, build_dir: Path):
    code, _, err = _run(capsys, "query", "cq99-nothing", "--build-dir", str(build_dir))
    assert code == 2 and "no named query" in err


def test_queries_lists_names_with_summaries(capsys):
    code, out, _ = _run(capsys, "queries")
    assert code == 0
    assert any(
        line.startswith("cq13-organisation-ancestors") and "part of" in line
        for line in out.splitlines()
    )


def test_check_runs_the_qc_queries(capsys, build_dir: Path):
    code, out, _ = _run(capsys, "check", "--build-dir", str(build_dir), "-q")
    assert code == 0, out
    assert "qc/missing-label-violation" in out


def test_export_writes_parseable_turtle(capsys, build_dir: Path, tmp_path: Path):
    target = tmp_path / "out.ttl"
    code, _, _ = _run(
        capsys,
        "export",
        "--format",
        "turtle",
        "-o",
        str(target),
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0
    assert len(Graph().parse(target, format="turtle")) > 1000


def test_stats(capsys, build_dir: Path):
    code, out, _ = _run(capsys, "stats", "--build-dir", str(build_dir), "-q")
    assert code == 0 and "inferred triples" in out and "gk:Principle" in out
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert f"store: embedded {(build_dir / 'govkg.nq').resolve()}\n" in out
    assert f"build: {manifest['build_id']}\n" in out
    assert f"quads in store: {manifest['quads']}\n" in out
    code, out, _ = _run(capsys, "stats", "--build-dir", str(build_dir), "--format", "json", "-q")
    stats = json.loads(out)
    assert code == 0 and stats["build_id"] == manifest["build_id"]
    assert stats["quads"] == manifest["quads"] and stats["inferred"] > 0
    assert stats["classes"]["https://w3id.org/govkg/ontology#Principle"] > 0


def test_build_is_skipped_when_current(capsys, build_dir: Path):
    code, out, _ = _run(capsys, "build", "--build-dir", str(build_dir), "-q")
    assert code == 0 and "current" in out


def test_usage_errors_exit_2(capsys):
    assert main(["query"]) == 2
    assert main([]) == 2
    assert main(["export", "--format", "docx"]) == 2


def test_console_script_smoke():
    done = subprocess.run(
        [sys.executable, "-m", "govkg", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("govkg ")


def test_from_selects_one_graph_instead_of_the_union(capsys, monkeypatch, built):
    """SPARQL 1.1 Query section 13.2: FROM names the default graph; without it, the default
    graph is the union of all graphs."""
    build_dir, report = built
    graph = "https://w3id.org/govkg/graph/context/st-pgi-2021"
    counted = {}
    for name, query in {
        "from": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}",
        "union": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    }.items():
        monkeypatch.setattr(sys, "stdin", io.StringIO(query))
        code, out, _ = _run(
            capsys, "query", "-", "--format", "csv", "--build-dir", str(build_dir), "-q"
        )
        assert code == 0
        counted[name] = int(out.splitlines()[1])
    assert 0 < counted["from"] == report.graphs[graph]
    assert counted["union"] > 10000


def test_a_bad_query_file_is_named_with_its_line(capsys, build_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE {\n  ?s ?p\n}\n", encoding="utf-8")
    code, _, err = _run(capsys, "query", str(bad), "--build-dir", str(build_dir), "-q")
    assert code == 2
    assert re.match(rf"govkg: error: {re.escape(str(bad))}:\d+: malformed query", err), err


# --- issue 12, item 5: one id spelling everywhere ---------------------------------------------

OECD_IRI = "https://w3id.org/govkg/id/framework/oecd-ai-principles"
FRAMEWORK_SPELLINGS = [
    "oecd-ai-principles",
    "framework/oecd-ai-principles",
    OECD_IRI,
    f"<{OECD_IRI}>",
    "framework:oecd-ai-principles",
    "id:framework/oecd-ai-principles",
]


def test_every_spelling_of_a_framework_lists_the_same_elements(capsys, build_dir: Path):
    answers = {}
    for spelling in FRAMEWORK_SPELLINGS:
        code, out, err = _run(
            capsys,
            "query",
            "list-framework-elements",
            "--param",
            f"framework={spelling}",
            "--format",
            "csv",
            "--build-dir",
            str(build_dir),
            "-q",
        )
        assert code == 0, err
        answers[spelling] = out
    table = list(csv.DictReader(io.StringIO(answers[FRAMEWORK_SPELLINGS[0]])))
    assert table and {row["framework"] for row in table} == {OECD_IRI}  # issue 12: 0 rows
    assert len(set(answers.values())) == 1


@pytest.mark.parametrize(
    "spelling",
    [
        "govern-1",
        "nist-ai-rmf-1-0/govern-1",
        "framework/nist-ai-rmf-1-0/govern-1",
        "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1",
        "airmf:govern-1",
        "id:framework/nist-ai-rmf-1-0/govern-1",
    ],
)
def test_every_spelling_of_an_element_describes_it(capsys, build_dir: Path, spelling: str):
    code, out, err = _run(
        capsys,
        "query",
        "describe-element",
        "--param",
        f"element={spelling}",
        "--format",
        "csv",
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0, err
    elements = {row["element"] for row in csv.DictReader(io.StringIO(out))}
    assert elements == {"https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1"}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ai-verify-testing-framework", "nist-ai-rmf-1-0"),
        ("framework/ai-verify-testing-framework", "framework:nist-ai-rmf-1-0"),
        (
            "https://w3id.org/govkg/id/framework/ai-verify-testing-framework",
            "id:framework/nist-ai-rmf-1-0",
        ),
    ],
)
def test_report_crosswalk_takes_every_spelling(capsys, build_dir: Path, tmp_path: Path, a, b):
    code, out, err = _run(
        capsys,
        "report",
        "crosswalk",
        a,
        b,
        "--build-dir",
        str(build_dir),
        "-q",
        "--output-dir",
        str(tmp_path),
    )
    assert code == 0, err
    written = tmp_path / "ai-verify-testing-framework--nist-ai-rmf-1-0.csv"
    reference = tmp_path / "reference"
    code, _, _ = _run(
        capsys,
        "report",
        "crosswalk",
        "ai-verify-testing-framework",
        "nist-ai-rmf-1-0",
        "--build-dir",
        str(build_dir),
        "-q",
        "--output-dir",
        str(reference),
    )
    assert code == 0
    assert written.read_text() == (reference / written.name).read_text()
    assert "Govern" in written.read_text()


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "list-framework-elements", "--param", "framework=oecd-ai-principle"],
        ["report", "crosswalk", "oecd-ai-principle", "nist-ai-rmf-1-0"],
        ["report", "crosswalk", "nist-ai-rmf-1-0", "framework:oecd-ai-principle"],
    ],
)
def test_an_unknown_framework_exits_2_naming_the_close_match(capsys, build_dir: Path, argv):
    code, out, err = _run(capsys, *argv, "--build-dir", str(build_dir), "-q")
    assert code == 2 and out == ""
    assert err.startswith("govkg: error: unknown framework '")
    assert "did you mean framework/oecd-ai-principles?" in err
    assert len(err.strip().splitlines()) == 1


def test_an_ambiguous_element_exits_2_listing_the_candidates(capsys, build_dir: Path):
    code, out, err = _run(
        capsys,
        "query",
        "describe-element",
        "--param",
        "element=accountability",
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 2 and out == ""
    assert "ambiguous element 'accountability'" in err
    assert "framework/ai-verify-testing-framework/accountability" in err
    assert "principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability" in err


def test_a_misspelt_parameter_name_fails_before_any_build(capsys, tmp_path: Path):
    code, _, err = _run(
        capsys,
        "query",
        "list-framework-elements",
        "--param",
        "frameworks=x",
        "--build-dir",
        str(tmp_path / "never-built"),
        "-q",
    )
    assert code == 2 and "has no parameter 'frameworks' (it has: framework)" in err
    assert not (tmp_path / "never-built").exists()


@pytest.mark.parametrize(
    "spelling",
    [
        "ai-verify-ai-rmf-text-reuse",
        "mapping-set/ai-verify-ai-rmf-text-reuse",
        "https://w3id.org/govkg/id/mapping-set/ai-verify-ai-rmf-text-reuse",
        "mset:ai-verify-ai-rmf-text-reuse",
    ],
)
@pytest.mark.parametrize(
    "command", [("export", "--mappings"), ("export-mappings",)], ids=["export", "export-mappings"]
)
def test_export_mappings_set_takes_every_spelling(
    capsys, build_dir: Path, spelling: str, command: tuple[str, ...]
):
    code, out, err = _run(
        capsys,
        *command,
        "--format",
        "sssom-tsv",
        "--set",
        spelling,
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0, err
    assert "mapping-set/ai-verify-ai-rmf-text-reuse" in out
    assert "subject_id" in out


def test_export_mappings_unknown_set_names_the_close_match(capsys, build_dir: Path):
    code, _, err = _run(
        capsys,
        "export",
        "--mappings",
        "--format",
        "sssom-tsv",
        "--set",
        "ai-verify-ai-rmf-text-reus",
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 2
    assert "unknown mapping set 'ai-verify-ai-rmf-text-reus'; did you mean " in err
    assert "mapping-set/ai-verify-ai-rmf-text-reuse" in err


def test_export_formats_include_the_olir_tables():
    from govkg.cli import _parser

    for fmt in ("sssom-tsv", "olir-csv", "olir-xlsx"):
        args = _parser().parse_args(["export", "--format", fmt])
        assert args.format == fmt


def test_set_without_mappings_is_a_usage_error(capsys, build_dir: Path):
    code, _, err = _run(
        capsys, "export", "--format", "turtle", "--set", "x", "--build-dir", str(build_dir)
    )
    assert code == 2 and "--set chooses mapping sets" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["query", "--help"], ["oecd-ai-principles", "framework/oecd-ai-principles", "CURIE"]),
        (["report", "--help"], ["id path", "IRI", "CURIE"]),
        (["export", "--help"], ["id path", "IRI", "CURIE", "olir-csv"]),
    ],
)
def test_help_says_which_id_spellings_work(capsys, argv, words):
    code, out, _ = _run(capsys, *argv)
    flat = " ".join(out.split())
    assert code == 0 and all(w in flat for w in words), flat


def test_a_workspace_framework_in_every_spelling(capsys, monkeypatch, tmp_path: Path):
    """The example workspace's framework (examples/workspace, contract 7), imported and built:
    its ids are found under the workspace's namespace in every spelling."""
    table = Path(__file__).parents[1] / "examples" / "workspace" / "frameworks"
    workspace = tmp_path / "ws"
    namespace = "https://example.org/acme/"
    assert main(["init", str(workspace), "--namespace", namespace, "-q"]) == 0
    monkeypatch.chdir(workspace)
    monkeypatch.delenv("GOVKG_BUILD_DIR", raising=False)
    monkeypatch.delenv("GOVKG_WORKSPACE", raising=False)
    code, _, err = _run(capsys, "import", str(table / "acme-ai-policy.csv"), "-q")
    assert code == 0, err
    policy = f"{namespace}id/framework/acme-ai-policy"
    answers = set()
    for spelling in (
        "acme-ai-policy",
        "framework/acme-ai-policy",
        policy,
        "framework:acme-ai-policy",
        "id:framework/acme-ai-policy",
    ):
        code, out, err = _run(
            capsys,
            "query",
            "list-framework-elements",
            "--param",
            f"framework={spelling}",
            "--format",
            "csv",
            "-q",
        )
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows and {r["framework"] for r in rows} == {policy}
        answers.add(out)
    assert len(answers) == 1
    code, _, err = _run(capsys, "report", "crosswalk", "acme-ai-polcy", "nist-ai-rmf-1-0", "-q")
    assert code == 2 and "did you mean framework/acme-ai-policy?" in err


def test_queries_lists_parameters_with_what_they_take(capsys):
    code, out, _ = _run(capsys, "queries")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["list-framework-elements"].endswith("[framework=FRAMEWORK]")
    assert lines["describe-element"].endswith("[element=ELEMENT]")
    assert lines["compare-framework-coverage"].endswith(
        "[frameworkA=FRAMEWORK, frameworkB=FRAMEWORK]"
    )


def test_export_olir_csv_takes_a_set_in_any_spelling(capsys, build_dir: Path):
    code, out, err = _run(
        capsys,
        "export",
        "--mappings",
        "--format",
        "olir-csv",
        "--set",
        "mset:ai-verify-ai-rmf-text-reuse",
        "--build-dir",
        str(build_dir),
        "-q",
    )
    assert code == 0, err
    header = next(line for line in out.splitlines() if not line.startswith("#"))
    assert header.startswith("Focal Document Element,")
