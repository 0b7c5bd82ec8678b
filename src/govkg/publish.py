"""Publishing a build into a store (``govkg publish --store KIND:URL``).

Readers of the store never see a half-published build:

1. the build is verified against its manifest (:func:`govkg.build_cache.verify_build`) and
   the store's publish lease is taken (:class:`govkg.publication.Lease`: one conditional
   update, then a read-back; another publish holding it fails this one at once with
   :class:`~govkg.publication.StoreBusyError`). Taking it is the publish's first write, so
   wrong credentials fail here, before anything is staged. It is renewed while the publish
   runs and released at its end; a killed publish's lease expires;
2. its N-Quads dump is split, line by line, into one N-Triples file per named graph (and
   their RDF merge, :data:`~govkg.publication.MERGED_GRAPH`, when a triple is in two graphs);
3. a graph whose SHA-256 and count the store already records stays where it is; each other
   graph is loaded under a staging name (``urn:govkg:staging:<build>:<n>``, noted in the
   publication graph first so a killed publish can be cleaned up) and its count checked
   against the file's;
4. ONE SPARQL 1.1 Update request (section 3.1: a request is a sequence of operations)
   replaces each changed graph's triples by its staging graph's (``DELETE WHERE`` then
   ``INSERT ... WHERE``, sections 3.1.3.3 and 3.1.3; not ``MOVE``, see :func:`_replace`),
   drops govkg's graphs the new build no longer has and replaces the publication record
   (:mod:`govkg.publication`); the staging graphs are dropped afterwards. On a store whose
   ``capabilities.atomic_update`` is False (Virtuoso) the same operations are sent one graph
   a request, the record last: readers then see the graphs switch one by one, each whole,
   until the record changes (measured on Virtuoso 7.2 in ``tests/test_publish.py``; one
   request switching 700,000 triples there failed with ``SR171 Transaction timed out``).

A store with no publication record at all has no reader to protect (``serve --store``
refuses it): its graphs are loaded straight under their names and the record, written last,
makes them a build (a killed first publish leaves graphs but no record; the next one drops
them first). This halves the work of a first publish (Oxigraph server 0.5 applies an update's
graph copy at about 5,000 triples a second).

Only the lease holder drops staging graphs: those it finds noted are a dead publish's.

Publishing the build a store already records (same manifest SHA-256, same counts) changes
nothing. Graphs of other datasets in the store are never touched: only the graphs the old
record names and govkg's own staging graphs are dropped.

Blank nodes: a blank node's label is scoped to one loaded document, so a blank node that
occurs in two graphs would become two nodes if each graph were loaded alone. When the build
has such blank nodes, every triple holding a blank node is staged in one update request
instead (one template, one node per label: SPARQL 1.1 Update section 3.1.3).
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rdflib import URIRef

from govkg import faults
from govkg.backends import Dataset, Store, StoreError
from govkg.build_cache import DATASET_DUMP, MANIFEST, file_digest, verify_build
from govkg.errors import DamagedBuildError
from govkg.namespaces import ID, PUBLICATION_GRAPH
from govkg.progress import Progress
from govkg.publication import (
    GKS,
    LEASE_SECONDS,
    MERGED_GRAPH,
    STAGING_PREFIX,
    Lease,
    RecordState,
    record_update,
)

#: Where a publish notes its staging graphs (in the publication graph) before loading them.
STAGING_NOTE = URIRef(ID["publication/staging"])

#: Count requests a publish has in flight at once.
COUNTERS = 4

#: The fault points of a publish (``GOVKG_FAULT``, :mod:`govkg.faults`).
FAULT_STAGED_SOME = "publish:staged-some"
FAULT_STAGED = "publish:staged"
FAULT_SWITCH = "publish:switch"
FAULT_SWITCHED = "publish:switched"
FAULT_POINTS = (FAULT_STAGED_SOME, FAULT_STAGED, FAULT_SWITCH, FAULT_SWITCHED)


@dataclass(frozen=True)
class PublishResult:
    """What a publish did.

    Attributes:
        build_id: The build's id (its manifest's ``build_id``).
        manifest_sha256: SHA-256 of its ``manifest.json``.
        graphs: Its named graphs, sorted.
        quads: Its quads.
        changed: False when the store already held this build (nothing was written).
        seconds: How long it took.
    """

    build_id: str
    manifest_sha256: str
    graphs: tuple[str, ...]
    quads: int
    changed: bool
    seconds: float


@dataclass
class GraphFile:
    """One named graph of the dump as an N-Triples file."""

    path: Path
    triples: int = 0


@dataclass
class Split:
    """A dump split by named graph.

    Attributes:
        graphs: Each graph's N-Triples file (without its blank-node triples when
            ``blank_lines`` is set).
        blank_lines: The triples holding a blank node, by graph, when some blank node occurs
            in two graphs (they are staged in one update); None otherwise.
        merged: The RDF merge of every graph (each triple once), when some triple is in more
            than one graph; None otherwise.
    """

    graphs: dict[str, GraphFile]
    blank_lines: dict[str, list[str]] | None
    merged: GraphFile | None = None

    @property
    def quads(self) -> int:
        return sum(f.triples for f in self.graphs.values())


def publish(
    store: Store,
    build_dir: Path,
    progress: Progress | None = None,
    lease_seconds: float = LEASE_SECONDS,
    break_lease: bool = False,
) -> PublishResult:
    """Publish the build in ``build_dir`` into ``store`` (see the module's description).

    Args:
        store: A writable store.
        build_dir: A finished build folder (its ``manifest.json`` and ``govkg.nq``).
        progress: Where to report the steps (None: silent).
        lease_seconds: How long the publish lease lasts unless renewed (it is renewed while
            the publish runs; a killed publish's lease expires after this).
        break_lease: Take the lease over even from a live holder (an operator who knows that
            publish is dead).

    Returns:
        What was published, and whether anything changed.

    Raises:
        DamagedBuildError: the build fails verification (one line naming the file).
        StoreBusyError: another publish holds the store's lease, or this one lost it before
            switching (exit 5; the previous build still answers).
        StoreError: the store refused or failed (one line naming its URL; wrong credentials
            fail at the lease, before anything is staged); the previous build still answers.
    """
    started = time.perf_counter()
    progress = progress or Progress(stream=None)
    progress.total = progress.total or 6
    if not store.capabilities.writable:
        raise StoreError(f"the store at {store.location} is read-only; publish needs to write")
    with progress.step("verify the build"):
        manifest = verify_build(build_dir)
        folder = build_dir.resolve()
        sha256 = file_digest(folder / MANIFEST)
    lease = Lease(store, lease_seconds)
    with progress.step("take the publish lease"):
        lease.take(force=break_lease)
        for broken in lease.broken:
            progress.note(f"took the lease over from {broken.describe()}")
    with lease:
        outcome = _publish_leased(store, folder, manifest.build_id, sha256, lease, progress)
    graphs, quads, changed = outcome
    elapsed = time.perf_counter() - started
    return PublishResult(manifest.build_id, sha256, graphs, quads, changed, elapsed)


def _publish_leased(
    store: Store, folder: Path, build_id: str, sha256: str, lease: Lease, progress: Progress
) -> tuple[tuple[str, ...], int, bool]:
    """Steps 2 to 4 of :func:`publish`, under its lease (checked before the staging graphs
    of an earlier publish are dropped, before staging and before the switch).

    Returns:
        The build's graphs, its quads, and whether anything changed.
    """
    with tempfile.TemporaryDirectory(prefix="govkg-publish-") as temporary:
        with progress.step("split the dump by graph"):
            split = split_dump(folder / DATASET_DUMP, Path(temporary))
            progress.note(f"{len(split.graphs)} graphs, {split.quads} quads")
        graphs = tuple(sorted(split.graphs))
        with progress.step("read what the store holds"):
            current = store.state()
            files = dict(split.graphs)
            if split.merged is not None:
                files[str(MERGED_GRAPH)] = split.merged
            same = (
                current.build_id == build_id
                and current.manifest_sha256 == sha256
                and set(current.graphs) == set(graphs)
                and _counts(store, {g: g for g in files})
                == {g: f.triples for g, f in files.items()}
            )
            # Staging graphs noted now are a dead publish's: the live one holds the lease.
            lease.check()
            leftovers = staging_graphs(store)
            if leftovers:
                progress.note(f"{len(leftovers)} staging graphs of an unfinished publish")
                _drop_staging(store, leftovers)
        if same:
            progress.note(f"the store already holds build {build_id[:12]}: unchanged")
            return graphs, split.quads, False
        # A store with no record at all serves no reader (serve --store refuses it): the
        # graphs go straight to their names (half-loaded ones of a killed first publish are
        # dropped first) and the record, written last, makes them a build.
        fresh = isinstance(current, RecordState) and current.format_version is None
        # A graph whose digest and count the store already records stays where it is
        # (blank-node labels differ from build to build: such graphs are always staged).
        digests = (
            {g: file_digest(f.path) for g, f in files.items()} if split.blank_lines is None else {}
        )
        if fresh:
            names = {graph: graph for graph in files}
            _drop(store, sorted(files))
        else:
            kept = _unchanged(store, files, digests, {*current.graphs, str(MERGED_GRAPH)})
            if kept:
                progress.note(f"{len(kept)} graphs unchanged, left in place")
            names = {
                graph: f"{STAGING_PREFIX}{build_id[:16]}:{n}"
                for n, graph in enumerate(sorted(files))
                if graph not in kept
            }
        _stage(store, split, files, names, Path(temporary), progress, note=not fresh)
        faults.point(FAULT_STAGED)
        with progress.step("switch to the new build"):
            for graph, found in _counts(store, names).items():
                if found != files[graph].triples:
                    raise StoreError(
                        f"the store at {store.location} holds {found} triples of the "
                        f"{files[graph].triples} loaded into {graph}; nothing switched"
                    )
            issued = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            gone = set(current.graphs) - set(graphs)
            if split.merged is None:
                gone.add(str(MERGED_GRAPH))
            merged = str(MERGED_GRAPH) if split.merged is not None else None
            operations = [
                *(_replace(g, s) for g, s in names.items() if s != g),
                *(f"DROP SILENT GRAPH <{g}>" for g in sorted(gone)),
                record_update(build_id, sha256, graphs, issued, merged, digests),
            ]
            lease.check()  # the last moment another publish could have taken over
            faults.point(FAULT_SWITCH)
            if store.capabilities.atomic_update:
                store.update(" ;\n".join(operations))
            else:
                for operation in operations:
                    store.update(operation)
            faults.point(FAULT_SWITCHED)
            left = set(staging_graphs(store)) | {s for g, s in names.items() if s != g}
            if left:
                _drop_staging(store, sorted(left))
    return graphs, split.quads, True


def _unchanged(
    store: Store, files: dict[str, GraphFile], digests: dict[str, str], held: set[str]
) -> set[str]:
    """The graphs the store holds as they are in ``files``: the same digest recorded at the
    last publish, and the same count now."""
    rows = store.select(
        f"SELECT ?g ?d WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ ?g <{GKS.graphSha256}> ?d }} }}",
        Dataset(default=(), named=(str(PUBLICATION_GRAPH),)),
    )
    recorded = {row["g"]: row["d"] for row in rows.dicts() if "g" in row and "d" in row}
    same = {g for g in files if g in held and digests.get(g) and recorded.get(g) == digests[g]}
    counts = _counts(store, {g: g for g in same})
    return {g for g in same if counts[g] == files[g].triples}


def _counts(store: Store, names: dict[str, str]) -> dict[str, int]:
    """The triples in the store under each graph's name in ``names``, counted a few graphs
    at a time (one request each: 670 graphs took 10 s one after the other)."""
    with ThreadPoolExecutor(COUNTERS) as pool:
        found = pool.map(store.count, names.values())
        return dict(zip(names, found, strict=True))


def _replace(graph: str, staging: str) -> str:
    """The update operations putting a staging graph's triples in place of ``graph``'s.

    Not ``MOVE``: Oxigraph server 0.5 takes time quadratic in the graph's size for it inside
    one transaction (20,000 triples 2.8 s, 40,000 9.5 s), while deleting what a pattern
    matched and inserting what another matched stays linear (160,000 in 39 s); the staging
    graph is emptied after the switch.
    """
    return (
        f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} ;\n"
        f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{staging}> {{ ?s ?p ?o }} }}"
    )


def _stage(
    store: Store,
    split: Split,
    files: dict[str, GraphFile],
    names: dict[str, str],
    folder: Path,
    progress: Progress,
    note: bool,
) -> None:
    """Load every graph's file under the name ``names`` gives it (noted in the publication
    graph first with ``note``, so that a killed publish can be cleaned up).

    A store that loads a whole N-Quads file (``load_quads``: Oxigraph server's ``POST
    /store``) gets every graph in one request, one blank-node scope; others get one Graph
    Store request per graph and the blank-node triples in one update (see the module's
    description).
    """
    if note:
        notes = " ".join(f"<{STAGING_NOTE}> <{GKS.stagingGraph}> <{s}> ." for s in names.values())
        store.update(f"INSERT DATA {{ GRAPH <{PUBLICATION_GRAPH}> {{ {notes} }} }}")
    with progress.step(f"stage {len(names)} graphs"):
        if store.capabilities.quad_loads:
            quads = _staged_nquads(split, files, names, folder)
            store.load_quads(quads)
            progress.note(f"{sum(f.triples for f in files.values())} quads in one request")
            faults.point(FAULT_STAGED_SOME)
            return
        for n, (graph, staging) in enumerate(sorted(names.items())):
            file = files[graph]
            if file.path.stat().st_size:
                store.load(staging, file.path)
            progress.note(f"{graph}: {file.triples} triples")
            if n == 0:
                faults.point(FAULT_STAGED_SOME)
        if split.blank_lines is not None:
            _insert_blank_triples(store, split.blank_lines, names)


def _staged_nquads(
    split: Split, files: dict[str, GraphFile], names: dict[str, str], folder: Path
) -> Path:
    """One N-Quads file of every graph under its staging name."""
    path = folder / "staged.nq"
    with path.open("w", encoding="utf-8") as out:
        for graph, staging in sorted(names.items()):
            file = files[graph]
            suffix = f" <{staging}> .\n"
            with file.path.open(encoding="utf-8") as source:
                lines = [line.rstrip("\n") for line in source]
            if split.blank_lines is not None:
                lines += split.blank_lines.get(graph, [])
            for line in lines:
                if line:
                    out.write(line[:-1].rstrip() + suffix)
    return path


def _insert_blank_triples(
    store: Store, lines: dict[str, list[str]], staged: dict[str, str]
) -> None:
    """Stage the triples holding blank nodes in ONE ``INSERT { ... } WHERE`` (a template's
    blank node is one new node per solution, and there is one: SPARQL 1.1 Update 3.1.3), so a
    blank node shared by two graphs stays one node. Not ``INSERT DATA``: Virtuoso 7.2 refuses
    blank nodes there (SP031); and not ``WHERE {}``: Virtuoso applies it, then answers 500
    (SR002), so the one solution is a ``BIND``."""
    parts = []
    for graph, found in sorted(lines.items()):
        if found:
            parts.append(f"GRAPH <{staged[graph]}> {{\n" + "\n".join(found) + "\n}")
    if parts:
        store.update("INSERT {\n" + "\n".join(parts) + "\n} WHERE { BIND (1 AS ?one) }")


def staging_graphs(store: Store) -> list[str]:
    """The staging graphs a publish left in the store, as noted in the publication graph
    before they were loaded (a remote store shows govkg no other graph it did not publish,
    so the notes are how a killed publish is found)."""
    noted = store.select(
        f"SELECT ?g WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{STAGING_NOTE}> "
        f"<{GKS.stagingGraph}> ?g }} }}",
        Dataset(default=(), named=(str(PUBLICATION_GRAPH),)),
    )
    return sorted({str(g) for g in noted.column("g")})


def _drop_staging(store: Store, graphs: list[str]) -> None:
    """Drop staging graphs, then their notes."""
    _drop(store, graphs)
    store.update(f"DELETE WHERE {{ GRAPH <{PUBLICATION_GRAPH}> {{ <{STAGING_NOTE}> ?p ?o }} }}")


#: Graphs dropped per update request: Virtuoso 7.2 refuses 1 336 DROPs in one request
#: ("SQ156 Query too large"), and took 300.
DROPS_PER_REQUEST = 100


def _drop(store: Store, graphs: list[str]) -> None:
    """Drop graphs (``DROP SILENT``), :data:`DROPS_PER_REQUEST` per request."""
    for start in range(0, len(graphs), DROPS_PER_REQUEST):
        chunk = graphs[start : start + DROPS_PER_REQUEST]
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in chunk))


def split_dump(dump: Path, folder: Path) -> Split:
    """Split an N-Quads dump (one quad a line, as govkg writes it) into N-Triples files, one
    per named graph, in ``folder``, streaming it line by line; and their RDF merge when a
    triple is in two graphs (triples told apart by a 64-bit hash of their text).

    Raises:
        DamagedBuildError: a quad in the default graph or in a blank-node graph (govkg keeps
            every triple in a named graph), naming the file and line.
    """
    graphs: dict[str, GraphFile] = {}
    handles: dict[str, TextIO] = {}
    seen: set[int] = set()
    duplicates = False
    blank_lines: dict[str, list[str]] = {}
    blank_graph: dict[str, str] = {}
    shared = False
    try:
        with dump.open(encoding="utf-8") as source:
            for number, line in enumerate(source, 1):
                if line.endswith("> .\n"):  # the dump's own form: one space, a dot, a newline
                    body = line[:-3]
                else:
                    body = line.strip()
                    if not body or body.startswith("#"):
                        continue
                    body = body[:-1].rstrip() if body.endswith(".") else ""
                cut = body.rfind(" <")
                head = body[:cut]
                if (
                    cut < 0
                    or not body.endswith(">")
                    or cut < body.rfind('"')
                    or ('"' not in head and head.count(" ") != 2)
                ):
                    raise DamagedBuildError(f"line {number}: a quad outside any named graph", dump)
                graph = body[cut + 2 : -1]
                target = graphs.get(graph)
                if target is None:
                    target = graphs[graph] = GraphFile(folder / f"{len(graphs)}.nt")
                    handles[graph] = target.path.open("w", encoding="utf-8")
                target.triples += 1
                key = hash(head)
                if key in seen:
                    duplicates = True
                else:
                    seen.add(key)
                if "_:" in head:
                    labels = _blank_labels(head)
                    if labels:
                        for label in labels:
                            if blank_graph.setdefault(label, graph) != graph:
                                shared = True
                        blank_lines.setdefault(graph, []).append(head + " .")
                        continue
                handles[graph].write(head + " .\n")
        if not shared:
            for graph, found in blank_lines.items():
                handles[graph].write("\n".join(found) + "\n")
    finally:
        for handle in handles.values():
            handle.close()
    split = Split(graphs, blank_lines if shared else None)
    if duplicates:
        split.merged = _merge(split, folder / "merged.nt")
    return split


def _merge(split: Split, path: Path) -> GraphFile:
    """The RDF merge of a split's graphs (each triple once) as an N-Triples file."""
    merged = GraphFile(path)
    seen: set[int] = set()
    with path.open("w", encoding="utf-8") as out:
        for graph, file in sorted(split.graphs.items()):
            with file.path.open(encoding="utf-8") as source:
                lines = [line.rstrip("\n") for line in source]
            if split.blank_lines is not None:
                lines += split.blank_lines.get(graph, [])
            for line in lines:
                key = hash(line)
                if line and key not in seen:
                    seen.add(key)
                    merged.triples += 1
                    out.write(line + "\n")
    return merged


def _blank_labels(head: str) -> list[str]:
    """The blank-node labels of a triple's text (its subject and a non-literal object)."""
    subject, _, rest = head.partition(" ")
    _, _, obj = rest.partition(" ")
    return [t for t in (subject, obj) if t.startswith("_:")]


__all__ = [
    "FAULT_POINTS",
    "STAGING_PREFIX",
    "PublishResult",
    "publish",
    "split_dump",
    "staging_graphs",
]
