"""An SSSOM set carrying every slot govkg stores survives ``govkg import``, ``govkg build`` and
``govkg export --mappings`` slot by slot (issue 12, item 3: "every SSSOM 1.1 slot survives
import and export, nothing dropped silently"), and what the export writes is read and
validated by sssom-py, the SSSOM reference implementation.

The submission is generated from govkg's slot table (:data:`MAPPING_SLOTS`,
:data:`SET_SLOTS`), so that a slot added to the table is covered here without a change. It
holds review records (one statement, two records) and a declared extension slot.

Also the authorship rule (docs/data-conventions.md, "Mappings"): a mapping without an author
is accepted when its set names a creator; with neither, validate warns (refuses under
--strict), and validate, import and build agree: what validate calls fit to accept imports
and builds.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

from govkg.build import build
from govkg.cli import main
from govkg.errors import ExitCode
from govkg.namespaces import SSSOM
from govkg.paths import Layout, bundled_layout
from govkg.querying import open_built, run_qc
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    DATE,
    DOUBLE,
    ENTITY,
    ENUM,
    MAPPING_SLOTS,
    SET_SLOTS,
    Slot,
)
from govkg.workspace import Workspace, init_workspace

NS = "https://example.org/roundtrip/"
EX = "https://example.org/ex/"

#: The prefixes the submission declares.
CURIE_MAP = {
    "aiverify": "https://w3id.org/govkg/id/framework/ai-verify-testing-framework/",
    "airmf": "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/",
    "framework": "https://w3id.org/govkg/id/framework/",
    "source": "https://w3id.org/govkg/id/source/",
    "orcid": "https://orcid.org/",
    "ex": EX,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: Values the slot table cannot guess: what a slot must name to validate.
FIXED: dict[str, Any] = {
    "subject_id": "aiverify:tc-1-1",
    "predicate_id": "skos:relatedMatch",
    "object_id": "airmf:govern-1-1",
    "mapping_justification": "semapv:ManualMappingCuration",
    "subject_type": "skos concept",
    "object_type": "skos concept",
    "predicate_type": "owl annotation property",
    "predicate_modifier": "",  # a negated relatedMatch is a statement of its own; left out
    "author_id": ["orcid:0000-0002-1825-0097"],
    "reviewer_id": ["orcid:0000-0001-5109-3700"],
    "creator_id": ["orcid:0000-0002-1825-0097"],
    "subject_source": "framework:ai-verify-testing-framework",
    "object_source": "framework:nist-ai-rmf-1-0",
    "source_document": ["source:aiverify-process-checklist"],
    "crosswalk_status": "unofficial",
    "sssom_version": "1.1",
    "mapping_cardinality": "1:1",
    "license": "https://creativecommons.org/licenses/by/4.0/",
}

#: Set slots left out: the source document's title (only for a source govkg lacks).
SET_LEFT_OUT = {"source_document_title"}

#: The declared extension slot.
EXTENSION = {
    "slot_name": "ext_review_round",
    "property": "ex:reviewRound",
    "type_hint": "xsd:integer",
}


def _value(name: str, slot: Slot, number: int) -> Any:
    """A valid value of a slot, from its kind (a list for a multivalued slot)."""
    if name in FIXED:
        return FIXED[name]
    if slot.kind == ENTITY:
        value = f"{EX}{name}-{number}" if slot.full_iri else f"ex:{name}-{number}"
    elif slot.kind == DOUBLE:
        value = "0.5"
    elif slot.kind == DATE:
        value = "2026-01-15"
    elif slot.kind == ENUM:
        value = next(iter(slot.values or {}))
    else:
        value = f"{name} text {number}"
    return [value] if slot.multivalued else value


def _submission() -> tuple[dict[str, Any], list[dict[str, str]], str]:
    """The set's metadata, its rows (two review records of one statement) and the SSSOM TSV."""
    meta: dict[str, Any] = {
        "curie_map": CURIE_MAP,
        "mapping_set_id": f"{EX}sets/round-trip",
    }
    for name, slot in SET_SLOTS.items():
        if name not in SET_LEFT_OUT:
            meta[name] = _value(name, slot, 0)
    meta["ext_review_round"] = "1"
    meta["extension_definitions"] = [EXTENSION]
    rows = []
    for number in (1, 2):
        row = {}
        for name, slot in MAPPING_SLOTS.items():
            value = _value(name, slot, number)
            row[name] = "|".join(value) if isinstance(value, list) else value
        row["ext_review_round"] = str(number)
        rows.append(row)
    header = "".join(
        f"#{line}\n"
        for line in yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).splitlines()
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return meta, rows, header + out.getvalue()


