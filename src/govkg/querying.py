"""Running SPARQL queries over the built graph: guard, load, evaluate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from govkg.backends import Backend, create
from govkg.build import ensure_built
from govkg.catalogue import NamedQuery, load_catalogue
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.results import rows
from govkg.sparql_guard import check_query


def open_backend(
    layout: Layout, build_dir: Path, progress: Progress | None = None, backend: str = "oxigraph"
) -> Backend:
    """Build the graph if needed (or if its files do not verify) and return a backend holding
    the verified dump."""
    dump = ensure_built(layout, build_dir, progress)
    store = create(backend)
    store.load_dump(dump)
    return store


def run_query(store: Backend, text: str) -> object:
    """Guard a query's text, then evaluate it (default graph = union of all graphs)."""
    check_query(text)
    return store.query(text)


@dataclass(frozen=True)
class QcResult:
    """The outcome of one quality-control query: it passes when it returns no rows."""

    query: NamedQuery
    rows: list[dict[str, str]]

    @property
    def passed(self) -> bool:
        return not self.rows


def run_qc(layout: Layout, store: Backend) -> list[QcResult]:
    """Run every ``queries/qc/*-violation.rq`` query."""
    return [
        QcResult(query, rows(run_query(store, query.text)))
        for name, query in load_catalogue(layout).items()
        if query.is_qc
    ]
