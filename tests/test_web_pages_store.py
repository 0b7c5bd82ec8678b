"""The pages (linked data, browsing, search) over a remote store are those of the embedded
store (issue 13, point 5: "``govkg serve --store`` keeps the whole front").

A real Oxigraph server is started on a free 127.0.0.1 port (:mod:`stores`), the session's
build is published into it with :func:`govkg.publish.publish`, and the same requests go to an
app over the embedded store and to an app over the Oxigraph server (Flask's test client).
The answers must be the same bytes: every page orders what it shows by itself, never by the
order a store answered in, and the RDF documents are written by govkg from the same
statements. The pages compared are found by following the site's own links.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph
from stores import oxigraph_server
from test_web_store import _kill, _restarted  # the engine stopped and started on its port

from govkg.backends import Store, open_store
from govkg.publish import publish
from govkg.web import create_app
from govkg.web.config import WebConfig
from govkg.web.negotiation import GRAPH, ResultFormat

HTML = {"Accept": "text/html"}
#: Elements followed per framework page, crosswalk pages followed from the crosswalk list.
ELEMENTS = 2
CROSSWALKS = 2


@pytest.fixture(scope="module")
def remote_store(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[Store]:
    """A store over a real Oxigraph server holding the session's build, published by govkg."""
    with oxigraph_server(tmp_path_factory.mktemp("store")) as info:
        store = open_store(info.spec)
        publish(store, build_dir)
        yield store
        store.close()


def _app(config: WebConfig, store: Store) -> Iterator[Flask]:
    app = create_app(config, store=store)
    yield app
    app.extensions["govkg"].close()


@pytest.fixture(scope="module")
def local(store: Store, build_dir: Path) -> Iterator[FlaskClient]:
    """The app over the embedded store."""
    for app in _app(WebConfig(build_dir=build_dir), store):
        yield app.test_client()


@pytest.fixture(scope="module")
def remote(remote_store: Store, build_dir: Path) -> Iterator[FlaskClient]:
    """The app over the Oxigraph server (with the build folder of the same build)."""
    for app in _app(WebConfig(build_dir=build_dir), remote_store):
        yield app.test_client()


@pytest.fixture(scope="module")
def remote_without_build(
    remote_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    """The app over the Oxigraph server with no build folder at all (a replica)."""
    for app in _app(WebConfig(build_dir=tmp_path_factory.mktemp("no-build")), remote_store):
        yield app.test_client()


def _links(client: FlaskClient, path: str, pattern: str) -> list[str]:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, (path, response.text)
    found = re.findall(rf'href="({pattern})"', response.text)
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def pages(local: FlaskClient) -> list[str]:
    """The pages to compare, found by following links of the embedded app."""
    found = ["/", "/frameworks/", "/crosswalks/", "/page/ontology"]
    frameworks = _links(local, "/frameworks/", r"/frameworks/[^/\"#?]+")
    assert frameworks, "the framework list links its frameworks"
    for path in frameworks:
        found.append(path)
        found += _links(local, path, re.escape(path) + r"/[^\"#?]+")[:ELEMENTS]
    found += _links(local, "/crosswalks/", r"/crosswalks/[^/\"#?]+/[^/\"#?]+")[:CROSSWALKS]
    resources = _links(local, found[4], r"/id/[^\"#?]+")
    assert resources, "a framework page links resources"
    found += ["/page" + path for path in resources[:3]]
    return found


def test_pages_are_the_same_over_a_remote_store(
    local: FlaskClient, remote: FlaskClient, pages: list[str]
) -> None:
    assert len(pages) > 10
    for path in pages:
        expected = local.get(path, headers=HTML)
        assert expected.status_code == 200, (path, expected.text)
        answer = remote.get(path, headers=HTML)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.mimetype == expected.mimetype == "text/html", path
        assert answer.data == expected.data, path


@pytest.mark.parametrize("fmt", GRAPH, ids=[f.extension for f in GRAPH])
def test_rdf_documents_are_the_same_over_a_remote_store(
    local: FlaskClient, remote: FlaskClient, pages: list[str], fmt: ResultFormat
) -> None:
    extension = fmt.extension
    documents = ["/data/ontology"] + [
        "/data" + path.removeprefix("/page") for path in pages if path.startswith("/page/id/")
    ]
    for document in documents:
        path = f"{document}.{extension}"
        expected = local.get(path)
        assert expected.status_code == 200, (path, expected.text)
        answer = remote.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.data == expected.data, path
        parsed = Dataset() if extension in ("trig", "nq") else Graph()
        parsed.parse(data=answer.data, format=fmt.media_type.split(";")[0])
        assert len(parsed) > 0, path


def test_search_without_a_build_folder_is_made_from_the_store(
    local: FlaskClient, remote_without_build: FlaskClient
) -> None:
    """A replica with no build folder makes its search index from the store it serves."""
    for query in ("q=accountability", "q=risk&page=2", "q=transparency&framework=nist-ai-rmf-1-0"):
        path = f"/search?{query}&format=json"
        expected = local.get(path)
        assert expected.status_code == 200 and expected.json["total"] > 0, path
        answer = remote_without_build.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json == expected.json, path


def test_a_superseded_identifier_moves_on_a_remote_store_too(
    local: FlaskClient, remote: FlaskClient
) -> None:
    old = "/id/principle/accountability"
    expected = local.get(old)
    assert expected.status_code == 301
    answer = remote.get(old)
    assert answer.status_code == 301
    assert answer.headers["Location"] == expected.headers["Location"]


def test_pages_answer_503_while_the_store_is_down(
    tmp_path: Path, build_dir: Path, local: FlaskClient
) -> None:
    """A page not made yet needs the store: while it is down the page answers 503 with one
    line naming the store (never a traceback), pages already made still answer, and once the
    store is back the page is made."""
    frameworks = _links(local, "/frameworks/", r"/frameworks/[^/\"#?]+")
    resource = "/page" + _links(local, frameworks[0], r"/id/[^\"#?]+")[-1]
    assert local.get(resource, headers=HTML).status_code == 200
    with oxigraph_server(tmp_path / "first") as info:
        store = open_store(info.spec)
        publish(store, build_dir)
        app = create_app(WebConfig(build_dir=build_dir), store=store)
        try:
            client = app.test_client()
            assert client.get("/page/ontology", headers=HTML).status_code == 200
            _kill(info.process)
            down = client.get(resource, headers=HTML)
            assert down.status_code == 503, down.text
            assert info.url in down.text and "Traceback" not in down.text
            plain = client.get(resource, headers={"Accept": "text/plain"})
            assert plain.status_code == 503, plain.text
            assert len(plain.text.strip().splitlines()) == 1, plain.text
            assert info.url in plain.text
            assert client.get("/page/ontology", headers=HTML).status_code == 200  # made before
            with _restarted(info):  # same port, same database
                back = client.get(resource, headers=HTML)
                assert back.status_code == 200, back.text
                assert back.data == local.get(resource, headers=HTML).data
        finally:
            app.extensions["govkg"].close()
            store.close()
