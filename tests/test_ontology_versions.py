"""Ontology versions and deprecation (issue 11, item 6; ``docs/ontology.md``).

The ontology has its own version, independent of the package version; every release is archived
as one file in ``ontology/releases/`` that the build never loads and the web app serves at its
version IRI (Cool URIs for the Semantic Web, section 4.3: ``303`` by ``Accept``); the current
``owl:priorVersion`` names an archived release (OWL 2 Structural Specification, section 3.5,
ontology annotations). A term is deprecated with ``owl:deprecated true`` (OWL 2 section 5.5),
``dcterms:isReplacedBy`` or a ``skos:changeNote``, and ``vs:term_status "archaic"``; the term
shapes enforce it, and the QC query ``qc/deprecated-term-use-violation`` finds data using one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

from govkg.backends import Store
from govkg.backends.embedded import EmbeddedStore
from govkg.build import TERM_SHAPES, BuildReport
from govkg.catalogue import load_catalogue
from govkg.loading import bundled_source_paths
from govkg.paths import Layout, bundled_layout
from govkg.querying import run_query
from govkg.results import rows
from govkg.validation import load_shapes, validate
from govkg.web import create_app
from govkg.web.config import WebConfig

ONTOLOGY = URIRef("https://w3id.org/govkg/ontology")
GK = Namespace(str(ONTOLOGY) + "#")
VS = Namespace("http://www.w3.org/2003/06/sw-vocab-status/ns#")
CASES = Path(__file__).parent / "data" / "qc"

#: Terms of 0.1.0 that left 0.2.0 without a deprecated release between: each differed only in
#: case from a property (gk:leadRole, gk:crosswalkStatus, gk:announced, gk:country, gk:unit), so
#: re-declaring it as deprecated would bring back a case-only pair (ADR 0016); the archived
#: 0.1.0 keeps them defined. No other term may leave without deprecation.
RENAMED_WITHOUT_DEPRECATION = {
    "0.1.0": {GK.LeadRole, GK.CrosswalkStatus, GK.Announced, GK.Country, GK.Unit},
}


def _current(layout: Layout) -> Graph:
    graph = Graph()
    for path in sorted(layout.ontology.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _version(graph: Graph) -> str:
    return str(graph.value(ONTOLOGY, OWL.versionInfo))


def _terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDFS.isDefinedBy, ONTOLOGY) if isinstance(s, URIRef)}


@pytest.fixture(scope="module")
def current(layout: Layout) -> Graph:
    return _current(layout)


@pytest.fixture(scope="module")
def releases(layout: Layout) -> dict[str, Graph]:
    return {
        path.stem: Graph().parse(path, format="turtle")
        for path in sorted(layout.releases.glob("*.ttl"))
    }


# -- versions and releases ----------------------------------------------------------------------


def test_the_version_iri_ends_with_the_version(current: Graph):
    assert current.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY}/{_version(current)}")


def test_each_release_is_the_version_its_file_names(releases: dict[str, Graph]):
    assert "0.1.0" in releases
    for version, graph in releases.items():
        assert _version(graph) == version
        assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{ONTOLOGY}/{version}")


def test_prior_version_names_an_archived_earlier_release(
    current: Graph, releases: dict[str, Graph]
):
    prior = current.value(ONTOLOGY, OWL.priorVersion)
    assert isinstance(prior, URIRef) and str(prior).startswith(f"{ONTOLOGY}/")
    version = str(prior).rpartition("/")[2]
    assert version in releases, f"owl:priorVersion {prior} is not archived in ontology/releases/"
    assert version != _version(current)


def test_the_current_version_is_archived_only_with_the_same_content(
    current: Graph, releases: dict[str, Graph]
):
    version = _version(current)
    if version in releases:
        assert isomorphic(releases[version], current), (
            f"ontology/releases/{version}.ttl differs from ontology/*.ttl: the ontology changed "
            "after its release was cut, so it needs a new version (docs/ontology.md)"
        )


def test_releases_are_never_edited_merges_of_modules(layout: Layout):
    for path in sorted(layout.releases.glob("*.ttl")):
        head = path.read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith(f"# govkg ontology {path.stem}, an archived release"), path.name


def test_the_build_never_loads_a_release(layout: Layout, built: tuple[Path, BuildReport]):
    assert not [p for p in bundled_source_paths(layout) if p.is_relative_to(layout.releases)]
    graphs = built[1].graphs
    assert any(g.startswith("https://w3id.org/govkg/graph/ontology/") for g in graphs)
    assert not [g for g in graphs if "release" in g]


def test_a_term_leaves_only_after_a_release_that_deprecated_it(
    current: Graph, releases: dict[str, Graph]
):
    """Deprecated terms stay declared for at least one release: a term of the prior release
    that the current ontology no longer declares was deprecated in that release."""
    prior = str(current.value(ONTOLOGY, OWL.priorVersion)).rpartition("/")[2]
    old = releases[prior]
    removed = _terms(old) - _terms(current)
    excused = RENAMED_WITHOUT_DEPRECATION.get(prior, set())
    not_deprecated = {t for t in removed if (t, OWL.deprecated, Literal(True)) not in old}
    assert not_deprecated == excused & removed == excused
    # each excused term would make a case-only pair with a term the current ontology declares
    names = {str(t).lower(): t for t in _terms(current)}
    assert all(str(t).lower() in names for t in excused)


def test_deprecated_terms_follow_the_rule_in_the_current_ontology(current: Graph):
    for term in current.subjects(OWL.deprecated, Literal(True)):
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in current, term
        assert str(current.value(term, VS.term_status)) == "archaic", term


# -- the deprecation rule in the term shapes ----------------------------------------------------

_TERM = """@prefix gk: <https://w3id.org/govkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix vs: <http://www.w3.org/2003/06/sw-vocab-status/ns#> .
gk:OldTerm a owl:Class ; rdfs:label "old term"@en ; skos:definition "A test term."@en ;
    rdfs:isDefinedBy <https://w3id.org/govkg/ontology> ; """

