"""Every named query parses and runs; the competency questions return the facts of the fact
sheet; every QC query returns no rows."""

from __future__ import annotations

import pytest

from govkg.backends import Rows, Store
from govkg.catalogue import NamedQuery, load_catalogue
from govkg.paths import bundled_layout
from govkg.querying import run_query, run_select

CATALOGUE = load_catalogue(bundled_layout())
ID = "https://w3id.org/govkg/id/"

#: The variables each competency question must return (issue 2's table).
REQUIRED_VARIABLES = {
    "cq01-fact-sheet-principles": {"principle", "label"},
    "cq02-mapped-frameworks": {
        "framework",
        "frameworkLabel",
        "developer",
        "developerLabel",
        "parent",
        "parentLabel",
    },
    "cq03-ai-safety-institutes": {
        "institute",
        "instituteLabel",
        "country",
        "related",
        "relatedLabel",
    },
    "cq04-roundtable": {"event", "date", "leader", "leaderLabel", "role"},
    "cq05-talent-programmes": {
        "programme",
        "programmeLabel",
        "buildsOn",
        "buildsOnLabel",
        "launchYear",
    },
    "cq06-bilateral-platforms": {"platform", "platformLabel"},
    "cq07-regional-instruments": {"instrument", "instrumentLabel"},
    "cq08-economic-figures": {"indicator", "indicatorLabel", "value", "unit", "year"},
    "cq13-organisation-ancestors": {
        "organisation",
        "organisationLabel",
        "ancestor",
        "ancestorLabel",
    },
}


def _run(store: Store, name: str) -> list[dict[str, str]]:
    return run_select(store, CATALOGUE[name].text).dicts()


@pytest.mark.parametrize("query", list(CATALOGUE.values()), ids=lambda q: q.name)
def test_every_named_query_runs(store: Store, query: NamedQuery):
    assert query.summary
    result = run_query(store, query.text)
    if query.is_qc:
        assert isinstance(result, Rows)
        assert result.dicts() == [], f"{query.name}: {result.dicts()[:5]}"


@pytest.mark.parametrize("name", sorted(REQUIRED_VARIABLES))
def test_competency_questions_return_their_variables(store: Store, name: str):
    result = run_query(store, CATALOGUE[name].text)
    assert isinstance(result, Rows)
    assert REQUIRED_VARIABLES[name] <= set(result.variables)
    assert result.dicts(), f"{name} returned no rows"


def test_cq01_lists_the_thirteen_principles_in_order(store: Store):
    labels = [r["label"] for r in _run(store, "cq01-fact-sheet-principles")]
    assert labels == [
        "explainability",
        "transparency",
        "accountability",
        "fairness",
        "inclusivity",
        "robustness",
        "reproducibility",
        "security",
        "safety",
        "data governance",
        "human-AI configuration",
        "inclusive growth",
        "societal and environmental well-being",
    ]


def test_cq02_developers_and_their_parents(store: Store):
    found = {
        (r["framework"], r["developer"], r["parent"]) for r in _run(store, "cq02-mapped-frameworks")
    }
    assert found == {
        (ID + "framework/nist-ai-rmf-1-0", ID + "organisation/nist", ID + "organisation/us-doc"),
        (
            ID + "framework/ai-verify-testing-framework",
            ID + "organisation/imda",
            ID + "organisation/sg-mci",
        ),
    }


def test_cq03_institutes_with_housing_and_funding(store: Store):
    found = {
        (r["institute"].rsplit("/", 1)[1], r["relation"], r["related"].rsplit("/", 1)[1])
        for r in _run(store, "cq03-ai-safety-institutes")
    }
    assert {
        ("us-aisi", "housed in", "nist"),
        ("sg-dtc", "funded by", "imda"),
        ("sg-dtc", "funded by", "nrf"),
        ("sg-dtc", "hosted by", "ntu"),
    } == found


def test_cq04_roundtable_date_and_roles(store: Store):
    found = {(r["date"], r["leaderLabel"], r["role"]) for r in _run(store, "cq04-roundtable")}
    assert found == {
        ("2024-06-05", "Gina M. Raimondo", "U.S. Secretary of Commerce"),
        ("2024-06-05", "Josephine Teo", "Minister for Communications and Information"),
    }


def test_cq05_talent_bridge_builds_on_women_in_tech_of_2022(store: Store):
    """The fact sheet says 2022; the one launch date is the day a report of the launch gives."""
    found = {
        (r["programme"], r["buildsOn"], r["launchYear"], r["launchDate"])
        for r in _run(store, "cq05-talent-programmes")
    }
    assert found == {
        (
            ID + "initiative/ai-talent-bridge",
            ID + "initiative/us-sg-women-in-tech",
            "2022",
            "2022-06-27",
        )
    }


