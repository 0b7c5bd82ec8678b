"""The build: named graphs, SHACL gate, inferences, dumps, determinism, atomic replacement."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from govkg.build import REPORT, BuildReport, build, is_current
from govkg.errors import InconsistencyError, InputError, ValidationFailed
from govkg.formats import RDF_SYNTAXES
from govkg.inference_sources import is_inference_graph
from govkg.loading import bundled_source_paths
from govkg.namespaces import INFERRED_GRAPH, MAPPINGS_GRAPH, META_GRAPH
from govkg.paths import Layout
from govkg.progress import Progress


def test_every_source_file_is_its_own_named_graph(layout: Layout, built: tuple[Path, BuildReport]):
    _, report = built
    sources = bundled_source_paths(layout)
    by_premises = [g for g in report.graphs if g.startswith(f"{INFERRED_GRAPH}/")]
    # + inferred, its graphs by premises (ADR 0018), direct mappings, meta
    assert len(report.graphs) == len(sources) + 3 + len(by_premises) and by_premises
    assert str(INFERRED_GRAPH) in report.graphs and str(META_GRAPH) in report.graphs
    assert str(MAPPINGS_GRAPH) in report.graphs
    assert "https://w3id.org/govkg/graph/fact-sheet/us-sg-ai-fact-sheet-2024-06-05" in report.graphs
    assert all(count > 0 for count in report.graphs.values())


def test_report_is_written_with_counts_and_timings(build_dir: Path):
    report = json.loads((build_dir / REPORT).read_text(encoding="utf-8"))
    assert report["conforms"] is True
    assert report["inferred"] > 100
    assert report["asserted"] > 1000
    assert {
        "load sources",
        "validate with SHACL",
        "materialise OWL 2 RL inferences",
        "write dumps",
    } <= set(report["timings"])


@pytest.mark.parametrize("syntax", RDF_SYNTAXES, ids=lambda s: s.name)
def test_every_dump_parses_to_the_same_triples(build_dir: Path, syntax):
    path = build_dir / f"govkg.{syntax.extension}"
    graph: Graph = Dataset() if syntax.datasets else Graph()
    graph.parse(path, format=syntax.rdflib)
    union = Graph().parse(build_dir / "govkg.nt", format="nt")
    if syntax.datasets:
        assert {(s, p, o) for s, p, o, _ in graph.quads()} == set(union)
    else:
        assert len(graph) == len(union)


def test_inferred_triples_are_kept_apart_from_asserted(build_dir: Path):
    dataset = Dataset()
    dataset.parse(build_dir / "govkg.nq", format="nquads")
    inferred = set(dataset.graph(INFERRED_GRAPH))
    asserted = {(s, p, o) for s, p, o, g in dataset.quads() if not is_inference_graph(str(g))}
    assert inferred and not inferred & asserted


@pytest.mark.slow
def test_dumps_are_byte_identical(layout: Layout, build_dir: Path, tmp_path: Path):
    """A build in another process, with another hash seed, writes the same bytes; so does a
    third build that reuses the second one's inferences."""
    again = tmp_path / "again"
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-m", "govkg", "build", "--build-dir", str(again), "-q"],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for syntax in RDF_SYNTAXES:
        name = f"govkg.{syntax.extension}"
        assert (again / name).read_bytes() == (build_dir / name).read_bytes(), name
    notes: list[str] = []
    progress = Progress(stream=None)
    progress.note = notes.append  # type: ignore[method-assign]
    build(layout, again, progress)
    assert any("reused" in note for note in notes)
    for syntax in RDF_SYNTAXES:
        name = f"govkg.{syntax.extension}"
        assert (again / name).read_bytes() == (build_dir / name).read_bytes(), name


def _copy_layout(layout: Layout, target: Path) -> Layout:
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / folder)
    return Layout(root=target, checkout=True)


