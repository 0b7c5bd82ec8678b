"""SSSOM files govkg writes, read by the reference implementation, sssom-py: every shipped
mapping set exported with ``govkg export --mappings`` parses with
``sssom.parsers.parse_sssom_table`` into the mappings and set metadata the source files hold,
passes sssom-py's validation (``sssom.validators.validate``: the SSSOM JSON schema, prefix map
completeness, strict CURIE format) and stays fit to accept for ``govkg validate --strict``; the
SSSOM TSV examples parse too.

sssom-py 0.4 drops extension slot values when it reads SSSOM TSV (it keeps only schema slots,
logging "No attr for match_basis"); the ``extension_definitions`` themselves survive, and
govkg's own round trip (tests/test_submission_import.py) covers the extension values."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from curies import Converter
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF
from sssom.parsers import parse_sssom_json, parse_sssom_rdf, parse_sssom_table
from sssom.util import MappingSetDataFrame
from sssom.validators import validate
from sssom.writers import write_json, write_rdf, write_table

from govkg.backends.embedded import EmbeddedStore as OxigraphBackend
from govkg.cli import main
from govkg.loading import load_sources
from govkg.namespaces import GK, SSSOM
from govkg.paths import Layout
from govkg.submission import exporting
from govkg.submission.validate import Context, read_checked, validate_file
from govkg.submission.vocabulary import MAPPING_SLOTS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MAPPINGS = Path(__file__).parent / "data" / "mappings"

#: The mapping slots compared one by one, with the graph's property for each.
COMPARED = (
    "subject_id",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "mapping_justification",
    "confidence",
    "author_id",
    "mapping_date",
    "comment",
)


@dataclass(frozen=True)
class ShippedSet:
    """A mapping set as its source file holds it: set values and one tuple a mapping."""

    iri: str
    values: dict[str, list[str]]
    mappings: list[tuple[Any, ...]]


def _value(node: Any) -> Any:
    text = str(node)
    if getattr(node, "datatype", None) is not None and str(node.datatype).endswith("#double"):
        return float(text)
    return text


@pytest.fixture(scope="module")
def shipped(layout: Layout) -> dict[str, ShippedSet]:
    """The mapping sets with mappings in the shipped source files, by key."""
    sets = {}
    for source in load_sources(layout):
        graph: Graph = source.graph
        for set_node in graph.subjects(RDF.type, SSSOM.MappingSet):
            rows = []
            for mapping in graph.objects(set_node, SSSOM.mappings):
                row = []
                for name in COMPARED:
                    found = sorted(
                        _value(v) for v in graph.objects(mapping, MAPPING_SLOTS[name].prop)
                    )
                    row.append(tuple(found))
                rows.append(tuple(row))
            if rows:
                values = {
                    str(p): sorted(str(o) for o in graph.objects(set_node, p))
                    for p in (DCTERMS.title, DCTERMS.creator, DCTERMS.license, DCTERMS.issued)
                }
                values["subject_source"] = [
                    str(o) for o in graph.objects(set_node, SSSOM.subject_source)
                ]
                # object_source is single-valued: with objects from several frameworks each
                # mapping states its own
                values["object_source"] = [
                    str(o)
                    for node in (set_node, *graph.objects(set_node, SSSOM.mappings))
                    for o in graph.objects(node, SSSOM.object_source)
                ]
                key = str(set_node).rsplit("/", 1)[-1]
                sets[key] = ShippedSet(str(set_node), values, sorted(rows))
    assert len(sets) >= 3
    return sets


@pytest.fixture(scope="module")
def exported(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every mapping set, written by `govkg export --mappings` into a folder."""
    folder = tmp_path_factory.mktemp("exported")
    argv = ["export", "--mappings", "--format", "sssom-tsv", "-o", str(folder)]
    assert main([*argv, "-q", "--build-dir", str(build_dir)]) == 0
    return folder


def _parsed(path: Path) -> MappingSetDataFrame:
    return parse_sssom_table(path)


