"""What a build keeps for the next one: per-file hashes in ``manifest.json``, the validation
findings, and the inferred graph (in the dumps), so that a rebuild re-validates only the
nodes the changed files touch and re-closes only when the closure's input changed (ADR 0013).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Literal, Node

from govkg.loading import SourceFile
from govkg.namespaces import INFERRED_GRAPH
from govkg.validation import Finding

MANIFEST = "manifest.json"
FINDINGS = "validation.json"
DATASET_DUMP = "govkg.nq"


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
    """

    version: str = ""
    sources_digest: str = ""
    reasoning_input_digest: str = ""
    reasoner: str = ""
    shapes_digest: str = ""
    files: dict[str, str] = field(default_factory=dict)
    graphs: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        """Write ``manifest.json`` into ``folder``."""
        text = json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")


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


def cached_inferences(build_dir: Path, manifest: Manifest | None, key: str) -> Graph | None:
    """Return the inferred graph of the previous build if its closure had the same input."""
    if manifest is None or manifest.reasoning_input_digest != key:
        return None
    try:
        return graphs_in_dump(build_dir, {str(INFERRED_GRAPH)})[str(INFERRED_GRAPH)]
    except (OSError, ValueError, SyntaxError):
        return None


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