#: Cases as data: the end of a term's description and the constraint components it breaks
#: (empty: the term keeps the rule).
SHAPE_CASES = {
    "replaced": (
        'owl:deprecated true ; dcterms:isReplacedBy gk:NewTerm ; vs:term_status "archaic" .',
        set(),
    ),
    "no-replacement-but-a-note": (
        'owl:deprecated true ; skos:changeNote "None."@en ; vs:term_status "archaic" .',
        set(),
    ),
    "status-deprecated-is-not-a-w3c-value": (
        'owl:deprecated true ; dcterms:isReplacedBy gk:NewTerm ; vs:term_status "deprecated" .',
        {"InConstraintComponent"},
    ),
    "neither-replacement-nor-note": (
        'owl:deprecated true ; vs:term_status "archaic" .',
        {"OrConstraintComponent"},
    ),
    "deprecated-but-testing": (
        'owl:deprecated true ; dcterms:isReplacedBy gk:NewTerm ; vs:term_status "testing" .',
        {"InConstraintComponent"},
    ),
    "status-archaic-without-owl-deprecated": (
        'vs:term_status "archaic" .',
        {"OrConstraintComponent"},
    ),
    "replacement-as-text": (
        'owl:deprecated true ; dcterms:isReplacedBy "gk:NewTerm" ; vs:term_status "archaic" .',
        {"NodeKindConstraintComponent"},
    ),
    "unknown-status": (
        'vs:term_status "retired" .',
        {"InConstraintComponent", "OrConstraintComponent"},
    ),
    "deprecated-false": (
        'owl:deprecated false ; dcterms:isReplacedBy gk:NewTerm ; vs:term_status "archaic" .',
        {"HasValueConstraintComponent", "OrConstraintComponent"},
    ),
}