def test_cq06_platforms(store: Store):
    found = {r["platform"].rsplit("/", 1)[1] for r in _run(store, "cq06-bilateral-platforms")}
    assert found == {
        "us-sg-pgi",
        "us-sg-ai-governance-group",
        "us-sg-cet-dialogue",
        "us-sg-digital-economy-roadmap",
    }


def test_cq07_asean_instruments(store: Store):
    found = {
        r["instrument"].rsplit("/", 1)[1]: r.get("confidence")
        for r in _run(store, "cq07-regional-instruments")
    }
    assert set(found) == {"asean-guide-ai-governance-ethics", "asean-ai-roadmap"}
    assert found["asean-ai-roadmap"] == "low confidence"


def test_cq08_figures_in_base_units(store: Store):
    found = {(r["value"], r["unit"], r.get("year")) for r in _run(store, "cq08-economic-figures")}
    assert ("22000000000", "SGD", "2023") in found
    assert ("16300000000", "USD", "2023") in found
    assert ("50000000000", "SGD", None) in found
    assert ("6000", "companies", None) in found  # present tense: no year is named
    assert len(found) == 7


def test_cq08_qualifiers_come_from_the_scheme_and_the_period_keeps_the_text_words(store: Store):
    """ "over 130,000" and "exceed SGD 50 billion" are both gk:MoreThan; the investment period is
    the text's "over the next few years", with no start year added."""
    found = {
        r["indicator"].rsplit("/", 1)[1]: (r["qualifier"], r.get("period"))
        for r in _run(store, "cq08-economic-figures")
    }
    assert found["sg-workers-ai-upskilling-commitment"] == ("more than", None)
    assert found["us-ai-investment-in-singapore-sgd"] == ("more than", "over the next few years")
    assert found["us-ai-investment-in-singapore-usd"] == ("more than", "over the next few years")
    assert found["us-companies-operating-in-singapore"] == ("nearly", None)
    assert found["sg-technology-spending-2023-sgd"] == ("as stated", None)


def test_uncertain_facts_include_what_the_fact_sheet_text_does_not_state(store: Store):
    """Who issued the fact sheet and on what occasion are the reference facts' word, not the
    text's (medium confidence); a high-confidence commitment with one uncertain statement (no
    company named) is listed for its note."""
    found = {
        (r["resource"].rsplit("/", 1)[1], r.get("confidence"))
        for r in _run(store, "list-uncertain-facts")
    }
    assert ("fact-sheet-2024-06-05", "medium confidence") in found
    assert ("workforce-ai-upskilling", "high confidence") in found


def test_cq13_ancestors_include_inferred_ones(store: Store):
    found = {
        (r["organisation"].rsplit("/", 1)[1], r["ancestor"].rsplit("/", 1)[1])
        for r in _run(store, "cq13-organisation-ancestors")
    }
    assert {
        ("us-aisi", "nist"),
        ("us-aisi", "us-doc"),
        ("nist", "us-doc"),
        ("ai-verify-foundation", "imda"),
    } <= found
    # A statutory board overseen by a ministry is not one of its parts (gk:overseenBy is an
    # org:linkedTo since ontology 0.2.0), so neither IMDA nor what IMDA set up has MCI as ancestor.
    assert not {("imda", "sg-mci"), ("ai-verify-foundation", "sg-mci")} & found


def test_default_graph_is_the_merge_of_the_named_graphs(store: Store):
    """A triple stated by two sources (the fact sheet and a newspaper report both say IMDA
    funds the DTC) is one triple of the default graph; GRAPH still sees both statements."""
    funded = (
        "<https://w3id.org/govkg/id/organisation/sg-dtc> "
        "<https://w3id.org/govkg/ontology#fundedBy> ?o"
    )
    assert len(run_select(store, f"SELECT ?o WHERE {{ {funded} }}").dicts()) == 2
    assert len(run_select(store, f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ {funded} }} }}").dicts()) == 4


def test_alignments_do_not_retype_framework_content(store: Store):
    """Issue 11 item 4: AI 600-1's risks are categories a framework lists, not AIRO risks, and
    the frameworks are not AIRO standards; the classes are only linked by SKOS mapping
    relations, so no instance becomes an airo:Risk or airo:Standard."""
    found = run_select(
        store,
        "PREFIX airo: <https://w3id.org/airo#>\n"
        "SELECT ?x ?c WHERE { VALUES ?c { airo:Risk airo:Standard } ?x a ?c }",
    ).dicts()
    assert found == []
    linked = run_select(
        store,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX gk: <https://w3id.org/govkg/ontology#>\n"
        "SELECT ?o WHERE { gk:Risk skos:relatedMatch ?o }",
    ).dicts()
    assert {r["o"] for r in linked} == {"https://w3id.org/airo#Risk"}
