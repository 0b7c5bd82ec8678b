"""The command line over a remote store (``--store KIND:URL``, ``GOVKG_STORE``): a real
Oxigraph server on 127.0.0.1 holding the session's build, published with
:func:`govkg.publish.publish`, answers every command as the embedded store over that build
does; a store that is down or misnamed is one line naming its URL (never its credentials),
exit 2."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph
from stores import ServerInfo, free_port, published_oxigraph

from govkg.backends import open_embedded
from govkg.build import DATASET_DUMP
from govkg.catalogue import load_catalogue
from govkg.cli import main
from govkg.paths import bundled_layout

CATALOGUE = load_catalogue(bundled_layout())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[ServerInfo]:
    """An Oxigraph server of this module's own, holding the session's build."""
    with published_oxigraph(tmp_path_factory.mktemp("cli-store"), build_dir) as info:
        yield info


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _solutions(text: str) -> Any:
    """A JSON results answer as a comparable value: the boolean, or the sorted solutions
    (blank nodes as ``_``: their labels are the engine's own)."""
    answer = json.loads(text)
    if "boolean" in answer:
        return answer["boolean"]
    return sorted(
        tuple(
            sorted(
                (
                    name,
                    "literal" if term["type"] == "typed-literal" else term["type"],
                    "_" if term["type"] == "bnode" else term["value"],
                    term.get("xml:lang", ""),
                    term.get("datatype", ""),
                )
                for name, term in solution.items()
            )
        )
        for solution in answer["results"]["bindings"]
    )


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_named_query_answers_as_on_the_embedded_store(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, name: str
) -> None:
    local = _run(capsys, "query", name, "--format", "json", "--build-dir", str(build_dir), "-q")
    remote = _run(capsys, "query", name, "--format", "json", "--store", server.spec, "-q")
    assert local[0] == remote[0] == 0, (local[2], remote[2])
    assert _solutions(remote[1]) == _solutions(local[1])


def test_the_store_comes_from_govkg_store_too(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    build_dir: Path,
    server: ServerInfo,
) -> None:
    name = "cq01-fact-sheet-principles"
    local = _run(capsys, "query", name, "--build-dir", str(build_dir), "-q")
    monkeypatch.setenv("GOVKG_STORE", server.spec)
    remote = _run(capsys, "query", name, "-q", "--build-dir", str(build_dir / "absent"))
    assert remote == local and "(13 rows)" in remote[1]
    assert not (build_dir / "absent").exists()  # no build needed over a store


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_are_the_engines_own_with_the_same_rows(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, fmt: str
) -> None:
    name = "cq08-economic-figures"
    local = _run(capsys, "query", name, "--format", fmt, "--build-dir", str(build_dir), "-q")
    remote = _run(capsys, "query", name, "--format", fmt, "--store", server.spec, "-q")
    assert local[0] == remote[0] == 0
    assert sorted(remote[1].splitlines()) == sorted(local[1].splitlines())


def test_stats_shows_the_build_the_store_holds(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo
) -> None:
    manifest = (build_dir / "manifest.json").read_bytes()
    recorded = json.loads(manifest)
    code, out, _ = _run(capsys, "stats", "--store", server.spec, "--format", "json", "-q")
    assert code == 0
    stats = json.loads(out)
    assert stats["store"] == {"kind": "oxigraph", "location": server.url}
    assert stats["build_id"] == recorded["build_id"]
    assert stats["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert stats["published"]
    assert stats["graphs"] == open_embedded([build_dir / DATASET_DUMP]).graphs()
    assert stats["quads"] == recorded["quads"]
    local = _run(capsys, "stats", "--build-dir", str(build_dir), "--format", "json", "-q")
    assert json.loads(local[1])["classes"] == stats["classes"]
    code, out, _ = _run(capsys, "stats", "--store", server.spec, "-q")
    assert code == 0
    assert f"store: oxigraph {server.url}\n" in out
    assert f"build: {recorded['build_id']}\n" in out and "gk:Principle" in out


def test_check_and_report_answer_as_on_the_embedded_store(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, tmp_path: Path
) -> None:
    local = _run(capsys, "check", "--build-dir", str(build_dir), "-q")
    remote = _run(capsys, "check", "--store", server.spec, "-q")
    assert remote == local and local[0] == 0
    pair = ("report", "crosswalk", "nist-ai-rmf-1-0", "ai-verify-testing-framework")
    local = _run(capsys, *pair, "--build-dir", str(build_dir), "--output-dir", str(tmp_path / "a"))
    remote = _run(capsys, *pair, "--store", server.spec, "--output-dir", str(tmp_path / "b"))
    assert local[0] == remote[0] == 0
    assert remote[1].replace(str(tmp_path / "b"), "") == local[1].replace(str(tmp_path / "a"), "")
    for written in (tmp_path / "a").iterdir():
        assert (tmp_path / "b" / written.name).read_bytes() == written.read_bytes()


def test_export_writes_the_graph_the_store_holds(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, tmp_path: Path
) -> None:
    quads = tmp_path / "store.nq"
    assert (
        _run(capsys, "export", "--format", "nquads", "--store", server.spec, "-o", str(quads))[0]
        == 0
    )
    exported, built = Dataset(), Dataset()
    exported.parse(quads, format="nquads")
    built.parse(build_dir / DATASET_DUMP, format="nquads")
    assert len(exported) == len(built) and set(exported.quads()) == set(built.quads())
    code, out, _ = _run(capsys, "export", "--format", "turtle", "--store", server.spec)
    assert code == 0
    union = Graph().parse(io.StringIO(out), format="turtle")
    assert len(union) == len(Graph().parse(build_dir / "govkg.ttl", format="turtle"))


def test_a_store_that_is_down_is_one_line_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for argv in (
        ("query", "cq01-fact-sheet-principles"),
        ("stats",),
        ("check",),
        ("export", "--format", "turtle"),
    ):
        code, out, err = _run(capsys, *argv, "--store", f"oxigraph:{url}", "-q")
        assert code == 2, (argv, err)
        assert out == "" and err.count("\n") == 1 and url in err, (argv, err)
        assert "Traceback" not in err


def test_credentials_never_appear(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server: ServerInfo
) -> None:
    down = f"127.0.0.1:{free_port()}"
    code, out, err = _run(capsys, "stats", "--store", f"oxigraph:http://alice:s3cr3t@{down}", "-q")
    assert code == 2 and down in err and "s3cr3t" not in out + err and "alice" not in err
    monkeypatch.setenv("GOVKG_STORE_USER", "bob")
    monkeypatch.setenv("GOVKG_STORE_PASSWORD", "hunter22")
    code, out, err = _run(capsys, "stats", "--store", f"oxigraph:http://{down}", "-q")
    assert code == 2 and "hunter22" not in out + err
    authed = server.spec.replace("http://", "http://carol:pa55word@")
    code, out, err = _run(capsys, "stats", "--store", authed, "-q")
    assert "pa55word" not in out + err and "carol" not in out


def test_unknown_kind_and_malformed_spec_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for spec in ("nosuch:http://127.0.0.1:1", "oxigraph:not a url", "http://127.0.0.1:1"):
        code, out, err = _run(capsys, "query", "cq01-fact-sheet-principles", "--store", spec)
        assert code == 2 and out == "" and err.count("\n") == 1, (spec, err)


MAPPINGS = Path(__file__).parent / "data" / "mappings"


@pytest.mark.parametrize(
    "case",
    sorted((MAPPINGS / "valid").glob("*.sssom.tsv"))
    + [MAPPINGS / "invalid" / f"{name}.sssom.tsv" for name in ("contradicts-graph", "references")],
    ids=lambda p: p.name,
)
def test_validate_checks_against_the_store_as_against_the_build(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, case: Path
) -> None:
    """The findings that depend on the graph (references, contradictions) are the same."""
    local = _run(capsys, "validate", "--format", "json", "--build-dir", str(build_dir), str(case))
    remote = _run(capsys, "validate", "--format", "json", "--store", server.spec, str(case))
    assert remote[0] == local[0] and json.loads(remote[1]) == json.loads(local[1])


def test_export_mappings_from_the_store_as_from_the_build(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo
) -> None:
    for fmt in ("sssom-tsv", "olir-csv"):
        argv = ("export-mappings", "--format", fmt, "--set", "ai-verify-ai-rmf-text-reuse", "-q")
        local = _run(capsys, *argv, "--build-dir", str(build_dir))
        remote = _run(capsys, *argv, "--store", server.spec)
        assert local[0] == remote[0] == 0 and remote[1] == local[1] and local[1]


def test_import_checks_against_the_store(
    capsys: pytest.CaptureFixture[str], server: ServerInfo, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    assert main(["init", str(workspace), "-q"]) == 0
    refused = MAPPINGS / "invalid" / "references.sssom.tsv"
    code, _, err = _run(
        capsys, "import", str(refused), "--workspace", str(workspace), "--store", server.spec, "-q"
    )
    assert code == 1 and "nothing was imported" in err
    assert list((workspace / "crosswalks").glob("*.ttl")) == []
    accepted = MAPPINGS / "valid" / "minimal.sssom.tsv"
    code, out, _ = _run(
        capsys, "import", str(accepted), "--workspace", str(workspace), "--store", server.spec, "-q"
    )
    assert code == 0 and "imported mapping set" in out
    assert not (workspace / "build").exists()  # checked against the store, nothing built
    written = list((workspace / "crosswalks").glob("*.ttl"))
    assert len(written) == 1 and len(Graph().parse(written[0], format="turtle")) > 0


def test_a_malformed_query_names_its_file_and_line_on_either_store(
    capsys: pytest.CaptureFixture[str], build_dir: Path, server: ServerInfo, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?s WHERE { ?s ?p }\n", encoding="utf-8")
    graph = tmp_path / "graph.rq"
    graph.write_text("CONSTRUCT WHERE { ?s a ?c }\n", encoding="utf-8")
    for where in (("--build-dir", str(build_dir)), ("--store", server.spec)):
        code, out, err = _run(capsys, "query", str(bad), *where, "-q")
        assert code == 2 and out == "" and err.startswith(f"govkg: error: {bad}:2: "), err
        assert err.count("\n") == 1
        code, out, err = _run(capsys, "query", str(graph), "--format", "json", *where, "-q")
        assert code == 2 and "is a graph" in err and err.count("\n") == 1
