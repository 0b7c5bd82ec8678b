"""A workspace built, checked, queried, served and imported into (issue 12, item 1;
docs/workspaces.md): its files go into their own named graphs through the same gates as
``data/`` (data conventions, SHACL naming file and line, OWL 2 RL, QC queries, the manifest
and the incremental validation), and ``govkg import`` writes into it atomically, one import
at a time."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from govkg_process import run_govkg
from rdflib import Graph, URIRef

from govkg.build import MANIFEST, REPORT, build, is_current, verify_build
from govkg.cli import main
from govkg.errors import ExitCode
from govkg.paths import Layout, bundled_layout
from govkg.querying import open_built, run_qc, run_query
from govkg.results import rows
from govkg.search_index import SEARCH_INDEX
from govkg.workspace import Workspace, init_workspace, load_workspace

NS = "https://example.org/demo/"
KILLED = -9

SOURCES = f"""\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix gk: <https://w3id.org/govkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{NS}graph/sources/demo> a gk:SourceGraph ;
    rdfs:label "Demo source documents (fictional)"@en ;
    prov:wasDerivedFrom <{NS}id/source/demo-policy> .

<{NS}id/source/demo-policy> a gk:SourceDocument ;
    dcterms:title "Demo AI policy (fictional)"@en ;
    rdfs:label "Demo AI policy (fictional)"@en ;
    dcat:landingPage <{NS}policy> .
"""

FRAMEWORK = f"""\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix gk: <https://w3id.org/govkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix demo: <{NS}id/framework/demo-policy/> .

<{NS}graph/frameworks/demo-policy> a gk:SourceGraph ;
    rdfs:label "Demo AI policy (fictional): the framework"@en ;
    prov:wasDerivedFrom <{NS}id/source/demo-policy> .

<{NS}id/framework/demo-policy> a gk:GovernanceFramework , skos:ConceptScheme ;
    dcterms:publisher <https://w3id.org/govkg/id/organisation/nist> ;
    dcterms:source <{NS}id/source/demo-policy> ;
    dcterms:title "Demo AI policy"@en ;
    rdfs:label "Demo AI policy"@en ;
    skos:prefLabel "Demo AI policy"@en ;
    skos:hasTopConcept demo:oversight .

demo:oversight a gk:FrameworkElement , skos:Concept ;
    dcterms:source <{NS}id/source/demo-policy> ;
    rdfs:label "Human oversight"@en ;
    skos:prefLabel "Human oversight"@en ;
    skos:notation "1" ;
    skos:inScheme <{NS}id/framework/demo-policy> ;
    skos:topConceptOf <{NS}id/framework/demo-policy> ;
    gk:position 1 .

demo:oversight-review a gk:FrameworkElement , skos:Concept ;
    dcterms:source <{NS}id/source/demo-policy> ;
    rdfs:label "Human review of decisions"@en ;
    skos:prefLabel "Human review of decisions"@en ;
    skos:notation "1.1" ;
    skos:inScheme <{NS}id/framework/demo-policy> ;
    skos:broader demo:oversight ;
    gk:position 1 .
