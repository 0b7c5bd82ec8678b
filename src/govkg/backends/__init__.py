"""The store interface: what govkg needs of a SPARQL store, typed, and the stores behind it.

Every reader of the graph (web, submission, coverage, querying, the command line) goes
through :class:`Store`; only :mod:`govkg.backends.embedded` imports pyoxigraph. Two kinds of
store implement it:

* ``embedded`` (:mod:`govkg.backends.embedded`): an in-memory pyoxigraph store loaded from a
  build's N-Quads dump;
* a remote SPARQL 1.1 server (:mod:`govkg.backends.remote`): ``oxigraph:`` (Oxigraph server),
  ``virtuoso:``, ``fuseki:`` and the generic ``sparql:``, named ``KIND:URL`` (``--store`` or
  ``GOVKG_STORE``; :func:`open_store`).

Terms are rdflib's (:class:`~rdflib.URIRef`, :class:`~rdflib.BNode`,
:class:`~rdflib.Literal`; literals keep their lexical form). The dataset rule holds on every
store: with no dataset given by the protocol or the query, the default graph is the RDF merge
of govkg's named graphs and every one of them is available by name; graphs of another dataset
sharing the store are never visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as Kind
from typing import Protocol

from rdflib import BNode, Literal, URIRef

from govkg.errors import GovkgError, InputError

#: A term of an answer: an IRI, a blank node or a literal.
Term = URIRef | BNode | Literal
#: A triple of a CONSTRUCT or DESCRIBE answer.
Triple = tuple[URIRef | BNode, URIRef, Term]
#: A quad: a triple and its named graph.
Quad = tuple[URIRef | BNode, URIRef, Term, URIRef]

#: What a query answers: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT, DESCRIBE).
AnswerKind = Kind["rows", "boolean", "graph"]


class StoreError(GovkgError):
    """The store cannot be used: unreachable, wrong credentials, wrong kind, or it answered
    with an error. The message names the store's URL (never its credentials)."""

    exit_code = InputError.exit_code


class StoreUnavailableError(StoreError):
    """The store is down or too slow now (the web answers 502/503 with the reason)."""


class StoreTimeoutError(StoreUnavailableError):
    """The store did not answer within the time limit (the request was abandoned)."""


@dataclass(frozen=True)
class Capabilities:
    """What a store can do; callers consult these flags.

    Attributes:
        in_process: Queries are evaluated in this process (the web runs them in killable
            evaluator processes to hold the time limit); False: over the network, where the
            time limit is the request's deadline.
        native_streaming: :meth:`Store.stream` passes the engine's own serialisation on
            (no re-encoding by govkg).
        cancellation: A query stopped at the time limit stops on the engine too (the
            embedded evaluators are killed; a remote engine may only see the connection
            close).
        atomic_update: One SPARQL Update request is applied as one transaction (publishing
            switches every graph in one update); False: a documented version switch.
        graph_store: Graphs are loaded through the SPARQL 1.1 Graph Store Protocol.
        writable: The store accepts loads and updates (publish, import).
        quad_loads: :meth:`Store.load_quads` loads a whole N-Quads file in one request (one
            blank-node scope; Oxigraph server's bulk loader), else graph by graph.
    """

    in_process: bool
    native_streaming: bool
    cancellation: bool
    atomic_update: bool
    graph_store: bool
    writable: bool
    quad_loads: bool = False


@dataclass(frozen=True)
class Dataset:
    """A query's dataset as the SPARQL 1.1 Protocol gives it (section 2.1.4).

    ``default`` and ``named`` None (both): the query's own FROM / FROM NAMED, or without them
    govkg's rule (default graph = merge of govkg's named graphs, all of them named). Either
    given (even empty): exactly these graphs, an absent part empty.
    """

    default: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.default is not None or self.named is not None


#: The query's own dataset (or govkg's rule).
NO_DATASET = Dataset()


@dataclass
class Rows:
    """A SELECT answer: its variables and its solutions as rows of terms (None: unbound).

    >>> rows = Rows(("a", "b"), [(URIRef("https://x/1"), None)])
    >>> rows.dicts()
    [{'a': 'https://x/1'}]
    """

    variables: tuple[str, ...]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def terms(self) -> list[dict[str, Term]]:
        """Each solution as a dict of its bound variables' terms."""
        names = self.variables
        return [
            {name: term for name, term in zip(names, row, strict=True) if term is not None}
            for row in self.rows
        ]

    def dicts(self) -> list[dict[str, str]]:
        """Each solution as a dict of its bound variables' plain values (an IRI, a literal's
        lexical form, a blank node's label): the one rows helper of govkg."""
        names = self.variables
        return [
            {name: str(term) for name, term in zip(names, row, strict=True) if term is not None}
            for row in self.rows
        ]

    def column(self, name: str) -> list[Term]:
        """The bound values of one variable, in order."""
        index = self.variables.index(name)
        return [row[index] for row in self.rows if row[index] is not None]  # type: ignore[misc]


