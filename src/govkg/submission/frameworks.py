"""Framework submissions: a framework govkg does not hold (a regulation, a standard, a
company's own AI policy), submitted as a table of its elements with YAML metadata (CSV, TSV,
XLSX) or as SKOS, validated like a mapping submission and imported into a workspace as govkg
Turtle, so that mappings may reference its elements (docs/framework-submissions.md).

``govkg validate`` and ``govkg import`` call :func:`is_framework_submission` to tell a
framework from a mapping set, then :func:`validate_framework_file` or
:func:`framework_for_import`. Reading: :mod:`~govkg.submission.framework_table`,
:mod:`~govkg.submission.framework_skos`; the graph: :mod:`~govkg.submission.framework_graph`;
the checks: :mod:`~govkg.submission.framework_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from govkg.errors import InputError
from govkg.formats import syntax_for_path
from govkg.progress import Progress
from govkg.submission import limits
from govkg.submission.findings import DEFAULT_LIMIT, FileReport, FindingCollector
from govkg.submission.framework_checks import FrameworkChecks, data_shapes, ontology_graph
from govkg.submission.framework_graph import Minted, mint
from govkg.submission.framework_model import (
    PLACEHOLDER_NAMESPACE,
    Draft,
    Namespace,
    element_kinds,
)
from govkg.submission.framework_skos import SKOS_FORMATS, read_skos
from govkg.submission.framework_table import (
    TABLE_FORMATS,
    column_of,
    metadata_beside,
    read_table,
    table_format,
)
from govkg.submission.importing import ImportRefused
from govkg.submission.rdfinput import quiet_rdflib
from govkg.submission.readers import require_file
from govkg.submission.validate import Context
from govkg.submission.yamlblock import load_metadata_file
from govkg.workspace import Workspace

#: Input formats that say a file is a framework submission: the tables, and SKOS Turtle.
FRAMEWORK_FORMATS = (*TABLE_FORMATS, "framework-skos")

#: Bytes of a table's first line read to tell a framework table from a mapping table.
_SNIFF = 64 * 1024


@dataclass
class FrameworkImport:
    """A validated framework, ready to be written to ``<workspace>/frameworks/<key>.ttl``.

    Attributes:
        key: The framework's key.
        iri: Its IRI.
        graph: Its govkg graph (its named graph described in it as a ``gk:SourceGraph``).
        elements: How many elements it has.
        report: The validation report.
    """

    key: str
    iri: URIRef
    graph: Graph
    elements: int
    report: FileReport


def is_framework_submission(path: Path, input_format: str | None, metadata: Path | None) -> bool:
    """Tell whether a file is a framework submission rather than a mapping set: a framework
    format named, or a table whose header has ``id`` and ``label`` (no ``subject_id``), or a
    metadata file describing a framework (``id``, no ``mapping_set_id``), or RDF holding a
    ``skos:ConceptScheme`` and no ``sssom:MappingSet``. Never raises: a file that cannot be read
    is left to the mapping path to report.
    """
    if input_format in FRAMEWORK_FORMATS:
        return True
    try:
        if metadata is not None:
            return _framework_metadata(metadata)
        if path.name.lower().endswith(".sssom.tsv") or not path.is_file():
            return False
        kind = table_format(path) if input_format is None else None
        if kind in ("framework-csv", "framework-tsv"):
            return _framework_header(path, TABLE_FORMATS[kind] or ",")
        if kind == "framework-xlsx" or (input_format is None and path.suffix.lower() == ".xlsx"):
            beside = metadata_beside(path)
            return beside is not None and _framework_metadata(beside)
        if input_format not in (None, *SKOS_FORMATS):
            return False
        if input_format is None:
            syntax_for_path(path)
        return _holds_scheme(path)
    except (InputError, OSError, UnicodeDecodeError):
        return False


def _framework_metadata(path: Path) -> bool:
    values, _ = load_metadata_file(path)
    return "id" in values and "mapping_set_id" not in values


def _framework_header(path: Path, delimiter: str) -> bool:
    with path.open("rb") as stream:
        first = stream.read(_SNIFF).split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff")
    if first.startswith("#"):
        return False
    columns = {column_of(cell.strip('"')) for cell in first.rstrip("\r").split(delimiter)}
    return {"id", "label"} <= columns and "subject_id" not in first


def _holds_scheme(path: Path) -> bool:
    if path.stat().st_size > limits.MAX_RDF:
        return False
    raw = path.read_bytes()
    return b"ConceptScheme" in raw and b"MappingSet" not in raw


def validate_framework_file(
    path: Path,
    context: Context,
    input_format: str | None = None,
    metadata: Path | None = None,
    limit: int | None = DEFAULT_LIMIT,
    progress: Progress | None = None,
) -> FileReport:
    """Validate one framework submission; never raises for a bad file (the report says why).

    The report counts the framework's elements in ``mappings`` and names the framework in
    ``mapping_set``, so that every output of ``govkg validate`` (text, JSON, Turtle) renders it;
    its ``input_format`` starts with ``framework-`` (``framework-csv``, ``framework-tsv``,
    ``framework-xlsx``, ``framework-skos``), which tells a framework's report from a set's.

    Args:
        path: The file.
        context: Shapes and the built graph (its layout's workspace gives the namespace).
        input_format: Its format, when the extension does not say.
        metadata: The YAML metadata, when it is not ``<stem>.yml`` beside the file.
        limit: Findings kept per kind (None: all); all are counted.
        progress: Progress notes.
    """
    report = FileReport(path=path, findings=FindingCollector(limit))
    try:
        _checked(path, context, input_format, metadata, report, progress)
    except InputError as exc:
        report.error = exc.message if exc.path in (None, path) else str(exc)
        report.error_line = exc.line if exc.path in (None, path) else None
        report.findings = FindingCollector(limit)
    return report


def framework_for_import(
    path: Path,
    context: Context,
    input_format: str | None = None,
    metadata: Path | None = None,
    strict: bool = False,
    replace: bool = False,
) -> FrameworkImport:
    """Validate a framework submission for ``govkg import``: its graph, when it is fit to accept.

    Args:
        path: The file.
        context: Shapes and the built graph; its layout must have a workspace.
        input_format: Its format, when the extension does not say.
        metadata: The YAML metadata, when it is not beside the file.
        strict: Refuse warnings too.
        replace: Replace a framework of the same key the workspace holds (else refused).

    Raises:
        InputError: unreadable input; no workspace; the framework exists and ``replace`` is
            off.
        ImportRefused: the submission has violations (or warnings, with ``strict``).
    """
    report = FileReport(path=path, findings=FindingCollector(DEFAULT_LIMIT))
    minted, draft, existing = _checked(path, context, input_format, metadata, report, None)
    workspace = _workspace(context)
    if workspace is None:
        raise InputError(
            "importing a framework needs a workspace: `govkg init DIR`, then --workspace DIR or "
            "GOVKG_WORKSPACE (validation alone works without one)",
            path,
        )
    key = draft.key or ""
    if existing is not None and not replace:
        raise InputError(
            f"the workspace already holds framework {key!r} ({existing}); use --replace to "
            "replace it",
            path,
        )
    if existing is not None:
        report.findings = _without_replacement_warning(report.findings)
    if report.exit_code(strict) != 0:
        raise ImportRefused(
            f"{path} is not fit to accept: {report.findings.count('violation')} violation(s), "
            f"{report.findings.count('warning')} warning(s); nothing was imported",
            report,
        )
    return FrameworkImport(
        key=key,
        iri=minted.framework,
        graph=minted.graph,
        elements=len(minted.elements),
        report=report,
    )


def _without_replacement_warning(findings: FindingCollector) -> FindingCollector:
    """The findings but the warning that an import replaces the workspace's framework (asked
    for with ``replace``)."""
    kept = FindingCollector(findings.limit)
    for finding in findings.findings():
        if not (finding.shape.endswith("#NoCollision") and finding.severity == "Warning"):
            kept.add(finding)
    return kept


def _workspace(context: Context) -> Workspace | None:
    return context.layout.workspace


def namespace_of(context: Context) -> Namespace:
    """The namespace of the context's workspace, or the placeholder when there is none."""
    workspace = _workspace(context)
    if workspace is None:
        return Namespace(PLACEHOLDER_NAMESPACE, placeholder=True)
    return Namespace(workspace.namespace)


