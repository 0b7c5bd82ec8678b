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

The same graph holds the publish lease (:class:`Lease`), which keeps two publishes to one
store apart: one node per holder, under another subject than the record's, so that
:data:`RECORD_QUERY` (and so ``state()``, the record cache and every reader) never sees it::

    <urn:govkg:lease:3f9c…> a gks:Lease ;
        gks:leaseHolder "build-host pid 4242" ;
        gks:leaseExpires "2026-12-02T03:20:05Z"^^xsd:dateTime .
"""

from __future__ import annotations

import math
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD, Namespace

from govkg.backends import Dataset, Rows, Store, StoreError, StoreState, StoreUnavailableError
from govkg.errors import ExitCode, GovkgError
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


# The publish lease ---------------------------------------------------------------------------

#: Names of lease nodes: ``urn:govkg:lease:<random token>``, one per holder.
LEASE_PREFIX = "urn:govkg:lease:"
#: Seconds a publish lease lasts unless renewed (``govkg publish --lease-seconds``): a few
#: minutes, well above the longest single request of a publish (a 1M-triple load into Oxigraph
#: server takes about 45 s), while the holder renews it every third of that.
LEASE_SECONDS = 300.0
#: Times :meth:`Lease.take` tries again after a race it could not decide (both racers saw the
#: other's node and stood back) or a lease released between its update and its read-back.
LEASE_TRIES = 4
#: Longest random pause (seconds) before trying again after standing back from a race.
LEASE_BACKOFF = 0.5
#: Seconds :meth:`Lease.__exit__` waits for the renewing thread to stop.
LEASE_JOIN = 30.0

_SCOPE = Dataset(default=(), named=(str(PUBLICATION_GRAPH),))
#: The start of time, for an expiry that cannot be read: such a lease counts as expired, as it
#: does in the engine's own comparison (an error there leaves it out of the live ones).
_UNREADABLE = datetime.min.replace(tzinfo=UTC)


class StoreBusyError(StoreError):
    """Another publish holds the store's lease (exit 5, as for a build folder held by another
    build), or this publish lost its lease; the message names the holder and its expiry."""

    exit_code = ExitCode.BUSY


@dataclass(frozen=True)
class LeaseHolder:
    """A lease as read from the store.

    Attributes:
        node: Its node (``urn:govkg:lease:<token>``).
        holder: Who holds it (``host pid N``), for messages.
        expires: When it expires unless renewed (UTC).
    """

    node: str
    holder: str
    expires: datetime

    def live(self, now: datetime) -> bool:
        """It has not expired at ``now``."""
        return self.expires > now

    def describe(self) -> str:
        """``<holder> until <expiry>`` for a message."""
        return f"{self.holder} until {_stamp(self.expires)}"


def _pause() -> None:
    """A random pause before trying again after a race (so racers do not meet again)."""
    time.sleep(random.uniform(0.05, LEASE_BACKOFF))  # noqa: S311 - not a secret


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """``moment`` as an ``xsd:dateTime`` in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(moment: datetime) -> str:
    """``moment`` as a SPARQL ``xsd:dateTime`` literal."""
    return f'"{_stamp(moment)}"^^{XSD.dateTime.n3()}'


