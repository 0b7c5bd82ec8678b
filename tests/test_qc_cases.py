"""The QC queries can fail: each one, run on a small violating dataset in ``tests/data/qc/``
(the rule broken beside data that keeps it), returns exactly the rows listed beside it
(``<query>.expected.json``; only the columns named there are compared, ``null`` for a variable
left unbound). That they return no rows on the shipped graph is checked with every other QC
query in ``tests/test_queries.py``.

Cases are TriG for the queries that look at named graphs (the fact-sheet and context rules of
issue 10 item 7) and Turtle, one default graph, for the rules on the generated data (issue 10
items 8 and 9, issue 11 item 3). The N-Quads case of ``deprecated-term-use-violation`` is run
by ``tests/test_ontology_versions.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkg.backends.embedded import EmbeddedStore
from govkg.catalogue import load_catalogue
from govkg.paths import bundled_layout
from govkg.querying import run_query
from govkg.results import rows

CASES = Path(__file__).parent / "data" / "qc"
CATALOGUE = load_catalogue(bundled_layout())

#: Each QC query with a case here, and the syntax of its case.
QC_CASES = {
    # issue 10 item 7: the fact-sheet graph holds only what the fact sheet says
    "fact-sheet-unquoted-name-violation": "trig",
    "fact-sheet-name-from-context-violation": "trig",
    "graph-source-violation": "trig",
    "indicator-qualifier-violation": "trig",
    "launch-date-violation": "trig",
    "untyped-resource-violation": "trig",
    # issue 10 item 8: every IRI described, every claim sourced
    "undescribed-agent-violation": "ttl",
    "literal-agent-violation": "ttl",
    "self-citation-violation": "ttl",
    "source-without-url-violation": "ttl",
    "third-party-landing-page-violation": "ttl",
    "unlicensed-text-violation": "ttl",
    # issue 10 item 9: consistent identifiers and labels
    "position-without-notation-violation": "ttl",
    "label-preflabel-mismatch-violation": "ttl",
    "iri-pattern-violation": "ttl",
    "govkg-derived-skos-match-violation": "ttl",
    # issue 11, item 3: SSSOM/RDF as the specification writes it
    "non-sssom-mapping-type-violation": "ttl",
}


def _projected(found: list[dict[str, str]], columns: list[str]) -> list[tuple[str | None, ...]]:
    return sorted((tuple(row.get(column) for column in columns) for row in found), key=repr)


@pytest.mark.parametrize("name", QC_CASES)
def test_qc_query_returns_exactly_the_violations_of_its_case(name: str):
    case = CASES / f"{name}.{QC_CASES[name]}"
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert expected, f"{case.name}: a case must break the rule"
    columns = list(expected[0])
    assert all(list(row) == columns for row in expected), "every row names the same columns"
    store = EmbeddedStore()
    store.load_dump(case)
    found = rows(run_query(store, CATALOGUE[f"qc/{name}"].text))
    assert _projected(found, columns) == _projected(expected, columns)


@pytest.mark.parametrize("syntax", ["trig", "ttl"])
def test_every_case_belongs_to_a_listed_qc_query(syntax: str):
    listed = {name for name, kind in QC_CASES.items() if kind == syntax}
    assert {case.stem for case in CASES.glob(f"*.{syntax}")} == listed
    assert all(f"qc/{name}" in CATALOGUE for name in listed)
