"""The QC queries that keep the fact-sheet graph to what the fact sheet says (issue 10, items 7-9)
can fail: each one, run on a small violating dataset (``tests/data/qc/<query>.trig``), returns
exactly the rows listed beside it (``<query>.expected.json``). That they return no rows on the
shipped graph is checked with every other QC query in ``tests/test_queries.py``."""

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

#: The QC queries of issue 10 items 7-9, each of which must have a case.
FACT_SHEET_QC = (
    "fact-sheet-unquoted-name-violation",
    "fact-sheet-name-from-context-violation",
    "graph-source-violation",
    "indicator-qualifier-violation",
    "launch-date-violation",
    "untyped-resource-violation",
)


def _projected(found: list[dict[str, str]], columns: list[str]) -> list[tuple[str | None, ...]]:
    return sorted((tuple(row.get(column) for column in columns) for row in found), key=repr)


@pytest.mark.parametrize("name", FACT_SHEET_QC)
def test_qc_query_returns_exactly_the_violations_of_its_case(name: str):
    case = CASES / f"{name}.trig"
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert expected, f"{case.name}: a case must break the rule"
    columns = list(expected[0])
    assert all(list(row) == columns for row in expected), "expected rows differ in their columns"
    store = create("oxigraph")
    store.load_dump(case)
    found = rows(run_query(store, CATALOGUE[f"qc/{name}"].text))
    assert _projected(found, columns) == _projected(expected, columns)


def test_every_case_belongs_to_a_listed_qc_query():
    assert {case.stem for case in CASES.glob("*.trig")} == set(FACT_SHEET_QC)
    assert all(f"qc/{name}" in CATALOGUE for name in FACT_SHEET_QC)
