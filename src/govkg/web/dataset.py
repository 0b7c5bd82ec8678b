"""The dataset the endpoint serves: a store that holds a published govkg build
(``WebConfig.store``, ``govkg serve --store KIND:URL``), or else the built-in graph with the
workspace's files, if any (built first when missing: ``WebConfig.layout``), and any ``--data``
files, loaded once into the embedded store at start-up.

Extra files go through :func:`govkg.loading.parse_file` (its guards run before any parser
sees the bytes, and its errors name file and line). TriG and N-Quads files keep their named
graphs; a file in a triple syntax (Turtle, N-Triples, JSON-LD, RDF/XML), and the default graph
of a TriG or N-Quads file, go into the named graph :func:`extra_graph_iri` names, so that every
served triple belongs to a named graph and the union default graph holds them all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from govkg.backends import (
    NO_DATASET,
    Accept,
    Answer,
    Capabilities,
    Rows,
    Store,
    StoreState,
    Triple,
    open_embedded,
    open_store,
)
from govkg.backends import Dataset as QueryDataset
from govkg.backends.embedded import EmbeddedStore
from govkg.build import ensure_built
from govkg.errors import InputError
from govkg.formats import syntax_for_path
from govkg.loading import parse_file
from govkg.namespaces import GRAPH
from govkg.progress import Progress
from govkg.publication import require_build
from govkg.web.config import WebConfig

#: Named graphs of ``--data`` files in a triple syntax: this prefix + the file's stem.
EXTRA_GRAPH = str(GRAPH) + "extra/"


def extra_graph_iri(path: Path) -> str:
    """Return the named graph of an extra file's triples.

    >>> extra_graph_iri(Path("/tmp/my crosswalk.ttl"))
    'https://w3id.org/govkg/graph/extra/my%20crosswalk'
    """
    return EXTRA_GRAPH + quote(path.stem, safe="-._~")


def open_dataset(config: WebConfig, progress: Progress | None = None) -> Store:
    """Open the store ``config`` names, or build if needed and load what it says to serve into
    a new embedded store.

    Raises:
        StoreError: the store is unreachable, refuses the credentials, or holds no (or an
            unknown) govkg build; one line naming its URL, never its credentials (exit 2).
        InputError: an extra file is unreadable, refused by a guard or malformed, or two
            extra files would share a named graph.
        DamagedBuildError: the build does not verify and cannot be rebuilt.
    """
    if config.store is not None:
        return open_published(config.store)
    store = open_embedded()
    assert isinstance(store, EmbeddedStore)
    if config.builtin:
        # The dump of the verified build, in its versioned folder (the live build folder
        # resolved once): a build swapped in meanwhile cannot mix into what is loaded.
        store.load_dump(ensure_built(config.layout, config.build_dir, progress))
    seen: dict[str, Path] = {}
    for path in config.data_files:
        load_extra(store, Path(path), seen)
    return store


def open_published(spec: str) -> Store:
    """Open the store ``spec`` names and check that it holds a govkg build.

    Raises:
        StoreError: unreachable, wrong credentials or kind, or no (or an unknown) govkg
            build in it; one line naming its URL without credentials.
    """
    store = ProcessStore(spec)
    try:
        require_build(store.state(), store.location)
    except BaseException:
        store.close()
        raise
    return store


class ProcessStore:
    """A remote store opened by each process for itself.

    ``govkg serve`` opens the store in its main process, then forks its workers: connections
    pooled before the fork would be shared by every worker (two requests on one socket, each
    reading the other's answer). This wrapper opens the store again (new connections, same
    spec) the first time it is used in a process that did not open it.

    Args:
        spec: The store's ``KIND:URL`` (credentials stay in memory, never shown).
    """

    def __init__(self, spec: str):
        self._spec = spec
        self._owner = os.getpid()
        self._store = open_store(spec)
        self._inherited: list[Store] = []
        self.kind: str = self._store.kind
        self.location: str = self._store.location
        self.capabilities: Capabilities = self._store.capabilities

    def _current(self) -> Store:
        if os.getpid() != self._owner:
            # the parent's connections are left alone (closing them here could disturb
            # the parent's use of them); this process gets its own
            self._inherited.append(self._store)
            self._store = open_store(self._spec)
            self._owner = os.getpid()
        return self._store

    def select(
        self,
        query: str,
        dataset: QueryDataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Rows:
        """:meth:`govkg.backends.Store.select`."""
        return self._current().select(query, dataset, base_iri, timeout)

    def ask(
        self,
        query: str,
        dataset: QueryDataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> bool:
        """:meth:`govkg.backends.Store.ask`."""
        return self._current().ask(query, dataset, base_iri, timeout)

    def construct(
        self,
        query: str,
        dataset: QueryDataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> list[Triple]:
        """:meth:`govkg.backends.Store.construct`."""
        return self._current().construct(query, dataset, base_iri, timeout)

    def stream(
        self,
        query: str,
        accept: Accept,
        dataset: QueryDataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """:meth:`govkg.backends.Store.stream`."""
        return self._current().stream(query, accept, dataset, base_iri, timeout)

    def graphs(self) -> list[str]:
        """:meth:`govkg.backends.Store.graphs`."""
        return self._current().graphs()

    def count(self, graph: str | None = None) -> int:
        """:meth:`govkg.backends.Store.count`."""
        return self._current().count(graph)

    def state(self, quads: bool = True) -> StoreState:
        """:meth:`govkg.backends.Store.state`."""
        return self._current().state(quads)

    def held_build(self) -> str | None:
        """:meth:`govkg.backends.Store.held_build`."""
        return self._current().held_build()

    def load(self, graph: str, path: Path) -> None:
        """:meth:`govkg.backends.Store.load`."""
        self._current().load(graph, path)

    def load_quads(self, path: Path) -> None:
        """:meth:`govkg.backends.Store.load_quads`."""
        self._current().load_quads(path)

    def update(self, text: str) -> None:
        """:meth:`govkg.backends.Store.update`."""
        self._current().update(text)

    def close(self) -> None:
        """Close this process's connections."""
        if os.getpid() == self._owner:
            self._store.close()


def load_extra(store: EmbeddedStore, path: Path, seen: dict[str, Path] | None = None) -> int:
    """Guard, parse and add one extra RDF file to ``store``; return its number of quads."""
    seen = {} if seen is None else seen
    syntax = syntax_for_path(path)
    parsed = parse_file(path, syntax)
    target = URIRef(extra_graph_iri(path))
    out = Dataset()
    count = 0
    for graph in _graphs(parsed):
        name = graph.identifier
        if name == DATASET_DEFAULT_GRAPH_ID or not syntax.datasets:
            if str(target) in seen and seen[str(target)] != path:
                raise InputError(
                    f"two --data files would share the graph <{target}> "
                    f"(also {seen[str(target)].name}); rename one",
                    path,
                )
            seen[str(target)] = path
            name = target
        named = out.graph(name)
        for triple in graph:
            named.add(triple)
            count += 1
    with tempfile.TemporaryDirectory(prefix="govkg-data-") as folder:
        dump = Path(folder) / "extra.nq"
        out.serialize(destination=str(dump), format="nquads", encoding="utf-8")
        store.load_dump(dump)
    return count


def _graphs(parsed: Graph) -> list[Graph]:
    if isinstance(parsed, Dataset):
        return [g for g in parsed.graphs() if len(g)]
    return [parsed]
