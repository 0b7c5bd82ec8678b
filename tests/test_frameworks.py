"""Framework content and crosswalks (issue 3): counts match the frameworks, the analysts'
queries answer, and the coverage report is right."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from govkg import coverage
from govkg.backends import Store
from govkg.catalogue import load_catalogue
from govkg.cli import main
from govkg.errors import InputError
from govkg.paths import Layout, bundled_layout
from govkg.querying import run_query
from govkg.results import rows

CATALOGUE = load_catalogue(bundled_layout())
ID = "https://w3id.org/govkg/id/"
RMF = ID + "framework/nist-ai-rmf-1-0"
VERIFY = ID + "framework/ai-verify-testing-framework"
PROFILE = ID + "framework/nist-ai-600-1"
FACT_SHEET_LIST = ID + "principle-list/us-sg-ai-fact-sheet-2024-06-05"


def _count(store: Store, cls: str, scheme: str) -> int:
    query = f"""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
        ?e a <https://w3id.org/govkg/ontology#{cls}> ;
           <http://www.w3.org/2004/02/skos/core#inScheme> <{scheme}> }}"""
    return int(rows(run_query(store, query))[0]["n"])


@pytest.mark.parametrize(
    ("cls", "scheme", "expected"),
    [
        ("TrustworthinessCharacteristic", RMF, 7),
        ("Function", RMF, 4),
        ("Category", RMF, 19),
        ("Subcategory", RMF, 72),
        ("Principle", VERIFY, 11),
        ("Area", VERIFY, 5),
        ("TestableCriterion", VERIFY, 72),
        ("ProcessCheck", VERIFY, 97),
        ("Risk", PROFILE, 12),
        ("Dimension", ID + "framework/sg-mgf-genai", 9),
        ("Principle", ID + "framework/asean-guide-ai-governance-ethics", 7),
        ("Principle", ID + "framework/oecd-ai-principles", 5),
        ("Recommendation", ID + "framework/oecd-ai-principles", 5),
        ("Principle", FACT_SHEET_LIST, 13),
    ],
)
def test_element_counts_match_the_frameworks(store: Store, cls: str, scheme: str, expected: int):
    assert _count(store, cls, scheme) == expected


def _run(store: Store, name: str, **params: str) -> list[dict[str, str]]:
    return rows(run_query(store, CATALOGUE[name].bind(params)))


def test_official_risk_to_characteristic_set_has_43_pairs(store: Store):
    found = _run(store, "cq12-genai-risks-characteristics")
    assert len({(r["risk"], r["characteristic"]) for r in found}) == 43
    assert len({r["risk"] for r in found}) == 12


def test_the_2023_crosswalk_holds_no_invented_pairs(store: Store):
    query = f"""ASK {{ <{ID}mapping-set/xw-ai-rmf-ai-verify-2023>
                <https://w3id.org/sssom/mappings> ?m }}"""
    assert not bool(run_query(store, query))


def test_cq09_function_counts(store: Store):
    found = {
        r["notation"]: (int(r["categoryCount"]), int(r["subcategoryCount"]))
        for r in _run(store, "cq09-ai-rmf-structure")
    }
    assert found == {"GOVERN": (6, 19), "MAP": (5, 18), "MEASURE": (4, 22), "MANAGE": (4, 13)}


def test_cq10_ai_verify_principles(store: Store):
    found = [(r["notation"], r["label"]) for r in _run(store, "cq10-ai-verify-principles")]
    assert [n for n, _ in found] == [str(i) for i in range(1, 12)]
    assert ("2", "Explainability") in found


def test_cq11_every_fact_sheet_principle_has_a_justified_correspondence(store: Store):
    found = _run(store, "cq11-principle-correspondences")
    labels = {r["factSheetLabel"] for r in found}
    assert len(labels) == 13
    assert all(r["justification"].startswith("https://w3id.org/semapv/vocab/") for r in found)
    security = {r["element"] for r in found if r["factSheetLabel"] == "security"}
    assert VERIFY + "/security" in security and RMF + "/secure-and-resilient" in security
    assert {r["status"] for r in found} == {"unofficial"}


def test_tree_lists_children_after_their_parent(store: Store):
    found = _run(store, "list-framework-elements", _framework=RMF)
    order = [r["element"] for r in found]
    assert len(order) == len(set(order)) == 102
    assert (
        order.index(RMF + "/govern")
        < order.index(RMF + "/govern-1")
        < order.index(RMF + "/govern-1-1")
        < order.index(RMF + "/govern-2")
    )


