"""The QC queries that keep the generated data honest (issue 10, items 8 and 9) can fail: each
one, run on a small violating graph (``tests/data/qc/<query>.ttl``, the rule broken beside data
that keeps it), returns exactly the rows listed beside it (``<query>.expected.json``; only the
columns named there are compared, ``null`` for a variable left unbound). That they return no rows
on the shipped graph is checked with every other QC query in ``tests/test_queries.py``.

The cases are Turtle (one default graph), where ``tests/test_qc_fact_sheet.py`` reads TriG cases
for the queries that look at named graphs; the expected rows have the same form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkg.backends import create
from govkg.catalogue import load_catalogue
from govkg.paths import bundled_layout
from govkg.querying import run_query
from govkg.results import rows

CASES = Path(__file__).parent / "data" / "qc"
CATALOGUE = load_catalogue(bundled_layout())

#: The QC queries of issue 10 items 8 and 9 on the generated data, each of which has a case.
GENERATED_QC = (
    # item 8: every IRI described, every claim sourced
    "undescribed-agent-violation",
    "literal-agent-violation",
    "self-citation-violation",
    "source-without-url-violation",
    "third-party-landing-page-violation",
    "unlicensed-text-violation",
    # item 9: consistent identifiers and labels
    "position-without-notation-violation",
    "label-preflabel-mismatch-violation",
    "iri-pattern-violation",
    "govkg-derived-skos-match-violation",
    # issue 11, item 3: SSSOM/RDF as the specification writes it
    "non-sssom-mapping-type-violation",
)


def _projected(found: list[dict[str, str]], columns: list[str]) -> list[tuple[str | None, ...]]:
    return sorted((tuple(row.get(column) for column in columns) for row in found), key=repr)


@pytest.mark.parametrize("name", GENERATED_QC)
def test_qc_query_returns_exactly_the_violations_of_its_case(name: str):
    case = CASES / f"{name}.ttl"
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert expected, f"{case.name}: a case must break the rule"
    columns = list(expected[0])
    assert all(list(row) == columns for row in expected), "every row names the same columns"
    store = create("oxigraph")
    store.load_dump(case)
    found = rows(run_query(store, CATALOGUE[f"qc/{name}"].text))
    assert _projected(found, columns) == _projected(expected, columns)


def test_every_turtle_case_belongs_to_a_listed_qc_query():
    assert {case.stem for case in CASES.glob("*.ttl")} == set(GENERATED_QC)
    assert all(f"qc/{name}" in CATALOGUE for name in GENERATED_QC)
