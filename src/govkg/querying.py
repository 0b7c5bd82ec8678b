"""Running SPARQL queries over a store: guard, then evaluate through :class:`Store`.

Every query passes :func:`govkg.sparql_guard.check_query` first (size, nesting, no update, no
SERVICE); the store then applies govkg's dataset rule (the default graph is the merge of
govkg's named graphs). The embedded store over the verified build is opened by
:func:`open_built`; any other store by :func:`govkg.backends.open_store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rdflib import Dataset as RdfDataset
from rdflib import Graph, URIRef

from govkg.backends import (
    Accept,
    Answer,
    AnswerKind,
    NotAcceptableAnswerError,
    Rows,
    Store,
    Triple,
)
from govkg.backends.embedded import EmbeddedStore
from govkg.build import ensure_built
from govkg.catalogue import NamedQuery, load_catalogue
from govkg.errors import QueryError
from govkg.formats import RdfSyntax
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.sparql_guard import check_query

#: The query forms (SPARQL 1.1 Query section 16) and the kind of answer each gives.
ANSWER_KINDS: dict[str, AnswerKind] = {
    "SELECT": "rows",
    "ASK": "boolean",
    "CONSTRUCT": "graph",
    "DESCRIBE": "graph",
}


def open_built(layout: Layout, build_dir: Path, progress: Progress | None = None) -> EmbeddedStore:
    """Build the graph if needed (or if its files do not verify) and return the embedded
    store holding the verified dump."""
    store = EmbeddedStore()
    store.load_dump(ensure_built(layout, build_dir, progress))
    return store


def answer_kind(text: str) -> AnswerKind:
    """The kind of answer a query gives, from its query form (a text with no known form is
    taken for a SELECT: the store then reports where it is malformed).

    >>> answer_kind("PREFIX s: <https://x/> ASK { ?a s:b ?c }")
    'boolean'

    Raises:
        QueryError: the guard refuses the query (``sparql_guard.check_query``).
    """
    return ANSWER_KINDS.get(check_query(text).operation, "rows")


def run_query(store: Store, text: str) -> Rows | bool | list[Triple]:
    """Guard a query's text, then answer it: rows (SELECT), a boolean (ASK) or triples
    (CONSTRUCT, DESCRIBE)."""
    kind = answer_kind(text)
    if kind == "rows":
        return store.select(text)
    if kind == "boolean":
        return store.ask(text)
    return store.construct(text)


def run_select(store: Store, text: str) -> Rows:
    """Guard a SELECT query's text, then answer it.

    Raises:
        QueryError: refused by the guard, malformed, or not a SELECT query.
    """
    if answer_kind(text) != "rows":
        raise QueryError("not a SELECT query")
    return store.select(text)


def stream_query(store: Store, text: str, accept: Accept) -> Answer:
    """Guard a query's text, then answer it serialised by the store itself in the first
    acceptable media type of its kind (:meth:`Store.stream`)."""
    answer_kind(text)
    return store.stream(text, accept)


#: The graph a store holds: the union of govkg's named graphs (its default graph), and every
#: quad of them.
UNION_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def export_store(store: Store, syntax: RdfSyntax, out: BinaryIO) -> None:
    """Write the graph a store holds in an RDF syntax: the union graph as the store itself
    serialises it (rdflib writes a syntax the store does not), or the dataset (TriG,
    N-Quads) read in one answer, so a blank node shared by two graphs stays one node.

    Raises:
        StoreError: the store cannot answer (one line naming it).
    """
    if syntax.datasets:
        dataset = RdfDataset()
        for s, p, o, g in store.select(ALL_QUADS).rows:
            dataset.graph(URIRef(str(g))).add((s, p, o))  # type: ignore[arg-type]
        out.write(dataset.serialize(format=syntax.rdflib, encoding="utf-8"))
        return
    try:
        answer = store.stream(UNION_GRAPH, Accept(rows=(), graph=(syntax.media_type,)))
    except NotAcceptableAnswerError:
        graph = Graph()
        for triple in store.construct(UNION_GRAPH):
            graph.add(triple)
        out.write(graph.serialize(format=syntax.rdflib, encoding="utf-8"))
        return
    try:
        for chunk in answer.chunks:
            out.write(chunk)
    finally:
        answer.close()


@dataclass(frozen=True)
class QcResult:
    """The outcome of one quality-control query: it passes when it returns no rows."""

    query: NamedQuery
    rows: list[dict[str, str]]

    @property
    def passed(self) -> bool:
        return not self.rows


def run_qc(layout: Layout, store: Store) -> list[QcResult]:
    """Run every ``queries/qc/*-violation.rq`` query on any store."""
    return [
        QcResult(query, run_select(store, query.text).dicts())
        for query in load_catalogue(layout).values()
        if query.is_qc
    ]