def _read_tsv(text: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The metadata block and rows of an SSSOM TSV text."""
    lines = text.splitlines()
    block = "\n".join(line[1:] for line in lines if line.startswith("#"))
    table = "\n".join(line for line in lines if not line.startswith("#"))
    return yaml.safe_load(block), list(csv.DictReader(io.StringIO(table), delimiter="\t"))


def _normal(slot: Slot, value: Any, prefixes: dict[str, str]) -> list[str]:
    """A slot's value(s) comparable across files: CURIEs expanded, numbers as floats."""
    if value is None or value == "":
        return []
    found = (
        value if isinstance(value, list) else str(value).split("|") if slot.multivalued else [value]
    )
    result = []
    for item in found:
        text = str(item)
        if slot.kind == ENTITY and ":" in text and not text.startswith("http"):
            prefix, local = text.split(":", 1)
            text = prefixes.get(prefix, prefix + ":") + local
        elif slot.kind == DOUBLE:
            text = repr(float(text))
        result.append(text)
    return sorted(result)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = init_workspace(tmp_path_factory.mktemp("ws") / "round", namespace=NS)
    build(_layout(workspace), workspace.build)
    return workspace


def _layout(workspace: Workspace) -> Layout:
    return replace(bundled_layout(), workspace=workspace)


@dataclass(frozen=True)
class RoundTrip:
    """The submission, the file the import wrote and the export of the built set."""

    meta: dict[str, Any]
    rows: list[dict[str, str]]
    imported: Graph
    exported: Path


@pytest.fixture(scope="module")
def round_trip(workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    """The generated submission imported into the workspace, built and exported, through the
    CLI (``govkg import``, ``govkg build``, ``govkg export --mappings``)."""
    folder = tmp_path_factory.mktemp("round-trip")
    meta, rows, text = _submission()
    submission = folder / "round-trip.sssom.tsv"
    submission.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("GOVKG_WORKSPACE", raising=False)
        patch.delenv("GOVKG_BUILD_DIR", raising=False)
        patch.chdir(workspace.root)
        assert main(["import", "-q", str(submission)]) == ExitCode.OK
        imported = [p for p in workspace.crosswalks.glob("*.ttl") if _holds(p)]
        assert len(imported) == 1
        assert main(["build", "-q"]) == ExitCode.OK
        layout = _layout(workspace)
        store = open_built(layout, workspace.build)
        failed = [r.query.name for r in run_qc(layout, store) if not r.passed]
        assert failed == [], failed
        out = folder / "export"
        assert main(["export", "-q", "--mappings", "--format", "sssom-tsv", "-o", str(out)]) == 0
    exported = [p for p in out.rglob("*.sssom.tsv") if _holds(p)]
    assert len(exported) == 1, sorted(str(p) for p in out.rglob("*"))
    return RoundTrip(meta, rows, Graph().parse(imported[0], format="turtle"), exported[0])


def test_import_writes_the_declared_extension_slot_and_its_definition(
    round_trip: RoundTrip,
) -> None:
    """SSSOM 1.1, "extension_definitions": the definition becomes a minted IRI (the data files
    hold no blank nodes) and the values keep their type hint's datatype."""
    graph = round_trip.imported
    definitions = list(graph.objects(None, SSSOM.extension_definitions))
    assert [str(d).endswith("/extension/ext_review_round") for d in definitions] == [True]
    prop = URIRef(EX + "reviewRound")
    assert (definitions[0], SSSOM.property, prop) in graph
    assert (definitions[0], SSSOM.slot_name, Literal("ext_review_round")) in graph
    values = list(graph.objects(None, prop))
    assert sorted(str(v) for v in values) == ["1", "1", "2"]  # the set's, then each record's
    integer = URIRef(CURIE_MAP["xsd"] + "integer")
    assert all(isinstance(v, Literal) and v.datatype == integer for v in values)
    identifier = URIRef("http://purl.org/dc/terms/identifier")
    assert [str(v) for v in graph.objects(None, identifier)] == [round_trip.meta["mapping_set_id"]]


def test_every_stored_slot_survives_import_build_and_export(round_trip: RoundTrip) -> None:
    """Each MappingSet and Mapping slot of the slot table comes back with the values given
    (CURIEs compared as IRIs: the export may name a namespace with another prefix), both
    review records included."""
    meta, rows = round_trip.meta, round_trip.rows
    back_meta, back_rows = _read_tsv(round_trip.exported.read_text(encoding="utf-8"))
    given = {**BUILTIN_PREFIXES, **CURIE_MAP}
    written = {**BUILTIN_PREFIXES, **back_meta.get("curie_map", {})}
    assert back_meta["mapping_set_id"] == meta["mapping_set_id"]
    lost = {
        name: (meta[name], back_meta.get(name))
        for name, slot in SET_SLOTS.items()
        if name in meta
        and _normal(slot, meta[name], given) != _normal(slot, back_meta.get(name), written)
    }
    assert lost == {}
    assert len(back_rows) == len(rows) == 2  # both review records
    record = MAPPING_SLOTS["record_id"]
    by_record = {_normal(record, r["record_id"], written)[0]: r for r in back_rows}
    for row in rows:
        back = by_record[_normal(record, row["record_id"], given)[0]]
        lost_row = {
            name: (row[name], back.get(name))
            for name, slot in MAPPING_SLOTS.items()
            if _normal(slot, row[name], given) != _normal(slot, back.get(name), written)
        }
        assert lost_row == {}, row["record_id"]
    assert len(parse_sssom_table(round_trip.exported).df) == 2  # sssom-py reads it


def test_the_export_keeps_a_declared_extension_slot(round_trip: RoundTrip) -> None:
    back_meta, back_rows = _read_tsv(round_trip.exported.read_text(encoding="utf-8"))
    names = [d["slot_name"] for d in back_meta.get("extension_definitions", [])]
    assert "ext_review_round" in names
    assert back_meta.get("ext_review_round") in (1, "1")
    assert sorted(r.get("ext_review_round", "") for r in back_rows) == ["1", "2"]


def test_sssom_py_validates_the_export(round_trip: RoundTrip) -> None:
    msdf = parse_sssom_table(round_trip.exported)
    reports = validate(msdf, fail_on_error=False).values()
    assert [r.message for report in reports for r in report.results] == []


def _holds(path: Path) -> bool:
    """True for a file about the round-trip set (named by its foreign mapping_set_id)."""
    return f"{EX}sets/round-trip" in path.read_text(encoding="utf-8")


def _authorless(tmp_path: Path, key: str, creator: bool) -> Path:
    """A conformant SSSOM set of one mapping without author_id, with or without the set's
    creator_id."""
    lines = [
        "#curie_map:",
        *(f"#  {p}: {ns}" for p, ns in CURIE_MAP.items()),
        f"#mapping_set_id: https://w3id.org/govkg/id/mapping-set/{key}",
        f"#mapping_set_title: Authorship rule ({key})",
        *(["#creator_id: orcid:0000-0002-1825-0097"] if creator else []),
        "#license: https://creativecommons.org/licenses/by/4.0/",
        "#publication_date: 2026-01-15",
        "#subject_source: framework:ai-verify-testing-framework",
        "#object_source: framework:nist-ai-rmf-1-0",
        "#source_document: source:aiverify-process-checklist",
        "subject_id\tpredicate_id\tobject_id\tmapping_justification",
        "aiverify:tc-1-2\tskos:relatedMatch\tairmf:govern-1-2\tsemapv:ManualMappingCuration",
    ]
    path = tmp_path / f"{key}.sssom.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_authorship_a_set_creator_answers_for_mappings_without_author(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/data-conventions.md, "Mappings": the set's creator_id answers for its mappings
    (never copied onto them as their author), so validate, import and build all accept it."""
    monkeypatch.delenv("GOVKG_WORKSPACE", raising=False)
    monkeypatch.delenv("GOVKG_BUILD_DIR", raising=False)
    monkeypatch.chdir(workspace.root)
    path = _authorless(tmp_path, "authorship-creator", creator=True)
    assert main(["validate", "-q", str(path)]) == ExitCode.OK, capsys.readouterr()
    assert "SubmittedMapping-authorship" not in capsys.readouterr().out
    assert main(["import", "-q", str(path)]) == ExitCode.OK, capsys.readouterr()
    graph = Graph().parse(workspace.crosswalks / "authorship-creator.ttl", format="turtle")
    assert list(graph.objects(None, URIRef("http://purl.org/pav/authoredBy"))) == []
    assert main(["build", "-q"]) == ExitCode.OK, capsys.readouterr()


def test_authorship_a_mapping_nobody_answers_for_is_asked_for_and_accepted_alike(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Neither the mapping's author_id or creator_id nor the set's creator_id (SSSOM allows
    it): validate warns on the mapping's row (gks:SubmittedMapping-authorship) and accepts the
    file, so import and build accept it too; with --strict validate and import refuse it."""
    monkeypatch.delenv("GOVKG_WORKSPACE", raising=False)
    monkeypatch.delenv("GOVKG_BUILD_DIR", raising=False)
    monkeypatch.chdir(workspace.root)
    path = _authorless(tmp_path, "authorship-nobody", creator=False)
    assert main(["validate", "--format", "json", str(path)]) == ExitCode.OK
    found = [
        (f["severity"], f["line"])
        for f in json.loads(capsys.readouterr().out)["files"][0]["findings"]
        if f["shape"].endswith("SubmittedMapping-authorship")
    ]
    last = len(path.read_text(encoding="utf-8").splitlines())
    assert found == [("warning", last)]  # on the mapping's row
    assert main(["validate", "-q", "--strict", str(path)]) == ExitCode.VIOLATIONS
    assert main(["import", "-q", "--strict", str(path)]) == ExitCode.VIOLATIONS
    assert not (workspace.crosswalks / "authorship-nobody.ttl").exists()
    assert main(["import", "-q", str(path)]) == ExitCode.OK
    assert main(["build", "-q"]) == ExitCode.OK
    capsys.readouterr()
