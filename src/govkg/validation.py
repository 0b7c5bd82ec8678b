"""SHACL validation (W3C SHACL, Recommendation 2017-07-20) with pySHACL, and a report that
names, for every finding, its focus node, path, shape and message.

Shapes are themselves checked against the SHACL-for-SHACL shapes graph (SHACL Appendix C)
before they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from govkg.errors import InputError, ValidationFailed
from govkg.loading import parse_file


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result (SHACL section 3.6.2).

    Attributes:
        severity: ``Violation``, ``Warning`` or ``Info``.
        focus: The focus node.
        path: The result path, when the constraint has one.
        shape: The source shape.
        component: The constraint component.
        message: The result message.
        value: The offending value, when there is one.
    """

    severity: str
    focus: str
    path: str | None
    shape: str
    component: str
    message: str
    value: str | None = None

    def line(self) -> str:
        """Render the finding as one line."""
        where = f" (focus {self.focus}" + (f", path {self.path}" if self.path else "")
        return f"{self.severity.lower()}: {self.message}{where}, shape {self.shape})"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a data graph against a shapes graph.

    Attributes:
        conforms: True when there is no violation (warnings and infos allowed).
        findings: Every result, sorted for stable output.
    """

    conforms: bool
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    def text(self, limit: int = 50) -> str:
        """Render at most ``limit`` findings, one a line, and count the rest."""
        lines = [f.line() for f in self.findings[:limit]]
        if len(self.findings) > limit:
            lines.append(f"... and {len(self.findings) - limit} more")
        return "\n".join(lines)


def load_shapes(paths: list[Path], check: bool = True) -> Graph:
    """Load shape files into one shapes graph and check it against SHACL-for-SHACL.

    Args:
        paths: The shapes files.
        check: Check against SHACL-for-SHACL; a build skips it when the same shapes passed
            in the previous build.

    Raises:
        InputError: a shapes file cannot be parsed or is not a valid shapes graph.
    """
    shapes = Graph()
    for path in paths:
        shapes += parse_file(path)
    if not check:
        return shapes
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=_shacl_shacl(), inference="none")
    if not conforms:
        first = next((ln.strip() for ln in str(text).splitlines() if "Message:" in ln), "")
        raise InputError(f"shapes are not a valid SHACL shapes graph: {first}", paths[0])
    return shapes


def _shacl_shacl() -> Graph:
    """Return pySHACL's bundled copy of the SHACL-for-SHACL shapes graph (no network)."""
    graph = Graph()
    asset = resources.files("pyshacl") / "assets" / "shacl-shacl.ttl"
    graph.parse(data=asset.read_text(encoding="utf-8"), format="turtle")
    return graph


def validate(
    data: Graph, shapes: Graph, ontology: Graph | None = None, inplace: bool = False
) -> ValidationReport:
    """Validate ``data`` against ``shapes``; ``ontology`` supplies class hierarchy for targets.

    The data graph is never merged into the shapes graph. With ``inplace``, pySHACL adds the
    ontology's axioms to ``data`` itself instead of to a copy (for a graph made to be
    validated and thrown away).

    >>> from rdflib import Graph
    >>> validate(Graph(), Graph()).conforms
    True
    """
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=inplace,
    )
    return ValidationReport(conforms=bool(conforms), findings=tuple(_findings(results)))


def require_conformance(report: ValidationReport, what: str) -> None:
    """Raise :class:`ValidationFailed` when the report has violations."""
    if not report.conforms:
        count = len(report.violations)
        raise ValidationFailed(
            f"{what} does not conform to its shapes: {count} violation(s)\n" + report.text(), report
        )


def _findings(results: Graph) -> list[Finding]:
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                severity=_local(severity) if severity is not None else "Violation",
                focus=_show(results.value(result, SH.focusNode), results),
                path=_show_optional(results.value(result, SH.resultPath), results),
                shape=_show(results.value(result, SH.sourceShape), results),
                component=_local(results.value(result, SH.sourceConstraintComponent)),
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                value=_show_optional(results.value(result, SH.value), results),
            )
        )
    findings.sort(
        key=lambda f: (f.severity != "Violation", f.focus, f.path or "", f.shape, f.message)
    )
    return findings


def _show(node: Node | None, graph: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(node)
    return node.n3()


def _show_optional(node: Node | None, graph: Graph) -> str | None:
    return None if node is None else _show(node, graph)


def _local(node: Node | None) -> str:
    text = str(node or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
