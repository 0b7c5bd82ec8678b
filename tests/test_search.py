"""Full-text search (issue 15, item 4): the FTS5 index built from the shipped graph
(``govkg.search_index``) and ``/search`` over it (``govkg.web.search``): what is indexed,
ranking by bm25, filters, paging, the JSON document, and hostile search text, which must
never become an FTS5 syntax error or a 500."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkg.backends import Store
from govkg.backends.embedded import EmbeddedStore
from govkg.build import DATASET_DUMP
from govkg.search_index import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    SEARCH_INDEX,
    SearchError,
    fts_query,
    open_index,
    search,
    write_search_index,
)
from govkg.web import create_app
from govkg.web.config import WebConfig
from govkg.web.search import PAGE_SIZE, index_path

ID = "https://w3id.org/govkg/id/"
RMF = "nist-ai-rmf-1-0"
#: Search texts a person (or an attacker) might type: FTS5 operators, column filters,
#: unbalanced quotes and brackets, NUL and other control characters, SQL, markup.
HOSTILE = (
    '"',
    '""',
    '"unbalanced',
    "*",
    "explain*",
    "NEAR(explain fair)",
    "NEAR(",
    "a OR",
    "OR",
    "AND NOT",
    "label:explain",
    "{label text}:fair",
    "^explain",
    "-fair",
    "(",
    ")",
    "'; DROP TABLE entries; --",
    "explain\x00ability",
    "\x00",
    "\ue000explain\ue001",
    "<script>alert(1)</script>",
    "fair ness \"human oversight\" 'quoted'",
    "ａｉ 🤖 العدالة",
    "x" * MAX_QUERY_CHARS,
)


@pytest.fixture(scope="module")
def index(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("search") / SEARCH_INDEX
    write_search_index(store, path)
    connection = open_index(path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Iterator[Flask]:
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    yield app
    app.extensions["govkg"].pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _select(store: Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in store.select(query)]


# == The index built from the shipped graph =====================================================


def test_index_holds_every_framework_list_and_element(
    store: Store, index: sqlite3.Connection
) -> None:
    expected = {
        row[0]
        for row in _select(
            store,
            """PREFIX gk: <https://w3id.org/govkg/ontology#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT DISTINCT ?s WHERE {
              VALUES ?class { gk:GovernanceFramework gk:PrincipleList }
              { ?scheme a ?class . ?s skos:inScheme ?scheme } UNION { ?s a ?class }
            }""",
        )
    }
    indexed = {iri for (iri,) in index.execute("SELECT iri FROM entries")}
    assert indexed == expected
    (rows,) = index.execute("SELECT value FROM meta WHERE key = 'rows'").fetchone()
    assert int(rows) == len(expected)
    frameworks = {
        row[0]
        for row in _select(
            store,
            "SELECT ?f WHERE { ?f a <https://w3id.org/govkg/ontology#GovernanceFramework> }",
        )
    }
    keys = {iri: key for iri, key in index.execute("SELECT iri, key FROM schemes")}
    assert frameworks <= set(keys)
    assert keys[ID + "framework/" + RMF] == RMF


def test_index_holds_labels_notations_alt_labels_and_text(index: sqlite3.Connection) -> None:
    row = index.execute(
        "SELECT label, notation, text, scheme, kind FROM entries WHERE iri = ?",
        (ID + "framework/nist-ai-rmf-1-0/govern-1-1",),
    ).fetchone()
    label, notation, text, scheme, kind = row
    assert label == "GOVERN 1.1" and notation == "GOVERN 1.1"
    assert "Legal and regulatory requirements involving AI" in text
    assert (scheme, kind) == (RMF, "Subcategory")
    (alt,) = index.execute(
        "SELECT alt FROM entries WHERE iri = ?", (ID + "framework/ai-verify-testing-framework",)
    ).fetchone()
    assert "AI Verify Testing Framework" in alt.split("\n")


def test_index_is_written_atomically_over_an_old_one(store: Store, tmp_path: Path) -> None:
    path = tmp_path / SEARCH_INDEX
    path.write_bytes(b"not an index")
    rows = write_search_index(store, path)
    assert rows > 300
    assert [p.name for p in tmp_path.iterdir()] == [SEARCH_INDEX]  # no temporary file left
    with open_index(path) as connection:
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (rows,)


def test_open_index_refuses_a_file_that_is_not_an_index(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(sqlite3.DatabaseError, match="not a govkg search index"):
        open_index(path)


# == Ranking, filters, paging ====================================================================


def test_explainability_is_found_in_every_framework_that_names_it(
    index: sqlite3.Connection,
) -> None:
    results = search(index, "explainability", limit=50)
    named = {  # schemes with an element whose label says "explainab..."
        scheme
        for (scheme,) in index.execute(
            "SELECT DISTINCT scheme FROM entries WHERE label LIKE '%explainab%'"
        )
    }
    assert len(named) >= 4
    assert named <= set(results.by_scheme)
    assert {hit.scheme for hit in results.hits} == set(results.by_scheme)
    assert sum(results.by_scheme.values()) == results.total == len(results.hits)


def test_a_label_match_ranks_above_a_match_in_the_text_only(index: sqlite3.Connection) -> None:
    hits = search(index, "explainability", limit=50).hits
    in_label = ["explain" in hit.label.lower() for hit in hits]
    assert in_label[0] and not in_label[-1]
    assert in_label == sorted(in_label, reverse=True)  # every label match first
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_notation_or_a_label_finds_its_element_first(index: sqlite3.Connection) -> None:
    assert search(index, "GOVERN 1.1").hits[0].iri == ID + "framework/nist-ai-rmf-1-0/govern-1-1"
    first = search(index, "Information Integrity").hits[0]
    assert first.label == "Information Integrity" and first.scheme == "nist-ai-600-1"
    assert first.kind == "Risk"


def test_words_match_whatever_their_ending(index: sqlite3.Connection) -> None:
    """The porter tokenizer: "explainable" finds the principle labelled "Explainability"."""
    iris = {hit.iri for hit in search(index, "explainable", limit=50).hits}
    assert ID + "framework/ai-verify-testing-framework/explainability" in iris


def test_a_quoted_phrase_matches_words_in_order(index: sqlite3.Connection) -> None:
    phrase = search(index, '"human oversight"', limit=100)
    words = search(index, "oversight human", limit=100)
    assert 0 < phrase.total <= words.total
    for hit in phrase.hits:
        row = index.execute(
            "SELECT label || ' ' || alt || ' ' || text FROM entries WHERE iri = ?", (hit.iri,)
        ).fetchone()
        assert "human oversight" in " ".join(row[0].lower().split())


def test_filters_by_framework_and_kind(index: sqlite3.Connection) -> None:
    everything = search(index, "risk", limit=100)
    rmf = search(index, "risk", scheme=RMF, limit=100)
    assert rmf.total == everything.by_scheme[RMF] < everything.total
    assert {hit.scheme for hit in rmf.hits} == {RMF}
    subcategories = search(index, "risk", scheme=RMF, kind="subcategory", limit=100)
    assert 0 < subcategories.total < rmf.total
    assert {hit.kind for hit in subcategories.hits} == {"Subcategory"}
    assert search(index, "risk", scheme="no-such-framework").total == 0


def test_pages_split_the_ranked_list(index: sqlite3.Connection) -> None:
    whole = search(index, "AI", limit=60)
    assert whole.total > 60
    pages = [search(index, "AI", limit=20, offset=offset).hits for offset in (0, 20, 40)]
    assert [h.iri for page in pages for h in page] == [h.iri for h in whole.hits]
    assert search(index, "AI", limit=20, offset=whole.total).hits == []


# == Hostile search text =========================================================================


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_searched_as_words(index: sqlite3.Connection, text: str) -> None:
    results = search(index, text)  # never an sqlite3.OperationalError (FTS5 syntax)
    assert results.total >= len(results.hits)


def test_fts_query_quotes_every_word_and_refuses_floods() -> None:
    assert fts_query("label:explain NEAR(a") == '"label explain" "NEAR a"*'
    assert fts_query("") is None and fts_query('"" ()') is None
    with pytest.raises(SearchError, match=f"longer than {MAX_QUERY_CHARS}"):
        fts_query("x" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(SearchError, match=f"more than {MAX_TERMS} words"):
        fts_query(" ".join(["w"] * (MAX_TERMS + 1)))


# == /search over HTTP ===========================================================================


def test_search_page_works_without_javascript(client: FlaskClient) -> None:
    response = client.get("/search?q=explainability")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<form method="get" action="/search"' in html and "<script" not in html
    # a hit leads to its element's document (the browsing page), not the raw data
    assert '<a href="/frameworks/ai-verify-testing-framework/explainability">' in html
    assert "<mark>explainable</mark>" in html
    assert 'value="oecd-ai-principles"' in html  # the framework filter lists every framework


def test_search_answers_json_by_accept_or_format(client: FlaskClient) -> None:
    by_accept = client.get("/search?q=explainability", headers={"Accept": "application/json"})
    by_format = client.get("/search?q=explainability&format=json")
    assert by_accept.mimetype == by_format.mimetype == "application/json"
    assert by_accept.headers["Vary"] == "Accept"
    document = json.loads(by_accept.data)
    assert document == json.loads(by_format.data)
    assert set(document) == {
        "query", "framework", "kind", "total", "page", "pageSize", "byFramework", "hits",
    }  # fmt: skip
    assert document["query"] == "explainability" and document["pageSize"] == PAGE_SIZE
    assert document["total"] == sum(document["byFramework"].values()) == len(document["hits"])
    first = document["hits"][0]
    assert set(first) == {
        "iri", "page", "label", "notation", "framework", "kind", "snippet", "highlights", "score",
    }  # fmt: skip
    elements = [h for h in document["hits"] if h["iri"].startswith(ID + "framework/")]
    for hit in elements:
        key, path = hit["iri"].removeprefix(ID + "framework/").split("/", 1)
        assert hit["page"] == f"http://localhost/frameworks/{key}/{path}"
    texts = [h for h in document["hits"] if h["highlights"]]
    assert texts and all("\ue000" not in h["snippet"] for h in document["hits"])
    assert all(w.lower().startswith("expla") for h in texts for w in h["highlights"])


def test_search_json_filters_and_pages(client: FlaskClient) -> None:
    rmf = client.get(f"/search?q=risk&framework={RMF}&kind=Subcategory&format=json").get_json()
    assert rmf["framework"] == RMF and rmf["total"] > PAGE_SIZE
    assert {(h["framework"], h["kind"]) for h in rmf["hits"]} == {(RMF, "Subcategory")}
    second = client.get(f"/search?q=risk&framework={RMF}&kind=Subcategory&format=json&page=2")
    assert second.get_json()["page"] == 2
    assert not {h["iri"] for h in second.get_json()["hits"]} & {h["iri"] for h in rmf["hits"]}


def test_empty_search_is_a_page_with_no_hits(client: FlaskClient) -> None:
    assert client.get("/search").status_code == 200
    document = client.get("/search?q=&format=json").get_json()
    assert document["total"] == 0 and document["hits"] == []


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_over_http_is_answered(client: FlaskClient, text: str) -> None:
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    assert "<script>alert" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"q": "x" * 10_000}, 400, "longer than 256 characters"),
        ({"q": " ".join(["w"] * 40)}, 400, "more than 16 words"),
        ({"q": "risk", "page": "0"}, 400, "page must be a number"),
        ({"q": "risk", "page": "abc"}, 400, "page must be a number"),
        ({"q": "risk", "page": "999999"}, 400, "page must be a number"),
        ({"q": "risk", "format": "xml"}, 400, "unknown format"),
    ],
)
def test_refusals_say_why(
    client: FlaskClient, query: dict[str, str], status: int, message: str
) -> None:
    response = client.get("/search", query_string=query)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    assert client.get("/search?q=risk", headers={"Accept": "image/png"}).status_code == 406


def test_served_extra_data_is_searchable(build_dir: Path, tmp_path: Path) -> None:
    """With ``--data``, the build's index does not cover what is served: one is made from the
    loaded store instead (and the build's is used when it covers everything)."""
    extra = tmp_path / "extra.trig"
    extra.write_text(
        """@prefix gk: <https://w3id.org/govkg/ontology#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://example.org/graph/x> {
          <https://example.org/framework/x> a gk:GovernanceFramework, skos:ConceptScheme ;
            skos:prefLabel "X"@en .
          <https://example.org/framework/x/1> a gk:Principle, gk:FrameworkElement ;
            skos:inScheme <https://example.org/framework/x> ;
            skos:prefLabel "Zorblax stewardship"@en ; skos:notation "X1" .
          <javascript:alert(1)> a gk:Principle ; skos:inScheme <https://example.org/framework/x> ;
            skos:prefLabel "Zorblax trap"@en .
        }""",
        encoding="utf-8",
    )
    backend = EmbeddedStore()
    backend.load_dump(build_dir / DATASET_DUMP)
    backend.load_dump(extra)
    app = create_app(WebConfig(build_dir=build_dir, data_files=(extra,)), store=backend)
    try:
        document = app.test_client().get("/search?q=zorblax&format=json").get_json()
        found = {h["iri"]: h for h in document["hits"]}
        assert set(found) == {"https://example.org/framework/x/1", "javascript:alert(1)"}
        assert found["https://example.org/framework/x/1"]["page"] == (
            "http://localhost/frameworks/x/1"
        )
        # found, but its link is a page of this server, never the javascript: IRI itself
        assert found["javascript:alert(1)"]["page"].startswith("http://localhost/")
        html = app.test_client().get("/search?q=zorblax").get_data(as_text=True)
        assert "Zorblax trap" in html and 'href="javascript:' not in html
    finally:
        app.extensions["govkg"].pool.close()


def test_the_build_index_answers_when_it_covers_what_is_served(app: Flask, build_dir: Path) -> None:
    """The build writes ``search.sqlite`` (contract 5); a server of that build alone uses it."""
    assert (build_dir / SEARCH_INDEX).is_file()
    assert index_path(app.extensions["govkg"]) == (build_dir / SEARCH_INDEX).resolve()


def test_an_index_of_another_version_is_not_used(
    store: Store, build_dir: Path, tmp_path: Path
) -> None:
    """A build folder whose index another govkg version wrote (or none): one is made instead."""
    folder = tmp_path / "build"
    folder.mkdir()
    shutil.copyfile(build_dir / DATASET_DUMP, folder / DATASET_DUMP)
    old = folder / SEARCH_INDEX
    write_search_index(store, old)
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
    connection.close()
    backend = EmbeddedStore()
    backend.load_dump(folder / DATASET_DUMP)
    app = create_app(WebConfig(build_dir=folder), store=backend)
    try:
        made = index_path(app.extensions["govkg"])
        assert made != old and made.is_file()
        document = app.test_client().get("/search?q=explainability&format=json").get_json()
        assert document["total"] > 5
    finally:
        app.extensions["govkg"].pool.close()
