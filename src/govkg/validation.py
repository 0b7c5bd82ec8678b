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
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from govkg.errors import InputError, ValidationFailed
from govkg.loading import parse_file

#: SHACL severities (SHACL section 3.6.2.6: sh:Violation, sh:Warning, sh:Info) as findings
#: hold them, by local name; most serious first.
VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"
SEVERITIES = (VIOLATION, WARNING, INFO)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One finding: a SHACL validation result (SHACL section 3.6.2), from pySHACL or from one
    of govkg's own checks, and where it is in a submission file when it is about one.

    IRIs are written as themselves, blank nodes as ``_:label``, literals as their lexical form
    (:func:`show`); an inverse path as ``^IRI`` (:func:`path_text`).

    Attributes:
        severity: :data:`VIOLATION`, :data:`WARNING` or :data:`INFO`.
        message: What is wrong (and, for govkg's own checks, what to do), in one line.
        shape: The source shape.
        focus: The focus node, when there is one.
        path: The result path, when the constraint has one.
        component: The constraint component (local name), when there is one.
        value: The offending value, when there is one.
        check: The family of checks: ``shape`` (SHACL), or for a submission ``syntax``,
            ``reference`` or ``consistency``.
        line: The 1-based line in the submission file.
        column: The 1-based column (or cell) there, when known.
    """

    severity: str
    message: str
    shape: str
    focus: str | None = None
    path: str | None = None
    component: str | None = None
    value: str | None = None
    check: str = "shape"
    line: int | None = None
    column: int | None = None

    @property
    def kind(self) -> tuple[str, str]:
        """The kind a finding is counted under: its severity and shape."""
        return (self.severity, self.shape)

    def key(self) -> tuple[str | None, ...]:
        """What makes two findings the same (used to merge two engines' results)."""
        return (self.focus, self.path, self.shape, self.component, self.value)

    def describe(self) -> str:
        """Render the finding as one line.

        >>> Finding(severity=VIOLATION, message="no label", shape="urn:s", focus="urn:x").describe()
        'violation: no label (focus urn:x, shape urn:s)'
        """
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
        return tuple(f for f in self.findings if f.severity == VIOLATION)

    def text(self, limit: int = 50) -> str:
        """Render at most ``limit`` findings, one a line, and count the rest."""
        lines = [f.describe() for f in self.findings[:limit]]
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
    findings = findings_from(results)
    findings.sort(
        key=lambda f: (f.severity != VIOLATION, f.focus or "", f.path or "", f.shape, f.message)
    )
    return ValidationReport(conforms=bool(conforms), findings=tuple(findings))


def require_conformance(report: ValidationReport, what: str) -> None:
    """Raise :class:`ValidationFailed` when the report has violations."""
    if not report.conforms:
        count = len(report.violations)
        raise ValidationFailed(
            f"{what} does not conform to its shapes: {count} violation(s)\n" + report.text(), report
        )


def findings_from(results: Graph) -> list[Finding]:
    """Return the findings of a pySHACL results graph (one per ``sh:ValidationResult``), in no
    particular order: the one converter of SHACL results into :class:`Finding`.

    >>> from rdflib import BNode, Literal
    >>> results = Graph()
    >>> r, inverse = BNode(), BNode()
    >>> for p, o in ((RDF.type, SH.ValidationResult), (SH.focusNode, URIRef("urn:m")),
    ...              (SH.resultPath, inverse), (SH.sourceShape, URIRef("urn:shape")),
    ...              (SH.resultSeverity, SH.Warning), (SH.value, Literal("2.0")),
    ...              (SH.sourceConstraintComponent, SH.MaxInclusiveConstraintComponent)):
    ...     _ = results.add((r, p, o))
    >>> _ = results.add((inverse, SH.inversePath, URIRef("urn:p")))
    >>> f = findings_from(results)[0]
    >>> (f.severity, f.focus, f.path, f.component, f.value, f.message)
    ('Warning', 'urn:m', '^urn:p', 'MaxInclusiveConstraintComponent', '2.0', 'constraint not met')
    """
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        path = results.value(result, SH.resultPath)
        findings.append(
            Finding(
                severity=_local(severity) if severity is not None else VIOLATION,
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                shape=show(results.value(result, SH.sourceShape)) or "",
                focus=show(results.value(result, SH.focusNode)),
                path=None if path is None else path_text(results, path),
                component=_local(results.value(result, SH.sourceConstraintComponent)) or None,
                value=show(results.value(result, SH.value)),
            )
        )
    return findings


def show(node: Node | None) -> str | None:
    """Render a node as findings show it: an IRI as itself, a blank node as ``_:label``, a
    literal as its lexical form.

    >>> from rdflib import Literal
    >>> show(URIRef("urn:x")), show(Literal("0.5")), show(None)
    ('urn:x', '0.5', None)
    """
    if node is None:
        return None
    if isinstance(node, BNode):
        return node.n3()
    return str(node)


def path_text(graph: Graph, path: Node) -> str:
    """Render a result path: a predicate path as its IRI, an inverse path as ``^IRI`` (SHACL
    2.3.1), another path as its blank node."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if isinstance(path, BNode) and isinstance(inverse, URIRef):
        return "^" + str(inverse)
    return path.n3()


def _local(node: Node | None) -> str:
    text = str(node or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
