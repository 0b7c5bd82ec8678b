"""The embedded store (pyoxigraph): an in-memory dataset loaded from a build's N-Quads dump,
with native SPARQL evaluation and native serialisation of answers.

It implements :class:`govkg.backends.Store`; this is the one module of govkg's readers that
imports pyoxigraph. SERVICE is refused before a query reaches it
(:mod:`govkg.sparql_guard`), and nothing is ever fetched: a graph name in FROM, FROM NAMED or
the protocol's dataset only selects a graph of the store (an absent one is empty).

Dataset rules (SPARQL 1.1 Protocol section 2.1.4, SPARQL 1.1 Query section 13.2), in order:

1. a protocol dataset (:class:`~govkg.backends.Dataset` given): exactly its graphs, an absent
   part empty, the query's FROM / FROM NAMED overridden;
2. the query's own FROM / FROM NAMED;
3. otherwise the default graph is the RDF merge of the named graphs (each triple once, as
   SPARQL 1.1 Service Description's ``sd:UnionDefaultGraph``), and every named graph is
   available by name. The store keeps that merge as its default graph
   (:meth:`EmbeddedStore._merge_default_graph`) after every load and update.

Answers are serialised by pyoxigraph itself in the formats of :data:`RESULTS_FORMATS` (SPARQL
1.1 Query Results JSON, XML, CSV, TSV) and :data:`RDF_FORMATS` (Turtle, N-Triples, N-Quads,
TriG, RDF/XML and JSON-LD: all native in pyoxigraph 0.5).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from govkg.backends import (
    NO_DATASET,
    Accept,
    Answer,
    AnswerKind,
    Capabilities,
    Dataset,
    NotAcceptableAnswerError,
    Rows,
    StoreError,
    StoreState,
    Term,
    Triple,
)
from govkg.errors import InputError, QueryError

#: Media types (without parameters) of SELECT and ASK answers, and their pyoxigraph formats.
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

#: Media types (without parameters) of CONSTRUCT and DESCRIBE answers, and their formats.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
    "text/xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
}

#: Bytes per chunk of :meth:`EmbeddedStore.stream`.
CHUNK_BYTES = 1 << 16

#: The build's manifest, beside its dump (``govkg.build_cache.MANIFEST``).
MANIFEST = "manifest.json"

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_DEFAULT = ox.DefaultGraph()

#: SPARQL 1.1 Query Results formats by kind, named in a 406 message.
_NOT_ACCEPTABLE = {
    "rows": "a SELECT or ASK result is a results table; accept one of "
    "application/sparql-results+json, application/sparql-results+xml, text/csv, "
    "text/tab-separated-values",
    "boolean": "a SELECT or ASK result is a results table; accept one of "
    "application/sparql-results+json, application/sparql-results+xml, text/csv, "
    "text/tab-separated-values",
    "graph": "a CONSTRUCT or DESCRIBE result is RDF; accept one of text/turtle, "
    "application/n-triples, application/ld+json, application/rdf+xml, application/trig, "
    "application/n-quads",
}


class AnswerSink(Protocol):
    """Where :meth:`EmbeddedStore.write` serialises an answer (the web evaluators' ``Sink``):
    :meth:`start` with the media type first, then file-like writes of the bytes (and
    ``flush``)."""

    def start(self, media_type: str) -> None: ...

    def write(self, data: bytes) -> int: ...

    def flush(self) -> None: ...


class EmbeddedStore:
    """An in-memory pyoxigraph store holding a built dataset (:class:`govkg.backends.Store`).

    >>> store = EmbeddedStore()
    >>> store.update('INSERT DATA { GRAPH <https://x/g> { <https://x/a> <https://x/p> "v" } }')
    >>> store.select("SELECT ?o { ?s ?p ?o }").dicts()
    [{'o': 'v'}]
    """

    kind = "embedded"
    capabilities = Capabilities(
        in_process=True,
        native_streaming=True,
        cancellation=True,
        atomic_update=True,
        graph_store=False,
        writable=True,
        quad_loads=True,
    )

    def __init__(self) -> None:
        self._store = ox.Store()
        #: The dumps loaded, resolved (the web finds the build folder from them).
        self.loaded: list[Path] = []
        #: The first dump loaded (``memory`` before any), for messages.
        self.location = "memory"

    # Loading and writing --------------------------------------------------------------------

    def load_dump(self, path: Path) -> None:
        """Load an N-Quads (or TriG) file; its graphs stay named graphs, and the default graph
        becomes the RDF merge of all of them.

        Raises:
            InputError: the file cannot be read or parsed (naming it).
        """
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.N_QUADS
        try:
            self._store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot load into the store: {_one_line(exc)}", path) from None
        self._merge_default_graph()
        self.loaded.append(path.resolve())
        self.location = str(self.loaded[0])

    def load(self, graph: str, path: Path) -> None:
        """Add an N-Triples file's triples to the named graph ``graph`` (and to the merged
        default graph).

        Raises:
            InputError: the file cannot be read or parsed (naming it).
        """
        name = ox.NamedNode(graph)
        try:
            self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=name)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot load into the store: {_one_line(exc)}", path) from None
        self._store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")

    def load_quads(self, path: Path) -> None:
        """Add an N-Quads file's quads, each into its named graph (and the default graph
        made the merge again); unlike :meth:`load_dump`, not recorded as a served dump.

        Raises:
            InputError: the file cannot be read or parsed (naming it).
        """
        try:
            self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot load into the store: {_one_line(exc)}", path) from None
        self._merge_default_graph()

    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 Update as one transaction, then make the default graph the merge
        of the named graphs again (what an update wrote into the default graph is replaced).

        Raises:
            QueryError: the update is malformed or fails.
        """
        try:
            self._store.update(text)
        except SyntaxError as exc:
            raise QueryError(f"malformed update: {_one_line(exc)}") from None
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"update failed: {_one_line(exc)}") from None
        self._store.clear_graph(_DEFAULT)
        self._merge_default_graph()

    def _merge_default_graph(self) -> None:
        """Make the default graph the union of the named graphs, without duplicates.

        SPARQL 1.1 Service Description's ``sd:UnionDefaultGraph`` means the RDF merge of the
        named graphs: a triple stated in two graphs is one triple of the default graph.
        (pyoxigraph's ``use_default_graph_as_union`` yields it once per graph.) One update
        in the engine: the 2M quads of a generated graph merged in 6 s, where adding them
        one by one from Python had not finished after 15 minutes.
        """
        self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    def close(self) -> None:
        """Let go of the data (the store is empty afterwards; ``location`` still names what
        it held, for messages)."""
        self._store.clear()

    # Queries ----------------------------------------------------------------------------------

    def select(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Rows:
        """Answer a SELECT query as rows of rdflib terms (``timeout`` is not used: the web
        holds the time limit by killing its evaluator processes).

        Raises:
            QueryError: the query is malformed, fails, or is not a SELECT query.
        """
        results = self._evaluate(query, dataset, base_iri)
        if not isinstance(results, ox.QuerySolutions):
            raise QueryError(f"not a SELECT query (it answers {_kind(results)})")
        names = tuple(v.value for v in results.variables)
        try:
            rows = [tuple(map(_term_or_none, solution)) for solution in results]
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from None
        return Rows(names, rows)

    def ask(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> bool:
        """Answer an ASK query.

        Raises:
            QueryError: the query is malformed, fails, or is not an ASK query.
        """
        results = self._evaluate(query, dataset, base_iri)
        if not isinstance(results, ox.QueryBoolean):
            raise QueryError(f"not an ASK query (it answers {_kind(results)})")
        return bool(results)

    def construct(
        self,
        query: str,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> list[Triple]:
        """Answer a CONSTRUCT or DESCRIBE query as triples of rdflib terms.

        Raises:
            QueryError: the query is malformed, fails, or is not CONSTRUCT or DESCRIBE.
        """
        results = self._evaluate(query, dataset, base_iri)
        if not isinstance(results, ox.QueryTriples):
            raise QueryError(f"not a CONSTRUCT or DESCRIBE query (it answers {_kind(results)})")
        try:
            return [
                (_term(t.subject), _iri(t.predicate.value), _term(t.object))  # type: ignore[misc]
                for t in results
            ]
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from None

    def stream(
        self,
        query: str,
        accept: Accept,
        dataset: Dataset = NO_DATASET,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Answer any query serialised by pyoxigraph in the first acceptable media type of
        its kind (written into memory, then given in chunks of :data:`CHUNK_BYTES`).

        Raises:
            NotAcceptableAnswerError: its kind has no acceptable media type.
            QueryError: the query is malformed or fails.
        """
        buffer = _Buffer()
        kind = self._write(query, accept, dataset, base_iri, buffer)
        return Answer(kind, buffer.media_type, _chunks(buffer.getvalue()))

    def write(
        self,
        query: str,
        accept: Accept,
        dataset: Dataset,
        base_iri: str | None,
        sink: AnswerSink,
    ) -> None:
        """Evaluate a query and serialise its answer natively into ``sink`` (the web's
        evaluator processes): ``sink.start(media_type)``, then the bytes.

        Raises:
            NotAcceptableAnswerError: its kind has no acceptable media type (before
                ``start``).
            QueryError: the query is malformed or fails.
        """
        self._write(query, accept, dataset, base_iri, sink)

    def _write(
        self, query: str, accept: Accept, dataset: Dataset, base_iri: str | None, sink: AnswerSink
    ) -> AnswerKind:
        results = self._evaluate(query, dataset, base_iri)
        kind = _kind(results)
        media_type, fmt = _choose(kind, accept)
        sink.start(media_type)
        try:
            results.serialize(sink, fmt)
        except (OSError, ValueError, TypeError, SyntaxError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from None
        return kind

    def _evaluate(self, text: str, dataset: Dataset, base_iri: str | None) -> Any:
        """Evaluate a query with the dataset rules of the module docstring."""
        options: dict[str, Any] = {}
        if base_iri:
            options["base_iri"] = base_iri
        if dataset.given:
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named or ()]
        try:
            return self._store.query(text, **options)
        except SyntaxError as exc:
            raise QueryError(f"malformed query: {_one_line(exc)}") from None
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_one_line(exc)}") from None

    # What the store holds ---------------------------------------------------------------------

    def graphs(self) -> list[str]:
        """The named graphs in the store, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        """Quads in one named graph, or in all named graphs (the merged default graph not
        counted)."""
        if graph is not None:
            return _length(self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        return len(self._store) - _length(self._store.quads_for_pattern(None, None, None, _DEFAULT))

    def __len__(self) -> int:
        """Quads in the named graphs (the merged default graph not counted)."""
        return self.count()

    def state(self, quads: bool = True) -> StoreState:
        """The build held: its id and manifest SHA-256 from the ``manifest.json`` beside the
        first dump loaded (none: no build recorded), its graphs and quads.

        Raises:
            StoreError: the manifest cannot be read (naming it).
        """
        build_id = digest = None
        manifest = self.loaded[0].parent / MANIFEST if self.loaded else None
        if manifest is not None and manifest.is_file():
            try:
                data = manifest.read_bytes()
                build_id = str(json.loads(data)["build_id"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise StoreError(f"{manifest}: unreadable manifest: {_one_line(exc)}") from None
            digest = hashlib.sha256(data).hexdigest()
        return StoreState(build_id, digest, tuple(self.graphs()), self.count() if quads else 0)

    def held_build(self) -> str | None:
        """The id of the build whose manifest is beside the first dump loaded."""
        return self.state(quads=False).build_id


class _Buffer(io.BytesIO):
    """An in-memory :class:`AnswerSink` (for :meth:`EmbeddedStore.stream`)."""

    media_type = ""

    def start(self, media_type: str) -> None:
        self.media_type = media_type


def _choose(kind: AnswerKind, accept: Accept) -> tuple[str, Any]:
    """The first acceptable media type of an answer's kind that pyoxigraph writes, and its
    format."""
    table: dict[str, Any] = RDF_FORMATS if kind == "graph" else RESULTS_FORMATS
    for media_type in accept.graph if kind == "graph" else accept.rows:
        fmt = table.get(media_type.split(";", 1)[0].strip().lower())
        if fmt is not None:
            return media_type, fmt
    raise NotAcceptableAnswerError(_NOT_ACCEPTABLE[kind])


def _kind(results: object) -> AnswerKind:
    if isinstance(results, ox.QueryTriples):
        return "graph"
    if isinstance(results, ox.QueryBoolean):
        return "boolean"
    return "rows"


def _iri(value: str) -> URIRef:
    """An rdflib IRI for one the engine holds (already valid: rdflib's check is skipped,
    which is most of the cost of an answer's terms)."""
    return str.__new__(URIRef, value)


def _term(term: Any) -> Term:
    """An rdflib term for a pyoxigraph one (a literal keeps its lexical form; ``xsd:string``
    is a plain literal and ``rdf:langString`` a language-tagged one, as in SPARQL results)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return _iri(term.value)
    if kind is ox.Literal:
        language = term.language
        if language:
            return Literal(term.value, lang=language, normalize=False)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=_iri(datatype), normalize=False)
    if kind is ox.BlankNode:
        return BNode(term.value)
    raise QueryError(f"an answer holds a term govkg does not read: {term}")


def _term_or_none(term: Any) -> Term | None:
    return None if term is None else _term(term)


def _length(items: Iterable[object]) -> int:
    return sum(1 for _ in items)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK_BYTES):
        yield data[start : start + CHUNK_BYTES]