@dataclass
class Answer:
    """An answer serialised by the store, to be passed on as it comes.

    Attributes:
        kind: rows, boolean or graph.
        media_type: The serialisation's media type (as chosen from what was accepted).
        chunks: The bytes, piece by piece; read them once.
        close: Let go of the answer before its end (the connection is closed).
    """

    kind: AnswerKind
    media_type: str
    chunks: Iterator[bytes]
    close: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Accept:
    """The media types a caller accepts for each kind of answer, best first (empty: that kind
    is not acceptable and :meth:`Store.stream` raises :class:`NotAcceptableAnswerError`)."""

    rows: tuple[str, ...] = ("application/sparql-results+json",)
    graph: tuple[str, ...] = ("application/n-triples",)


class NotAcceptableAnswerError(InputError):
    """The answer's kind has no acceptable media type (the web answers 406)."""


@dataclass(frozen=True)
class StoreState:
    """What a store holds, as :meth:`Store.state` reads it (``govkg stats``, ``/healthz``).

    Attributes:
        build_id: The govkg build it holds (the manifest's id); None: none recorded.
        manifest_sha256: SHA-256 of that build's ``manifest.json``.
        graphs: govkg's named graphs in the store.
        quads: Quads in those graphs.
        published: When the build was published (ISO 8601), if recorded.
    """

    build_id: str | None
    manifest_sha256: str | None
    graphs: tuple[str, ...]
    quads: int
    published: str | None = None


class Store(Protocol):
    """What govkg needs of a SPARQL store.

    Every query method takes a query that passed :func:`govkg.sparql_guard.check_query`, the
    protocol dataset, the base IRI, and a time limit in seconds (None: the store's default).
    Failures raise :class:`QueryError` (the query is wrong), :class:`StoreTimeoutError` (time
    limit), :class:`StoreUnavailableError` (engine down), :class:`StoreError` (anything else
    about the store); every message is one line naming the store by :attr:`location`.
    """

    #: ``embedded``, ``oxigraph``, ``virtuoso``, ``fuseki`` or ``sparql``.
    kind: str
    #: Where the store is, for messages: its URL without credentials (``embedded``: the dump).
    location: str
    capabilities: Capabilities

    def select(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Rows:
        """Answer a SELECT query."""
        ...

    def ask(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Answer an ASK query."""
        ...

    def construct(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> list[Triple]:
        """Answer a CONSTRUCT or DESCRIBE query."""
        ...

    def stream(
        self,
        query: str,
        accept: Accept,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Answer any query serialised in the first acceptable media type of its kind.

        Raises:
            NotAcceptableAnswerError: its kind has no acceptable media type.
        """
        ...

    def graphs(self) -> list[str]:
        """govkg's named graphs in the store, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Quads in one named graph, or in all of govkg's named graphs."""
        ...

    def state(self, quads: bool = True) -> StoreState:
        """Which govkg build the store holds (:class:`StoreState`); ``quads`` False skips
        counting them (``quads`` is then 0: a cheap probe, as ``/healthz`` makes)."""
        ...

    def held_build(self) -> str | None:
        """The build id :meth:`state` names, as last read: no request while a remote
        store's record is younger than its time to live (2 s), so a caller may ask on
        every query (the web result cache is keyed by it: a publish empties it)."""
        ...

    def load(self, graph: str, path: Path) -> None:
        """Add an N-Triples file's triples to ``graph``."""
        ...

    def load_quads(self, path: Path) -> None:
        """Add an N-Quads file's quads, each into its named graph, in one request (stores
        whose ``capabilities.quad_loads`` is True; others raise :class:`StoreError`)."""
        ...

    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 Update (writable stores only)."""
        ...

    def close(self) -> None:
        """Let go of connections and memory."""
        ...


#: Kinds of remote store (``KIND:URL``).
REMOTE_KINDS = ("oxigraph", "virtuoso", "fuseki", "sparql")


def open_store(spec: str) -> Store:
    """Open the store a ``KIND:URL`` spec names (``--store``, ``GOVKG_STORE``).

    Credentials come from the URL's user part or ``GOVKG_STORE_USER`` /
    ``GOVKG_STORE_PASSWORD``; they are never printed.

    Raises:
        InputError: an unknown kind or a malformed URL (one line, credentials hidden).
    """
    from govkg.backends.remote import open_remote

    return open_remote(spec)


def open_embedded(dumps: Sequence[Path] = ()) -> Store:
    """A new embedded store holding the given N-Quads dumps (an empty one without)."""
    from govkg.backends.embedded import EmbeddedStore

    store = EmbeddedStore()
    for dump in dumps:
        store.load_dump(dump)
    return store


__all__ = [
    "REMOTE_KINDS",
    "NO_DATASET",
    "Accept",
    "Answer",
    "AnswerKind",
    "Capabilities",
    "Dataset",
    "NotAcceptableAnswerError",
    "Quad",
    "Rows",
    "Store",
    "StoreError",
    "StoreState",
    "StoreTimeoutError",
    "StoreUnavailableError",
    "Term",
    "Triple",
    "open_embedded",
    "open_store",
]
