"""The build: source files → one named graph per file → SHACL check (a failure stops the
build) → OWL 2 RL inferences in their own named graph → dumps and a report in a build folder.
Beside them, the direct triple of every positive mapping goes into its own named graph
(:mod:`govkg.direct_mappings`, ADR 0017), and each inference again into a named graph per set
of source graphs it needs (:mod:`govkg.inference_sources`, ADR 0018).

The live build folder is a symbolic link to a versioned folder beside it
(``build -> .build.v<time>``); a new build is written to a staging folder, renamed to its own
versioned name, and the link is replaced by ``rename`` (one atomic step): readers see the old
build or the new one, never none or a mix, and a build that fails or is killed leaves the
previous build as it was. Leftovers of killed runs and older versions are removed when the
next build starts (ADR 0015). A build holds the locks of its data and build folders
(:mod:`govkg.locking`), and its files are verified (:func:`verify_build`) before any reader
or the next build uses them.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from govkg import __version__, direct_mappings, faults, inference_sources
from govkg.backends import open_embedded
from govkg.build_cache import DATASET_DUMP as DATASET_DUMP
from govkg.build_cache import MANIFEST as MANIFEST
from govkg.build_cache import Manifest as Manifest
from govkg.build_cache import (
    cached_inferences,
    digest_of,
    source_digests,
    verified_manifest,
    write_findings,
)
from govkg.build_cache import verify_build as verify_build
from govkg.build_validation import validate_sources
from govkg.errors import ResourceError, os_errors
from govkg.export import write_dumps
from govkg.loading import SourceFile, load_sources, source_name, source_paths, union
from govkg.locking import build_lock_path, data_lock_path, locked
from govkg.namespaces import (
    DATASET_IRI,
    GK,
    GOVKG_LICENSE,
    GRAPH,
    GRAPH_ONTOLOGY,
    ID,
    INFERRED_GRAPH,
    MAPPINGS_GRAPH,
    META_GRAPH,
    ONTOLOGY_IRI,
    SSSOM,
)
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.reasoning import (
    DEFAULT_ENGINE,
    engine_version,
    materialise,
    reasoning_input,
)
from govkg.search_index import SEARCH_INDEX, write_search_index
from govkg.vocabulary_check import check_official_vocabularies
from govkg.void import Description, void_triples

REPORT = "report.json"
#: Shapes the shipped data must conform to, and shapes for the ontology's own terms.
DATA_SHAPES = ("data.ttl",)
TERM_SHAPES = ("terms.ttl",)


@dataclass
class BuildReport:
    """What a build produced and how long each step took.

    Attributes:
        version: The govkg version that built it.
        sources_digest: SHA-256 over the source files (names and contents).
        graphs: Triples per named graph.
        asserted: Asserted triples in all graphs (with duplicates across graphs).
        inferred: Triples in the inferred graph.
        conforms: The SHACL result of the shipped data (always True for a finished build).
        elements: Per concept scheme (framework or principle list), elements per govkg class.
        mappings: Mappings per mapping set.
        timings: Seconds per step.
        reasoner: The OWL 2 RL engine that computed the inferences.
        validation: ``full``, ``incremental`` (only the nodes changed files touch) or
            ``reused`` (no source file changed).
    """

    version: str
    sources_digest: str
    graphs: dict[str, int] = field(default_factory=dict)
    asserted: int = 0
    inferred: int = 0
    conforms: bool = True
    elements: dict[str, dict[str, int]] = field(default_factory=dict)
    mappings: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reasoner: str = ""
    validation: str = ""

    def text(self) -> str:
        """Render the report for a terminal."""
        lines = [f"govkg {self.version} build", f"named graphs: {len(self.graphs)}"]
        lines += [f"  {count:>7}  {iri}" for iri, count in sorted(self.graphs.items())]
        lines.append(f"asserted triples: {self.asserted}")
        lines.append(f"inferred triples: {self.inferred}")
        lines.append(f"SHACL: {'conforms' if self.conforms else 'violations'} ({self.validation})")
        lines.append(f"OWL 2 RL engine: {self.reasoner}")
        lines.append("elements per framework:")
        for scheme, classes in sorted(self.elements.items()):
            counts = ", ".join(f"{n} {cls}" for cls, n in sorted(classes.items()))
            lines.append(f"  {scheme}: {counts}")
        lines.append("mappings per mapping set:")
        lines += [f"  {count:>7}  {iri}" for iri, count in sorted(self.mappings.items())]
        lines += [f"time {name}: {seconds:.2f} s" for name, seconds in self.timings.items()]
        lines.append(f"time total: {sum(self.timings.values()):.2f} s")
        return "\n".join(lines)


def sources_digest(layout: Layout) -> str:
    """Return a SHA-256 over the names and contents of every file the build reads: the
    bundled sources and shapes, and a workspace's configuration and files."""
    digest = hashlib.sha256(__version__.encode())
    paths = source_paths(layout) + sorted(layout.shapes.glob("*.ttl"))
    if layout.workspace is not None:
        paths.append(layout.workspace.config)
    for path in paths:
        digest.update(source_name(path, layout).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(layout: Layout, build_dir: Path) -> bool:
    """Tell whether ``build_dir`` holds a finished, undamaged build of the current sources."""
    return _current_folder(layout, build_dir) is not None


def _current_folder(layout: Layout, build_dir: Path) -> Path | None:
    """Return the versioned folder of ``build_dir`` if it verifies and its sources are current."""
    folder = build_dir.resolve()
    manifest = verified_manifest(folder)
    if manifest is None or manifest.sources_digest != sources_digest(layout):
        return None
    return folder


def ensure_built(layout: Layout, build_dir: Path, progress: Progress | None = None) -> Path:
    """Build unless ``build_dir`` already holds a verified build of the current sources.

    A build that is damaged (a file cut, emptied or altered: :func:`verify_build`) is built
    again, without reusing anything of it. When another process is building, this waits for
    it and uses its build.

    Returns:
        The path of the whole-dataset N-Quads dump, in the versioned folder the build is in
        (read everything else from ``path.parent``: a later build never changes it).
    """
    folder = _current_folder(layout, build_dir)
    if folder is None:
        with _writer_locks(layout, build_dir, wait=True):
            with os_errors(build_dir):
                _clean_leftovers(build_dir)  # a finished version without its link is live again
            folder = _current_folder(layout, build_dir)
            if folder is None:
                with _fewer_collections(), os_errors(build_dir):
                    _build(layout, build_dir, progress)
                folder = build_dir.resolve()
    return folder / DATASET_DUMP


def build(
    layout: Layout,
    build_dir: Path,
    progress: Progress | None = None,
    reasoner: str = DEFAULT_ENGINE,
    incremental: bool = True,
    workers: int | None = None,
    wait: bool = False,
) -> BuildReport:
    """Build the graph from ``layout`` into ``build_dir`` (see the module docstring).

    Args:
        layout: Where the sources are.
        build_dir: The build folder, replaced atomically at the end.
        progress: Where to report each step, with counts.
        reasoner: The OWL 2 RL engine (:data:`govkg.reasoning.ENGINES`).
        incremental: Reuse what the previous build in ``build_dir`` still holds: validation
            of the nodes no changed file touches, and the inferences when the closure's
            input is unchanged (ADR 0013). False rebuilds everything.
        workers: Processes for a full SHACL validation of a large graph (default: the
            number of cores, at most 4); 1 runs pySHACL once on the whole data.
        wait: Wait for another build or import holding the folders instead of failing.

    Raises:
        FolderLockedError: another govkg run holds the data or build folder.
        ResourceError: the disk is full, a folder is read-only, busy or not permitted.
        InputError: a source file is unreadable or breaks the data conventions, or
            ``reasoner`` is unknown.
        ValidationFailed: the shipped data or the ontology does not conform to its shapes.
        InconsistencyError: the OWL 2 RL closure is inconsistent.
    """
    with _writer_locks(layout, build_dir, wait=wait), _fewer_collections(), os_errors(build_dir):
        return _build(layout, build_dir, progress, reasoner, incremental, workers)


@contextmanager
def _writer_locks(layout: Layout, build_dir: Path, wait: bool) -> Iterator[None]:
    """Hold the data folder's lock, shared (a checkout's: an installed package's is never
    written), the workspace's, shared, then the build folder's, exclusive (imports take them
    in the same order)."""
    if _is_mount_point(build_dir):
        raise ResourceError(
            "the build folder is a mount point, which a new build cannot replace: "
            "choose a folder inside it (--build-dir)",
            build_dir,
        )
    with contextlib.ExitStack() as stack:
        if layout.checkout:
            data_lock = data_lock_path(layout.data)
            stack.enter_context(locked(data_lock, layout.data, wait=True, shared=True))
        if layout.workspace is not None:
            workspace = layout.workspace
            stack.enter_context(locked(workspace.lock, workspace.root, wait=True, shared=True))
        stack.enter_context(locked(build_lock_path(_absolute(build_dir)), build_dir, wait=wait))
        yield


def _is_mount_point(build_dir: Path) -> bool:
    return not build_dir.is_symlink() and os.path.ismount(build_dir)


def _absolute(path: Path) -> Path:
    """The absolute path, the last part not resolved (the live build is a link)."""
    return Path(os.path.abspath(path))


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a build: it otherwise walks the
    millions of rdflib terms again and again (load and closure take about half as long at
    100k triples). Cycles are still collected; the thresholds are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _build(
    layout: Layout,
    build_dir: Path,
    progress: Progress | None = None,
    reasoner: str = DEFAULT_ENGINE,
    incremental: bool = True,
    workers: int | None = None,
) -> BuildReport:
    """The steps of :func:`build`."""
    progress = progress or Progress(stream=None)
    progress.total = 5
    engine_version(reasoner)
    report = BuildReport(version=__version__, sources_digest=sources_digest(layout))
    report.reasoner = reasoner
    parent = _parent(build_dir)
    live = _clean_leftovers(build_dir)
    previous = verified_manifest(live) if incremental and live is not None else None
    if previous is not None and previous.version != __version__:
        previous = None
    if incremental and live is not None and previous is None:
        progress.note("no verified previous build to reuse: building everything")
    reused = live if live is not None and previous is not None else build_dir

    with progress.step("load sources"):
        sources = load_sources(layout)
        ontology_sources = [s for s in sources if s.graph_iri.startswith(GRAPH_ONTOLOGY)]
        ontology = union(ontology_sources)
        data = union([s for s in sources if not s.graph_iri.startswith(GRAPH_ONTOLOGY)])
        files, graph_names = source_digests(sources)
        progress.note(
            f"{len(sources)} files, {len(ontology)} ontology and {len(data)} data triples"
        )
        direct = direct_mappings.derive(
            [s for s in sources if not s.graph_iri.startswith(GRAPH_ONTOLOGY)]
        )
        progress.note(
            f"{len(direct.graph)} direct mapping triples "
            f"({direct.negated} negated mapping(s) left out)"
        )
    faults.point("build:after-load")

    with progress.step("validate with SHACL"):
        shapes_paths = [layout.shapes / name for name in DATA_SHAPES + TERM_SHAPES]
        shapes_key = digest_of(shapes_paths)
        validation_report, report.validation = validate_sources(
            [layout.shapes / name for name in DATA_SHAPES],
            [layout.shapes / name for name in TERM_SHAPES],
            reused,
            previous,
            shapes_key,
            [s for s in sources if not s.graph_iri.startswith(GRAPH_ONTOLOGY)],
            files,
            data,
            ontology,
            progress,
            workers,
        )

    # What needs the data union is done now: it is freed before the closure (memory at 1M).
    report.elements, report.mappings = _content_counts(data)
    licences = _graph_licences(sources, data)
    licences[MAPPINGS_GRAPH] = sorted(
        {licence for iri in direct.sources for licence in licences.get(iri, [])}, key=str
    )
    del data

    with progress.step("materialise OWL 2 RL inferences"):
        asserted = {triple for source in sources for triple in source.graph}
        base = reasoning_input(asserted, ontology)
        # The direct mapping triples are closed apart, under the mapping axioms only (ADR 0017).
        schema = direct_mappings.mapping_schema(ontology, set(direct.graph.predicates()))
        # Per graph, not of the union: which graph a triple is in decides its inference graph.
        reasoning_key = direct_mappings.combined_digest(
            inference_sources.sources_digest(sources, ontology, reasoner),
            direct_mappings.closure_digest(direct.graph, schema, reasoner),
        )
        cached = cached_inferences(reused, previous, reasoning_key)
        if cached is None:
            # The same input passed this check in the build whose inferences would be reused.
            check_official_vocabularies(asserted | set(direct.graph), ontology, progress.note)
            inferred = materialise(asserted, ontology, progress.note, reasoner, base)
            from_mappings = set()
            for triple in direct_mappings.infer(direct.graph, schema, progress.note, reasoner):
                if triple not in asserted:
                    inferred.add(triple)
                    from_mappings.add(triple)
            inferred -= direct.graph  # asserted and inferred never mix
            from_mappings -= set(direct.graph)
            # Which graphs each inference needs (ADR 0018): one named graph per premise set.
            found = inference_sources.attribute(
                {
                    s.graph_iri: s.graph
                    for s in sources
                    if not s.graph_iri.startswith(GRAPH_ONTOLOGY)
                },
                ontology,
                set(inferred) - from_mappings,
                reasoner,
                progress.note,
            )
            if from_mappings:
                found[frozenset({MAPPINGS_GRAPH})] = from_mappings
            premises = {inference_sources.graph_iri(k): sorted(k) for k in found}
            by_premises = inference_sources.named_graphs(found)
        else:
            inferred, by_premises, premises = cached
            progress.note("the closure's input is unchanged: inferences of the last build reused")
        progress.note(
            f"{len(inferred)} inferred triples kept, in {len(by_premises)} graphs by premises"
        )
        del asserted, base

    graphs: dict[URIRef, Graph] = {s.graph_iri: s.graph for s in sources}
    graphs[INFERRED_GRAPH] = inferred
    graphs.update(by_premises)
    graphs[MAPPINGS_GRAPH] = direct.graph
    graphs[META_GRAPH] = _meta_graph(
        sources, {iri: len(g) for iri, g in by_premises.items()}, len(inferred), licences, direct
    )
    _describe_inference_graphs(graphs[META_GRAPH], premises, ontology_sources)
    report.graphs = {str(iri): len(g) for iri, g in sorted(graphs.items())}
    report.asserted = sum(len(s.graph) for s in sources)
    report.inferred = len(inferred)

    staging = parent / f".{build_dir.name}.staging-{os.getpid()}-{time.time_ns()}"
    try:
        with progress.step("write dumps"):
            staging.mkdir()
            written = write_dumps(graphs, staging)
            _copy_sources(layout, staging)
            faults.point("build:after-dumps")
            indexed = _write_search_index(staging)
            progress.note(f"search index: {indexed} frameworks, lists and elements")
            size = sum(path.stat().st_size for path in written)
            progress.note(f"{len(written)} dumps, {len(graphs)} named graphs, {size / 1e6:.1f} MB")

        with progress.step("write report"):
            report.timings = dict(progress.timings)
            (staging / REPORT).write_text(
                json.dumps(asdict(report), indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            write_findings(staging, validation_report.findings)
            Manifest(
                version=__version__,
                sources_digest=report.sources_digest,
                reasoning_input_digest=reasoning_key,
                reasoner=reasoner,
                shapes_digest=shapes_key,
                files=files,
                graphs=graph_names,
            ).write(staging)
            faults.point("build:before-swap")
            _swap_in(staging, build_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.timings = dict(progress.timings)
    return report


def _write_search_index(staging: Path) -> int:
    """Write the full-text search index of the finished dataset (:mod:`govkg.search_index`,
    issue 15) into the build folder, so that the manifest lists and verifies it like every
    other file; return the resources indexed."""
    return write_search_index(open_embedded([staging / DATASET_DUMP]), staging / SEARCH_INDEX)


def _parent(build_dir: Path) -> Path:
    parent = _absolute(build_dir).parent
    with os_errors(parent):
        parent.mkdir(parents=True, exist_ok=True)
    return parent


def _copy_sources(layout: Layout, staging: Path) -> None:
    """Copy the ontology modules and shapes beside the dumps, as downloads."""
    for folder in ("ontology", "shapes"):
        target = staging / folder
        target.mkdir()
        for path in sorted((layout.root / folder).glob("*.ttl")):
            shutil.copyfile(path, target / path.name)


def _versions(build_dir: Path) -> list[Path]:
    """The versioned folders of ``build_dir``, oldest first."""
    found = _absolute(build_dir).parent.glob(f".{build_dir.name}.v*")
    return sorted((p for p in found if p.is_dir()), key=lambda p: p.name)


def _swap_in(staging: Path, build_dir: Path) -> None:
    """Make ``staging`` the live build: rename it to a versioned folder, then replace the link
    ``build_dir`` by a link to it with one ``rename`` (atomic on POSIX file systems). A
    ``build_dir`` that is still a real folder (a build of an older govkg) becomes a version
    first."""
    live = _absolute(build_dir)
    version = live.with_name(f".{live.name}.v{time.time_ns():020d}")
    staging.rename(version)
    faults.point("build:after-rename")
    if live.is_dir() and not live.is_symlink():
        live.rename(live.with_name(f".{live.name}.v{time.time_ns() - 1:020d}-old"))
    link = live.with_name(f".{live.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    os.replace(link, live)
    faults.point("build:after-swap")


def _clean_leftovers(build_dir: Path) -> Path | None:
    """Remove what killed or earlier runs left beside ``build_dir`` (staging folders, links
    not yet renamed, the temporary folders of older govkg versions, versions no longer
    live); if a crash left no live build but a finished version, make the newest one live.
    Called with the build folder's lock held. Returns the live build folder, if any.

    A running server may still read an older version it has open: its open files stay
    readable after the unlink (POSIX), and it loads the new build on SIGHUP.
    """
    live = _absolute(build_dir)
    parent = live.parent
    patterns = (f".{live.name}.staging-*", f".{live.name}.link-*", f".{live.name}-old-*")
    for pattern in (*patterns, ".govkg-build-*"):
        for leftover in parent.glob(pattern):
            _remove(leftover)
    versions = _versions(live)
    if live.is_symlink() and not live.exists():  # a link to a version that is gone
        live.unlink()
    if not live.exists() and versions:
        link = live.with_name(f".{live.name}.link-{os.getpid()}")
        os.symlink(versions[-1].name, link)
        os.replace(link, live)
    current = live.resolve() if live.exists() else None
    for version in versions:
        if version != current:
            _remove(version)
    return current


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _content_counts(data: Graph) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Count elements per framework and govkg class, and mappings per mapping set."""
    elements: dict[str, dict[str, int]] = {}
    for element, scheme in set(data.subject_objects(SKOS.inScheme)):
        for cls in set(data.objects(element, RDF.type)):
            if str(cls).startswith(str(GK)):
                counts = elements.setdefault(str(scheme), {})
                name = str(cls)[len(str(GK)) :]
                counts[name] = counts.get(name, 0) + 1
    mappings: dict[str, int] = {}
    for mapping_set, _ in set(data.subject_objects(SSSOM.mappings)):
        mappings[str(mapping_set)] = mappings.get(str(mapping_set), 0) + 1
    for mapping_set in set(data.subjects(RDF.type, SSSOM.MappingSet)):
        mappings.setdefault(str(mapping_set), 0)
    return elements, mappings


def _graph_licences(sources: list[SourceFile], data: Graph) -> dict[URIRef, list[Node]]:
    """The licences of the documents each named graph was derived from."""
    return {
        source.graph_iri: [
            licence
            for document in source.graph.objects(source.graph_iri, PROV.wasDerivedFrom)
            for licence in data.objects(document, DCTERMS.license)
        ]
        for source in sources
    }


def _meta_graph(
    sources: list[SourceFile],
    by_premises: dict[URIRef, int],
    inferred: int,
    licences: dict[URIRef, list[Node]],
    direct: direct_mappings.DirectMappings,
) -> Graph:
    """Describe the dataset and each of its named graphs (no timestamps: dumps stay stable).

    The VoID part is :func:`govkg.void.void_triples`, as the served ``/.well-known/void`` is;
    the build adds each graph's source file and the licences of the documents it was derived
    from, so that a consumer can tell public-domain NIST text from Apache-2.0 AI Verify text.
    The direct-mapping graph names the crosswalk graphs it was derived from.
    """
    sizes = {str(source.graph_iri): len(source.graph) for source in sources}
    sizes[str(INFERRED_GRAPH)] = inferred
    sizes.update((str(iri), n) for iri, n in by_premises.items())
    sizes[str(MAPPINGS_GRAPH)] = len(direct.graph)
    description = Description(
        dataset=str(DATASET_IRI),
        title="govkg knowledge graph",
        graphs=sizes,
        version=__version__,
        license=str(GOVKG_LICENSE),
        uri_space=str(ID),
        vocabulary=str(ONTOLOGY_IRI),
    )
    meta = Graph()
    for triple in void_triples(description):
        meta.add(triple)
    meta.add(
        (
            DATASET_IRI,
            DCTERMS.rights,
            Literal(
                "The govkg compilation is licensed CC BY 4.0. Texts quoted from frameworks "
                "keep the terms of their sources: each named graph lists, as dcterms:license, "
                "the licences of the documents it was derived from.",
                lang="en",
            ),
        )
    )
    meta.add((DATASET_IRI, RDFS.label, Literal(description.title, lang="en")))  # QC: labels
    meta.add((DATASET_IRI, DCTERMS.conformsTo, ONTOLOGY_IRI))
    meta.add((META_GRAPH, RDF.type, GK.SourceGraph))
    meta.add((META_GRAPH, RDFS.label, Literal("govkg build metadata", lang="en")))
    meta.add((INFERRED_GRAPH, RDF.type, GK.SourceGraph))
    meta.add((INFERRED_GRAPH, RDFS.label, Literal("OWL 2 RL inferences", lang="en")))
    meta.add((MAPPINGS_GRAPH, RDF.type, GK.SourceGraph))
    meta.add(
        (
            MAPPINGS_GRAPH,
            RDFS.label,
            Literal("Direct mapping triples (one per positive SSSOM mapping)", lang="en"),
        )
    )
    for iri in direct.sources:
        meta.add((MAPPINGS_GRAPH, PROV.wasDerivedFrom, iri))
    for licence in licences.get(MAPPINGS_GRAPH, []):
        meta.add((MAPPINGS_GRAPH, DCTERMS.license, licence))
    for source in sources:
        meta.add((source.graph_iri, DCTERMS.identifier, Literal(source.name)))
        for licence in licences[source.graph_iri]:
            meta.add((source.graph_iri, DCTERMS.license, licence))
    return meta


def _describe_inference_graphs(
    meta: Graph, premises: dict[URIRef, list[URIRef]], ontology_sources: list[SourceFile]
) -> None:
    """Say in ``meta`` what each inference graph by premises holds and what it needs: it is
    part of ``graph/inferred`` and ``prov:wasDerivedFrom`` its premise graphs (the ontology
    is a premise of every one; the ontology's own inferences name its graphs), ADR 0018."""
    ontology_graphs = sorted(s.graph_iri for s in ontology_sources)
    for iri, graphs in sorted(premises.items()):
        meta.add((iri, RDF.type, GK.SourceGraph))
        meta.add((iri, DCTERMS.isPartOf, INFERRED_GRAPH))
        if graphs:
            names = ", ".join(str(g)[len(str(GRAPH)) :] for g in graphs)
            label = f"OWL 2 RL inferences that need the ontology and {names}"
        else:
            label = "OWL 2 RL inferences of the ontology alone"
        meta.add((iri, RDFS.label, Literal(label, lang="en")))
        for graph in graphs or ontology_graphs:
            meta.add((iri, PROV.wasDerivedFrom, graph))
