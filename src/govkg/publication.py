"""The publication record: which govkg build a store holds.

``govkg publish`` writes one record into :data:`~govkg.namespaces.PUBLICATION_GRAPH`, in the
same SPARQL 1.1 Update request (section 3, a request of several operations) that switches the
build's graphs in, so a reader sees the record of the graphs it reads::

    <https://w3id.org/govkg/id/publication/current>
        gks:formatVersion "1" ;
        gks:buildId "<manifest build_id>" ;
        gks:manifestSha256 "<SHA-256 hex of manifest.json's bytes>" ;
        gks:graph <g1>, <g2> ;
        gks:mergedGraph <https://w3id.org/govkg/graph/merged> ;   # when written
        dcterms:issued "2026-12-01T23:59:00Z"^^xsd:dateTime .

Stores read it with :data:`RECORD_QUERY` and :func:`record_from`; ``serve --store`` refuses a
store without a record of format :data:`FORMAT_VERSION` (:func:`require_build`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD, Namespace

from govkg.backends import Rows, StoreError, StoreState
from govkg.namespaces import BASE, ID, PUBLICATION_GRAPH

#: The record's vocabulary (prefix ``gks:``).
GKS = Namespace(BASE + "store#")
#: The record's subject.
PUBLICATION = URIRef(ID["publication/current"])
#: The record format this version of govkg writes and reads.
FORMAT_VERSION = "1"

#: Graph names under which ``govkg publish`` stages a build's graphs before the switch (a
#: store shows them to govkg by name, never in the dataset of a query).
STAGING_PREFIX = "urn:govkg:staging:"

#: Where a publish puts the RDF merge of govkg's graphs (each triple once) when some triple is
#: in two of them; the record names it (``gks:mergedGraph``) and remote stores take it as the
#: default graph (engines count a triple of two default graphs twice).
MERGED_GRAPH = URIRef(BASE + "graph/merged")

#: Reads the record: one row per property and value of :data:`PUBLICATION`.
RECORD_QUERY = f"SELECT ?p ?o WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{PUBLICATION}> ?p ?o }} }}"


@dataclass(frozen=True)
class RecordState(StoreState):
    """A :class:`StoreState` read from a publication record.

    Attributes:
        format_version: The record's ``gks:formatVersion``; None: the store has no record.
    """

    format_version: str | None = None

    @property
    def known(self) -> bool:
        """The record is of this format and names its build."""
        return self.format_version == FORMAT_VERSION and self.build_id is not None


def record_from(rows: Rows, quads: int) -> RecordState:
    """The store's state from :data:`RECORD_QUERY`'s answer.

    Args:
        rows: The answer of :data:`RECORD_QUERY` (variables ``p`` and ``o``).
        quads: Quads in the recorded graphs (counted by the caller).

    Returns:
        The state; ``format_version`` None when there was no record at all, ``build_id``
        None when the record names no build (or is of another format).

    >>> record_from(Rows(("p", "o"), []), 0).format_version is None
    True
    >>> state = record_from(Rows(("p", "o"), [(GKS.formatVersion, Literal("1")),
    ...     (GKS.buildId, Literal("b1")), (GKS.graph, URIRef("https://x/g"))]), 3)
    >>> (state.build_id, state.graphs, state.quads, state.known)
    ('b1', ('https://x/g',), 3, True)
    """
    values: dict[URIRef, list[str]] = {}
    for found in rows.terms():
        predicate, value = found.get("p"), found.get("o")
        if isinstance(predicate, URIRef) and value is not None:
            values.setdefault(predicate, []).append(str(value))

    def one(predicate: URIRef) -> str | None:
        found = values.get(predicate)
        return min(found) if found else None

    format_version = one(GKS.formatVersion)
    if not values:
        return RecordState(None, None, (), quads, None, None)
    if format_version is None:
        format_version = ""
    known = format_version == FORMAT_VERSION
    return RecordState(
        build_id=one(GKS.buildId) if known else None,
        manifest_sha256=one(GKS.manifestSha256) if known else None,
        graphs=tuple(sorted(set(values.get(GKS.graph, [])))) if known else (),
        quads=quads,
        published=one(DCTERMS.issued) if known else None,
        format_version=format_version,
    )


def require_build(state: StoreState, location: str) -> None:
    """Refuse a store that holds no govkg build, or one this version cannot read.

    Args:
        state: The store's state (a :class:`RecordState` tells no record from an unknown
            one; a plain :class:`StoreState` counts as no record when it names no build).
        location: The store's URL (without credentials), for the message.

    Raises:
        StoreError: one line naming the store (exit 2).
    """
    if isinstance(state, RecordState) and state.format_version is not None:
        if not state.known:
            shown = state.format_version or "none"
            raise StoreError(
                f"the store at {location} holds an unknown govkg build record "
                f"(format {shown!r}, this govkg reads {FORMAT_VERSION!r}); publish again with "
                f"govkg publish --store …"
            )
        return
    if state.build_id is None:
        raise StoreError(
            f"the store at {location} holds no govkg build "
            f"(publish one with govkg publish --store …)"
        )


def record_update(
    build_id: str,
    manifest_sha256: str,
    graphs: Iterable[str],
    issued: str,
    merged: str | None = None,
    digests: Mapping[str, str] | None = None,
) -> str:
    """SPARQL Update text replacing the record (to send in the publishing request).

    Args:
        build_id: The build's id (its manifest's ``build_id``).
        manifest_sha256: SHA-256 hex of the build's ``manifest.json``.
        graphs: The build's named graphs.
        issued: When it is published, ISO 8601 (an ``xsd:dateTime``).
        merged: The graph holding the RDF merge of ``graphs`` (:data:`MERGED_GRAPH`), when
            the publish wrote one (some triple is in two graphs).
        digests: SHA-256 of each graph's N-Triples as published (``<g> gks:graphSha256``
            beside the record): the next publish leaves a graph whose digest and count are
            the same where it is.

    >>> text = record_update("b1", "ab", ["https://x/g"], "2026-12-01T00:00:00Z")
    >>> print(text.splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    DELETE WHERE { GRAPH <https://w3id.org/govkg/graph/publication>
      { <https://w3id.org/govkg/id/publication/current> ?p ?o } } ;
    >>> '<https://w3id.org/govkg/store#buildId> "b1" .' in text
    True
    """
    subject = PUBLICATION.n3()
    lines = [
        (GKS.formatVersion, Literal(FORMAT_VERSION)),
        (GKS.buildId, Literal(build_id)),
        (GKS.manifestSha256, Literal(manifest_sha256)),
        *((GKS.graph, URIRef(graph)) for graph in sorted(set(graphs))),
        (DCTERMS.issued, Literal(issued, datatype=XSD.dateTime, normalize=False)),
        *([(GKS.mergedGraph, URIRef(merged))] if merged else []),
    ]
    body = "\n".join(f"  {subject} {p.n3()} {o.n3()} ." for p, o in lines)
    for graph, digest in sorted((digests or {}).items()):
        body += f"\n  <{graph}> {GKS.graphSha256.n3()} {Literal(digest).n3()} ."
    return (
        f"DELETE WHERE {{ GRAPH {PUBLICATION_GRAPH.n3()} {{ {subject} ?p ?o }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {PUBLICATION_GRAPH.n3()} {{ ?g {GKS.graphSha256.n3()} ?d }} }} ;\n"
        f"INSERT DATA {{ GRAPH {PUBLICATION_GRAPH.n3()} {{\n{body}\n}} }}"
    )


__all__ = [
    "FORMAT_VERSION",
    "GKS",
    "MERGED_GRAPH",
    "PUBLICATION",
    "RECORD_QUERY",
    "STAGING_PREFIX",
    "RecordState",
    "record_from",
    "record_update",
    "require_build",
]
