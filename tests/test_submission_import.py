"""``govkg import`` and ``govkg export-mappings``: a submission becomes a canonical Turtle file of
a COPY of the sources (never the checkout), ``data/imported/<key>.ttl``, atomically, only when
it validates, replacing a set only with --replace and never one the generator writes into
``data/crosswalks/``; the graph's sets exported as SSSOM TSV validate, import and build again,
and export to the same text (the round trip)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from govkg.build import build
from govkg.cli import main
from govkg.errors import InputError
from govkg.loading import load_sources
from govkg.namespaces import GK, SSSOM
from govkg.paths import Layout
from govkg.querying import open_built, run_qc
from govkg.submission.exporting import export_mapping_sets
from govkg.submission.importing import GENERATED, ImportRefused, import_submission
from govkg.submission.validate import Context, validate_file

MAPPINGS = Path(__file__).parent / "data" / "mappings"
MSET = "https://w3id.org/govkg/id/mapping-set/"
LANDING_PAGE = URIRef("http://www.w3.org/ns/dcat#landingPage")
#: A declared extension slot's property (outside govkg's vocabulary).
ROUND = URIRef("https://example.org/ex/reviewRound")


def _copy(layout: Layout, build_dir: Path, target: Path) -> tuple[Layout, Path]:
    """A copy of the sources and of their build (current for the copy until it changes)."""
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(layout.root / folder, target / "src" / folder)
    shutil.copytree(build_dir, target / "build")
    return Layout(root=target / "src", checkout=True), target / "build"


@pytest.fixture
def copy(layout: Layout, build_dir: Path, tmp_path: Path) -> tuple[Layout, Path]:
    return _copy(layout, build_dir, tmp_path)


def test_import_writes_a_canonical_file_that_describes_its_graph(copy: tuple[Layout, Path]):
    layout, build_dir = copy
    done = import_submission(MAPPINGS / "valid" / "minimal.sssom.tsv", layout, build_dir)
    assert (
        done.path
        == layout.data / "imported" / "test-minimal.ttl"
        == layout.imported / done.path.name
    )
    assert done.mappings == 3 and not done.replaced
    graph = Graph().parse(done.path, format="turtle")
    graph_iri = URIRef("https://w3id.org/govkg/graph/imported/test-minimal")
    assert (graph_iri, RDF.type, GK.SourceGraph) in graph
    assert len(list(graph.objects(URIRef(MSET + "test-minimal"), SSSOM.mappings))) == 3
    assert (URIRef(MSET + "test-minimal/tc-1-1--govern-1-1"), RDF.type, OWL.Axiom) in graph
    assert not list(layout.imported.glob(".*.tmp"))
    # the loader takes the file (its own graph, no blank nodes) into the graph the build makes
    loaded = {s.name: s.graph_iri for s in load_sources(layout)}
    assert loaded["data/imported/test-minimal.ttl"] == graph_iri


def test_import_is_deterministic(
    copy: tuple[Layout, Path], tmp_path: Path, layout: Layout, build_dir: Path
):
    first_layout, first_build = copy
    first = import_submission(MAPPINGS / "valid" / "set.ttl", first_layout, first_build)
    second_layout, second_build = _copy(layout, build_dir, tmp_path / "again")
    second = import_submission(MAPPINGS / "valid" / "set.ttl", second_layout, second_build)
    assert first.path.read_bytes() == second.path.read_bytes()
    text = first.path.read_text(encoding="utf-8")
    assert "<https://w3id.org/govkg/id/mapping-set/test-rdf/tc-1-4--govern-1-7>" in text
    assert '"0.7"^^xsd:double' in text


def test_a_new_source_document_is_described_in_the_imported_file(copy: tuple[Layout, Path]):
    layout, build_dir = copy
    done = import_submission(MAPPINGS / "valid" / "new-source.sssom.tsv", layout, build_dir)
    graph = Graph().parse(done.path, format="turtle")
    source = URIRef("https://w3id.org/govkg/id/source/test-new-source")
    assert (source, RDF.type, GK.SourceDocument) in graph
    assert (source, LANDING_PAGE, URIRef("https://www.example.org/our-crosswalk.pdf")) in graph


def test_a_failing_submission_is_refused_and_nothing_is_written(copy: tuple[Layout, Path]):
    layout, build_dir = copy
    before = _files(layout.data)
    with pytest.raises(ImportRefused) as refused:
        import_submission(MAPPINGS / "invalid" / "confidence.sssom.tsv", layout, build_dir)
    assert refused.value.exit_code == 1
    assert _files(layout.data) == before


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_an_imported_set_is_replaced_only_with_replace(copy: tuple[Layout, Path], tmp_path: Path):
    layout, build_dir = copy
    first = import_submission(MAPPINGS / "valid" / "minimal.sssom.tsv", layout, build_dir)
    before = first.path.read_bytes()
    changed = tmp_path / "changed.sssom.tsv"
    text = (MAPPINGS / "valid" / "minimal.sssom.tsv").read_text(encoding="utf-8")
    changed.write_text(text.replace("\t0.8\t", "\t0.7\t"), encoding="utf-8")
    with pytest.raises(InputError, match="--replace"):
        import_submission(changed, layout, build_dir)
    assert first.path.read_bytes() == before
    done = import_submission(changed, layout, build_dir, replace=True)
    assert done.replaced and done.path == first.path
    assert '"0.7"^^xsd:double' in done.path.read_text(encoding="utf-8")


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ai-verify-ai-rmf-text-reuse.sssom.tsv"


@pytest.mark.parametrize("replace", [False, True])
def test_a_set_the_generator_writes_is_never_replaced(copy: tuple[Layout, Path], replace: bool):
    """tools/import_reference.py rewrites data/crosswalks/ on every run: an import of one of
    its sets would be silently undone, so it is refused in one line naming the file."""
    layout, build_dir = copy
    generated = layout.data / "crosswalks" / "ai-verify-ai-rmf-text-reuse.ttl"
    assert generated.read_text(encoding="utf-8").startswith(GENERATED)
    before = _files(layout.data)
    with pytest.raises(InputError) as refused:
        import_submission(EXAMPLE, layout, build_dir, replace=replace)
    message = str(refused.value)
    assert "\n" not in message
    assert "data/crosswalks/ai-verify-ai-rmf-text-reuse.ttl" in message
    assert "generated by tools/import_reference.py" in message
    assert _files(layout.data) == before


def test_a_set_defined_in_another_file_is_changed_there(copy: tuple[Layout, Path]):
    """A set that a hand-written file defines stays in that file: --replace is refused."""
    layout, build_dir = copy
    crosswalk = layout.data / "crosswalks" / "ai-verify-ai-rmf-text-reuse.ttl"
    text = crosswalk.read_text(encoding="utf-8")
    crosswalk.write_text(text.replace(GENERATED, "# Kept by hand", 1), encoding="utf-8")
    before = _files(layout.data)
    with pytest.raises(InputError, match="change that file instead") as refused:
        import_submission(EXAMPLE, layout, build_dir, replace=True)
    assert "data/crosswalks/ai-verify-ai-rmf-text-reuse.ttl" in str(refused.value)
    assert _files(layout.data) == before


def test_an_interrupted_write_leaves_the_sources_as_they_were(
    copy: tuple[Layout, Path], monkeypatch: pytest.MonkeyPatch
):
    layout, build_dir = copy

    def fail(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        import_submission(MAPPINGS / "valid" / "minimal.sssom.tsv", layout, build_dir)
    assert not (layout.imported / "test-minimal.ttl").exists()
    assert not [p for p in layout.imported.iterdir() if p.name.startswith(".")]


def test_an_installed_package_needs_a_data_dir(
    layout: Layout, build_dir: Path, copy: tuple[Layout, Path], tmp_path: Path
):
    """--data-dir names the data folder of a checkout, whose own build the submission is
    checked against; a folder that is not one is refused before anything is written."""
    installed = Layout(root=layout.root, checkout=False)
    with pytest.raises(InputError, match="--data-dir"):
        import_submission(MAPPINGS / "valid" / "minimal.sssom.tsv", installed, build_dir)
    with pytest.raises(InputError, match="data folder of a govkg checkout"):
        import_submission(
            MAPPINGS / "valid" / "minimal.sssom.tsv",
            installed,
            build_dir,
            data_dir=tmp_path / "elsewhere",
        )
    target, _ = copy
    done = import_submission(
        MAPPINGS / "valid" / "minimal.sssom.tsv", installed, build_dir, data_dir=target.data
    )
    assert done.path == target.imported / "test-minimal.ttl"


def test_the_cli_refuses_a_failing_file_with_its_findings(
    copy: tuple[Layout, Path], capsys: pytest.CaptureFixture[str]
):
    """Into a copy (--data-dir, its build beside it): the checkout's data folder is never
    locked by the tests, so a build running there meanwhile cannot make this one busy."""
    layout, build_dir = copy
    shutil.copytree(build_dir, layout.root / "build", symlinks=True)
    before = {p.name for p in layout.data.rglob("*")}
    case = MAPPINGS / "invalid" / "cycle.sssom.tsv"
    code = main(["import", "-q", "--data-dir", str(layout.data), str(case)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"{case}:13: violation: broader/narrower cycle" in out
    assert "nothing was imported" in err and "Traceback" not in err
    assert {p.name for p in layout.data.rglob("*")} == before


def test_export_to_stdout_needs_one_set(build_dir: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["export-mappings", "-q", "--build-dir", str(build_dir)]) == 2
    assert "choose one with --set" in capsys.readouterr().err
    assert (
        main(
            [
                "export-mappings",
                "-q",
                "--build-dir",
                str(build_dir),
                "--set",
                "xw-ai-600-1-risk-to-trustworthiness",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("#curie_map:") and "\nsubject_id\t" in out
    assert main(["export-mappings", "-q", "--build-dir", str(build_dir), "--set", "nope"]) == 2
    capsys.readouterr()


@pytest.mark.slow
def test_round_trip_export_validate_import_build_export(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """Every set with mappings: export as SSSOM TSV, validate (fit to accept), import into a
    copy whose generated file of the set is gone, build the copy (SHACL gate), run the QC
    queries, export again: the same text."""
    exported = export_mapping_sets(layout, build_dir)
    assert {e.key for e in exported} >= {
        "ai-verify-ai-rmf-text-reuse",
        "fact-sheet-principles-lexical",
        "xw-ai-600-1-risk-to-trustworthiness",
    }
    folder = tmp_path / "exported"
    folder.mkdir()
    context = Context.load(layout, build_dir)
    for item in exported:
        path = folder / f"{item.key}.sssom.tsv"
        path.write_text(item.text, encoding="utf-8")
        report = validate_file(path, context)
        assert report.exit_code(strict=True) == 0, [f.message for f in report.findings.findings()]
    copy_layout, copy_build = _copy(layout, build_dir, tmp_path / "copy")
    for item in exported:
        (copy_layout.data / "crosswalks" / f"{item.key}.ttl").unlink()
    for item in exported:
        done = import_submission(folder / f"{item.key}.sssom.tsv", copy_layout, copy_build)
        assert not done.replaced and done.mappings == item.mappings
        assert done.path == copy_layout.imported / f"{item.key}.ttl"
    build(copy_layout, copy_build)
    store = open_built(copy_layout, copy_build)
    failed = [r.query.name for r in run_qc(copy_layout, store) if not r.passed]
    assert not failed
    again = {e.key: e.text for e in export_mapping_sets(copy_layout, copy_build)}
    for item in exported:
        assert again[item.key] == item.text, item.key


def test_an_installed_package_refuses_a_failing_file_before_asking_for_a_data_dir(
    layout: Layout, build_dir: Path
):
    installed = Layout(root=layout.root, checkout=False)
    with pytest.raises(ImportRefused):
        import_submission(MAPPINGS / "invalid" / "cycle.sssom.tsv", installed, build_dir)


def test_a_set_with_objects_from_several_frameworks_states_each_mappings_object_source(
    copy: tuple[Layout, Path],
):
    """object_source is single-valued (SSSOM schema): the imported set states none, and each
    mapping states the framework of its own object."""
    layout, build_dir = copy
    done = import_submission(MAPPINGS / "valid" / "multi-framework.sssom.tsv", layout, build_dir)
    graph = Graph().parse(done.path, format="turtle")
    set_node = URIRef(MSET + "test-multi-framework")
    assert (set_node, SSSOM.object_source, None) not in graph
    framework = "https://w3id.org/govkg/id/framework/"
    found = {
        (str(graph.value(m, OWL.annotatedTarget)), str(graph.value(m, SSSOM.object_source)))
        for m in graph.objects(set_node, SSSOM.mappings)
    }
    assert found == {
        (framework + "nist-ai-rmf-1-0/govern-1-1", framework + "nist-ai-rmf-1-0"),
        (framework + "nist-ai-600-1/confabulation", framework + "nist-ai-600-1"),
    }


def test_a_declared_extension_slot_is_imported_labelled_and_sourced(
    copy: tuple[Layout, Path], tmp_path: Path
):
    """SSSOM 1.1 "extension_definitions": the definition becomes a minted IRI under the set's
    (no blank node in a data file), labelled and sourced as the data conventions ask of every
    govkg resource, so the build and the QC queries pass; the values keep their type."""
    layout, build_dir = copy
    text = (MAPPINGS / "valid" / "minimal.sssom.tsv").read_text(encoding="utf-8")
    header, table = text.split("subject_id", 1)
    rows = ("subject_id" + table).splitlines()
    extended = header.replace("#  gk: ", "#  xsd: http://www.w3.org/2001/XMLSchema#\n#  gk: ") + (
        "#extension_definitions:\n#- slot_name: ext_round\n"
        f"#  property: {ROUND}\n#  type_hint: xsd:integer\n#ext_round: 3\n"
    )
    body = [rows[0] + "\text_round", *(f"{row}\t{n}" for n, row in enumerate(rows[1:], 1))]
    path = tmp_path / "extended.sssom.tsv"
    path.write_text(extended + "\n".join(body) + "\n", encoding="utf-8")
    done = import_submission(path, layout, build_dir)
    graph = Graph().parse(done.path, format="turtle")
    definition = URIRef(MSET + "test-minimal/extension/ext_round")
    assert (URIRef(MSET + "test-minimal"), SSSOM.extension_definitions, definition) in graph
    assert graph.value(definition, RDFS.label) is not None
    assert graph.value(definition, DCTERMS.source) is not None
    values = sorted(str(v) for v in graph.objects(None, ROUND))
    assert values == ["1", "2", "3", "3"]
    assert not [t for t in graph if any(isinstance(n, BNode) for n in t)]
    build(layout, build_dir)
    store = open_built(layout, build_dir)
    assert [r.query.name for r in run_qc(layout, store) if not r.passed] == []
