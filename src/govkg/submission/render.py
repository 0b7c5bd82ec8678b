"""Rendering validation reports: text (one finding a line), JSON (the schema documented in
docs/mapping-submissions.md) and Turtle (a SHACL validation report, SHACL section 3.6).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from govkg import __version__
from govkg.errors import ExitCode
from govkg.namespaces import PREFIXES, SHAPES
from govkg.submission.findings import FileReport, iri_writer
from govkg.submission.rows import syntax_finding
from govkg.validation import SEVERITIES, Finding

#: Output formats of ``govkg validate``.
OUTPUT_FORMATS = ("text", "json", "turtle")

#: Identifies the JSON report's schema; bumped on any incompatible change.
JSON_SCHEMA = "https://w3id.org/govkg/schema/validation-report/1"


def exit_code(reports: Sequence[FileReport], strict: bool = False) -> ExitCode:
    """The worst exit code of the files: 2 unreadable, 1 violations, 0 fit to accept."""
    return max((r.exit_code(strict) for r in reports), default=ExitCode.OK)


def render(
    reports: Sequence[FileReport], fmt: str, prefixes: dict[str, str], strict: bool = False
) -> str:
    """Render reports in ``fmt`` (one of :data:`OUTPUT_FORMATS`)."""
    if fmt == "json":
        return render_json(reports, strict)
    if fmt == "turtle":
        return render_turtle(reports, strict)
    return render_text(reports, prefixes, strict)


# --- text -------------------------------------------------------------------------------------


def _counted(report: FileReport, short: Callable[[str], str]) -> str:
    """What a report counts: the mappings of a set, or the elements of a framework (whose
    report's ``input_format`` starts with ``framework-``).

    >>> from pathlib import Path
    >>> report = FileReport(path=Path("p.csv"), input_format="framework-csv", mappings=18,
    ...                     mapping_set="urn:x:framework/acme")
    >>> _counted(report, str)
    '18 element(s) in framework urn:x:framework/acme'
    >>> _counted(FileReport(path=Path("m.tsv"), mappings=2), str)
    '2 mapping(s) in no mapping set'
    """
    if (report.input_format or "").startswith("framework-"):
        name = short(report.mapping_set) if report.mapping_set else "(no framework)"
        return f"{report.mappings} element(s) in framework {name}"
    name = short(report.mapping_set) if report.mapping_set else "no mapping set"
    return f"{report.mappings} mapping(s) in {name}"


def render_text(
    reports: Sequence[FileReport], prefixes: dict[str, str], strict: bool = False
) -> str:
    """Render ``PATH:LINE: severity: message (focus F, path P, shape S)`` lines, the count of
    findings left out per kind, and a summary with the coverage of each file."""
    short = iri_writer(prefixes)
    lines: list[str] = []
    for report in reports:
        path = str(report.path)
        if report.error is not None:
            lines.append(f"{path}:{report.error_line or 1}: error: {report.error}")
            continue
        for finding in report.findings.findings():
            lines.append(text_line(path, finding, short))
        for (severity, shape), count in report.findings.omitted().items():
            lines.append(
                f"{path}: {severity.lower()}: ... and {count} more finding(s) of shape "
                f"{short(shape)}"
            )
        counts = {s.lower(): report.findings.count(s) for s in SEVERITIES}
        verdict = (
            "fit to accept" if report.exit_code(strict) == ExitCode.OK else "NOT fit to accept"
        )
        lines.append(
            f"{path}: {_counted(report, short)}; "
            f"{counts['violation']} violation(s), {counts['warning']} warning(s), "
            f"{counts['info']} info(s): {verdict}"
        )
        for cover in report.coverage:
            lines.append(
                f"{path}: coverage: {cover.role} framework {short(cover.framework)} "
                f"({cover.label}): {cover.mapped} of {cover.elements} elements mapped "
                f"({cover.percent}%)"
            )
    return "\n".join(lines) + "\n"


def text_line(path: str, finding: Finding, short: Callable[[str | None], str]) -> str:
    """Render one finding as ``PATH:LINE: severity: message (focus F, path P, shape S)``."""
    message = finding.message
    if finding.check == "shape" and finding.value is not None and finding.value not in message:
        message += f": got {finding.value!r}" if len(finding.value) <= 200 else ": got a long value"
    return (
        f"{path}:{finding.line or 1}: {finding.severity.lower()}: {message} "
        f"(focus {short(finding.focus)}, path {short(finding.path)}, "
        f"shape {short(finding.shape)})"
    )


# --- JSON -------------------------------------------------------------------------------------


def render_json(reports: Sequence[FileReport], strict: bool = False) -> str:
    """Render the reports as the documented JSON object (docs/mapping-submissions.md)."""
    code = exit_code(reports, strict)
    document = {
        "schema": JSON_SCHEMA,
        "govkg_version": __version__,
        "strict": strict,
        "conforms": code == ExitCode.OK,
        "exit_code": int(code),
        "files": [_file_json(r, strict) for r in reports],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _file_json(report: FileReport, strict: bool) -> dict[str, object]:
    return {
        "path": str(report.path),
        "format": report.input_format,
        "readable": report.readable,
        "error": None
        if report.error is None
        else {"message": report.error, "line": report.error_line},
        "mapping_set": report.mapping_set,
        "mappings": report.mappings,
        "conforms": report.exit_code(strict) == ExitCode.OK,
        "exit_code": int(report.exit_code(strict)),
        "counts": {s.lower(): report.findings.count(s) for s in SEVERITIES},
        "findings": [
            {
                "severity": f.severity.lower(),
                "check": f.check,
                "message": f.message,
                "line": f.line,
                "column": f.column,
                "focus": f.focus,
                "path": f.path,
                "shape": f.shape,
                "component": f.component,
                "value": f.value,
            }
            for f in report.findings.findings()
        ],
        "omitted": [
            {"severity": sev.lower(), "shape": shape, "count": n}
            for (sev, shape), n in report.findings.omitted().items()
        ],
        "coverage": [
            {
                "framework": c.framework,
                "label": c.label,
                "role": c.role,
                "mapped": c.mapped,
                "elements": c.elements,
                "percent": c.percent,
            }
            for c in report.coverage
        ],
    }


# --- SHACL validation report (Turtle) ----------------------------------------------------------


def render_turtle(reports: Sequence[FileReport], strict: bool = False) -> str:
    """Render one ``sh:ValidationReport`` per file (SHACL section 3.6). ``sh:conforms`` is false
    when the file has violations (or, with ``strict``, warnings), as pySHACL's
    ``allow_warnings`` reads it; every result also carries ``rdfs:comment "PATH:LINE"``."""
    graph = Graph(bind_namespaces="none")
    for prefix in ("sh", "rdfs", "xsd", "skos", "owl", "sssom", "semapv", "pav", "dcterms", "gk"):
        graph.bind(prefix, PREFIXES[prefix])
    graph.bind("gks", str(SHAPES))
    for number, report in enumerate(reports, 1):
        node = BNode(f"report{number}")
        file_iri = URIRef(report.path.resolve().as_uri())
        graph.add((node, RDF.type, SH.ValidationReport))
        graph.add((node, SH.conforms, Literal(report.exit_code(strict) == ExitCode.OK)))
        graph.add((node, RDFS.label, Literal(f"govkg validate {report.path}")))
        findings: list[Finding] = report.findings.findings()
        if report.error is not None:
            findings = [syntax_finding(report.error, report.error_line or 1)]
        for index, finding in enumerate(findings, 1):
            result = BNode(f"report{number}-result{index}")
            graph.add((node, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            focus = finding.focus
            graph.add((result, SH.focusNode, _node(focus) if focus else file_iri))
            if finding.path:
                graph.add((result, SH.resultPath, _path(graph, finding.path)))
            graph.add((result, SH.sourceShape, _node(finding.shape)))
            graph.add((result, SH.resultSeverity, SH[finding.severity]))
            graph.add((result, SH.resultMessage, Literal(finding.message, lang="en")))
            graph.add(
                (
                    result,
                    SH.sourceConstraintComponent,
                    SH[finding.component]
                    if finding.component
                    else SHAPES[f"{finding.check.capitalize()}CheckComponent"],
                )
            )
            if finding.value is not None:
                graph.add((result, SH.value, Literal(finding.value)))
            graph.add(
                (
                    result,
                    RDFS.comment,
                    Literal(f"{report.path}:{finding.line or 1}", datatype=XSD.string),
                )
            )
        omitted = sum(report.findings.omitted().values())
        if omitted:
            graph.add((node, RDFS.comment, Literal(f"{omitted} more result(s) left out")))
    return graph.serialize(format="turtle")


def _node(text: str) -> URIRef | BNode:
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text)


def _path(graph: Graph, key: str) -> URIRef | BNode:
    if key.startswith("^"):
        inverse = BNode()
        graph.add((inverse, SH.inversePath, URIRef(key[1:])))
        return inverse
    return URIRef(key)