@pytest.fixture(scope="module")
def term_shapes(layout: Layout) -> Graph:
    return load_shapes([layout.shapes / name for name in TERM_SHAPES])


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_term_shapes_enforce_the_deprecation_rule(case: str, term_shapes: Graph):
    tail, components = SHAPE_CASES[case]
    report = validate(Graph().parse(data=_TERM + tail, format="turtle"), term_shapes)
    found = {f.component for f in report.violations if f.focus == str(GK.OldTerm)}
    assert found == components, report.text()


# -- data never uses a deprecated term ----------------------------------------------------------


def test_deprecated_term_use_query_finds_exactly_the_uses_in_its_case():
    case = CASES / "deprecated-term-use-violation.nq"
    expected = json.loads(
        (CASES / "deprecated-term-use-violation.expected.json").read_text(encoding="utf-8")
    )
    store = EmbeddedStore()
    store.load_dump(case)
    query = load_catalogue(bundled_layout())["qc/deprecated-term-use-violation"]
    found = rows(run_query(store, query.text))
    columns = list(expected[0])
    key = repr
    assert sorted((tuple(r.get(c) for c in columns) for r in found), key=key) == sorted(
        (tuple(r[c] for c in columns) for r in expected), key=key
    )


# -- version IRIs on the web --------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Flask:
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    yield app
    app.extensions["govkg"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_the_current_version_iri_answers_like_the_ontology_iri(client, current: Graph):
    version = _version(current)
    response = client.get(f"/ontology/{version}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["Location"] == "/data/ontology.ttl"
    response = client.get(f"/ontology/{version}", headers={"Accept": "text/html"})
    assert response.headers["Location"] == "/page/ontology"


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        ("text/html", "/page/ontology/0.1.0"),
        ("text/turtle", "/data/ontology/0.1.0.ttl"),
        ("application/n-triples", "/data/ontology/0.1.0.nt"),
        ("application/ld+json", "/data/ontology/0.1.0.jsonld"),
        ("application/rdf+xml", "/data/ontology/0.1.0.rdf"),
    ],
)
def test_an_archived_version_iri_answers_303_by_accept(client, accept, location):
    response = client.get("/ontology/0.1.0", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert 'rel="alternate"' in response.headers["Link"]


@pytest.mark.parametrize(
    ("extension", "syntax"),
    [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")],
)
def test_an_archived_release_is_served_as_archived(
    client, releases: dict[str, Graph], extension, syntax
):
    response = client.get(f"/data/ontology/0.1.0.{extension}")
    assert response.status_code == 200
    served = Graph().parse(data=response.data, format=syntax)
    assert isomorphic(served, releases["0.1.0"])
    assert (GK.LeadRole, RDF.type, OWL.Class) in served
    assert '<https://w3id.org/govkg/ontology/0.1.0>; rel="describes"' in response.headers["Link"]


def test_an_archived_release_page_holds_its_old_terms(client):
    response = client.get("/page/ontology/0.1.0")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for name in ("LeadRole", "CrosswalkStatus", "Announced", "Country", "Principle"):
        assert f'id="{name}"' in page
    gone = page.split('id="LeadRole"', 1)[1].split("</dt>", 1)[0]
    kept = page.split('id="Principle"', 1)[1].split("</dt>", 1)[0]
    assert "not in the current version" in gone and "not in the current version" not in kept
    assert "/data/ontology/0.1.0.ttl" in page


@pytest.mark.parametrize(
    "path", ["/ontology/9.9.9", "/data/ontology/9.9.9.ttl", "/page/ontology/9.9.9"]
)
def test_an_unknown_version_is_404_naming_the_known_ones(client, current: Graph, path):
    response = client.get(path, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert body.count("\n") == 1
    assert "9.9.9" in body and "0.1.0" in body and f"{_version(current)} (current)" in body
