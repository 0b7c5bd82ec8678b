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

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF
from sssom.parsers import parse_sssom_table
from sssom.util import MappingSetDataFrame
from sssom.validators import validate

from govkg.cli import main
from govkg.loading import load_sources
from govkg.namespaces import SSSOM
from govkg.paths import Layout
from govkg.submission.validate import Context, validate_file
from govkg.submission.vocabulary import MAPPING_SLOTS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

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
