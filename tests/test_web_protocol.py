"""The SPARQL 1.1 Protocol query operation through Flask's test client: the three ways of
sending a query (section 2.1), the dataset (2.1.4), content negotiation (2.2.6 and RFC 9110
section 12.5.1), the refusals of a read-only endpoint and the one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from govkg.backends import Store
from govkg.errors import InputError
from govkg.web import create_app
from govkg.web.config import WebConfig
from govkg.web.negotiation import GRAPH, TABULAR, choose
from govkg.web.protocol import protocol_dataset

ACCOUNTABILITY = (
    "https://w3id.org/govkg/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability"
)
FACT_SHEET_GRAPH = "https://w3id.org/govkg/graph/fact-sheet/us-sg-ai-fact-sheet-2024-06-05"
SELECT = (
    f"SELECT ?label WHERE {{ <{ACCOUNTABILITY}> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
)
CONSTRUCT = f"CONSTRUCT {{ <{ACCOUNTABILITY}> ?p ?o }} WHERE {{ <{ACCOUNTABILITY}> ?p ?o }}"


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Flask:
    app = create_app(WebConfig(build_dir=build_dir, query_timeout=20), store=store)
    yield app
    app.extensions["govkg"].pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _get(client: FlaskClient, query: str, **kwargs: object):
    return client.get("/sparql?query=" + quote(query), **kwargs)


# -- section 2.1.1-2.1.3: the three ways to send a query ---------------------------------------


def test_query_via_get(client):
    response = _get(client, SELECT)
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    values = [b["label"]["value"] for b in response.json["results"]["bindings"]]
    assert values == ["accountability"]


def test_query_via_url_encoded_post(client):
    response = client.post("/sparql", data={"query": SELECT})
    assert response.status_code == 200 and "accountability" in response.text


def test_query_via_post_directly(client):
    response = client.post("/sparql", data=SELECT.encode(), content_type="application/sparql-query")
    assert response.status_code == 200 and "accountability" in response.text


def test_head_is_answered_like_get(client):
    response = client.head("/sparql?query=" + quote(SELECT))
    assert response.status_code == 200 and response.data == b""
    assert response.mimetype == "application/sparql-results+json"


def test_trailing_slash_is_the_same_endpoint(client):
    assert client.get("/sparql/?query=" + quote("ASK {}")).json["boolean"] is True


# -- section 2.1.4: the dataset -----------------------------------------------------------------


def test_default_graph_is_the_union_of_all_graphs(client, store):
    count = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = int(_get(client, count).json["results"]["bindings"][0]["n"]["value"])
    assert graphs > 40
    ask = f"ASK {{ <{ACCOUNTABILITY}> ?p ?o . <https://w3id.org/govkg/ontology#Principle> ?q ?r }}"
    assert _get(client, ask).json["boolean"] is True  # data graph and ontology graph at once


def test_from_selects_one_local_graph(client):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{FACT_SHEET_GRAPH}> WHERE {{ ?s ?p ?o }}"
    n = int(_get(client, query).json["results"]["bindings"][0]["n"]["value"])
    assert 100 < n < 2000  # the fact-sheet graph alone, not the union of ~11 000 triples


def test_from_named_selects_named_graphs(client):
    query = (
        f"SELECT DISTINCT ?g FROM NAMED <{FACT_SHEET_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    rows = _get(client, query).json["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == [FACT_SHEET_GRAPH]
    plain = f"ASK FROM NAMED <{FACT_SHEET_GRAPH}> {{ ?s ?p ?o }}"
    assert _get(client, plain).json["boolean"] is False  # its default graph is empty


def test_protocol_dataset_overrides_from(client):
    query = f"ASK FROM <https://w3id.org/govkg/graph/meta> {{ <{ACCOUNTABILITY}> ?p ?o }}"
    assert _get(client, query).json["boolean"] is False
    url = "/sparql?query=" + quote(query) + "&default-graph-uri=" + quote(FACT_SHEET_GRAPH)
    assert client.get(url).json["boolean"] is True


def test_named_graph_uri_alone_gives_an_empty_default_graph(client):
    url = (
        "/sparql?query=" + quote("ASK { ?s ?p ?o }") + "&named-graph-uri=" + quote(FACT_SHEET_GRAPH)
    )
    assert client.get(url).json["boolean"] is False
    url = (
        "/sparql?query="
        + quote("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
        + "&named-graph-uri="
        + quote(FACT_SHEET_GRAPH)
    )
    rows = client.get(url).json["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == [FACT_SHEET_GRAPH]


def test_a_graph_not_in_the_store_is_empty_and_never_fetched(client):
    query = "ASK FROM <http://127.0.0.1:9/remote.ttl> { ?s ?p ?o }"
    assert _get(client, query).json["boolean"] is False


def test_a_malformed_graph_iri_is_a_400(client):
    response = client.get("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri")
    assert response.status_code == 400 and "absolute IRI" in response.text


def test_protocol_dataset_completion():
    assert protocol_dataset(("urn:a",), None) == (("urn:a",), ())
    assert protocol_dataset(None, None) == (None, None)


# -- section 2.2.6 and RFC 9110 12.5.1: content negotiation --------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        (
            "text/csv;q=0.4, application/sparql-results+xml;q=0.9, */*;q=0.1",
            "application/sparql-results+xml",
        ),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_select_results_by_accept(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = _get(client, SELECT, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert "accountability" in response.text


def test_csv_is_sparql_csv(client):
    response = _get(client, SELECT, headers={"Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(response.text))) == [["label"], ["accountability"]]


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/sparql-results+xml, application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_results_by_accept(client, accept, media_type, rdflib_format):
    headers = {"Accept": accept} if accept else {}
    response = _get(client, CONSTRUCT, headers=headers)
    assert response.status_code == 200 and response.mimetype == media_type
    graph = Graph()
    graph.parse(data=response.data, format=rdflib_format)
    assert len(graph) > 10


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("html", "text/html"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_overrides_accept(client, fmt, media_type):
    response = client.get(
        f"/sparql?query={quote(SELECT)}&format={quote(fmt)}",
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.status_code == 200 and response.mimetype == media_type


def test_format_parameter_names_each_kind(client):
    ttl = client.get(f"/sparql?query={quote(CONSTRUCT)}&format=xml")
    assert ttl.mimetype == "application/rdf+xml"
    ld = client.get(f"/sparql?query={quote(CONSTRUCT)}&output=json")
    assert ld.mimetype == "application/ld+json"


def test_unknown_format_parameter_is_a_400(client):
    response = client.get(f"/sparql?query={quote(SELECT)}&format=pdf")
    assert response.status_code == 400 and "unknown format" in response.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (SELECT, "image/png"),
        (CONSTRUCT, "text/csv"),
        (CONSTRUCT, "application/sparql-results+json"),
    ],
)
def test_nothing_acceptable_is_406(client, query, accept):
    response = _get(client, query, headers={"Accept": accept})
    assert response.status_code == 406
    assert "acceptable" in response.text


def test_q_zero_refuses_a_format(client):
    response = _get(
        client, SELECT, headers={"Accept": "application/sparql-results+json;q=0, text/csv"}
    )
    assert response.mimetype == "text/csv"


def test_negotiation_is_pure():
    assert choose(TABULAR, "text/tab-separated-values;q=0.5, text/csv").name == "csv"
    assert choose(GRAPH, "application/json").name == "jsonld"
    assert choose(GRAPH, "text/csv") is None
    with pytest.raises(InputError):
        choose(TABULAR, None, ["pdf"])


def test_html_results_page_links_govkg_iris(client):
    query = (
        "SELECT ?p WHERE { ?p a <https://w3id.org/govkg/ontology#Principle> ; "
        "<http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/govkg/id/principle-list/us-sg-ai-fact-sheet-2024-06-05> } LIMIT 3"
    )
    response = _get(client, query, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert (
        'href="/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/' in response.text
        and "3 rows" in response.text
    )


def test_ask_in_every_tabular_format(client):
    for fmt in ("json", "xml", "csv", "tsv"):
        response = client.get(f"/sparql?query={quote('ASK {}')}&format={fmt}")
        assert response.status_code == 200 and "true" in response.text


def test_relative_iris_resolve_against_the_endpoint(client):
    response = client.post(
        "/sparql",
        data="CONSTRUCT { <s> <p> 1 } WHERE {}",
        content_type="application/sparql-query",
        headers={"Accept": "application/n-triples"},
    )
    assert response.text.startswith("<http://localhost/s> <http://localhost/p> ")


# -- refusals and errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "path": "/sparql?update=CLEAR%20ALL"},
        {"method": "POST", "path": "/sparql", "data": {"update": "CLEAR ALL"}},
        {
            "method": "POST",
            "path": "/sparql",
            "data": b"CLEAR ALL",
            "content_type": "application/sparql-update",
        },
        {
            "method": "POST",
            "path": "/sparql",
            "data": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "content_type": "application/sparql-query",
        },
        {"method": "GET", "path": "/sparql?query=" + quote("DROP ALL")},
        {"method": "GET", "path": "/sparql?query=" + quote("LOAD <http://127.0.0.1:9/x>")},
        {"method": "POST", "path": "/sparql", "data": {"query": "ASK {}", "update": "CLEAR ALL"}},
        {"method": "GET", "path": "/sparql?query=ASK%7B%7D&using-graph-uri=urn:g"},
    ],
    ids=[
        "get-update",
        "form-update",
        "direct-update",
        "insert-as-query",
        "drop-as-query",
        "load-as-query",
        "form-query-and-update",
        "using-graph-uri",
    ],
)
def test_every_update_is_403(client, request_kwargs):
    kwargs = dict(request_kwargs)
    response = client.open(kwargs.pop("path"), method=kwargs.pop("method"), **kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text


def test_service_is_refused_before_evaluation(client):
    response = _get(client, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 403 and "SERVICE" in response.text


def test_malformed_query_is_a_one_line_400(client):
    response = _get(client, "SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert response.text.startswith("malformed query:")
    assert response.text.count("\n") == 1 and "Traceback" not in response.text


def test_oversize_query_is_413(client):
    query = "SELECT * {" + " ?s ?p ?o ." * 7000 + "}"
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 413 and "over the limit" in response.text


def test_oversize_body_is_413(client):
    response = client.post(
        "/sparql", data=b"#" * (400 * 1024), content_type="application/sparql-query"
    )
    assert response.status_code == 413


def test_deep_nesting_is_refused_before_any_parser(client):
    query = "SELECT * " + "{" * 3000 + "}" * 3000  # crashes pyoxigraph 0.5 if parsed
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 400 and "nests groups 3000 deep" in response.text


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 415),
        (None, 415),
        ("application/json", 415),
        ("application/sparql-query; charset=UTF-16", 415),
    ],
)
def test_unsupported_bodies(client, content_type, status):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"ASK {}", headers=headers)
    assert response.status_code == status


def test_non_utf8_body_is_400(client):
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type="application/sparql-query"
    )
    assert response.status_code == 400 and "UTF-8" in response.text


def test_two_queries_are_400(client):
    response = client.get("/sparql?query=ASK%7B%7D&query=SELECT%20*%20%7B%7D")
    assert response.status_code == 400 and "exactly one" in response.text


def test_post_without_query_is_400(client):
    response = client.post("/sparql", data={"default-graph-uri": FACT_SHEET_GRAPH})
    assert response.status_code == 400


def test_other_methods_are_405(client):
    response = client.put("/sparql?query=ASK%7B%7D")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_errors_follow_accept(client):
    response = _get(client, "SELECT", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["status"] == 400 and "malformed" in response.json["error"]
    html = _get(client, "SELECT", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and "malformed" in html.text


# -- the service description (Service Description section 2) and the query page ---------------


def test_service_description_in_turtle(client, store):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = list(
        graph.query(f"""PREFIX sd: <{sd}>
        SELECT ?endpoint (COUNT(DISTINCT ?name) AS ?graphs) WHERE {{
          ?service a sd:Service ; sd:endpoint ?endpoint ; sd:feature sd:UnionDefaultGraph ;
                   sd:supportedLanguage sd:SPARQL11Query ;
                   sd:defaultDataset [ sd:defaultGraph ?default ; sd:namedGraph [ sd:name ?name ] ]
        }} GROUP BY ?endpoint""")
    )
    assert str(rows[0][0]) == "http://localhost/sparql"
    assert int(rows[0][1]) > 40
    formats = set(graph.objects(None, URIRef(sd + "resultFormat")))
    assert len(formats) == 10


def test_service_description_as_json_ld(client):
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert json.loads(response.text)


def test_query_page_for_browsers_lists_named_queries(client):
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    assert "cq01-fact-sheet-principles" in response.text and "<form" in response.text
    assert "qc/" not in response.text


# -- CORS (Fetch standard): any origin, no credentials --------------------------------------------


def test_cors_on_read_routes(client):
    for path in (
        "/sparql?query=ASK%7B%7D",
        "/sparql",
        "/.well-known/void",
        "/downloads/",
        "/sparql?query=SELECT",
    ):
        response = client.get(path)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


# -- named queries --------------------------------------------------------------------------------


def test_named_query_list_in_json_and_html(client):
    listing = client.get("/queries/", headers={"Accept": "application/json"}).json["queries"]
    names = {q["name"] for q in listing}
    assert {"cq01-fact-sheet-principles", "qc/missing-label-violation"} <= names
    html = client.get("/queries/", headers={"Accept": "text/html"})
    assert "cq13-organisation-ancestors" in html.text


def test_named_query_runs_with_negotiation(client):
    response = client.get(
        "/queries/cq01-fact-sheet-principles", headers={"Accept": "application/sparql-results+json"}
    )
    assert len(response.json["results"]["bindings"]) == 13
    as_csv = client.get("/queries/cq01-fact-sheet-principles?format=csv")
    assert as_csv.mimetype == "text/csv" and len(as_csv.text.strip().splitlines()) == 14
    qc = client.get("/queries/qc/missing-label-violation?format=json")
    assert qc.json["results"]["bindings"] == []


def test_named_query_parameters_are_bound_from_the_url(client):
    listing = client.get("/queries/", headers={"Accept": "application/json"}).json["queries"]
    assert {"name": "describe-element", "parameters": ["element"]}.items() <= next(
        q for q in listing if q["name"] == "describe-element"
    ).items()
    element = "framework/nist-ai-rmf-1-0/govern-1-1"
    rows = client.get(f"/queries/describe-element?element={element}&format=json").json
    subjects = {r["element"]["value"] for r in rows["results"]["bindings"]}
    assert subjects == {"https://w3id.org/govkg/id/" + element}
    same = client.get(f"/queries/describe-element?_element={element}&format=json").json
    assert same == rows
    assert client.get("/queries/describe-element?nothing=1").status_code == 400
    injected = client.get("/queries/describe-element?element=" + quote("a/b> } DROP ALL {"))
    assert injected.status_code == 400


def test_named_query_parameters_take_every_id_spelling(client):
    """`/queries/NAME` reads ids as `govkg query --param` does: a key, an id path, a CURIE and
    the IRI name one framework, and an unknown one is a 400 naming the close match."""
    answers = []
    for spelling in (
        "oecd-ai-principles",
        "framework/oecd-ai-principles",
        "framework:oecd-ai-principles",
        "https://w3id.org/govkg/id/framework/oecd-ai-principles",
    ):
        reply = client.get(
            "/queries/list-framework-elements",
            query_string={"framework": spelling, "format": "json"},
        )
        assert reply.status_code == 200, (spelling, reply.text)
        answers.append(reply.json["results"]["bindings"])
    assert answers[0] and all(answer == answers[0] for answer in answers)
    unknown = client.get("/queries/list-framework-elements?framework=oecd-ai-principle")
    assert unknown.status_code == 400
    assert "framework/oecd-ai-principles" in unknown.text


def test_unknown_named_query_is_404(client):
    assert client.get("/queries/cq99-nothing").status_code == 404


def test_repeated_query_is_answered_from_the_result_cache(app, client, monkeypatch):
    """The dataset is read-only, so a second identical request needs no evaluation; a request
    that differs in its format is evaluated again."""
    site = app.extensions["govkg"]
    calls = []
    real_run = site.pool.run

    def counting_run(payload, timeout):
        calls.append(payload)
        return real_run(payload, timeout)

    monkeypatch.setattr(site.pool, "run", counting_run)
    query = "SELECT (COUNT(*) AS ?cached) WHERE { ?s a ?class }"
    first = _get(client, query, headers={"Accept": "text/csv"})
    second = _get(client, query, headers={"Accept": "text/csv"})
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(calls) == 1
    third = _get(client, query, headers={"Accept": "application/sparql-results+json"})
    assert third.status_code == 200 and len(calls) == 2


def test_html_results_never_link_script_iris(client):
    query = 'SELECT (IRI("javascript:alert(1)") AS ?x) (IRI("https://example.org/a") AS ?y) {}'
    response = _get(client, query, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'href="javascript:' not in response.text
    assert 'href="https://example.org/a"' in response.text