def _read_time(text: str) -> datetime:
    """An ``xsd:dateTime`` as the store wrote it back (UTC when it has no zone)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return _UNREADABLE
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Lease:
    """The publish lease of one store: at most one publish holds it at a time.

    Taken by ONE conditional SPARQL Update (insert this holder's node when no live lease
    exists, expired ones deleted in the same request), then decided by reading back the
    leases: this holder has it when its node is there and no other live one is. Two nodes at
    once (a race the engine did not serialise: Virtuoso applies the condition without
    isolation) make the newcomer stand back and try again after a random pause, so at most
    one holder ever goes on. A holder renews its lease (every third of its length, in a
    thread, and at each :meth:`check`) and releases it at the end; one that is killed leaves a
    lease that expires, or that ``--break-lease`` takes over (:meth:`take` with ``force``).

    Expiry times are written and compared with this machine's clock (UTC): hosts publishing
    to one store need clocks that agree to well within the lease's length.

    Args:
        store: A writable store.
        seconds: How long the lease lasts unless renewed.
        holder: Who holds it, for other publishes' messages (default ``host pid N``).
        clock: The current time (UTC).

    >>> from govkg.backends import open_embedded
    >>> store = open_embedded()
    >>> first, second = Lease(store, holder="first"), Lease(store, holder="second")
    >>> first.take()
    >>> second.take()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    govkg.publication.StoreBusyError: ... is being published to by first until ...
    >>> first.release()
    True
    >>> second.take(); second.release()
    True
    """

    def __init__(
        self,
        store: Store,
        seconds: float = LEASE_SECONDS,
        holder: str | None = None,
        clock: Callable[[], datetime] = _now,
    ):
        if seconds <= 0:
            raise ValueError(f"a lease lasts a positive number of seconds, not {seconds}")
        self.store = store
        self.seconds = seconds
        self.node = URIRef(LEASE_PREFIX + secrets.token_hex(16))
        self.holder = holder or f"{socket.gethostname()} pid {os.getpid()}"
        self.clock = clock
        self.held = False
        #: The live leases :meth:`take` with ``force`` took over.
        self.broken: list[LeaseHolder] = []
        self._lost: StoreError | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # Reading -----------------------------------------------------------------------------

    def holders(self) -> list[LeaseHolder]:
        """Every lease recorded in the store, expired ones too."""
        rows = self.store.select(
            f"SELECT ?lease ?holder ?expires WHERE {{ GRAPH {PUBLICATION_GRAPH.n3()} {{ "
            f"?lease a {GKS.Lease.n3()} ; {GKS.leaseExpires.n3()} ?expires . "
            f"OPTIONAL {{ ?lease {GKS.leaseHolder.n3()} ?holder }} }} }}",
            _SCOPE,
        )
        found: dict[str, LeaseHolder] = {}
        for row in rows.dicts():
            if "lease" in row and "expires" in row:
                holder = " ".join(row.get("holder", "").split()) or "an unnamed publish"
                lease = LeaseHolder(
                    row["lease"],
                    holder,
                    _read_time(row["expires"]),
                )
                if lease.node not in found or lease.expires > found[lease.node].expires:
                    found[lease.node] = lease
        return sorted(found.values(), key=lambda lease: (lease.expires, lease.node))

    # Taking, renewing, releasing ---------------------------------------------------------

    def take(self, force: bool = False) -> None:
        """Take the lease, or fail at once when another publish holds it.

        Args:
            force: Take it over even from a live holder (``--break-lease``: for an operator
                who knows that publish is dead); the leases taken over are in :attr:`broken`.

        Raises:
            StoreBusyError: another publish holds it (naming who and until when).
            StoreError: the store refused the write (wrong credentials: nothing is staged).
        """
        graph = PUBLICATION_GRAPH.n3()
        lease = GKS.Lease.n3()
        expires = GKS.leaseExpires.n3()
        failed: StoreUnavailableError | None = None
        for _ in range(LEASE_TRIES):
            now = self.clock()
            if force:
                self.broken = [h for h in self.holders() if h.live(now)]
                clear = (
                    f"DELETE {{ GRAPH {graph} {{ ?lease ?p ?o }} }} "
                    f"WHERE {{ GRAPH {graph} {{ ?lease a {lease} ; ?p ?o }} }}"
                )
                insert = f"INSERT DATA {{ GRAPH {graph} {{ {self._triples(now)} }} }}"
            else:
                # Expired leases go; this one is inserted only where no live lease is (a
                # counting subquery: Virtuoso 7.2 applied FILTER NOT EXISTS and OPTIONAL/!BOUND
                # forms of the condition as if no lease were there).
                clear = (
                    f"DELETE {{ GRAPH {graph} {{ ?lease ?p ?o }} }} WHERE {{ GRAPH {graph} {{ "
                    f"?lease a {lease} ; {expires} ?e ; ?p ?o FILTER (?e <= {_time(now)}) }} }}"
                )
                insert = (
                    f"INSERT {{ GRAPH {graph} {{ {self._triples(now)} }} }} WHERE {{ "
                    f"{{ SELECT (COUNT(?other) AS ?live) WHERE {{ GRAPH {graph} {{ "
                    f"?other a {lease} ; {expires} ?e FILTER (?e > {_time(now)}) }} }} }} "
                    f"FILTER (?live = 0) }}"
                )
            try:
                self.store.update(f"{clear} ;\n{insert}")
            except StoreUnavailableError as exc:
                # Virtuoso answers a transaction it chose as a deadlock's victim with 500
                # (40001, SR172) and rolls it back: as a lost race, try again.
                failed = exc
                _pause()
                continue
            found = self.holders()
            mine = any(h.node == str(self.node) for h in found)
            others = [h for h in found if h.node != str(self.node) and h.live(now)]
            if mine and not others:
                self.held = True
                return
            if mine:  # a race: stand back, then try again
                self._delete()
                _pause()
                continue
            if others:
                raise self._busy(others[-1])
        if failed is not None:
            raise failed
        raise StoreBusyError(
            f"the publish lease on the store at {self.store.location} changed hands "
            f"{LEASE_TRIES} times while this publish tried to take it; try again"
        )

    def renew(self) -> None:
        """Push the lease's expiry on (a new full length from now).

        Raises:
            StoreBusyError: the lease is no longer this publish's (taken over by
                ``--break-lease``, or expired and taken by another publish).
        """
        graph = PUBLICATION_GRAPH.n3()
        expires = GKS.leaseExpires.n3()
        until = self._until(self.clock())
        node = self.node.n3()
        for attempt in range(LEASE_TRIES):
            try:
                self.store.update(
                    f"DELETE {{ GRAPH {graph} {{ {node} {expires} ?e }} }} "
                    f"INSERT {{ GRAPH {graph} {{ {node} {expires} {_time(until)} }} }} "
                    f"WHERE {{ GRAPH {graph} {{ {node} {expires} ?e }} }}"
                )
                break
            except StoreUnavailableError:  # a deadlock's victim (see take): again
                if attempt == LEASE_TRIES - 1:
                    raise
                _pause()
        found = self.holders()
        if not any(h.node == str(self.node) for h in found):
            self.held = False
            now = self.clock()
            others = [h for h in found if h.live(now)]
            by = f" by {others[-1].describe()}" if others else ""
            raise StoreBusyError(
                f"the publish lease on the store at {self.store.location} was taken over{by}; "
                f"this publish stopped without switching"
            )

    def check(self) -> None:
        """Renew the lease now, and fail if it was lost meanwhile (call between steps).

        Raises:
            StoreBusyError: the lease was lost.
        """
        if self._lost is not None:
            raise self._lost
        self.renew()

    def release(self) -> bool:
        """Give the lease up (nothing happens when it is not held).

        Returns:
            True when released; False when the store could not be reached (the lease then
            expires by itself).
        """
        self._stop.set()
        if not self.held:
            return True
        try:
            self._delete()
        except StoreError:
            return False
        self.held = False
        return True

    # Holding it through a publish --------------------------------------------------------

    def __enter__(self) -> Lease:
        """Renew the (taken) lease every third of its length in a thread until the exit."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._renewing, name="govkg-lease", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop renewing and release the lease (after success or a handled failure)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(LEASE_JOIN)
        self.release()

    def _renewing(self) -> None:
        interval = self.seconds / 3
        while not self._stop.wait(interval):
            try:
                self.renew()
            except StoreBusyError as exc:
                self._lost = exc
                return
            except GovkgError:  # a passing failure: the next renewal, or check(), tells
                continue

    # Helpers -----------------------------------------------------------------------------

    def _until(self, now: datetime) -> datetime:
        """Now plus the lease's length, rounded up to the second (the stored precision)."""
        later = now + timedelta(seconds=self.seconds)
        return later.replace(microsecond=0) + timedelta(seconds=math.ceil(later.microsecond / 1e6))

    def _triples(self, now: datetime) -> str:
        node = self.node.n3()
        return (
            f"{node} {RDF.type.n3()} {GKS.Lease.n3()} ; "
            f"{GKS.leaseHolder.n3()} {Literal(self.holder).n3()} ; "
            f"{GKS.leaseExpires.n3()} {_time(self._until(now))} ."
        )

    def _delete(self) -> None:
        self.store.update(
            f"DELETE WHERE {{ GRAPH {PUBLICATION_GRAPH.n3()} {{ {self.node.n3()} ?p ?o }} }}"
        )

    def _busy(self, other: LeaseHolder) -> StoreBusyError:
        return StoreBusyError(
            f"the store at {self.store.location} is being published to by {other.describe()} "
            f"(its lease); wait for it, or if that publish is dead take over with "
            f"govkg publish --break-lease"
        )


__all__ = [
    "FORMAT_VERSION",
    "GKS",
    "LEASE_PREFIX",
    "LEASE_SECONDS",
    "Lease",
    "LeaseHolder",
    "MERGED_GRAPH",
    "PUBLICATION",
    "RECORD_QUERY",
    "STAGING_PREFIX",
    "RecordState",
    "StoreBusyError",
    "record_from",
    "record_update",
    "require_build",
]