"""


def _mappings(
    tmp_path: Path,
    key: str,
    predicate: str = "skos:relatedMatch",
    subject: str = "demo:oversight-review",
    source: str = "demofw:demo-policy",
) -> Path:
    """A one-mapping SSSOM set ``key``: SUBJECT PREDICATE airmf:govern-1-1 (by default the
    workspace's demo:oversight-review), every prefix declared."""
    text = f"""\
#curie_map:
#  demo: {NS}id/framework/demo-policy/
#  demofw: {NS}id/framework/
#  aiverify: https://w3id.org/govkg/id/framework/ai-verify-testing-framework/
#  airmf: https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/
#  framework: https://w3id.org/govkg/id/framework/
#  source: https://w3id.org/govkg/id/source/
#  skos: http://www.w3.org/2004/02/skos/core#
#  semapv: https://w3id.org/semapv/vocab/
#mapping_set_id: https://w3id.org/govkg/id/mapping-set/{key}
#mapping_set_title: Demo policy onto the AI RMF ({key}; fictional, for tests)
#creator_id: https://orcid.org/0000-0002-1825-0097
#license: https://creativecommons.org/licenses/by/4.0/
#publication_date: 2026-01-15
#subject_source: {source if ":" in source else "framework:" + source}
#object_source: framework:nist-ai-rmf-1-0
#source_document: source:aiverify-process-checklist
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tauthor_id
{subject}\t{predicate}\tairmf:govern-1-1\tsemapv:ManualMappingCuration\t0.8\t\
https://orcid.org/0000-0002-1825-0097
"""
    path = tmp_path / f"{key}.sssom.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def _layout(workspace: Workspace) -> Layout:
    return replace(bundled_layout(), workspace=workspace)


@pytest.fixture(scope="module")
def built_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace with one framework and its source document, built into its build/."""
    workspace = init_workspace(tmp_path_factory.mktemp("ws") / "demo", namespace=NS)
    (workspace.sources / "demo.ttl").write_text(SOURCES, encoding="utf-8")
    (workspace.frameworks / "demo-policy.ttl").write_text(FRAMEWORK, encoding="utf-8")
    build(_layout(workspace), workspace.build)
    return workspace


@pytest.fixture
def workspace(built_workspace: Workspace, tmp_path: Path) -> Workspace:
    """A copy of the built workspace (its build link copied as a link), for tests that change
    it."""
    target = tmp_path / "demo"
    shutil.copytree(built_workspace.root, target, symlinks=True)
    return load_workspace(target)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVKG_WORKSPACE", raising=False)
    monkeypatch.delenv("GOVKG_BUILD_DIR", raising=False)


def _govkg(*args: str, cwd: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_govkg(*args, cwd=cwd, fault=fault, unset=("GOVKG_WORKSPACE", "GOVKG_BUILD_DIR"))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for folder_ in ("frameworks", "crosswalks", "sources")
        for p in (folder / folder_).rglob("*")
        if p.is_file()
    }


# --- the build -----------------------------------------------------------------------------


def test_workspace_files_are_named_graphs_of_the_build(built_workspace: Workspace):
    """Each workspace file is its own named graph <namespace>graph/<folder>/<key>, recorded
    in the report, the manifest (as workspace/...) and the build's metadata; the build goes
    to <workspace>/build and verifies."""
    workspace = built_workspace
    report = json.loads((workspace.build / REPORT).read_text(encoding="utf-8"))
    framework_graph = workspace.graph_iri("frameworks", "demo-policy")
    assert report["graphs"][str(framework_graph)] > 20
    assert str(workspace.graph_iri("sources", "demo")) in report["graphs"]
    assert report["elements"][f"{NS}id/framework/demo-policy"] == {"FrameworkElement": 2}
    manifest = json.loads((workspace.build / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["graphs"]["workspace/frameworks/demo-policy.ttl"] == str(framework_graph)
    assert "workspace/sources/demo.ttl" in manifest["files"]
    assert verify_build(workspace.build).quads > 11000
    store = open_built(_layout(workspace), workspace.build)
    found = rows(
        run_query(
            store,
            f"""SELECT ?name WHERE {{ GRAPH <https://w3id.org/govkg/graph/meta> {{
                <{framework_graph}> <http://purl.org/dc/terms/identifier> ?name }} }}""",
        )
    )
    assert [r["name"] for r in found] == ["workspace/frameworks/demo-policy.ttl"]


def test_the_workspace_passes_the_qc_queries_and_answers_named_queries(
    built_workspace: Workspace,
):
    layout = _layout(built_workspace)
    store = open_built(layout, built_workspace.build)
    assert [r.query.name for r in run_qc(layout, store) if not r.passed] == []
    text = (layout.queries / "list-framework-elements.rq").read_text(encoding="utf-8")
    text = text.replace("?_framework", f"<{NS}id/framework/demo-policy>")
    elements = {r["element"] for r in rows(run_query(store, text))}
    assert elements == {
        f"{NS}id/framework/demo-policy/oversight",
        f"{NS}id/framework/demo-policy/oversight-review",
    }


def test_the_search_index_is_in_the_manifest_and_holds_the_workspace(
    built_workspace: Workspace,
):
    """Contract 5: search.sqlite is written into the versioned build folder, listed and
    verified by the manifest, and indexes the workspace's elements too."""
    manifest = verify_build(built_workspace.build)
    assert SEARCH_INDEX in manifest.artefacts
    with sqlite3.connect(built_workspace.build / SEARCH_INDEX) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
        found = {
            row[0] for table in tables for row in _iris(connection, table) if row[0].startswith(NS)
        }
    assert f"{NS}id/framework/demo-policy/oversight-review" in found


def _iris(connection: sqlite3.Connection, table: str) -> list[tuple[str]]:
    columns = [r[1] for r in connection.execute(f"PRAGMA table_info('{table}')")]
    if "iri" not in columns:
        return []
    return list(connection.execute(f"SELECT iri FROM '{table}'"))


def test_a_changed_workspace_file_makes_the_build_stale_and_is_revalidated_incrementally(
    workspace: Workspace,
):
    layout = _layout(workspace)
    assert is_current(layout, workspace.build)
    path = workspace.frameworks / "demo-policy.ttl"
    path.write_text(
        FRAMEWORK.replace(
            '"Human oversight"@en ;', '"Human oversight"@en ;\n    skos:altLabel "HO"@en ;', 1
        ),
        encoding="utf-8",
    )
    assert not is_current(layout, workspace.build)
    report = build(layout, workspace.build)
    assert report.validation == "incremental"
    assert is_current(layout, workspace.build)
    (workspace.config).write_text(
        workspace.config.read_text(encoding="utf-8").replace('name = "demo"', 'name = "demo2"'),
        encoding="utf-8",
    )
    assert not is_current(
        replace(layout, workspace=load_workspace(workspace.root)), workspace.build
    )


def test_the_shapes_gate_refuses_a_bad_workspace_file_naming_file_and_line(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_environment: None,
):
    """An element without a label: `govkg build` in the workspace exits 1 naming the file and
    the line of the element, and the last build stays live."""
    live = workspace.build.resolve()
    path = workspace.frameworks / "demo-policy.ttl"
    path.write_text(
        FRAMEWORK.replace('    rdfs:label "Human review of decisions"@en ;\n', ""), encoding="utf-8"
    )
    line = next(
        n
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if text.startswith("demo:oversight-review ")
    )
    monkeypatch.chdir(workspace.root)
    assert main(["build", "-q"]) == ExitCode.VIOLATIONS
    err = capsys.readouterr().err
    assert f"{path}:{line}: violation: needs exactly one rdfs:label" in err
    assert f"focus {NS}id/framework/demo-policy/oversight-review" in err
    assert workspace.build.resolve() == live


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda t: t.replace(" a gk:SourceGraph ;", " a gk:Thing ;", 1),
            "must describe its own graph",
        ),
        (lambda t: t.replace("gk:position 1 .", "gk:position [ gk:x 1 ] .", 1), "blank nodes"),
        (lambda t: t.replace('skos:notation "1" ;', 'skos:notation "1" ', 1), "syntax error"),
    ],
)
def test_the_data_conventions_apply_to_workspace_files(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_environment: None,
    change: object,
    says: str,
):
    path = workspace.frameworks / "demo-policy.ttl"
    assert callable(change)
    path.write_text(change(FRAMEWORK), encoding="utf-8")
    monkeypatch.chdir(workspace.root)
    assert main(["build", "-q"]) == ExitCode.INPUT_ERROR
    err = capsys.readouterr().err
    assert f"govkg: error: {path}" in err and says in err


