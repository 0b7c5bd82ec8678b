"""The embedded Oxigraph backend (pyoxigraph): in-memory store, native SPARQL evaluation and
result serialisation. SERVICE is refused before a query reaches it (``sparql_guard``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from govkg.errors import InputError, QueryError


class EmbeddedStore:
    """An in-memory pyoxigraph store holding the built dataset."""

    name = "oxigraph"
    kind = "embedded"
    named_graphs = True
    native_results = True

    def __init__(self) -> None:
        self.store = ox.Store()
        self.loaded: list[Path] = []

    def load_dump(self, path: Path) -> None:
        """Load an N-Quads (or TriG) file; the file's graphs stay named graphs, and the
        store's default graph becomes the RDF merge of all of them (each triple once)."""
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.N_QUADS
        try:
            self.store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot load into the store: {exc}", path) from None
        self._merge_default_graph()
        self.loaded.append(path.resolve())

    def _merge_default_graph(self) -> None:
        """Make the default graph the union of the named graphs, without duplicates.

        SPARQL 1.1 Service Description's ``sd:UnionDefaultGraph`` means the RDF merge of the
        named graphs: a triple stated in two graphs is one triple of the default graph.
        (pyoxigraph's ``use_default_graph_as_union`` yields it once per graph.)
        """
        default = ox.DefaultGraph()
        self.store.extend(
            ox.Quad(quad.subject, quad.predicate, quad.object, default)
            for quad in self.store.quads_for_pattern(None, None, None, None)
            if quad.graph_name != default
        )

    def query(
        self,
        text: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> object:
        """Evaluate a guarded query over the store.

        The dataset follows SPARQL 1.1 Protocol section 2.1.4 and Query section 13.2: graphs
        given by the protocol (``default_graphs``/``named_graphs``, even empty lists) replace
        the query's own; otherwise ``FROM``/``FROM NAMED`` in the query name the dataset; with
        neither, the default graph is the merge of all named graphs (the store holds it as its
        default graph), and every named graph is available. Graph names
        only select graphs of the store: nothing is fetched.
        """
        options: dict[str, object] = {}
        if base_iri:
            options["base_iri"] = base_iri
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        try:
            return self.store.query(text, **options)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from None
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from None

    def __len__(self) -> int:
        """Return the number of quads in named graphs (the merged default graph not counted)."""
        return sum(
            1
            for quad in self.store.quads_for_pattern(None, None, None, None)
            if quad.graph_name != ox.DefaultGraph()
        )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
