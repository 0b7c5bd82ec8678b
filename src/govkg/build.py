"""The build: source files → one named graph per file → SHACL check (a failure stops the
build) → OWL 2 RL inferences in their own named graph → dumps and a report in a build folder.

The build folder is replaced atomically: a build that fails or is interrupted leaves the
previous build as it was.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from govkg import __version__
from govkg.build_cache import DATASET_DUMP as DATASET_DUMP
from govkg.build_cache import MANIFEST as MANIFEST
from govkg.build_cache import (
    Manifest,
    cached_inferences,
    digest_of,
    read_manifest,
    source_digests,
    write_findings,
)
from govkg.build_validation import validate_sources
from govkg.errors import InputError
from govkg.export import write_dumps
from govkg.loading import SourceFile, bundled_source_paths, load_sources, union
from govkg.namespaces import GK, INFERRED_GRAPH, META_GRAPH, ONTOLOGY_IRI, SSSOM, VOID
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.reasoning import (
    DEFAULT_ENGINE,
    engine_version,
    input_digest,
    materialise,
    reasoning_input,
)

REPORT = "report.json"
GRAPH_ONTOLOGY = "https://w3id.org/govkg/graph/ontology/"
GOVKG_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DATASET_IRI = URIRef("https://w3id.org/govkg/id/dataset/govkg")
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
    """Return a SHA-256 over the names and contents of every file the build reads."""
    digest = hashlib.sha256(__version__.encode())
    paths = bundled_source_paths(layout) + sorted(layout.shapes.glob("*.ttl"))
    for path in paths:
        digest.update(path.relative_to(layout.root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(layout: Layout, build_dir: Path) -> bool:
    """Tell whether ``build_dir`` holds a finished build of the current sources."""
    manifest = read_manifest(build_dir)
    return manifest is not None and manifest.sources_digest == sources_digest(layout)


def ensure_built(layout: Layout, build_dir: Path, progress: Progress | None = None) -> Path:
    """Build unless ``build_dir`` already holds a build of the current sources.

    Returns:
        The path of the whole-dataset N-Quads dump.
    """
    if not is_current(layout, build_dir):
        build(layout, build_dir, progress)
    return build_dir / DATASET_DUMP


def build(
    layout: Layout,
    build_dir: Path,
    progress: Progress | None = None,
    reasoner: str = DEFAULT_ENGINE,
    incremental: bool = True,
    workers: int | None = None,
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

    Raises:
        InputError: a source file is unreadable or breaks the data conventions, or
            ``reasoner`` is unknown.
        ValidationFailed: the shipped data or the ontology does not conform to its shapes.
        InconsistencyError: the OWL 2 RL closure is inconsistent.
    """
    with _fewer_collections():
        return _build(layout, build_dir, progress, reasoner, incremental, workers)


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
    previous = read_manifest(build_dir) if incremental else None
    if previous is not None and previous.version != __version__:
        previous = None

    with progress.step("load sources"):
        sources = load_sources(layout)
        ontology = union([s for s in sources if s.graph_iri.startswith(GRAPH_ONTOLOGY)])
        data = union([s for s in sources if not s.graph_iri.startswith(GRAPH_ONTOLOGY)])
        files, graph_names = source_digests(sources)
        progress.note(
            f"{len(sources)} files, {len(ontology)} ontology and {len(data)} data triples"
        )

    with progress.step("validate with SHACL"):
        shapes_paths = [layout.shapes / name for name in DATA_SHAPES + TERM_SHAPES]
        shapes_key = digest_of(shapes_paths)
        validation_report, report.validation = validate_sources(
            [layout.shapes / name for name in DATA_SHAPES],
            [layout.shapes / name for name in TERM_SHAPES],
            build_dir,
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
    meta = _meta_graph(sources, data)
    del data

    with progress.step("materialise OWL 2 RL inferences"):
        asserted = {triple for source in sources for triple in source.graph}
        base = reasoning_input(asserted, ontology)
        reasoning_key = input_digest(asserted, ontology, reasoner, base)
        inferred = cached_inferences(build_dir, previous, reasoning_key)
        if inferred is None:
            inferred = materialise(asserted, ontology, progress.note, reasoner, base)
        else:
            progress.note("the closure's input is unchanged: inferences of the last build reused")
        progress.note(f"{len(inferred)} inferred triples kept")
        del asserted, base

    meta.add((INFERRED_GRAPH, VOID.triples, Literal(len(inferred), datatype=XSD.integer)))
    graphs: dict[URIRef, Graph] = {s.graph_iri: s.graph for s in sources}
    graphs[INFERRED_GRAPH] = inferred
    graphs[META_GRAPH] = meta
    report.graphs = {str(iri): len(g) for iri, g in sorted(graphs.items())}
    report.asserted = sum(len(s.graph) for s in sources)
    report.inferred = len(inferred)

    with progress.step("write dumps"):
        staging = Path(tempfile.mkdtemp(prefix=".govkg-build-", dir=_parent(build_dir)))
        try:
            written = write_dumps(graphs, staging)
            _copy_sources(layout, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
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
        _replace_folder(staging, build_dir)
    report.timings = dict(progress.timings)
    return report


def _parent(build_dir: Path) -> Path:
    parent = build_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the build folder: {exc.strerror}", build_dir) from None
    return parent


def _copy_sources(layout: Layout, staging: Path) -> None:
    """Copy the ontology modules and shapes beside the dumps, as downloads."""
    for folder in ("ontology", "shapes"):
        target = staging / folder
        target.mkdir()
        for path in sorted((layout.root / folder).glob("*.ttl")):
            shutil.copyfile(path, target / path.name)


def _replace_folder(staging: Path, build_dir: Path) -> None:
    """Swap ``staging`` in for ``build_dir`` so that readers see the old or the new build."""
    old = None
    if build_dir.exists():
        old = build_dir.with_name(f".{build_dir.name}-old-{time.time_ns()}")
        build_dir.rename(old)
    staging.rename(build_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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


def _meta_graph(sources: list[SourceFile], data: Graph) -> Graph:
    """Describe the dataset and each of its named graphs (no timestamps: dumps stay stable);
    the size of the inferred graph is added once it is known.

    Each named graph gets the licences of the documents it was derived from, so that a
    consumer can tell public-domain NIST text from Apache-2.0 AI Verify text.
    """
    meta = Graph()
    meta.add((DATASET_IRI, DCTERMS.license, GOVKG_LICENSE))
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
    meta.add((META_GRAPH, RDF.type, GK.SourceGraph))
    meta.add((META_GRAPH, RDFS.label, Literal("govkg build metadata", lang="en")))
    meta.add((DATASET_IRI, RDF.type, VOID.Dataset))
    meta.add((DATASET_IRI, RDFS.label, Literal("govkg knowledge graph", lang="en")))
    meta.add((DATASET_IRI, DCTERMS.hasVersion, Literal(__version__)))
    meta.add((DATASET_IRI, DCTERMS.conformsTo, ONTOLOGY_IRI))
    for source in sources:
        meta.add((DATASET_IRI, VOID.subset, source.graph_iri))
        meta.add((source.graph_iri, VOID.triples, Literal(len(source.graph), datatype=XSD.integer)))
        meta.add((source.graph_iri, DCTERMS.identifier, Literal(source.name)))
        for document in source.graph.objects(source.graph_iri, PROV.wasDerivedFrom):
            for licence in data.objects(document, DCTERMS.license):
                meta.add((source.graph_iri, DCTERMS.license, licence))
    meta.add((DATASET_IRI, VOID.subset, INFERRED_GRAPH))
    meta.add((INFERRED_GRAPH, RDF.type, GK.SourceGraph))
    meta.add((INFERRED_GRAPH, RDFS.label, Literal("OWL 2 RL inferences", lang="en")))
    return meta
