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
