"""The 9-query mix of the endpoint benchmark (``http_vs_oxigraph.py``, issue 8), over a
governance graph in govkg's conventions (``synthetic_graph.py`` writes one).

Each query is a template; every request gets a fresh text made by substituting real values of
the graph (a label, an element, a category, a pair of frameworks with a crosswalk and a mapping
predicate, a framework and a word), so that no server can answer from a cache of answers and
no text differs only by a comment. :class:`Texts` hands each text out at most once and only
texts whose answer is not empty (checked on an in-process pyoxigraph store).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from http_common import SPARQL_JSON

N_TRIPLES = "application/n-triples"
PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
    "PREFIX gk: <https://w3id.org/govkg/ontology#>\n"
    "PREFIX sssom: <https://w3id.org/sssom/>\n"
)


@dataclass(frozen=True)
class QueryKind:
    """One query of the mix: a template whose ``{field}``s take values from ``pool`` (see
    :meth:`Texts.substitutions`); values are SPARQL terms (``<iri>``, ``"text"@en``)."""

    name: str
    template: str
    pool: str
    graph_result: bool = False  # CONSTRUCT/DESCRIBE: N-Triples, else SPARQL JSON

    @property
    def accept(self) -> str:
        """The media type asked for (the same of both servers)."""
        return N_TRIPLES if self.graph_result else SPARQL_JSON


_MAPPING = (
    "  ?mapping owl:annotatedSource ?source ; owl:annotatedProperty ?predicate ;\n"
    "           owl:annotatedTarget ?target .\n"
)
MIX = (
    QueryKind(
        "lookup",
        "SELECT ?element ?scheme WHERE {{ ?element rdfs:label {label} ; skos:inScheme ?scheme }}",
        "label",
    ),
    QueryKind(
        "crosswalk",
        "SELECT ?source ?sourceLabel ?predicate ?target ?targetLabel WHERE {{\n"
        + _MAPPING
        + "  ?source skos:inScheme {a} ; rdfs:label ?sourceLabel .\n"
        "  ?target skos:inScheme {b} ; rdfs:label ?targetLabel .\n"
        "  FILTER(?predicate != {predicate})\n}}",
        "framework pair, predicate",
    ),
    QueryKind(
        "coverage GROUP BY",
        "SELECT ?function (COUNT(DISTINCT ?source) AS ?mapped) WHERE {{\n"
        "  ?function skos:topConceptOf {a} .\n"
        "  ?source skos:broader/skos:broader ?function .\n"
        + _MAPPING
        + "  ?target skos:inScheme {b} .\n"
        "  FILTER(?predicate != {predicate})\n}} GROUP BY ?function",
        "framework pair, predicate",
    ),
    QueryKind(
        "skos:broader+",
        "SELECT ?ancestor ?label WHERE {{ {element} skos:broader+ ?ancestor . "
        "?ancestor rdfs:label ?label }}",
        "subcategory",
    ),
    QueryKind(
        "NOT EXISTS",
        "SELECT ?element ?label WHERE {{\n"
        "  ?element skos:broader {category} ; rdfs:label ?label .\n"
        "  FILTER NOT EXISTS {{ ?m owl:annotatedSource ?element }}\n"
        "  FILTER NOT EXISTS {{ ?n owl:annotatedTarget ?element }}\n}}",
        "category",
    ),
    QueryKind(
        "OPTIONAL-heavy",
        "SELECT * WHERE {{\n"
        "  ?element skos:broader {category} .\n"
        "  OPTIONAL {{ ?element rdfs:label ?label }}\n"
        "  OPTIONAL {{ ?element skos:notation ?notation }}\n"
        "  OPTIONAL {{ ?element gk:position ?position }}\n"
        "  OPTIONAL {{ ?element gk:text ?text }}\n"
        "  OPTIONAL {{ ?element gk:confidence ?confidence }}\n"
        "  OPTIONAL {{ ?element gk:uncertaintyNote ?note }}\n"
        "  OPTIONAL {{ ?mapping owl:annotatedSource ?element ; owl:annotatedTarget ?target .\n"
        "             OPTIONAL {{ ?target rdfs:label ?targetLabel }} }}\n}}",
        "category",
    ),
    QueryKind(
        "CONSTRUCT",
        "CONSTRUCT {{ ?source ?predicate ?target . ?source rdfs:label ?sourceLabel .\n"
        "            ?target rdfs:label ?targetLabel }} WHERE {{\n"
        "  ?source skos:broader {category} ; rdfs:label ?sourceLabel .\n"
        + _MAPPING
        + "  ?target rdfs:label ?targetLabel\n}}",
        "category",
        graph_result=True,
    ),
    QueryKind("DESCRIBE", "DESCRIBE {element}", "element", graph_result=True),
    QueryKind(
        "regex FILTER",
        "SELECT ?element ?label WHERE {{ ?element skos:inScheme {a} ; rdfs:label ?label .\n"
        '  FILTER(REGEX(?label, "{word}", "i")) }}',
        "framework, word",
    ),
)
LOOKUP, CROSSWALK = MIX[0], MIX[1]

#: The values of each pool, as SELECT queries whose variables are the template fields.
_POOL_QUERIES = {
    "label": "SELECT DISTINCT ?label WHERE { ?e a skos:Concept ; rdfs:label ?label }",
    "element": "SELECT ?element WHERE { ?element a skos:Concept }",
    "subcategory": "SELECT ?element WHERE { ?element a gk:Subcategory }",
    "category": "SELECT ?category WHERE { ?category a gk:Category }",
    "framework pair, predicate": "SELECT DISTINCT ?a ?b ?predicate WHERE {\n"
    "  ?set sssom:subject_source ?a ; sssom:object_source ?b .\n"
    "  { SELECT DISTINCT ?predicate WHERE { ?m owl:annotatedProperty ?predicate } } }",
    "framework, word": "SELECT ?a WHERE { ?a a gk:GovernanceFramework }",
}
#: Shortest word of a label used in a regex.
MIN_WORD = 4


class Texts:
    """Query texts over the graph in ``graph`` (N-Quads), each handed out once.

    Args:
        graph: The served N-Quads file; it is loaded into an in-process store.
        seed: Seed of the order in which substitutions are tried.
    """

    def __init__(self, graph: Path, seed: int):
        self.store = ox.Store()
        self.store.bulk_load(path=str(graph), format=ox.RdfFormat.N_QUADS)
        self._seed = seed
        self._left: dict[str, Iterator[str]] = {}

    def _select(self, query: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
        solutions = self.store.query(PREFIXES + query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [variable.value for variable in solutions.variables]
        return [{name: row[name] for name in names} for row in solutions]

    def substitutions(self, pool: str) -> list[dict[str, str]]:
        """Every substitution of the template fields of ``pool``, in a seeded order."""
        rows = self._select(_POOL_QUERIES[pool])
        values = [{name: str(term) for name, term in row.items()} for row in rows]
        if pool == "framework, word":
            words = {
                word.lower()
                for row in self._select(_POOL_QUERIES["label"])
                for word in row["label"].value.split()
                if len(word) >= MIN_WORD and word.isalpha()
            }
            values = [{**row, "word": word} for row in values for word in sorted(words)]
        values.sort(key=lambda row: sorted(row.items()))
        random.Random(f"{self._seed}/{pool}").shuffle(values)
        return values

    def take(self, kind: QueryKind, count: int) -> list[str]:
        """``count`` texts of ``kind`` never handed out before, each with a non-empty answer.

        Raises:
            SystemExit: the graph gives fewer than ``count`` more.
        """
        if kind.name not in self._left:
            self._left[kind.name] = self._non_empty(kind)
        texts: list[str] = []
        for text in self._left[kind.name]:
            texts.append(text)
            if len(texts) == count:
                return texts
        raise SystemExit(
            f"{kind.name}: the graph gives only {len(texts)} more distinct non-empty query "
            f"texts, {count} needed: fewer requests, or a larger graph"
        )

    def _non_empty(self, kind: QueryKind) -> Iterator[str]:
        for values in self.substitutions(kind.pool):
            text = PREFIXES + kind.template.format(**values)
            result = self.store.query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryBoolean) or next(iter(result), None) is not None:
                yield text


def count_rows(body: bytes, graph_result: bool) -> int:
    """Rows of a SPARQL JSON answer, or triples of an N-Triples one.

    >>> count_rows(b'{"head": {"vars": []}, "results": {"bindings": [{}, {}]}}', False)
    2
    >>> count_rows(b"<a:s> <a:p> <a:o> .\\n", True)
    1
    """
    if graph_result:
        return sum(1 for line in body.splitlines() if line.strip())
    document = json.loads(body)
    if "boolean" in document:
        return 1
    return len(document["results"]["bindings"])