def read_draft(
    path: Path,
    input_format: str | None,
    metadata: Path | None,
    namespace: Namespace,
    kinds: dict[str, URIRef],
) -> Draft:
    """Read a framework submission in any of its forms.

    Raises:
        InputError: the file or its metadata cannot be read, or its format is not one of a
            framework.
    """
    require_file(path)
    if metadata is not None:
        require_file(metadata)
    fmt = input_format or table_format(path)
    if fmt is None:
        fmt = "framework-skos"
    if fmt in TABLE_FORMATS:
        return read_table(path, fmt, metadata)
    if fmt == "framework-skos":
        fmt = syntax_for_path(path).name if input_format is None else "turtle"
    if fmt not in SKOS_FORMATS:
        raise InputError(
            f"input format {fmt!r} is not a framework format "
            f"(known: {', '.join((*FRAMEWORK_FORMATS, *SKOS_FORMATS))})",
            path,
        )
    return read_skos(path, fmt, metadata, namespace, kinds)


def _checked(
    path: Path,
    context: Context,
    input_format: str | None,
    metadata: Path | None,
    report: FileReport,
    progress: Progress | None,
) -> tuple[Minted, Draft, Path | None]:
    """Read, mint and check a submission into ``report``; return its graph, draft and the
    workspace file it would replace."""
    layout = context.layout
    namespace = namespace_of(context)
    kinds = element_kinds(layout.ontology)
    with quiet_rdflib():
        draft = read_draft(path, input_format, metadata, namespace, kinds)
        skos = draft.input_format in SKOS_FORMATS
        report.input_format = "framework-skos" if skos else draft.input_format
        if progress is not None:
            progress.note(f"{path}: {len(draft.elements)} elements read")
        minted = mint(draft, namespace, kinds)
        workspace = _workspace(context)
        existing = None
        if workspace is not None and draft.key:
            candidate = workspace.frameworks / f"{draft.key}.ttl"
            existing = candidate if candidate.is_file() else None
        checks = FrameworkChecks(draft, minted, namespace, kinds, context.index, existing)
        findings = checks.run(
            data_shapes(str(layout.shapes / "data.ttl")), ontology_graph(str(layout.ontology))
        )
    for finding in findings:
        report.findings.add(finding)
    report.mappings = len(draft.elements)
    report.mapping_set = str(minted.framework)
    return minted, draft, existing
