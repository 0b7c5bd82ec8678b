"""Linked data (Cool URIs for the Semantic Web, sections 4.2 and 4.3), downloads (RFC 9110
conditional requests and content coding), VoID (section 7.2 /.well-known/void) and /healthz,
through Flask's test client."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from govkg.backends import Store, open_embedded
from govkg.namespaces import curie
from govkg.results import render_table
from govkg.web import create_app
from govkg.web.config import WebConfig
from govkg.web.describe import iri_for_path, local_href

ID = "https://w3id.org/govkg/id/"
LIST = "principle-list/us-sg-ai-fact-sheet-2024-06-05"
ACCOUNTABILITY = ID + LIST + "/accountability"
#: The IRI the principle had before it was scoped to its list (dcterms:isReplacedBy).
OLD_ACCOUNTABILITY = ID + "principle/accountability"
NIST = ID + "framework/nist-ai-rmf-1-0"
VOID = Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Flask:
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    yield app
    app.extensions["govkg"].pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# -- the IRI scheme -------------------------------------------------------------------------------


def test_paths_and_iris_correspond():
    assert (
        iri_for_path("id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability")
        == ACCOUNTABILITY
    )
    assert iri_for_path("graph/meta") == "https://w3id.org/govkg/graph/meta"
    assert iri_for_path("other/x") is None
    assert iri_for_path('id/a"b') == ID + "a%22b"
    assert (
        local_href(ACCOUNTABILITY)
        == "/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"
    )
    assert local_href("https://w3id.org/govkg/ontology#Principle") == "/ontology#Principle"
    assert local_href("http://example.org/x") is None
    assert (
        curie(ACCOUNTABILITY) == "id:principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"
    )


# -- 301 Moved Permanently for a superseded identifier ----------------------------------------


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/id/principle/accountability", f"/id/{LIST}/accountability"),
        ("/page/id/principle/accountability", f"/page/id/{LIST}/accountability"),
        ("/data/id/principle/accountability.ttl", f"/data/id/{LIST}/accountability.ttl"),
        ("/data/id/principle/accountability.jsonld", f"/data/id/{LIST}/accountability.jsonld"),
        (
            "/id/principle/societal-and-environmental-well-being",
            f"/id/{LIST}/societal-and-environmental-well-being",
        ),
    ],
)
def test_superseded_principle_iris_move_permanently_to_their_list_scoped_iri(
    client, path, location
):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 301
    assert response.headers["Location"] == location
    followed = client.get(location, headers={"Accept": "text/turtle"})
    assert followed.status_code in (200, 303)


def test_a_replaced_iri_that_says_more_than_its_successor_is_not_moved(app):
    """Only an identifier the store describes by its successor, labels and types moves: the
    successor itself (which has a position, a scheme ...) is served, not redirected."""
    describer = app.extensions["govkg"].describer
    assert describer.successor(OLD_ACCOUNTABILITY) == ACCOUNTABILITY
    assert describer.successor(ACCOUNTABILITY) is None
    assert describer.successor(NIST) is None


# -- 303 See Other by Accept (section 4.3) --------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/html", "/page/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "/page/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability",
        ),
        (None, "/page/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"),
        (
            "text/turtle",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.ttl",
        ),
        (
            "application/ld+json",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.jsonld",
        ),
        (
            "application/rdf+xml;q=0.9, text/turtle;q=0.5",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.rdf",
        ),
        (
            "application/n-triples",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.nt",
        ),
        (
            "application/trig",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.trig",
        ),
        (
            "application/n-quads",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.nq",
        ),
    ],
)
def test_resource_iri_answers_303_by_accept(client, accept, location):
    headers = {"Accept": accept} if accept else {}
    response = client.get(
        "/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability", headers=headers
    )
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert response.headers["Vary"] == "Accept"
    link = response.headers["Link"]
    assert f'</data/id/{LIST}/accountability.ttl>; rel="alternate"; type="text/turtle"' in link
    assert f'</page/id/{LIST}/accountability>; rel="alternate"; type="text/html"' in link


@pytest.mark.parametrize(
    ("mediatype", "location"),
    [
        (
            "text/turtle",
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.ttl",
        ),
        ("jsonld", "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.jsonld"),
        ("html", "/page/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"),
    ],
)
def test_mediatype_parameter_overrides_accept(client, mediatype, location):
    response = client.get(
        f"/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability?_mediatype={mediatype}",
        headers={"Accept": "application/rdf+xml"},
    )
    assert response.status_code == 303 and response.headers["Location"] == location


def test_unacceptable_and_unknown(client):
    assert (
        client.get(
            "/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability",
            headers={"Accept": "image/png"},
        ).status_code
        == 406
    )
    assert client.get("/id/principle/no-such-principle").status_code == 404
    assert client.get("/page/id/principle/no-such-principle").status_code == 404
    assert (
        client.get(
            "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.pdf"
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability?_mediatype=pdf"
        ).status_code
        == 400
    )


def test_graph_iris_dereference(client):
    response = client.get("/graph/frameworks/nist-ai-rmf-1-0", headers={"Accept": "text/html"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Named graph" in page.text


# -- the HTML page --------------------------------------------------------------------------------


def test_page_shows_label_types_properties_sources_and_links(client):
    page = client.get("/page/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.text
    assert "<h1>accountability</h1>" in text
    assert 'href="/ontology#Principle"' in text  # type, linked locally
    assert "skos:inScheme" in text or "in scheme" in text  # every property
    assert "Source" in text and 'href="/id/source/' in text  # its source document
    assert 'href="/graph/fact-sheet/' in text  # the graph stating it
    assert "Mappings" in text and "corresponds to" in text  # SSSOM mappings touching it
    assert "Linked from" in text  # incoming links
    assert "inferred" in text  # OWL 2 RL triples are marked
    assert page.headers["Link"].endswith(f'<{ACCOUNTABILITY}>; rel="describes"')


def test_inferred_values_name_the_graphs_they_are_inferred_from(client):
    """A value only inference graphs hold is marked inferred, with a link to the inference
    graph of its premises (ADR 0018): US AISI is housed in NIST, part of Commerce."""
    text = client.get("/page/id/organisation/us-aisi").text
    inferred_from = (
        'inferred from <a href="/graph/inferred/fact-sheet/us-sg-ai-fact-sheet-2024-06-05"'
    )
    assert inferred_from in text


def test_framework_page_shows_text_and_definition(client):
    page = client.get("/page/id/framework/nist-ai-rmf-1-0")
    assert page.status_code == 200 and "NIST" in page.text
    element = client.get("/page/id/framework/nist-ai-rmf-1-0/govern-1-1")
    assert element.status_code == 200 and "<blockquote><small>text</small>" in element.text
    defined = client.get("/page/id/framework/ai-verify-testing-framework/accountability")
    assert "<blockquote><small>skos:definition</small>" in defined.text


# -- the RDF description --------------------------------------------------------------------------


def test_rdf_description_has_triples_and_labels_of_linked_resources(client):
    response = client.get(
        "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.ttl"
    )
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    subject = URIRef(ACCOUNTABILITY)
    assert (subject, RDFS.label, Literal("accountability", lang="en")) in graph
    assert (subject, RDF.type, URIRef("https://w3id.org/govkg/ontology#Principle")) in graph
    source = graph.value(subject, DCTERMS.source)
    assert source is not None and graph.value(source, RDFS.label) is not None
    assert set(graph.subjects()) - {subject}, "labels of the resources it links to"
    assert "@prefix skos:" in response.text and "@prefix sh:" not in response.text


def test_rdf_description_in_trig_keeps_graphs(client):
    response = client.get(
        "/data/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability.trig"
    )
    dataset = Dataset()
    dataset.parse(data=response.text, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/govkg/graph/inferred" in names
    assert any(n.startswith("https://w3id.org/govkg/graph/fact-sheet/") for n in names)


@pytest.mark.parametrize(
    ("ext", "fmt"), [("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml"), ("nq", "nquads")]
)
def test_rdf_description_in_every_syntax(client, ext, fmt):
    response = client.get(f"/data/id/framework/nist-ai-rmf-1-0.{ext}")
    assert response.status_code == 200
    parsed = Dataset() if fmt == "nquads" else Graph()
    parsed.parse(data=response.data, format=fmt)
    assert len(parsed) > 5


# -- the ontology and its hash IRIs (section 4.2) -------------------------------------------------


def test_ontology_iri_answers_303(client):
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["Location"] == "/page/ontology"
    ttl = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert ttl.headers["Location"] == "/data/ontology.ttl"


def test_ontology_page_has_a_section_per_term(client):
    page = client.get("/page/ontology")
    assert page.status_code == 200
    assert 'id="Principle"' in page.text and 'id="correspondsTo"' in page.text
    assert "govkg ontology" in page.text


def test_ontology_document(client):
    response = client.get("/data/ontology.ttl")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef("https://w3id.org/govkg/ontology"), RDF.type, OWL.Ontology) in graph
    assert (URIRef("https://w3id.org/govkg/ontology#Principle"), RDF.type, OWL.Class) in graph
    trig = Dataset()
    trig.parse(data=client.get("/data/ontology.trig").text, format="trig")
    modules = {str(g.identifier) for g in trig.graphs() if len(g)}
    assert "https://w3id.org/govkg/graph/ontology/frameworks" in modules


def test_home_page(client):
    page = client.get("/")
    assert page.status_code == 200 and 'href="/sparql"' in page.text


# -- downloads (RFC 9110 sections 8.4, 8.8.3, 13) -------------------------------------------------


def test_downloads_list_every_artefact_with_size_and_hash(client, build_dir):
    listing = client.get("/downloads/", headers={"Accept": "application/json"}).json["downloads"]
    names = {item["name"] for item in listing}
    assert {
        "govkg.trig",
        "govkg.nq",
        "govkg.ttl",
        "govkg.nt",
        "govkg.jsonld",
        "govkg.rdf",
        "ontology/govkg.ttl",
        "shapes/data.ttl",
    } <= names
    for item in listing:
        data = (build_dir / item["name"]).read_bytes()
        assert item["size"] == len(data)
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
    html = client.get("/downloads/", headers={"Accept": "text/html"})
    assert "govkg.trig" in html.text


def test_download_with_etag_and_conditional_get(client, build_dir):
    response = client.get("/downloads/govkg.nq")
    assert response.status_code == 200 and response.mimetype == "application/n-quads"
    assert response.data == (build_dir / "govkg.nq").read_bytes()
    etag = response.headers["ETag"]
    assert etag.strip('"') == hashlib.sha256(response.data).hexdigest()
    assert client.get("/downloads/govkg.nq", headers={"If-None-Match": etag}).status_code == 304
    since = response.headers["Last-Modified"]
    assert (
        client.get("/downloads/govkg.nq", headers={"If-Modified-Since": since}).status_code == 304
    )


def test_download_gzip_when_accepted(client, build_dir):
    response = client.get("/downloads/govkg.ttl", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(response.data) == (build_dir / "govkg.ttl").read_bytes()
    etag = response.headers["ETag"]
    again = client.get(
        "/downloads/govkg.ttl", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
    plain = client.get("/downloads/govkg.ttl", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in plain.headers


def test_download_range_and_unknown(client, build_dir):
    part = client.get("/downloads/govkg.nt", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == (build_dir / "govkg.nt").read_bytes()[:10]
    assert client.get("/downloads/../manifest.json").status_code == 404
    assert client.get("/downloads/nothing.ttl").status_code == 404


# -- VoID and /healthz ----------------------------------------------------------------------------


def test_void_description(client):
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef("https://w3id.org/govkg/id/dataset/govkg")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    dumps = {str(o) for o in graph.objects(dataset, VOID.dataDump)}
    assert "http://localhost/downloads/govkg.nq" in dumps and len(dumps) == 6
    assert graph.value(dataset, DCTERMS.license) is not None
    assert int(graph.value(dataset, VOID.triples)) > 10000
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert URIRef("https://w3id.org/govkg/ontology#Principle") in classes
    properties = list(graph.objects(dataset, VOID.propertyPartition))
    assert len(properties) == int(graph.value(dataset, VOID.properties))
    assert len(list(graph.objects(dataset, VOID.subset))) > 40


def test_void_in_json_ld(client):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["quads"] > 10000


@pytest.mark.parametrize("name", ["govkg.ttl", "govkg.rdf", "govkg.nt"])
def test_download_content_type_names_one_charset(client, name):
    response = client.get(f"/downloads/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].count("charset") <= 1


def test_shapes_namespace_dereferences(client):
    # The ontology's version IRIs (current and archived) are tested in test_ontology_versions.
    response = client.get("/shapes")
    assert response.status_code == 303 and "/downloads/" in response.headers["Location"]


# -- one CURIE shortener for pages, HTML result tables and the CLI table ------------------------

SHORTENED = [
    ACCOUNTABILITY,  # id:
    "https://w3id.org/govkg/shapes#Indicator-qualifier",  # gks:
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "https://w3id.org/govkg/id/x#y",  # a local part a CURIE cannot hold: left whole
    "https://example.org/elsewhere",
]


def test_html_results_and_the_cli_table_shorten_iris_alike(client):
    """The HTML results table (the ``curie`` filter) and ``govkg query --format table``
    (:func:`govkg.results.render_table`) both write :func:`govkg.namespaces.curie` of an IRI."""
    values = " ".join(f"<{iri}>" for iri in SHORTENED)
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"
    html = client.get("/sparql", query_string={"query": query, "format": "html"}).text
    table = render_table(open_embedded().select(query))
    assert curie(SHORTENED[0]) == "id:principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"
    assert curie(SHORTENED[1]) == "gks:Indicator-qualifier"
    assert curie(SHORTENED[3]) == SHORTENED[3]
    for iri in SHORTENED:
        assert f">{curie(iri)}<" in html, iri
        assert f"\n{curie(iri)}\n" in table, iri