def test_describe_element_shows_text_parent_and_mappings(store: Store):
    found = _run(store, "describe-element", _element=RMF + "/govern-1-6")
    aspects = {r["aspect"] for r in found}
    assert {"label", "notation", "text", "parent", "framework", "source"} <= aspects
    assert any(a.startswith("mapped from: ") for a in aspects)


def test_elements_without_counterpart(store: Store):
    found = _run(store, "list-elements-without-counterpart", _frameworkA=VERIFY, _frameworkB=RMF)
    elements = {r["element"] for r in found}
    assert VERIFY + "/tc-1-1" in elements
    assert VERIFY + "/tc-12-1" not in elements  # mapped to GOVERN 1.6 by text reuse


def test_coverage_of_fact_sheet_principles_by_ai_verify(layout: Layout, store: Store):
    result = coverage.compute(layout, store, FACT_SHEET_LIST, VERIFY)
    assert len(result.rows) == 13 and len(result.columns) == 6
    by_label = {r.label: r for r in result.rows}
    columns = {c.label: c for c in result.columns}
    assert (
        result.count(by_label["fairness"], columns["Fairness / No Unintended Discrimination"]) == 1
    )
    assert sum(result.count(by_label["human-AI configuration"], c) for c in result.columns) == 0


def test_report_crosswalk_writes_csv_and_svg(capsys, build_dir: Path, tmp_path: Path):
    code = main(
        [
            "report",
            "crosswalk",
            "ai-verify-testing-framework",
            "nist-ai-rmf-1-0",
            "--build-dir",
            str(build_dir),
            "-q",
            "--output-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Organisational Considerations" in out
    table = list(
        csv.reader(
            io.StringIO((tmp_path / "ai-verify-testing-framework--nist-ai-rmf-1-0.csv").read_text())
        )
    )
    assert table[0][:2] == ["group of A", "elements"] and "Govern" in table[0]
    organisational = next(row for row in table if row[0] == "Organisational Considerations")
    assert organisational[table[0].index("Map")] == "3"
    svg = ET.parse(tmp_path / "ai-verify-testing-framework--nist-ai-rmf-1-0.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


def test_unknown_framework_is_an_input_error(store: Store):
    with pytest.raises(InputError, match="no framework"):
        coverage.resolve_framework(store, "no-such-framework")


def test_query_parameters_are_checked(capsys, build_dir: Path):
    code = main(
        ["query", "describe-element", "--param", "nope=x", "--build-dir", str(build_dir), "-q"]
    )
    assert code == 2 and "no parameter" in capsys.readouterr().err
    code = main(
        [
            "query",
            "describe-element",
            "--param",
            "element=framework/x y",
            "--build-dir",
            str(build_dir),
            "-q",
        ]
    )
    assert code == 2 and "not a valid IRI" in capsys.readouterr().err


# --- issue 10 items 8 and 9: identifiers, licences, agents and sources of the generated data ---

PREFIXES = """PREFIX gk: <https://w3id.org/govkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
"""


def _select(store: Store, body: str) -> list[dict[str, str]]:
    return rows(run_query(store, PREFIXES + body))


@pytest.mark.parametrize(
    ("cls", "scheme", "expected"),
    [
        ("TrustworthinessCharacteristic", RMF, [f"3.{n}" for n in range(1, 8)]),
        ("Risk", PROFILE, [f"2.{n}" for n in range(1, 13)]),
        ("Principle", ID + "framework/asean-guide-ai-governance-ethics", list("1234567")),
        ("Dimension", ID + "framework/sg-mgf-genai", list("123456789")),
        ("Area", VERIFY, list("12345")),
    ],
)
def test_official_numbers_are_notations(store: Store, cls: str, scheme: str, expected: list[str]):
    found = _select(
        store,
        f"""SELECT ?notation WHERE {{
            ?e a gk:{cls} ; skos:inScheme <{scheme}> ; skos:notation ?notation ;
               gk:position ?position }} ORDER BY ?position""",
    )
    assert [r["notation"] for r in found] == expected


@pytest.mark.parametrize(
    ("framework", "licence"),
    [
        (PROFILE, "https://creativecommons.org/publicdomain/mark/1.0/"),
        (VERIFY, "https://www.apache.org/licenses/LICENSE-2.0"),
        (RMF, "https://creativecommons.org/publicdomain/mark/1.0/"),
    ],
)
def test_frameworks_that_reproduce_text_name_its_licence(
    store: Store, framework: str, licence: str
):
    found = _select(store, f"SELECT ?l WHERE {{ <{framework}> dcterms:license ?l }}")
    assert [r["l"] for r in found] == [licence]


def test_text_reuse_mappings_use_no_skos_predicate(store: Store):
    found = _select(
        store,
        f"""SELECT ?p (COUNT(?m) AS ?n) WHERE {{
            <{ID}mapping-set/ai-verify-ai-rmf-text-reuse> sssom:mappings ?m .
            ?m owl:annotatedProperty ?p }} GROUP BY ?p""",
    )
    assert found == [{"p": "https://w3id.org/govkg/ontology#correspondsTo", "n": "6"}]


def test_publishers_are_described_agents(store: Store):
    literal = _select(store, "SELECT ?s WHERE { ?s dcterms:publisher ?p FILTER isLiteral(?p) }")
    assert literal == []
    publishers = _select(
        store,
        f"""SELECT ?p ?label WHERE {{ <{ID}source/st-dtc-2022> dcterms:publisher ?p .
            ?p rdfs:label ?label ; dcterms:source ?source }}""",
    )
    assert publishers == [{"p": ID + "agent/the-straits-times", "label": "The Straits Times"}]
    fact_sheet = _select(
        store, f"SELECT ?p WHERE {{ <{ID}source/fact-sheet-2024-06-05> dcterms:publisher ?p }}"
    )
    assert {r["p"] for r in fact_sheet} == {ID + "organisation/us-doc", ID + "organisation/sg-mci"}


def test_govkg_developers_are_described(store: Store):
    found = _select(
        store,
        f"""SELECT ?label ?source WHERE {{ <{ID}agent/govkg-developers> a ?type ;
            skos:prefLabel ?label ; dcterms:source ?source }}""",
    )
    assert found == [{"label": "govkg developers", "source": ID + "source/govkg-reference-facts"}]


def test_a_reprint_is_not_a_landing_page(store: Store):
    source = f"<{ID}source/st-pgi-2021>"
    assert _select(store, f"SELECT ?page WHERE {{ {source} dcat:landingPage ?page }}") == []
    copies = _select(store, f"SELECT ?copy WHERE {{ {source} gk:thirdPartyCopy ?copy }}")
    assert [r["copy"].split("/")[2] for r in copies] == ["newsontheflipside.com"]
    notes = _select(store, f"SELECT ?note WHERE {{ {source} gk:uncertaintyNote ?note }}")
    assert any("publisher's own URL is not known" in r["note"] for r in notes)


def test_the_fact_sheet_says_its_url_is_unknown_and_cites_not_itself(store: Store):
    source = f"<{ID}source/fact-sheet-2024-06-05>"
    assert (
        _select(store, f"SELECT ?s WHERE {{ {source} dcterms:source {source} BIND(1 AS ?s) }}")
        == []
    )
    notes = _select(store, f"SELECT ?note WHERE {{ {source} gk:uncertaintyNote ?note }}")
    assert any("no URL for this document" in r["note"] for r in notes)


# -- a statement's listed principles (issue 11, problem 5) ----------------------------------------


def test_listed_principles_are_members_of_their_list_not_framework_elements(store: Store):
    """The fact sheet's 13 principles live below their list's IRI, each a top concept of the
    list with its position, typed gk:ListedPrinciple and never gk:FrameworkElement (also not
    after OWL 2 RL inference, which the store holds)."""
    query = f"""PREFIX gk: <https://w3id.org/govkg/ontology#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?p ?position (EXISTS {{ ?p a gk:FrameworkElement }} AS ?element) WHERE {{
        ?p a gk:ListedPrinciple ; skos:inScheme <{FACT_SHEET_LIST}> ;
           skos:topConceptOf <{FACT_SHEET_LIST}> ; gk:position ?position }}
    ORDER BY ?position"""
    found = rows(run_query(store, query))
    assert [int(r["position"]) for r in found] == list(range(1, 14))
    assert all(r["p"].startswith(FACT_SHEET_LIST + "/") for r in found)
    assert {r["element"] for r in found} == {"false"}


def test_old_principle_iris_are_replaced_by_the_list_scoped_ones(store: Store):
    query = """PREFIX gk: <https://w3id.org/govkg/ontology#>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT ?old ?new WHERE {
        ?old dcterms:isReplacedBy ?new . ?new a gk:ListedPrinciple .
        FILTER NOT EXISTS { ?old a gk:Principle }
        FILTER NOT EXISTS { ?old gk:position ?position } }"""
    found = {r["old"]: r["new"] for r in rows(run_query(store, query))}
    assert len(found) == 13
    assert found[ID + "principle/fairness"] == FACT_SHEET_LIST + "/fairness"