def _cells(msdf: MappingSetDataFrame, row: dict[str, Any], name: str) -> tuple[Any, ...]:
    """One slot of a row read by sssom-py, CURIEs expanded, as a sorted tuple."""
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return ()
    values = (
        value
        if isinstance(value, list)
        else str(value).split("|")
        if name == "author_id"
        else [value]
    )
    if MAPPING_SLOTS[name].kind == "entity":
        return tuple(
            sorted(msdf.converter.expand_or_standardize(str(v), strict=True) for v in values)
        )
    if MAPPING_SLOTS[name].kind == "double":
        return tuple(float(v) for v in values)
    return tuple(sorted(str(v) for v in values))


def test_every_shipped_set_is_exported(exported: Path, shipped: dict[str, ShippedSet]):
    assert sorted(p.name for p in exported.iterdir()) == sorted(f"{k}.sssom.tsv" for k in shipped)


def test_sssom_py_reads_the_mappings_the_sources_hold(
    exported: Path, shipped: dict[str, ShippedSet]
):
    """Every set: each compared slot of every mapping (so their count too); the set's id,
    title, creators, licence, publication date, sources and extension definitions."""
    for key, expected in shipped.items():
        msdf = _parsed(exported / f"{key}.sssom.tsv")
        rows = msdf.df.to_dict(orient="records")
        read = sorted(tuple(_cells(msdf, row, name) for name in COMPARED) for row in rows)
        assert len(read) == len(expected.mappings), key
        assert read == expected.mappings, key
        meta = msdf.metadata
        assert meta["mapping_set_id"] == expected.iri
        assert [meta["mapping_set_title"]] == expected.values[str(DCTERMS.title)], key
        creators = sorted(msdf.converter.expand(c, strict=True) for c in meta["creator_id"])
        assert creators == expected.values[str(DCTERMS.creator)], key
        assert [meta["license"]] == expected.values[str(DCTERMS.license)], key
        assert [str(meta["publication_date"])] == expected.values[str(DCTERMS.issued)], key
        for name in ("subject_source", "object_source"):  # propagated into the rows by sssom-py
            sources = {msdf.converter.expand(s, strict=True) for s in msdf.df[name]}
            assert sources and sources <= set(expected.values[name]), (key, name)
        declared = {d["slot_name"] for d in meta["extension_definitions"]}
        assert declared >= {"match_basis", "crosswalk_status", "source_document"}, key


def test_sssom_py_validation_passes(exported: Path):
    """sssom-py's default checks: JSON schema, prefix map completeness, strict CURIE format."""
    for path in sorted(exported.iterdir()):
        reports = validate(_parsed(path), fail_on_error=False)
        problems = {
            str(kind): [r.message for r in report.results] for kind, report in reports.items()
        }
        assert not any(problems.values()), (path.name, problems)


def test_exported_files_are_fit_to_accept(exported: Path, layout: Layout, build_dir: Path):
    context = Context.load(layout, build_dir)
    for path in sorted(exported.iterdir()):
        report = validate_file(path, context)
        assert report.exit_code(strict=True) == 0, [f.message for f in report.findings.findings()]


def test_the_valid_example_reads_and_validates_with_sssom_py(layout: Layout, build_dir: Path):
    """The shipped example is what `govkg export-mappings` writes, with a comment on the set:
    sssom-py reads its six mappings and finds nothing wrong; govkg finds it fit to accept."""
    path = EXAMPLES / "ai-verify-ai-rmf-text-reuse.sssom.tsv"
    msdf = _parsed(path)
    assert len(msdf.df) == 6
    assert msdf.metadata["comment"].startswith("The AI Verify 12.x evidence pairs")
    reports = validate(msdf, fail_on_error=False)
    assert not [r.message for report in reports.values() for r in report.results]
    report = validate_file(path, Context.load(layout, build_dir))
    assert report.exit_code(strict=True) == 0


