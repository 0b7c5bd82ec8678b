"""The build's SHACL step: everything in one pySHACL run (or whole files in forked workers),
only the nodes that changed files touch, or nothing when no source changed (ADR 0013)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from govkg import validation
from govkg.build_cache import (
    Manifest,
    affected_nodes,
    changed_files,
    graphs_in_dump,
    read_findings,
    shown,
)
from govkg.errors import ValidationFailed
from govkg.loading import SourceFile
from govkg.progress import Progress
from govkg.validation import ValidationReport, load_shapes, validate
from govkg.validation_local import merge, nonlocal_features, validate_nodes, validate_parallel


def validate_sources(
    data_shapes: list[Path],
    term_shapes: list[Path],
    build_dir: Path,
    previous: Manifest | None,
    shapes_key: str,
    sources: list[SourceFile],
    files: dict[str, str],
    data: Graph,
    ontology: Graph,
    progress: Progress,
    workers: int | None,
) -> tuple[ValidationReport, str]:
    """Validate the data and the ontology, reusing the previous build where it can.

    Args:
        data_shapes: The shapes files of the data.
        term_shapes: The shapes files of the ontology's terms.
        build_dir: The previous build (its findings, manifest and dump).
        previous: Its manifest, or None for a full validation.
        shapes_key: The digest of the shapes files now.
        sources: The data source files (not the ontology).
        files: The SHA-256 of every source file now, by name.
        data: The union of ``sources``.
        ontology: The ontology.
        progress: Where to report.
        workers: Processes for a full validation (see ``validation_local``).

    Returns:
        The report on the data, and how it was obtained: ``full``, ``incremental`` or
        ``reused``.

    Raises:
        ValidationFailed: the data or the ontology does not conform.
    """
    same_shapes = previous is not None and previous.shapes_digest == shapes_key
    shapes = load_shapes(data_shapes, check=not same_shapes)
    kept = read_findings(build_dir) if previous is not None and same_shapes else None
    changed = changed_files(previous, files) if previous is not None else []
    ontology_changed = any(name.startswith("ontology/") for name in changed)
    if previous is not None and kept is not None and not ontology_changed:
        if not changed:
            progress.note("no source file changed: validation of the last build reused")
            return ValidationReport(conforms=True, findings=tuple(kept)), "reused"
        nodes = _affected(build_dir, previous, changed, sources, data)
        if nodes is not None and not nonlocal_features(shapes):
            progress.note(
                f"{len(changed)} changed file(s): re-validating the {len(nodes)} nodes they touch"
            )
            fresh = validate_nodes(data, shapes, ontology, nodes)
            touched = {shown(node) for node in nodes}
            merged = merge(
                [fresh, ValidationReport(True, tuple(f for f in kept if f.focus not in touched))]
            )
            require_conformance(merged, "the shipped data", sources)
            progress.note(f"{len(merged.findings)} finding(s), none a violation")
            return merged, "incremental"
    parts = [s.graph for s in sources]
    node_shapes = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    progress.note(f"all {len(data)} data triples against {node_shapes} node shapes")
    nonlocal_reasons = nonlocal_features(shapes)
    if nonlocal_reasons:
        progress.note(f"shapes not local ({nonlocal_reasons[0]}): one pySHACL run, no reuse")
    report = validate_parallel(data, shapes, ontology, parts, workers)
    require_conformance(report, "the shipped data", sources)
    terms = load_shapes(term_shapes, check=not same_shapes)
    validation.require_conformance(validate(ontology, terms), "the ontology")
    progress.note(f"{len(report.findings)} finding(s), none a violation")
    return report, "full"


def require_conformance(
    report: ValidationReport, what: str, sources: list[SourceFile] | None = None
) -> None:
    """:func:`govkg.validation.require_conformance`, each violation prefixed with the file and
    line that describe its focus node (``data/...`` or a workspace's file), when known.

    Raises:
        ValidationFailed: the report has violations.
    """
    try:
        validation.require_conformance(report, what)
    except ValidationFailed:
        if not sources:
            raise
        violations = report.violations
        lines = [
            f"{what} does not conform to its shapes: {len(violations)} violation(s)",
            *(_located(finding.focus, sources) + finding.describe() for finding in violations[:50]),
        ]
        if len(violations) > 50:
            lines.append(f"... and {len(violations) - 50} more")
        raise ValidationFailed("\n".join(lines), report) from None


def _located(focus: str | None, sources: list[SourceFile]) -> str:
    """``path:line: `` of the first source file that describes ``focus`` (the line where it
    is a subject), or nothing."""
    if focus is None:
        return ""
    node = URIRef(focus)
    for source in sources:
        if (node, None, None) in source.graph:
            line = _subject_line(source, node)
            return f"{source.path}:{line}: " if line else f"{source.path}: "
    return ""


def _subject_line(source: SourceFile, node: URIRef) -> int | None:
    """The line of ``source`` that opens the description of ``node`` (``<iri>`` or a prefixed
    name at the start of a line), else the first line naming it; None when not found."""
    forms = [f"<{node}>"] + [
        f"{prefix}:{node[len(namespace) :]}"
        for prefix, namespace in source.graph.namespaces()
        if prefix and node.startswith(namespace) and len(node) > len(namespace)
    ]
    try:
        text = source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(tuple(forms)):
            return number
        if first is None and any(form in line for form in forms):
            first = number
    return first


def _affected(
    build_dir: Path,
    previous: Manifest,
    changed: list[str],
    sources: list[SourceFile],
    data: Graph,
) -> set[Node] | None:
    """The nodes the changed data files touch, or None when a full validation is needed."""
    by_name = {s.name: s for s in sources}
    old_iris = {previous.graphs[n] for n in changed if n in previous.graphs}
    try:
        old = graphs_in_dump(build_dir, old_iris)
    except (OSError, ValueError, SyntaxError):
        return None
    after = [by_name[n].graph for n in changed if n in by_name]
    before = list(old.values())
    if any((None, RDFS.subClassOf, None) in g for g in before + after):
        return None
    return affected_nodes(before, after, data)