def test_a_qc_query_catches_what_the_shapes_let_through(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_environment: None,
):
    """A workspace element whose parent is in another framework passes SHACL but fails the
    QC query broader-outside-scheme: `govkg check` in the workspace exits 1 and names it."""
    path = workspace.frameworks / "demo-policy.ttl"
    path.write_text(
        FRAMEWORK.replace(
            "skos:broader demo:oversight ;",
            "skos:broader <https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1> ;",
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(workspace.root)
    assert main(["build", "-q"]) == ExitCode.OK
    capsys.readouterr()
    assert main(["check", "-q"]) == ExitCode.VIOLATIONS
    out = capsys.readouterr().out
    assert "FAIL (1 rows)" in out and "broader-outside-scheme" in out
    assert f"{NS}id/framework/demo-policy/oversight-review" in out


# --- the endpoint --------------------------------------------------------------------------


def test_the_endpoint_serves_the_workspace(built_workspace: Workspace, clean_environment: None):
    from govkg.web.config import WebConfig
    from govkg.web.dataset import open_dataset

    config = WebConfig.from_env({}, layout=_layout(built_workspace))
    assert config.build_dir == built_workspace.build
    store = open_dataset(config)
    found = rows(
        run_query(
            store,
            f"SELECT ?e WHERE {{ ?e <http://www.w3.org/2004/02/skos/core#inScheme> "
            f"<{NS}id/framework/demo-policy> }}",
        )
    )
    assert len(found) == 2


# --- import --------------------------------------------------------------------------------


def test_import_writes_a_mapping_set_into_the_workspace_and_the_build_takes_it(
    workspace: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_environment: None,
):
    """A set mapping a workspace element onto the AI RMF is imported as crosswalks/<key>.ttl
    (its own graph, described as a gk:SourceGraph); the build then serves the mapping."""
    submission = _mappings(tmp_path, "demo-related")
    monkeypatch.chdir(workspace.root)
    assert main(["import", "-q", str(submission)]) == ExitCode.OK
    target = workspace.crosswalks / "demo-related.ttl"
    assert f"as {target}" in capsys.readouterr().out
    graph_iri = workspace.graph_iri("crosswalks", "demo-related")
    graph = Graph().parse(target, format="turtle")
    assert (graph_iri, None, URIRef("https://w3id.org/govkg/ontology#SourceGraph")) in graph
    assert main(["import", "-q", str(submission)]) == ExitCode.INPUT_ERROR
    assert "--replace" in capsys.readouterr().err
    assert main(["build", "-q"]) == ExitCode.OK
    capsys.readouterr()
    layout = _layout(workspace)
    store = open_built(layout, workspace.build)
    found = rows(
        run_query(
            store,
            f"""SELECT ?o WHERE {{ GRAPH <https://w3id.org/govkg/graph/mappings> {{
            <{NS}id/framework/demo-policy/oversight-review> ?p ?o }} }}""",
        )
    )
    assert [r["o"] for r in found] == [
        "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1-1"
    ]
    assert [r.query.name for r in run_qc(layout, store) if not r.passed] == []


def test_outside_any_workspace_an_installed_govkg_says_to_run_init(tmp_path: Path, build_dir: Path):
    """An installed govkg (no checkout) with no workspace and no --data-dir has nowhere to
    write: the submission is validated, then refused with the advice to run `govkg init`."""
    from govkg.errors import InputError
    from govkg.submission.importing import import_submission

    installed = Layout(root=bundled_layout().root, checkout=False)
    submission = _mappings(
        tmp_path, "builtin-related", subject="aiverify:tc-1-1", source="ai-verify-testing-framework"
    )
    with pytest.raises(InputError, match=r"govkg init DIR"):
        import_submission(submission, installed, build_dir)


IMPORT_POINTS = ["import:after-validate", "import:before-rename", "import:after-write"]


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_an_import_killed_at_any_step_leaves_the_workspace_as_it_was(
    workspace: Workspace, tmp_path: Path, point: str
):
    """SIGKILL at each step of `govkg import` in a workspace: its folders hold the old files
    (and the new one only once complete); the next import removes the temporary file."""
    before = _files(workspace.root)
    submission = _mappings(tmp_path, "demo-related")
    done = _govkg("import", "-q", str(submission), cwd=workspace.root, fault=point)
    assert done.returncode == KILLED, (point, done.returncode, done.stderr)
    after = {n: b for n, b in _files(workspace.root).items() if not n.endswith(".tmp")}
    if point == "import:after-write":
        assert set(after) - set(before) == {"crosswalks/demo-related.ttl"}
        assert {name: after[name] for name in before} == before
        return
    assert after == before
    again = _govkg("import", "-q", str(submission), cwd=workspace.root)
    assert again.returncode == 0, again.stderr
    assert not list(workspace.crosswalks.glob(".*.tmp"))


def test_contradicting_imports_in_parallel_never_both_pass(workspace: Workspace, tmp_path: Path):
    """Two imports of contradicting sets started together in one workspace: at most one is
    written (the other is refused, 1, or finds the workspace busy, 5); the build and the QC
    queries then pass."""
    related = _mappings(tmp_path, "demo-related", "skos:relatedMatch")
    exact = _mappings(tmp_path, "demo-exact", "skos:exactMatch")
    environment = {
        k: v for k, v in os.environ.items() if k not in ("GOVKG_FAULT", "GOVKG_BUILD_DIR")
    }
    environment["GOVKG_WORKSPACE"] = str(workspace.root)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "govkg", "import", "-q", str(p)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=tmp_path,
        )
        for p in (related, exact)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    codes = [run.returncode for run in runs]
    assert sorted(codes) in ([0, 1], [0, 5]), (codes, outputs)
    written = sorted(p.name for p in workspace.crosswalks.glob("demo-*.ttl"))
    assert len(written) == 1, written
    layout = _layout(workspace)
    build(layout, workspace.build)
    store = open_built(layout, workspace.build)
    assert [r.query.name for r in run_qc(layout, store) if not r.passed] == []


def test_an_import_while_another_holds_the_workspace_is_refused(
    workspace: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clean_environment: None,
):
    import fcntl

    submission = _mappings(tmp_path, "demo-related")
    with workspace.lock.open("w") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        stream.write(f"{os.getpid()}\n")
        stream.flush()
        monkeypatch.chdir(workspace.root)
        code = main(["import", "-q", str(submission)])
    assert code == ExitCode.BUSY
    assert f"{workspace.root}: another govkg build or import holds this folder" in (
        capsys.readouterr().err
    )
    assert not (workspace.crosswalks / "demo-related.ttl").exists()


# --- frameworks and OLIR through the CLI -----------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "workspace"


def test_a_framework_table_is_imported_into_frameworks_and_replaced_only_when_asked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_environment: None,
):
    """`govkg import` dispatches a framework submission (contract 2) and writes it to
    <workspace>/frameworks/<key>.ttl, which the next build loads into its own graph."""
    workspace = init_workspace(tmp_path / "acme", namespace="https://example.org/acme/")
    table = EXAMPLE / "frameworks" / "acme-ai-policy.csv"
    monkeypatch.chdir(workspace.root)
    assert main(["import", "-q", str(table)]) == ExitCode.OK
    target = workspace.frameworks / "acme-ai-policy.ttl"
    assert "imported framework https://example.org/acme/id/framework/acme-ai-policy" in (
        capsys.readouterr().out
    )
    written = target.read_bytes()
    assert main(["import", "-q", str(table)]) == ExitCode.INPUT_ERROR
    assert "--replace" in capsys.readouterr().err
    assert main(["import", "-q", "--replace", str(table)]) == ExitCode.OK
    assert target.read_bytes() == written
    assert main(["import", "-q", "--data-dir", str(tmp_path), str(table)]) == ExitCode.INPUT_ERROR
    assert "leave out --data-dir" in capsys.readouterr().err
    report = build(_layout(workspace), workspace.build)
    graph = workspace.graph_iri("frameworks", "acme-ai-policy")
    assert report.graphs[str(graph)] > 100


def test_a_framework_import_killed_before_its_rename_writes_nothing(tmp_path: Path):
    workspace = init_workspace(tmp_path / "acme", namespace="https://example.org/acme/")
    table = EXAMPLE / "frameworks" / "acme-ai-policy.csv"
    done = _govkg("import", "-q", str(table), cwd=workspace.root, fault="import:before-rename")
    assert done.returncode == KILLED, done.stderr
    assert [p.name for p in workspace.frameworks.iterdir() if p.suffix == ".ttl"] == []


def test_olir_xlsx_export_needs_an_output_file(
    built_workspace: Workspace, capsys: pytest.CaptureFixture[str], clean_environment: None
):
    code = main(
        ["export-mappings", "-q", "--workspace", str(built_workspace.root), "--format", "olir-xlsx"]
    )
    assert code == ExitCode.INPUT_ERROR
    assert "olir-xlsx writes a binary file: name it with -o" in capsys.readouterr().err