def test_a_shape_violation_stops_the_build_and_keeps_the_old_build(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    copy = _copy_layout(layout, tmp_path / "src")
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    before = (target / "govkg.nq").read_bytes()
    fact_sheet = copy.data / "fact-sheet" / "us-sg-ai-fact-sheet-2024-06-05.ttl"
    text = fact_sheet.read_text(encoding="utf-8")
    fact_sheet.write_text(
        text.replace("gk:value 6000 ;", 'gk:value "six thousand" ;'), encoding="utf-8"
    )
    with pytest.raises(ValidationFailed) as failure:
        build(copy, target)
    message = str(failure.value)
    assert "us-companies-operating-in-singapore" in message
    assert "Indicator-value" in message
    assert (target / "govkg.nq").read_bytes() == before
    assert not is_current(copy, target)


def test_a_syntax_error_names_file_and_line(layout: Layout, tmp_path: Path):
    copy = _copy_layout(layout, tmp_path / "src")
    broken = copy.data / "context" / "st-pgi-2021.ttl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[-2] = lines[-2] + ' "unterminated'
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as failure:
        build(copy, tmp_path / "build")
    assert failure.value.path == broken
    assert failure.value.line == len(lines) - 1


def test_report_counts_match_the_frameworks(built: tuple[Path, BuildReport]):
    _, report = built
    framework = "https://w3id.org/govkg/id/framework/"
    assert report.elements[framework + "nist-ai-rmf-1-0"] == {
        "TrustworthinessCharacteristic": 7,
        "Function": 4,
        "Category": 19,
        "Subcategory": 72,
    }
    verify = report.elements[framework + "ai-verify-testing-framework"]
    assert (
        verify["Principle"],
        verify["Area"],
        verify["TestableCriterion"],
        verify["ProcessCheck"],
    ) == (11, 5, 72, 97)
    assert report.elements[framework + "nist-ai-600-1"]["Risk"] == 12
    mapping_set = "https://w3id.org/govkg/id/mapping-set/"
    assert report.mappings[mapping_set + "xw-ai-600-1-risk-to-trustworthiness"] == 43
    assert report.mappings[mapping_set + "xw-ai-rmf-ai-verify-2023"] == 0


def test_meta_graph_carries_licences_of_each_graph(build_dir: Path):
    dataset = Dataset()
    dataset.parse(build_dir / "govkg.nq", format="nquads")
    meta = dataset.graph(META_GRAPH)
    licence = URIRef("http://purl.org/dc/terms/license")
    graph = "https://w3id.org/govkg/graph/frameworks/"
    assert (
        URIRef(graph + "nist-ai-rmf-1-0"),
        licence,
        URIRef("https://creativecommons.org/publicdomain/mark/1.0/"),
    ) in meta
    assert (
        URIRef(graph + "ai-verify-testing-framework"),
        licence,
        URIRef("https://www.apache.org/licenses/LICENSE-2.0"),
    ) in meta
    assert (build_dir / "govkg.ttl").read_text(encoding="utf-8").startswith("# govkg ")


def test_the_reference_reasoner_writes_the_same_dumps(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """owlrl (the reference) and reasonable (the default) give byte-identical dumps of the
    shipped graph (ADR 0013)."""
    report = build(layout, tmp_path / "owlrl", reasoner="owlrl", incremental=False)
    assert report.reasoner == "owlrl"
    for syntax in RDF_SYNTAXES:
        name = f"govkg.{syntax.extension}"
        assert (tmp_path / "owlrl" / name).read_bytes() == (build_dir / name).read_bytes(), name


def test_a_one_file_rebuild_revalidates_what_it_touches(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """Editing one crosswalk re-validates the nodes it touches, re-closes (its IRIs are in
    the closure's input), and writes what a clean build writes; with nothing changed, the
    validation and the inferences are reused."""
    copy = _copy_layout(layout, tmp_path / "src")
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    crosswalk = copy.data / "crosswalks" / "ai-verify-ai-rmf-text-reuse.ttl"
    text = crosswalk.read_text(encoding="utf-8")
    assert text.count("semapv:LexicalMatching") > 1
    crosswalk.write_text(
        text.replace("semapv:LexicalMatching", "semapv:ManualMappingCuration", 1), encoding="utf-8"
    )
    notes: list[str] = []
    progress = Progress(stream=None)
    progress.note = notes.append  # type: ignore[method-assign]
    report = build(copy, target, progress)
    assert report.validation == "incremental"
    assert any("1 changed file(s): re-validating the" in note for note in notes), notes
    clean = build(copy, tmp_path / "clean", incremental=False)
    assert clean.validation == "full"
    for syntax in RDF_SYNTAXES:
        name = f"govkg.{syntax.extension}"
        assert (target / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name

    notes.clear()
    again = build(copy, target, progress)
    assert again.validation == "reused"
    assert any("inferences of the last build reused" in note for note in notes), notes


def test_a_one_file_edit_that_breaks_a_shape_in_another_file_is_caught(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """Removing a source document's type (sources.ttl) breaks sh:class for the nodes of the
    framework files citing it: the incremental validation reaches them."""
    copy = _copy_layout(layout, tmp_path / "src")
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    sources = copy.data / "sources.ttl"
    text = sources.read_text(encoding="utf-8")
    block = "source:nist-ai-100-1\n    a gk:SourceDocument ;\n"
    assert block in text
    sources.write_text(text.replace(block, "source:nist-ai-100-1\n"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as failure:
        build(copy, target)
    message = str(failure.value)
    assert "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1-1," in message
    assert "Resource-source" in message
    assert not is_current(copy, target)


def test_an_inconsistent_ontology_fails_the_build_with_the_rule(layout: Layout, tmp_path: Path):
    """cax-dw: declaring frameworks disjoint from concept schemes makes every framework an
    instance of two disjoint classes; the build stops and names the rule and a framework."""
    copy = _copy_layout(layout, tmp_path / "src")
    (copy.ontology / "zz-inconsistent.ttl").write_text(
        "@prefix gk: <https://w3id.org/govkg/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "gk:GovernanceFramework owl:disjointWith skos:ConceptScheme .\n",
        encoding="utf-8",
    )
    with pytest.raises(InconsistencyError) as failure:
        build(copy, tmp_path / "build")
    message = str(failure.value)
    assert "cax-dw: " in message
    assert "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0" in message


def test_a_contradiction_with_official_prov_o_fails_the_build(layout: Layout, tmp_path: Path):
    """Restoring the PROV-DC axiom dcterms:source ⊑ prov:wasDerivedFrom makes every event
    that cites a source a prov:Entity, disjoint with prov:Activity in the official PROV-O
    (ADR 0016): the build stops with the contradiction and writes no build."""
    copy = _copy_layout(layout, tmp_path / "src")
    (copy.ontology / "zz-prov-dc.ttl").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "dcterms:source rdfs:subPropertyOf prov:wasDerivedFrom .\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InconsistencyError, match="contradictions with the official PROV-O"
    ) as failure:
        build(copy, tmp_path / "build")
    message = str(failure.value)
    assert re.match(r"\d+ contradictions", message) and "\n" not in message
    assert "cax-dw: https://w3id.org/govkg/id/event/" in message and "prov#Activity" in message
    assert not (tmp_path / "build").exists()


def test_progress_reports_counts_for_every_step(layout: Layout, build_dir: Path, tmp_path: Path):
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    stream = io.StringIO()
    build(layout, target, Progress(stream=stream), incremental=False)
    text = stream.getvalue()
    for needle in (
        "[1/5] load sources",
        "ontology and",
        "data triples against",
        "triples in the closure",
        "inferred triples kept",
        "dumps, ",
        "[5/5] write report: done",
    ):
        assert needle in text, (needle, text)


def test_quiet_build_writes_nothing_on_stderr(
    build_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """`govkg build -q`: no progress lines (the report still goes to stdout)."""
    from govkg.cli import main

    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    code = main(["build", "--build-dir", str(target), "--force", "-q", "--reasoner", "reasonable"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    assert "OWL 2 RL engine: reasonable" in out and "SHACL: conforms (full)" in out


def test_shapes_that_are_not_local_are_validated_in_one_run(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """sh:node reads the value node's own triples: no neighbourhood validation, no reuse."""
    copy = _copy_layout(layout, tmp_path / "src")
    target = tmp_path / "build"
    shutil.copytree(build_dir, target)
    with (copy.shapes / "data.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write(
            "\ngks:FrameworkPublisher a sh:NodeShape ; sh:targetClass gk:GovernanceFramework ;\n"
            "    sh:property [ sh:path dcterms:publisher ; sh:node gks:Labelled ] .\n"
            "gks:Labelled a sh:NodeShape ; sh:property [ sh:path rdfs:label ] .\n"
        )
    notes: list[str] = []
    progress = Progress(stream=None)
    progress.note = notes.append  # type: ignore[method-assign]
    report = build(copy, target, progress)
    assert report.validation == "full"
    assert any("shapes not local (" in n and "shacl#node" in n for n in notes), notes
