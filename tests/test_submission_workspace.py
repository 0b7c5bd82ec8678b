"""Mapping sets in a workspace, through the CLI (``govkg init``, ``import``, ``build``,
``validate``, ``export``): a set whose ``mapping_set_id`` is foreign gets its IRI in the
workspace's namespace (``<namespace>id/mapping-set/{key}``), its original kept as
``dcterms:identifier`` and written back as ``mapping_set_id``; a set with govkg's own id keeps
it; the SSSOM export names the workspace's agents, frameworks and sources with prefixes of the
workspace's name, and sssom-py (the SSSOM reference implementation) validates it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

from govkg.cli import main
from govkg.namespaces import SSSOM

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "workspace"
SSSOM_FILE = EXAMPLE / "acme-ai-policy--nist-ai-rmf.sssom.tsv"
OLIR_FILE = EXAMPLE / "acme-ai-policy--nist-ai-rmf.olir.csv"
ACME = "https://example.org/acme/"
FOREIGN = ACME + "mappings/acme-ai-policy--nist-ai-rmf.sssom.tsv"
OWN_SET = ACME + "id/mapping-set/acme-ai-policy-nist-ai-rmf"
GOVKG_SET = "https://w3id.org/govkg/id/mapping-set/acme-ai-policy-nist-ai-rmf-olir"
WORKSPACE_SET = "https://example.org/acme/id/mapping-set/acme-ai-policy-nist-ai-rmf-olir"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the example framework, built."""
    root = tmp_path_factory.mktemp("walk") / "acme"
    assert main(["init", str(root), "--namespace", ACME, "-q"]) == 0
    framework = str(EXAMPLE / "frameworks" / "acme-ai-policy.csv")
    assert main(["import", framework, "--workspace", str(root), "-q"]) == 0
    assert main(["build", "--workspace", str(root), "-q"]) == 0
    return root


