"""The browsing pages (issue 15, items 1-3): frameworks, element documents and crosswalks,
through Flask's test client, each checked against the graph itself (the named queries and
``govkg.coverage``), never against numbers written here; and the issue's "done when": from the
home page, in a few clicks, AI 600-1's "Information Integrity" risk leads to the AI RMF
trustworthiness characteristics NIST associates with it, and the AI Verify criteria that reuse
AI RMF wording are found."""

from __future__ import annotations

import csv
import html as html_module
import io
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from govkg import coverage
from govkg.backends import Store
from govkg.catalogue import load_catalogue
from govkg.paths import Layout
from govkg.submission.exporting import export_mapping_sets
from govkg.web import create_app
from govkg.web.config import WebConfig

ID = "https://w3id.org/govkg/id/"
AI_600_1 = ID + "framework/nist-ai-600-1"
AI_RMF = ID + "framework/nist-ai-rmf-1-0"
AI_VERIFY = ID + "framework/ai-verify-testing-framework"
INFORMATION_INTEGRITY = AI_600_1 + "/information-integrity"

#: A framework as a user would import it into a workspace (its own namespace, not govkg's),
#: with a mapping set onto the AI RMF: the pages must show it like a built-in one.
ACME = "https://example.org/acme/id/framework/acme-ai-policy"
WORKSPACE_DATA = f"""\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix gk: <https://w3id.org/govkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix sssom: <https://w3id.org/sssom/> .
@prefix semapv: <https://w3id.org/semapv/vocab/> .
<{ACME}> a skos:ConceptScheme , gk:GovernanceFramework ;
  rdfs:label "Acme Robotics AI Use Policy (fictional)"@en ;
  skos:prefLabel "Acme Robotics AI Use Policy (fictional)"@en ;
  dcterms:publisher <https://example.org/acme/id/organisation/acme> .
<https://example.org/acme/id/organisation/acme> rdfs:label "Acme Robotics (fictional)"@en .
<{ACME}/oversight> skos:inScheme <{ACME}> ; skos:topConceptOf <{ACME}> ;
  skos:prefLabel "Oversight"@en ; skos:notation "2" ; gk:position 2 .
<{ACME}/use> skos:inScheme <{ACME}> ; skos:topConceptOf <{ACME}> ;
  skos:prefLabel "Acceptable use"@en ; skos:notation "1" ; gk:position 1 .
<{ACME}/use/1-1> skos:inScheme <{ACME}> ; skos:broader <{ACME}/use> ;
  skos:prefLabel "Inventory every AI system"@en ; skos:notation "1.1" ; gk:position 1 ;
  gk:text "Staff register every AI system they use <script>alert(1)</script>."@en .
<https://example.org/acme/id/mapping-set/acme--airmf> a sssom:MappingSet ;
  rdfs:label "Acme policy to AI RMF (fictional)"@en ;
  sssom:mappings <https://example.org/acme/id/mapping-set/acme--airmf/1> .
<https://example.org/acme/id/mapping-set/acme--airmf/1> a owl:Axiom ;
  owl:annotatedSource <{ACME}/use/1-1> ; owl:annotatedProperty skos:closeMatch ;
  owl:annotatedTarget <{AI_RMF}/govern-1-6> ;
  sssom:mapping_justification semapv:ManualMappingCuration .
"""


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Flask:
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    yield app
    app.extensions["govkg"].pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def workspace_client(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    extra = tmp_path_factory.mktemp("browse") / "acme.ttl"
    extra.write_text(WORKSPACE_DATA, encoding="utf-8")
    app = create_app(WebConfig(build_dir=build_dir, data_files=(extra,)))
    yield app.test_client()
    app.extensions["govkg"].pool.close()


class Links(HTMLParser):
    """The links of a page with their text, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def _page(client: FlaskClient, path: str) -> Links:
    response = client.get(path)
    assert response.status_code == 200, (path, response.data[:300])
    assert response.mimetype == "text/html"
    parser = Links()
    parser.feed(response.get_data(as_text=True))
    return parser


def _click(client: FlaskClient, path: str, text: str) -> str:
    """Follow the link whose text contains ``text`` (exactly one target)."""
    targets = {href for label, href in _page(client, path).links if text in label}
    assert len(targets) == 1, (path, text, targets)
    return urljoin(path, targets.pop())


def _select(store: Store, query: str) -> list[dict[str, str]]:
    return store.select(query).dicts()


# -- frameworks -----------------------------------------------------------------------------------


def test_framework_list_shows_every_framework_of_the_graph_with_its_size(client, store):
    found = _select(
        store,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?f (COUNT(DISTINCT ?e) AS ?n) WHERE { ?f a skos:ConceptScheme . "
        '?e skos:inScheme ?f FILTER (!STRSTARTS(STR(?f), "https://w3id.org/govkg/ontology")) } '
        "GROUP BY ?f",
    )
    assert len(found) >= 7
    html = client.get("/frameworks/").get_data(as_text=True)
    for row in found:
        key = row["f"].rsplit("/", 1)[1]
        match = re.search(
            rf'<a href="/frameworks/{re.escape(key)}">.*?<td class="num">(\d+)</td>', html, re.S
        )
        assert match, key
        assert int(match.group(1)) == int(row["n"])
    assert "National Institute of Standards and Technology" in html


def test_framework_tree_holds_every_element_in_the_order_of_the_named_query(app, client, store):
    """The tree reads the framework's own order the way ``list-framework-elements`` does."""
    query = load_catalogue(app.extensions["govkg"].config.layout)["list-framework-elements"]
    for key in ("nist-ai-rmf-1-0", "ai-verify-testing-framework", "nist-ai-600-1"):
        expected = [
            r["element"]
            for r in _select(store, query.bind({"_framework": ID + "framework/" + key}))
        ]
        html = client.get(f"/frameworks/{key}").get_data(as_text=True)
        linked = re.findall(
            rf'href="/frameworks/{key}/([^"#?]+)"', html.split("<h2>Contents</h2>")[1]
        )
        assert [f"{ID}framework/{key}/{path}" for path in linked] == expected


def test_framework_tree_expands_without_javascript(client):
    html = client.get("/frameworks/nist-ai-rmf-1-0").get_data(as_text=True)
    assert "<script" not in html
    assert html.count("<details") >= 4 + 19  # functions and categories, each a group
    assert re.search(r'<summary><a href="/frameworks/nist-ai-rmf-1-0/govern">Govern</a>', html)
    # a notation the label holds is shown once ("GOVERN 1"), another one beside the label
    assert "GOVERN 1</span>" not in html and ">GOVERN 1</a>" in html
    assert "25 elements" in html  # GOVERN holds 6 categories and 19 subcategories


def test_unknown_framework_is_404_naming_the_known_keys(client):
    response = client.get("/frameworks/no-such-framework", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "nist-ai-rmf-1-0" in response.get_data(as_text=True)
    assert client.get("/frameworks/nist-ai-rmf-1-0/no-such-element").status_code == 404


def test_element_page_reads_as_a_document(client, store):
    page = _page(client, "/frameworks/nist-ai-rmf-1-0/govern-1")
    text = " ".join("".join(page.text).split())
    links = dict((href, label) for label, href in page.links)
    assert "/frameworks/" in links and "/frameworks/nist-ai-rmf-1-0" in links  # breadcrumb
    assert "/frameworks/nist-ai-rmf-1-0/govern" in links
    children = _select(
        store,
        f"PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c WHERE {{ "
        f"?c skos:broader <{AI_RMF}/govern-1> }}",
    )
    assert len(children) == 7
    for row in children:
        assert "/frameworks/nist-ai-rmf-1-0/" + row["c"].rsplit("/", 1)[1] in links
    assert "/id/framework/nist-ai-rmf-1-0/govern-1" in links  # the linked-data view
    text_value = _select(
        store,
        "PREFIX gk: <https://w3id.org/govkg/ontology#> "
        f"SELECT ?t WHERE {{ <{AI_RMF}/govern-1> gk:text ?t }}",
    )
    assert " ".join(text_value[0]["t"].split()) in text


def test_linked_data_page_of_an_element_links_its_document(client):
    html = client.get("/page/id/framework/nist-ai-rmf-1-0/govern-1-6").get_data(as_text=True)
    assert 'href="/frameworks/nist-ai-rmf-1-0/govern-1-6"' in html


def test_element_mappings_are_grouped_by_set_with_status_justification_and_source(client):
    html = client.get("/frameworks/nist-ai-rmf-1-0/govern-1-6").get_data(as_text=True)
    sets = re.findall(r'<section class="mapping-set".*?</section>', html, re.S)
    assert sets
    reuse = next(s for s in sets if "reuses AI RMF" in s)
    assert 'class="status unofficial"' in reuse
    assert "/frameworks/ai-verify-testing-framework/" in reuse
    assert "0.6" in reuse  # its confidence
    assert "lexical matching" in reuse  # semapv:LexicalMatching, in words
    assert "/crosswalks/sets/ai-verify-ai-rmf-text-reuse.sssom.tsv" in reuse


# -- the issue's "done when" ----------------------------------------------------------------------


def test_done_when_information_integrity_characteristics_in_a_few_clicks(client, store):
    """Home → Frameworks → AI 600-1 → Information Integrity: NIST's characteristics, official."""
    path = _click(client, "/", "Frameworks")
    path = _click(client, path, "Generative Artificial Intelligence Profile")
    path = _click(client, path, "Information Integrity")
    assert urlsplit(path).path == "/frameworks/nist-ai-600-1/information-integrity"
    query = load_catalogue(client.application.extensions["govkg"].config.layout)[
        "cq12-genai-risks-characteristics"
    ]
    expected = {
        r["characteristicLabel"]
        for r in _select(store, query.text)
        if r["risk"] == INFORMATION_INTEGRITY
    }
    assert len(expected) >= 2
    html = client.get(path).get_data(as_text=True)
    official = next(
        s
        for s in re.findall(r'<section class="mapping-set".*?</section>', html, re.S)
        if 'class="status official"' in s
    )
    shown = set(re.findall(r'href="/frameworks/nist-ai-rmf-1-0/[^"]+">([^<]+)</a>', official))
    assert shown == expected


def test_done_when_ai_verify_criteria_reusing_ai_rmf_wording_in_a_few_clicks(client, store):
    """Home → Crosswalks → AI Verify by AI RMF: the text-reuse set and its pairs."""
    path = _click(client, "/", "Crosswalks")
    targets = [href for label, href in _page(client, path).links if label == "AI Verify by AI RMF"]
    assert targets == ["/crosswalks/ai-verify-testing-framework/nist-ai-rmf-1-0"]
    html = client.get(targets[0]).get_data(as_text=True)
    expected = _select(
        store,
        "PREFIX sssom: <https://w3id.org/sssom/> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "SELECT ?a ?b WHERE { <https://w3id.org/govkg/id/mapping-set/ai-verify-ai-rmf-text-reuse> "
        "sssom:mappings ?m . ?m owl:annotatedSource ?a ; owl:annotatedTarget ?b }",
    )
    assert len(expected) >= 6
    assert "AI Verify testable criteria whose wording reuses AI RMF subcategories" in html
    pairs = html.split('id="pairs"')[1].split('id="uncovered"')[0].split("</tr>")
    for row in expected:
        a = row["a"].rsplit("/", 1)[1]
        b = row["b"].rsplit("/", 1)[1]
        assert any(
            f'/frameworks/ai-verify-testing-framework/{a}"' in tr
            and f'/frameworks/nist-ai-rmf-1-0/{b}"' in tr
            for tr in pairs
        ), (a, b)


# -- crosswalks -----------------------------------------------------------------------------------


def test_heatmap_cells_are_the_coverage_computation(app, client, store):
    matrix = coverage.compute(app.extensions["govkg"].config.layout, store, AI_600_1, AI_RMF)
    html = client.get("/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0").get_data(as_text=True)
    table = html.split('<table class="heatmap">')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    shown = [
        [int(n) for n in re.findall(r"<td[^>]*>(?:<a[^>]*>|<span[^>]*>)(\d+)<", row)]
        for row in body.split("</tr>")[:-1]
    ]
    assert shown == [[matrix.count(r, c) for c in matrix.columns] for r in matrix.rows]
    assert sum(map(sum, shown)) > 0


def test_a_heatmap_cell_drills_down_to_its_pairs(app, client, store):
    matrix = coverage.compute(app.extensions["govkg"].config.layout, store, AI_600_1, AI_RMF)
    html = client.get("/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0").get_data(as_text=True)
    hrefs = re.findall(r'<td class="heat-[1-4]"><a href="([^"]+)"', html)
    assert hrefs
    for href in map(html_module.unescape, hrefs[:10]):
        query = dict(p.split("=", 1) for p in urlsplit(href).query.split("&"))
        row = next(r for r in matrix.rows if r.iri.endswith("/" + query["row"]))
        column = next(c for c in matrix.columns if c.iri.endswith("/" + query["column"]))
        page = client.get(href.split("#")[0]).get_data(as_text=True)
        pairs = page.split('id="pairs"')[1].split('id="uncovered"')[0]
        subjects = set(
            re.findall(r'<th scope="row">.*?href="/frameworks/nist-ai-600-1/([^"]+)"', pairs)
        )
        assert len(subjects) == matrix.count(row, column)
        download = client.get(
            href.replace("nist-ai-rmf-1-0?", "nist-ai-rmf-1-0/pairs.csv?").split("#")[0]
        )
        records = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
        assert {r["a_id"] for r in records} == {f"{AI_600_1}/{s}" for s in subjects}
        assert {r["b_group"] for r in records} == {column.label}


def test_elements_without_counterpart_are_those_of_the_named_query(app, client, store):
    query = load_catalogue(app.extensions["govkg"].config.layout)[
        "list-elements-without-counterpart"
    ]
    for a, b in ((AI_RMF, AI_VERIFY), (AI_RMF, AI_600_1)):
        expected = {
            r["element"] for r in _select(store, query.bind({"_frameworkA": a, "_frameworkB": b}))
        }
        key_a, key_b = a.rsplit("/", 1)[1], b.rsplit("/", 1)[1]
        html = client.get(f"/crosswalks/{key_a}/{key_b}").get_data(as_text=True)
        section = html.split('id="uncovered"')[1].split('id="sets"')[0]
        shown = {f"{a}/{p}" for p in re.findall(rf'href="/frameworks/{key_a}/([^"]+)"', section)}
        assert shown == expected


def test_mapping_sets_between_two_frameworks_with_metadata_and_status(client):
    html = client.get("/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0").get_data(as_text=True)
    sets = html.split('id="sets"')[1]
    assert "xw-ai-600-1-risk-to-trustworthiness" in sets
    assert 'class="status official"' in sets
    assert "<dt>source document</dt>" in sets
    # a set whose official table was not retrieved is listed by its declared sources
    other = client.get("/crosswalks/nist-ai-rmf-1-0/ai-verify-testing-framework").get_data(
        as_text=True
    )
    assert "/id/mapping-set/xw-ai-rmf-ai-verify-2023" in other.split('id="sets"')[1]


def test_downloads_are_what_the_cli_writes(app, client, store, build_dir):
    layout: Layout = app.extensions["govkg"].config.layout
    matrix = coverage.compute(layout, store, AI_600_1, AI_RMF)
    base = "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0"
    assert client.get(base + "/matrix.csv").get_data(as_text=True) == coverage.to_csv(matrix)
    svg = client.get(base + "/heatmap.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True) == coverage.to_svg(matrix)
    for key in ("ai-verify-ai-rmf-text-reuse", "xw-ai-600-1-risk-to-trustworthiness"):
        (exported,) = export_mapping_sets(layout, build_dir, [key])
        response = client.get(f"/crosswalks/sets/{key}.sssom.tsv")
        assert response.get_data(as_text=True) == exported.text
        assert f'filename="{key}.sssom.tsv"' in response.headers["Content-Disposition"]
    assert client.get("/crosswalks/sets/xw-ai-rmf-ai-verify-2023.sssom.tsv").status_code == 404
    records = list(
        csv.DictReader(io.StringIO(client.get(base + "/pairs.csv").get_data(as_text=True)))
    )
    assert len(records) == len({r["mapping_id"] for r in records}) == 43


def test_sssom_of_a_crosswalk_holds_the_pairs_it_shows(client):
    """A set that links several frameworks (the lexical crosswalk of the fact sheet's
    principles) downloads, from one crosswalk, as its metadata block and only the rows between
    those two frameworks."""
    base = "/crosswalks/us-sg-ai-fact-sheet-2024-06-05/nist-ai-rmf-1-0"
    key = "fact-sheet-principles-lexical"
    whole = client.get(f"/crosswalks/sets/{key}.sssom.tsv").get_data(as_text=True)
    part = client.get(f"{base}/sets/{key}.sssom.tsv").get_data(as_text=True)
    pairs = list(
        csv.DictReader(io.StringIO(client.get(base + "/pairs.csv").get_data(as_text=True)))
    )
    shown = [p for p in pairs if p["mapping_set_id"].endswith("/" + key)]

    def split(text: str) -> tuple[list[str], list[str]]:
        lines = text.splitlines()
        return [x for x in lines if x.startswith("#")], [x for x in lines if not x.startswith("#")]

    whole_header, whole_rows = split(whole)
    part_header, part_rows = split(part)
    assert part_header == whole_header
    assert part_rows[0] == whole_rows[0]  # the same columns
    assert set(part_rows[1:]) <= set(whole_rows[1:])
    assert len(part_rows) - 1 == len(shown) > 0
    assert len(whole_rows) - 1 > len(shown)
    page = client.get(base).get_data(as_text=True)
    assert f'href="{base}/sets/{key}.sssom.tsv">these {len(shown)}</a>' in page


def test_compare_form_redirects_to_the_crosswalk(client):
    response = client.get("/crosswalks/?a=nist-ai-rmf-1-0&b=oecd-ai-principles")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/crosswalks/nist-ai-rmf-1-0/oecd-ai-principles")
    assert client.get("/crosswalks/nist-ai-rmf-1-0/nist-ai-rmf-1-0").status_code == 404
    assert client.get("/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0?row=x&column=y").status_code == 404


# -- frameworks from a workspace ------------------------------------------------------------------


def test_a_workspace_framework_is_browsed_like_a_built_in_one(workspace_client):
    client = workspace_client
    listing = client.get("/frameworks/").get_data(as_text=True)
    assert 'href="/frameworks/acme-ai-policy"' in listing
    assert "Acme Robotics (fictional)" in listing
    tree = client.get("/frameworks/acme-ai-policy").get_data(as_text=True)
    contents = tree.split("<h2>Contents</h2>")[1]
    assert (
        contents.index("Acceptable use")
        < contents.index("Inventory every")
        < contents.index("Oversight")
    )
    element = client.get("/frameworks/acme-ai-policy/use/1-1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in element and "<script>alert" not in element
    assert 'href="/frameworks/nist-ai-rmf-1-0/govern-1-6"' in element
    assert "Acme policy to AI RMF (fictional)" in element
    # its linked-data view: the server answers no path for another namespace, so ?iri=
    raw = "/resource?iri=" + quote(f"{ACME}/use/1-1", safe="")
    assert f'href="{raw.replace("&", "&amp;")}"' in element
    page = client.get(raw).get_data(as_text=True)
    assert "Inventory every AI system" in page
    assert 'href="/frameworks/acme-ai-policy/use/1-1"' in page  # and back to the document
    assert client.get("/resource?iri=" + quote(AI_RMF, safe="")).status_code == 303
    assert client.get("/resource?iri=https://example.org/unknown").status_code == 404
    crosswalk = client.get("/crosswalks/acme-ai-policy/nist-ai-rmf-1-0").get_data(as_text=True)
    assert re.search(
        r'<td class="heat-4"><a href="[^"]*row=use&amp;column=govern#pairs"', crosswalk
    )
    rmf = client.get("/frameworks/nist-ai-rmf-1-0/govern-1-6").get_data(as_text=True)
    assert 'href="/frameworks/acme-ai-policy/use/1-1"' in rmf


def test_warming_stops_at_its_budget_and_pages_are_made_on_request(
    store: Store, build_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A large graph's hundreds of crosswalks are not all made before the server starts:
    with no time to spend, warming makes none, and the page is made on its first request
    with the same matrix as a warmed one."""
    from govkg.web import EXTENSION
    from govkg.web.crosswalks import warm

    cold = create_app(WebConfig(build_dir=build_dir), store=store)
    site = cold.extensions[EXTENSION]
    with caplog.at_level(logging.INFO, logger="govkg.web.crosswalks"):
        warm(site, budget=0.0)
    assert "warmed 0 of " in caplog.text
    assert not [key for key in site._kept if key[0] in ("crosswalk", "sssom")]
    page = "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0"
    warmed = create_app(WebConfig(build_dir=build_dir), store=store)
    warm(warmed.extensions[EXTENSION])
    assert [key for key in warmed.extensions[EXTENSION]._kept if key[0] == "crosswalk"]
    try:
        assert cold.test_client().get(page).get_data() == warmed.test_client().get(page).get_data()
    finally:
        for app in (cold, warmed):
            app.extensions[EXTENSION].pool.close()
