"""The SSSOM specification's own example files (tests/data/sssom-spec-examples/, vendored from
mapping-commons/sssom ``examples/``) through both tools: sssom-py, the reference
implementation, parses each one, and ``govkg validate`` reports only what govkg cannot hold
(subjects, objects and frameworks that are not govkg's) plus what govkg asks for beyond SSSOM
as warnings, never a complaint about the well-formed file itself (issue 12, item 3).

One case a file; the deviations are listed below with the reason for each."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest
import yaml
from sssom.parsers import parse_sssom_table
from sssom.writers import write_rdf

from govkg.paths import Layout
from govkg.submission.findings import FileReport
from govkg.submission.tables import external_metadata
from govkg.submission.validate import Context, validate_file
from govkg.submission.vocabulary import KNOWN_MAPPING_SLOTS, KNOWN_SET_SLOTS

SPEC = Path(__file__).parent / "data" / "sssom-spec-examples"
CASES = sorted(SPEC.rglob("*.sssom.tsv"))
_GKS = "https://w3id.org/govkg/shapes#"

#: Violations about entities govkg does not hold: the only ones a well-formed file may get.
NOT_HELD = {
    _GKS + "SubmittedMapping-subjectKnown",
    _GKS + "SubmittedMapping-objectKnown",
    _GKS + "SubmittedMappingSet-frameworkKnown",
}

#: Warnings for what govkg asks for and SSSOM leaves optional (docs/mapping-submissions.md).
ASKED = {
    _GKS + name
    for name in (
        "SubmittedMappingSet-title",
        "SubmittedMappingSet-creatorGiven",
        "SubmittedMappingSet-dateGiven",
        "SubmittedMappingSet-sourceGiven",
        "SubmittedMappingSet-subjectFrameworkGiven",
        "SubmittedMappingSet-objectFrameworkGiven",
        "SubmittedMappingSet-oneSubjectFramework",
        "SubmittedMapping-authorship",
    )
}

#: Known deviations: (file name, severity, shape) -> why. Each is checked to happen.
DEVIATIONS = {
    ("predicate-types.sssom.tsv", "Violation", _GKS + "SubmittedMapping-predicate"): (
        "its predicates are the file's own properties (ORGPRO:example_*), which govkg does "
        "not hold: govkg's mappings use the SKOS mapping properties and NIST IR 8477's"
    ),
    ("extension-slots.sssom.tsv", "Warning", _GKS + "SubmissionSyntax"): (
        "ext_undeclared_foo and ext_undeclared_baz are undeclared on purpose: an unknown slot "
        "is a warning naming it"
    ),
    ("version.sssom.tsv", "Warning", _GKS + "SubmissionSyntax"): (
        "the file has no mapping_set_id, which SSSOM 1.1 requires; govkg names the set after "
        "the file"
    ),
}


@pytest.fixture(scope="module")
def context(layout: Layout, build_dir: Path) -> Context:
    return Context.load(layout, build_dir)


def _rows(path: Path) -> int:
    """The mappings of the file: its table's data rows (the metadata block's ``#`` lines and
    the header aside)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    table = [line for line in lines if not line.startswith("#")]
    return len(list(csv.reader(table[1:], delimiter="\t")))


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sssom_py_parses_the_example(case: Path):
    """The reference implementation reads every example (external metadata beside it)."""
    logging.getLogger().setLevel(logging.ERROR)
    external = external_metadata(case)
    meta = yaml.safe_load(external.read_text(encoding="utf-8")) if external else None
    msdf = parse_sssom_table(case, meta=meta)
    assert len(msdf.df) > 0


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_govkg_reports_only_what_it_does_not_hold(case: Path, context: Context):
    report: FileReport = validate_file(case, context, limit=None)
    assert report.error is None, report.error
    assert report.mappings == _rows(case)
    _only_not_held(report, case.name, context)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_govkg_reads_the_example_as_sssom_py_writes_it_in_rdf(
    case: Path, context: Context, tmp_path: Path
):
    """The same example converted by sssom-py to SSSOM/RDF (its ``write_rdf``: the set named
    by its foreign mapping_set_id, propagated slots on each mapping) reads in govkg with the
    mappings sssom-py holds and the same findings policy."""
    logging.getLogger().setLevel(logging.ERROR)
    external = external_metadata(case)
    meta = yaml.safe_load(external.read_text(encoding="utf-8")) if external else None
    msdf = parse_sssom_table(case, meta=meta)
    rdf = tmp_path / (case.name.removesuffix(".sssom.tsv") + ".ttl")
    with rdf.open("w", encoding="utf-8") as out:
        write_rdf(msdf, out)
    report = validate_file(rdf, context, limit=None)
    assert report.error is None, report.error
    assert report.mappings == len(msdf.df)
    _only_not_held(report, case.name, context, rdf=True)


def _only_not_held(report: FileReport, name: str, context: Context, rdf: bool = False) -> None:
    """Assert that govkg's findings are only the not-held entities, its asks (warnings),
    infos, and the listed deviations of this example (each of which must happen, in TSV)."""
    findings = report.findings.findings()
    deviations = {(s, shape) for file, s, shape in DEVIATIONS if file == name}
    complaints = [
        f"{f.line}: {f.severity}: {f.message}"
        for f in findings
        if (f.severity, f.shape) not in deviations
        and not (f.severity == "Violation" and f.shape in NOT_HELD)
        and not (f.severity == "Warning" and f.shape in ASKED)
        and f.severity != "Info"
    ]
    assert not complaints
    for severity, shape in deviations if not rdf else ():
        assert any((f.severity, f.shape) == (severity, shape) for f in findings), DEVIATIONS[
            (name, severity, shape)
        ]
    for finding in findings:
        if "not an SSSOM" in finding.message:  # an unknown slot: never a standard one
            assert finding.value not in KNOWN_MAPPING_SLOTS | KNOWN_SET_SLOTS
            assert str(finding.value) in finding.message
        if finding.shape in NOT_HELD and finding.value is not None:
            # what govkg says it does not hold, it does not hold
            assert finding.value not in context.index.elements
            assert finding.value not in context.index.schemes