def test_a_foreign_set_is_minted_in_the_workspace_namespace(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    code, out = _cli(
        capsys, "validate", str(SSSOM_FILE), "--workspace", str(workspace), "--format", "json"
    )
    (report,) = json.loads(out)["files"]
    assert code == 0 and report["mapping_set"] == OWN_SET, report
    assert [f["severity"] for f in report["findings"]] == ["info"], report["findings"]
    assert OWN_SET in report["findings"][0]["message"]


def test_import_writes_the_workspace_iri_and_keeps_the_original(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    code, out = _cli(capsys, "import", str(SSSOM_FILE), "--workspace", str(workspace), "-q")
    assert code == 0 and OWN_SET in out, out
    graph = Graph().parse(workspace / "crosswalks" / "acme-ai-policy-nist-ai-rmf.ttl")
    assert (URIRef(OWN_SET), RDF.type, SSSOM.MappingSet) in graph
    assert graph.value(URIRef(OWN_SET), DCTERMS.identifier) == Literal(FOREIGN, datatype=XSD.anyURI)
    assert not any(
        str(s).startswith("https://w3id.org/govkg/id/mapping-set/") for s in graph.subjects()
    )


def test_a_set_with_a_govkg_id_keeps_it(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    table = tmp_path / OLIR_FILE.name
    shutil.copy(OLIR_FILE, table)
    metadata = OLIR_FILE.with_suffix(".yml").read_text(encoding="utf-8")
    assert WORKSPACE_SET in metadata
    table.with_suffix(".yml").write_text(metadata.replace(WORKSPACE_SET, GOVKG_SET), "utf-8")
    code, out = _cli(
        capsys, "validate", str(table), "--workspace", str(workspace), "--format", "json"
    )
    (report,) = json.loads(out)["files"]
    assert code == 0 and report["mapping_set"] == GOVKG_SET, report


def test_a_set_with_the_workspaces_own_id_keeps_it(
    capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    code, out = _cli(
        capsys, "validate", str(OLIR_FILE), "--workspace", str(workspace), "--format", "json"
    )
    (report,) = json.loads(out)["files"]
    assert code == 0 and report["mapping_set"] == WORKSPACE_SET, report


def test_the_export_names_the_workspace_with_its_prefixes_and_sssom_py_validates_it(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    """``acme-robotics`` (``<namespace>id/agent/``) is written ``acme_agent:acme-robotics``,
    not ``ns1:...``; the file keeps the original ``mapping_set_id`` and passes sssom-py."""
    if not (workspace / "crosswalks" / "acme-ai-policy-nist-ai-rmf.ttl").is_file():
        assert main(["import", str(SSSOM_FILE), "--workspace", str(workspace), "-q"]) == 0
    assert main(["build", "--workspace", str(workspace), "-q"]) == 0
    written = tmp_path / "acme.sssom.tsv"
    code, _ = _cli(
        capsys,
        *("export", "--workspace", str(workspace), "-q", "--format", "sssom-tsv"),
        *("--set", "acme-ai-policy-nist-ai-rmf", "-o", str(written)),
    )
    assert code == 0
    text = written.read_text(encoding="utf-8")
    header = yaml.safe_load(
        "".join(line[1:] + "\n" for line in text.splitlines() if line[:1] == "#")
    )
    assert header["mapping_set_id"] == FOREIGN
    assert header["creator_id"] == ["acme_agent:acme-robotics"]
    assert header["subject_source"] == "acme_framework:acme-ai-policy"
    assert header["curie_map"]["acme_agent"] == ACME + "id/agent/"
    assert not [p for p in header["curie_map"] if p.startswith("ns")], header["curie_map"]
    msdf = parse_sssom_table(written)
    problems = [
        r.message for rep in validate(msdf, fail_on_error=False).values() for r in rep.results
    ]
    assert problems == [] and len(msdf.df) == 13


def test_export_mappings_writes_a_workspace_set_under_its_key(
    capsys: pytest.CaptureFixture[str], workspace: Path, tmp_path: Path
) -> None:
    if not (workspace / "crosswalks" / "acme-ai-policy-nist-ai-rmf.ttl").is_file():
        assert main(["import", str(SSSOM_FILE), "--workspace", str(workspace), "-q"]) == 0
    assert main(["build", "--workspace", str(workspace), "-q"]) == 0
    out = tmp_path / "sets"
    code, _ = _cli(
        capsys,
        *("export", "--workspace", str(workspace), "-q", "--mappings"),
        *("--format", "sssom-tsv", "-o", str(out)),
    )
    assert code == 0
    assert (out / "acme-ai-policy-nist-ai-rmf.sssom.tsv").is_file()
    assert [p.name for p in out.iterdir() if p.is_dir()] == []


def test_the_set_pattern_admits_the_workspaces_set_iris_and_nothing_else() -> None:
    """The loaded submission shapes of a workspace accept govkg's and the workspace's
    ``mapping-set/{key}``, and still refuse a bad key or another namespace."""
    import re

    from rdflib.namespace import SH

    from govkg.namespaces import SHAPES
    from govkg.paths import bundled_layout
    from govkg.submission.validate import SUBMISSION_SHAPES, admit_set_iris_under
    from govkg.validation import load_shapes

    shapes = load_shapes([bundled_layout().shapes / SUBMISSION_SHAPES])
    admit_set_iris_under(shapes, "https://example.org/acme/id/mapping-set/")
    (pattern,) = shapes.objects(SHAPES.SubmittedMappingSet, SH.pattern)
    admitted = re.compile(str(pattern))
    assert admitted.match("https://w3id.org/govkg/id/mapping-set/a-b")
    assert admitted.match("https://example.org/acme/id/mapping-set/a-b")
    for refused in (
        "https://example.org/acme/id/mapping-set/A_b",
        "https://example.org/other/id/mapping-set/a-b",
        "https://w3id.org/govkg/id/mapping-set/a-b/c",
    ):
        assert not admitted.match(refused), refused
