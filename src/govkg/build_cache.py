"""What a build keeps for the next one: per-file hashes in ``manifest.json``, the validation
findings, and the inferred graph (in the dumps), so that a rebuild re-validates only the
nodes the changed files touch and re-closes only when the closure's input changed (ADR 0013).

The manifest also records the size and SHA-256 of every file the build wrote, and the number
of quads of the dataset dump: :func:`verify_build` checks them before anything reads the
build (ADR 0015), so that a cut, emptied or altered file is never served or reused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rdflib.term import Literal, Node

from govkg.errors import DamagedBuildError, os_errors
from govkg.loading import SourceFile
from govkg.namespaces import GRAPH, INFERRED_GRAPH, META_GRAPH
from govkg.validation import Finding

MANIFEST = "manifest.json"
FINDINGS = "validation.json"
DATASET_DUMP = "govkg.nq"
ONTOLOGY_GRAPHS = str(GRAPH["ontology/"])


@dataclass
class Manifest:
    """The part of ``manifest.json`` a rebuild reads.

    Attributes:
        version: The govkg version that wrote it.
        sources_digest: SHA-256 over every file the build reads.
        reasoning_input_digest: SHA-256 of the closure's input and the engine.
        reasoner: The OWL 2 RL engine used.
        shapes_digest: SHA-256 of the shapes files.
        files: SHA-256 of each source file, by its name relative to the layout.
        graphs: The named graph of each source file, by name.
        artefacts: Size (``size``) and SHA-256 (``sha256``) of each file the build wrote,
            by its path relative to the build folder (all but ``manifest.json``).
        quads: The quads of the dataset dump (``govkg.nq``).
        build_id: A SHA-256 over the artefacts' names and digests: the same for two builds
            with the same bytes, different otherwise.
    """

    version: str = ""
    sources_digest: str = ""
    reasoning_input_digest: str = ""
    reasoner: str = ""
    shapes_digest: str = ""
    files: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, str] = field(default_factory=dict)
    artefacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    quads: int = 0
    build_id: str = ""

    def write(self, folder: Path) -> None:
        """Record the files of ``folder`` (size, SHA-256, the dump's quads), then write
        ``manifest.json`` into it."""
        self.artefacts = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
            name = path.relative_to(folder).as_posix()
            digest, lines = _digest_and_quads(path, count=name == DATASET_DUMP)
            self.artefacts[name] = {"size": path.stat().st_size, "sha256": digest}
            if name == DATASET_DUMP:
                self.quads = lines
        self.build_id = hashlib.sha256(
            "".join(f"{n}\0{a['sha256']}\n" for n, a in self.artefacts.items()).encode()
        ).hexdigest()
        text = json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")


def _digest_and_quads(path: Path, count: bool) -> tuple[str, int]:
    """Return the SHA-256 of a file and, with ``count``, its N-Quads statements (the lines
    that are neither blank nor comments: the dump writes one quad a line)."""
    digest = hashlib.sha256()
    quads = 0
    with path.open("rb") as stream:
        if not count:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
            return digest.hexdigest(), 0
        for line in stream:
            digest.update(line)
            stripped = line.strip()
            if stripped and not stripped.startswith(b"#"):
                quads += 1
    return digest.hexdigest(), quads


def verify_build(build_dir: Path) -> Manifest:
    """Check a finished build against its manifest and return the manifest.

    ``build_dir`` is resolved once (the live build is a link to a versioned folder): the
    check, and whatever the caller reads next through ``Path(build_dir).resolve()``, see the
    same build even if a new one is swapped in meanwhile. Every file the manifest lists must
    have its recorded size and SHA-256, and the dataset dump its recorded number of quads.

    Raises:
        DamagedBuildError: no manifest, a manifest without the records (an older govkg), or a
            file missing, cut, emptied or altered (one line naming the file).

    >>> verify_build(Path("/nonexistent/build"))
    Traceback (most recent call last):
    ...
    govkg.errors.DamagedBuildError: /nonexistent/build/manifest.json: no finished build here
    """
    folder = build_dir.resolve()
    path = folder / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**{k: v for k, v in raw.items() if k in Manifest.__dataclass_fields__})
    except FileNotFoundError:
        raise DamagedBuildError("no finished build here", build_dir / MANIFEST) from None
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise DamagedBuildError(f"unreadable manifest ({exc})", path) from None
    if DATASET_DUMP not in manifest.artefacts or not manifest.build_id:
        raise DamagedBuildError(
            "the manifest records no sizes and digests (a build of an older govkg)", path
        )
    for name, record in sorted(manifest.artefacts.items()):
        artefact = folder / name
        with os_errors(artefact):
            try:
                size = artefact.stat().st_size
            except FileNotFoundError:
                raise DamagedBuildError("damaged build: the file is missing", artefact) from None
            if size != record.get("size"):
                raise DamagedBuildError(
                    f"damaged build: {size} bytes, the manifest records {record.get('size')}",
                    artefact,
                )
            digest, quads = _digest_and_quads(artefact, count=name == DATASET_DUMP)
        if digest != record.get("sha256"):
            raise DamagedBuildError(
                "damaged build: its SHA-256 differs from the manifest's", artefact
            )
        if name == DATASET_DUMP and quads != manifest.quads:
            raise DamagedBuildError(
                f"damaged build: {quads} quads, the manifest records {manifest.quads}", artefact
            )
    return manifest


def verified_manifest(build_dir: Path) -> Manifest | None:
    """Return the manifest of a build that passes :func:`verify_build`, or None."""
    try:
        return verify_build(build_dir)
    except DamagedBuildError:
        return None


def read_manifest(build_dir: Path) -> Manifest | None:
    """Return the manifest of a finished build in ``build_dir``, or None."""
    try:
        raw = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        known = {k: v for k, v in raw.items() if k in Manifest.__dataclass_fields__}
        manifest = Manifest(**known)
    except (OSError, ValueError, TypeError):
        return None
    return manifest if (build_dir / DATASET_DUMP).is_file() else None


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest_of(paths: list[Path]) -> str:
    """Return a SHA-256 over the names and contents of ``paths``."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def changed_files(previous: Manifest, current: dict[str, str]) -> list[str]:
    """Return the names of the files added, removed or changed since ``previous``."""
    names = set(previous.files) | set(current)
    return sorted(n for n in names if previous.files.get(n) != current.get(n))


def graphs_in_dump(build_dir: Path, graph_iris: set[str]) -> dict[str, Graph]:
    """Read the named graphs ``graph_iris`` from the previous build's N-Quads dump."""
    suffixes = {f" <{iri}> .": iri for iri in graph_iris}
    lines: dict[str, list[str]] = {iri: [] for iri in graph_iris}
    with (build_dir / DATASET_DUMP).open(encoding="utf-8") as dump:
        for line in dump:
            line = line.rstrip("\n")
            if not line.endswith(" ."):
                continue
            cut = line.rfind(" <")
            iri = suffixes.get(line[cut:])
            if iri is not None:
                lines[iri].append(line[:cut] + " .")
    graphs = {}
    for iri, found in lines.items():
        graph = Graph()
        graph.parse(data="\n".join(found), format="nt")
        graphs[iri] = graph
    return graphs


def cached_inferences(
    build_dir: Path, manifest: Manifest | None, key: str
) -> tuple[Graph, dict[URIRef, Graph], dict[URIRef, list[URIRef]]] | None:
    """Return the inferences of the previous build if its closure had the same input: the
    inferred graph, the inference graphs by premises (ADR 0018), and the premise graphs of
    each as its ``prov:wasDerivedFrom`` in the meta graph."""
    if manifest is None or manifest.reasoning_input_digest != key:
        return None
    try:
        meta = graphs_in_dump(build_dir, {str(META_GRAPH)})[str(META_GRAPH)]
        names = {str(g) for g in meta.subjects(DCTERMS.isPartOf, INFERRED_GRAPH)}
        graphs = graphs_in_dump(build_dir, names | {str(INFERRED_GRAPH)})
    except (OSError, ValueError, SyntaxError):
        return None
    inferred = graphs.pop(str(INFERRED_GRAPH))
    by_premises = {URIRef(iri): graph for iri, graph in graphs.items()}
    premises = {
        iri: sorted(
            URIRef(str(g))
            for g in meta.objects(iri, PROV.wasDerivedFrom)
            if not str(g).startswith(ONTOLOGY_GRAPHS)
        )
        for iri in by_premises
    }
    return inferred, by_premises, premises


def affected_nodes(before: list[Graph], after: list[Graph], data: Graph) -> set[Node]:
    """Return the nodes whose validation a change from ``before`` to ``after`` (the old and
    new graphs of the changed files) can alter, for local shapes: the subjects and objects
    of the triples that differ, and the nodes pointing to a node whose types changed."""
    old: set[tuple[Node, Node, Node]] = set()
    new: set[tuple[Node, Node, Node]] = set()
    for graph in before:
        old.update(graph)
    for graph in after:
        new.update(graph)
    nodes: set[Node] = set()
    retyped: set[Node] = set()
    for s, p, o in old ^ new:
        nodes.add(s)
        if not isinstance(o, Literal):
            nodes.add(o)
        if p == RDF.type:
            retyped.add(s)
    for node in retyped:
        nodes.update(data.subjects(None, node))
    return nodes


def read_findings(build_dir: Path) -> list[Finding] | None:
    """Return the findings the previous build kept (warnings and infos), or None."""
    try:
        raw = json.loads((build_dir / FINDINGS).read_text(encoding="utf-8"))
        return [Finding(**item) for item in raw]
    except (OSError, ValueError, TypeError):
        return None


def write_findings(folder: Path, findings: tuple[Finding, ...]) -> None:
    """Keep ``findings`` for the next build."""
    text = json.dumps([asdict(f) for f in findings], indent=1, sort_keys=True) + "\n"
    (folder / FINDINGS).write_text(text, encoding="utf-8")


def source_digests(sources: list[SourceFile]) -> tuple[dict[str, str], dict[str, str]]:
    """Return the SHA-256 and the named graph of each source file, by name."""
    files = {s.name: file_digest(s.path) for s in sources}
    graphs = {s.name: str(s.graph_iri) for s in sources}
    return files, graphs


def shown(node: Node) -> str:
    """Return a node as :class:`Finding` shows its focus."""
    return str(node) if isinstance(node, URIRef) else node.n3()
