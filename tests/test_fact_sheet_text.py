"""The fact-sheet graph quotes the fact sheet verbatim: every passage and every name it gives
occurs in the text of the fact sheet (issue 10, item 7). The QC query
``fact-sheet-unquoted-name-violation`` holds the names to the graph's own quotations; this test
holds the quotations to the text.

The text is kept beside the repository in the govkg workspace
(``../shared/reference/us-singapore-ai-fact-sheet-2024-06-05.txt``, the local copy named by the
reference facts); in a clean clone (CI) it is absent, and then the comparison skips and says so.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from govkg.paths import bundled_layout

GK = Namespace("https://w3id.org/govkg/ontology#")
ROOT = Path(__file__).resolve().parent.parent
KEY = "us-sg-ai-fact-sheet-2024-06-05"
TEXT = ROOT.parent / "shared" / "reference" / "us-singapore-ai-fact-sheet-2024-06-05.txt"

#: Properties whose values in the fact-sheet graph are the text's own words.
VERBATIM = (
    GK.quotation,
    GK.focus,
    GK.referencePeriod,
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.type,
    SKOS.prefLabel,
    SKOS.altLabel,
    FOAF.name,
    FOAF.familyName,
)


def plain_text(page: str) -> str:
    """The words of a fact-sheet page: front matter and body, tags dropped, entities decoded,
    white space collapsed.

    >>> plain_text("---\\ntitle: A\\n---\\n<p>R&amp;D,&nbsp; and\\nmore</p>")
    '--- title: A --- R&D, and more'
    """
    words = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")
    return " ".join(words.split())


def _verbatim_values(graph: Graph) -> list[tuple[URIRef, URIRef, str]]:
    lists = set(graph.subjects(RDF.type, GK.PrincipleList))  # govkg's own descriptive title
    return [
        (subject, prop, " ".join(str(value).split()))
        for prop in VERBATIM
        for subject, value in graph.subject_objects(prop)
        if isinstance(value, Literal) and subject not in lists
    ]


def test_the_fact_sheet_graph_quotes_the_text_verbatim():
    if not TEXT.is_file():
        pytest.skip(f"no copy of the fact sheet at {TEXT}: nothing to compare")
    text = plain_text(TEXT.read_text(encoding="utf-8"))
    graph = Graph().parse(bundled_layout().data / "fact-sheet" / f"{KEY}.ttl")
    values = _verbatim_values(graph)
    assert len(values) > 50
    missing = [(s, p, v) for s, p, v in values if v not in text]
    assert not missing, missing
