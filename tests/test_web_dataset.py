"""What ``govkg serve`` serves: ``--data`` files (guarded, graphs kept or named after the file),
``--no-builtin``, configuration from flags and ``GOVKG_*`` variables, and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkg.backends import Store
from govkg.cli import main
from govkg.errors import InputError
from govkg.web import create_app
from govkg.web.config import WebConfig
from govkg.web.dataset import extra_graph_iri, open_dataset

TRIG = """@prefix ex: <https://example.org/> .
ex:a ex:p "in the default graph" .
ex:g1 { ex:a ex:p "in g1" . }
"""
TURTLE = """@prefix ex: <https://example.org/> .
ex:b ex:p "from turtle" ; <http://www.w3.org/2000/01/rdf-schema#label> "B"@en .
"""


def _graphs(store: Store) -> dict[str, int]:
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]: int(r["n"]) for r in rows.dicts()}


@pytest.fixture
def extra_files(tmp_path: Path) -> tuple[Path, Path]:
    trig = tmp_path / "mine.trig"
    trig.write_text(TRIG, encoding="utf-8")
    ttl = tmp_path / "crosswalk.ttl"
    ttl.write_text(TURTLE, encoding="utf-8")
    return trig, ttl


def test_extra_files_keep_or_get_named_graphs(tmp_path, extra_files):
    trig, ttl = extra_files
    store = open_dataset(
        WebConfig(builtin=False, data_files=(trig, ttl), build_dir=tmp_path / "unused")
    )
    assert _graphs(store) == {
        "https://example.org/g1": 1,
        "https://w3id.org/govkg/graph/extra/mine": 1,  # TriG's default graph
        "https://w3id.org/govkg/graph/extra/crosswalk": 2,  # a triple syntax
    }
    assert not (tmp_path / "unused").exists()  # --no-builtin builds nothing


def test_extra_files_join_the_builtin_graph(build_dir, extra_files):
    store = open_dataset(WebConfig(build_dir=build_dir, data_files=(extra_files[1],)))
    graphs = _graphs(store)
    assert graphs["https://w3id.org/govkg/graph/extra/crosswalk"] == 2
    assert "https://w3id.org/govkg/graph/meta" in graphs


def test_extra_graph_names():
    assert extra_graph_iri(Path("a/b/my file.nt")) == "https://w3id.org/govkg/graph/extra/my%20file"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "remote.jsonld",
            '{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "urn:x"}',
            "names a document",
        ),
        (
            "entity.rdf",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r/>',
            "DOCTYPE",
        ),
        ("broken.ttl", "@prefix ex: <https://example.org/> .\nex:a ex:p .\n", "syntax error"),
        ("binary.nt", "\x00\x01", "NUL"),
        ("noext", "<urn:a> <urn:b> <urn:c> .", "extension"),
    ],
)
def test_extra_files_are_guarded(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        open_dataset(WebConfig(builtin=False, data_files=(path,)))


def test_two_files_cannot_share_a_graph(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "same.ttl").write_text(TURTLE, encoding="utf-8")
    with pytest.raises(InputError, match="share the graph"):
        open_dataset(
            WebConfig(
                builtin=False, data_files=(tmp_path / "a" / "same.ttl", tmp_path / "b" / "same.ttl")
            )
        )


def test_no_builtin_app_serves_only_the_files(tmp_path, extra_files):
    app = create_app(WebConfig(builtin=False, data_files=extra_files))
    try:
        client = app.test_client()
        ask = client.get("/sparql?query=ASK%7B%3Chttps://example.org/b%3E%20?p%20?o%7D")
        assert ask.json["boolean"] is True
        count = client.get("/sparql?query=SELECT%20(COUNT(*)%20AS%20?n)%7B?s%20?p%20?o%7D")
        assert count.json["results"]["bindings"][0]["n"]["value"] == "4"
        assert client.get("/downloads/", headers={"Accept": "application/json"}).json == {
            "downloads": []
        }
        assert client.get("/ontology").status_code == 404
        void = client.get("/.well-known/void").text
        assert "http://localhost/.well-known/void#dataset" in void
    finally:
        app.extensions["govkg"].pool.close()


def test_configuration_from_environment_and_flags(tmp_path):
    env = {
        "GOVKG_QUERY_TIMEOUT": "7.5",
        "GOVKG_MAX_QUERY_BYTES": "1000",
        "GOVKG_PUBLIC_URL": "https://kg.example/",
        "GOVKG_BUILD_DIR": str(tmp_path),
    }
    config = WebConfig.from_env(env)
    assert (config.query_timeout, config.max_query_bytes, config.public_url, config.build_dir) == (
        7.5,
        1000,
        "https://kg.example",
        tmp_path,
    )
    assert WebConfig.from_env(env, query_timeout=2.0).query_timeout == 2.0
    with pytest.raises(InputError, match="GOVKG_QUERY_TIMEOUT"):
        WebConfig.from_env({"GOVKG_QUERY_TIMEOUT": "soon"})
    with pytest.raises(InputError, match="positive"):
        WebConfig(query_timeout=0)


def test_public_url_names_the_endpoint(store, build_dir):
    app = create_app(WebConfig(build_dir=build_dir, public_url="https://kg.example"), store=store)
    try:
        text = app.test_client().get("/sparql", headers={"Accept": "text/turtle"}).text
        assert "<https://kg.example/sparql>" in text
    finally:
        app.extensions["govkg"].pool.close()


def test_serve_help_lists_its_options(capsys):
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in (
        "--host",
        "--port",
        "--workers",
        "--timeout",
        "--data",
        "--no-builtin",
        "--build-dir",
        "--quiet",
    ):
        assert flag in out


def test_serve_refuses_bad_input_before_listening(capsys, tmp_path):
    assert main(["serve", "--no-builtin"]) == 2
    assert "needs at least one --data file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"@context": "http://127.0.0.1:9/c"}', encoding="utf-8")
    assert main(["serve", "--no-builtin", "--data", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonld" in err and "Traceback" not in err
    assert main(["serve", "--workers", "0", "--no-builtin", "--data", str(bad)]) == 2