def test_the_invalid_example_reads_and_sssom_py_finds_two_of_its_violations():
    """The example that is NOT fit to accept is still an SSSOM TSV file sssom-py reads; of the
    violations govkg reports, the SSSOM schema itself knows two: a confidence of 1.2 (range
    [0, 1]) and a mapping_justification that is no SEMAPV matching process."""
    msdf = _parsed(EXAMPLES / "invalid-contradictions-and-references.sssom.tsv")
    assert len(msdf.df) == 9
    reports = validate(msdf, fail_on_error=False)
    messages = [r.message for report in reports.values() for r in report.results]
    assert any("1.2 is greater than the maximum" in m for m in messages), messages
    assert any("semapv:GutFeeling" in m for m in messages), messages
    assert all("1.2" in m or "semapv:GutFeeling" in m for m in messages), messages


# --- the round trip through sssom-py (issue 12, item 3) ------------------------------------------


def _sssom_py_problems(msdf: MappingSetDataFrame) -> list[str]:
    """What sssom-py's validation finds (JSON schema, prefix map, strict CURIEs)."""
    reports = validate(msdf, fail_on_error=False).values()
    return [r.message for report in reports for r in report.results]


def _graph_view(context: Context, set_iri: str) -> tuple[str | None, set[tuple[str, ...]]]:
    """The set's status and its mappings (subject, predicate, object, match_basis) as the built
    graph holds them."""
    mappings = {
        (m.subject, m.predicate, m.object, m.match_basis or "")
        for m in context.index.mappings
        if m.set_iri == set_iri
    }
    return context.index.set_status.get(set_iri), mappings


def _read_view(path: Path, context: Context, fmt: str | None = None) -> tuple[Any, ...]:
    """What ``govkg validate`` reads from a file (the set's status, its mappings) and its exit
    code, through :func:`govkg.submission.validate.read_checked` (the import's reader)."""
    report, submission, rows = read_checked(path, context, fmt)
    status = [str(v) for v in submission.set_values.get(str(GK.crosswalkStatus), [])]
    mappings = {
        tuple(
            str(row.one(p) or "")
            for p in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget)
        )
        + (str(next(iter(row.values.get(str(GK.matchBasis), [])), "")),)
        for row in rows
    }
    return int(report.exit_code()), submission.set_iri(), status, mappings


@pytest.mark.parametrize("via", ["json", "rdf"])
def test_export_through_sssom_py_and_back_keeps_mappings_status_and_match_basis(
    exported: Path, layout: Layout, build_dir: Path, tmp_path: Path, via: str
):
    """Export -> sssom-py (parse, validate, convert to JSON or RDF, read that back, write
    SSSOM TSV) -> ``govkg validate``: fit to accept, the same set, the same mappings, the
    official status kept although sssom-py drops the crosswalk_status extension slot, and
    match_basis kept (sssom-py 0.4 drops extension values; the set replaces itself in the
    graph, whose values stay)."""
    context = Context.load(layout, build_dir)
    logging.getLogger().setLevel(logging.ERROR)
    for path in sorted(exported.iterdir()):
        msdf = _parsed(path)
        assert not [
            r.message for rep in validate(msdf, fail_on_error=False).values() for r in rep.results
        ]
        middle = tmp_path / f"{path.stem}.{via}"
        with middle.open("w", encoding="utf-8") as out:
            (write_json if via == "json" else write_rdf)(msdf, out)
        again = parse_sssom_json(str(middle)) if via == "json" else parse_sssom_rdf(str(middle))
        back = tmp_path / f"back-{path.name}"
        with back.open("w", encoding="utf-8") as out:
            write_table(again, out)
        code, set_iri, status, mappings = _read_view(back, context)
        assert code == 0, path.name
        assert set_iri is not None
        held_status, held = _graph_view(context, set_iri)
        assert status == [held_status] and mappings == held, path.name
        if via == "rdf":  # sssom-py's RDF, read by govkg as it is
            code, rdf_set, status, mappings = _read_view(middle, context, "turtle")
            assert code == 0 and rdf_set == set_iri and status == [held_status], path.name
            assert mappings == held, path.name


def test_every_slot_survives_govkg_reading_and_writing(
    layout: Layout, build_dir: Path, tmp_path: Path
):
    """A set with SSSOM 1.1 slots (record_id, reviewer_id, review_date, reviewer_agreement,
    similarity_score/measure, mapping_cardinality, see_also, mapping_tool, sssom_version, a
    foreign mapping_set_id) and two records of one statement: govkg reads each slot onto its
    schema slot URI, and the exporter writes each back from those triples; sssom-py reads the
    written file with the same values and finds nothing wrong."""
    path = MAPPINGS / "valid" / "review-records.sssom.tsv"
    context = Context.load(layout, build_dir)
    report, submission, rows = read_checked(path, context)
    assert report.exit_code(strict=True) == 0 and len(rows) == 2
    graph_iri = URIRef("https://w3id.org/govkg/graph/test/review-records")
    dataset = Dataset()
    graph = dataset.graph(graph_iri)
    for triple in submission.set_triples:
        graph.add(triple)
    for row in rows:
        graph.add((submission.set_node, SSSOM.mappings, row.node))
        for key, values in row.values.items():
            for value in values if not key.startswith("^") else ():
                graph.add((row.node, URIRef(key), value))
    dump = tmp_path / "set.nq"
    dump.write_text(dataset.serialize(format="nquads"), encoding="utf-8")
    store = OxigraphBackend()
    store.load_dump(dump)
    context = exporting.ExportContext(Converter.from_prefix_map(submission.prefixes), {}, {})
    text = exporting.export_set(store, str(submission.set_node), context).text
    written = tmp_path / "written.sssom.tsv"
    written.write_text(text, encoding="utf-8")
    original = _parsed(path)
    again = _parsed(written)
    assert not [
        r.message for rep in validate(again, fail_on_error=False).values() for r in rep.results
    ]
    assert again.metadata["mapping_set_id"] == original.metadata["mapping_set_id"]
    for name in ("sssom_version", "license", "creator_id"):
        assert again.metadata[name] == original.metadata[name], name
    slots = [
        "record_id",
        "subject_id",
        "predicate_id",
        "object_id",
        "mapping_justification",
        "author_id",
        "reviewer_id",
        "review_date",
        "reviewer_agreement",
        "similarity_score",
        "similarity_measure",
        "mapping_cardinality",
        "see_also",
        "mapping_tool",  # propagated into the rows by sssom-py
    ]

    def table(msdf: MappingSetDataFrame) -> list[tuple[str, ...]]:
        frame = msdf.df.reindex(columns=slots).astype(str)
        return sorted(tuple(row) for row in frame.itertuples(index=False))

    assert table(again) == table(original)


EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.sssom.tsv"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_reads_in_sssom_py(path: Path):
    """Every SSSOM TSV example of the repository parses in sssom-py; those meant to be fit to
    accept pass its validation too (the invalid one is checked above)."""
    msdf = _parsed(path)
    assert len(msdf.df) > 0
    if not path.name.startswith("invalid-"):
        assert not _sssom_py_problems(msdf), path.name


def test_the_workspace_example_lacks_only_the_workspace(layout: Layout, build_dir: Path):
    """The example workspace's SSSOM set (fictional Acme policy onto the AI RMF) is plain SSSOM
    1.1 with a foreign mapping_set_id: against govkg's built-in graph alone the only findings
    are the Acme framework, its elements and its source document, which the workspace holds
    once frameworks/acme-ai-policy.csv is imported (examples/workspace/README.md)."""
    path = EXAMPLES / "workspace" / "acme-ai-policy--nist-ai-rmf.sssom.tsv"
    assert "FICTIONAL" in path.read_text(encoding="utf-8")
    report = validate_file(path, Context.load(layout, build_dir), limit=None)
    assert report.mappings == 13
    acme = "https://example.org/acme/id/"
    for finding in report.findings.findings():
        if finding.severity == "Info":
            continue
        assert finding.severity == "Violation" and str(finding.value).startswith(acme), (
            finding.message
        )
        assert finding.shape.rsplit("#", 1)[-1] in (
            "SubmittedMapping-subjectKnown",
            "SubmittedMappingSet-frameworkKnown",
            "SubmittedMappingSet-sourceKnown",
        )
