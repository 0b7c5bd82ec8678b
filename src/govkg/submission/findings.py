"""Findings of ``govkg validate``: the collector that keeps them in bounded memory, what records
the findings of one family of checks, how they write IRIs, and the report of one file.

A finding is :class:`govkg.validation.Finding`, the one finding type of govkg: the fields of a
SHACL validation result (SHACL section 3.6.2: focus node, result path, value, source shape,
source constraint component, severity, message) plus where it is in the file (line, column)
and which family of checks produced it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from govkg.errors import ExitCode
from govkg.namespaces import SHAPES, Shortener
from govkg.validation import SEVERITIES, VIOLATION, WARNING, Finding

if TYPE_CHECKING:
    from govkg.submission.rows import Row

#: Findings of one kind shown by default; the rest are counted.
DEFAULT_LIMIT = 50


def shape(local: str) -> str:
    """Return the IRI of a govkg shape from its local name.

    >>> shape("NoSelfMapping")
    'https://w3id.org/govkg/shapes#NoSelfMapping'
    """
    return str(SHAPES[local])


class FindingCollector:
    """Keeps the first ``limit`` findings of each kind and counts all of them exactly.

    Args:
        limit: Findings kept per kind (severity and shape); None keeps all.
    """

    def __init__(self, limit: int | None = DEFAULT_LIMIT):
        self.limit = limit
        self.kept: dict[tuple[str, str], list[Finding]] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self._seen: set[tuple[str | None, ...]] = set()

    def add(self, finding: Finding, merge: bool = False) -> None:
        """Record a finding; with ``merge``, drop it when an equal one was recorded with merge."""
        if merge:
            key = finding.key()
            if key in self._seen:
                return
            self._seen.add(key)
        kind = finding.kind
        self.counts[kind] += 1
        kept = self.kept.setdefault(kind, [])
        if self.limit is None or len(kept) < self.limit:
            kept.append(finding)

    def count(self, severity: str) -> int:
        """Return how many findings of ``severity`` were recorded (``Violation`` or
        ``violation``: either case)."""
        severity = severity.capitalize()
        return sum(n for (sev, _), n in self.counts.items() if sev == severity)

    def findings(self) -> list[Finding]:
        """Return the kept findings in file order (line, then severity, shape, focus)."""
        every = [f for kept in self.kept.values() for f in kept]
        every.sort(
            key=lambda f: (
                f.line or 0,
                SEVERITIES.index(f.severity),
                f.shape,
                f.focus or "",
                f.path or "",
                f.value or "",
            )
        )
        return every

    def omitted(self) -> dict[tuple[str, str], int]:
        """Return, for each kind with findings left out, how many were left out."""
        return {
            kind: n - len(self.kept[kind])
            for kind, n in sorted(self.counts.items())
            if n > len(self.kept[kind])
        }


class Reporter:
    """Records the findings of one family of checks about one submission, as a row or as its
    mapping set: the focus, line and family come from here, the rest from the check.

    Args:
        add: Where findings go (:meth:`FindingCollector.add`).
        check: The family: ``reference`` or ``consistency``.
        set_focus: The set's node as findings show it (None when the file has no set).
        set_line: The line where the set is described.
        slot_lines: The line of each set property, by property IRI.
    """

    def __init__(
        self,
        add: Callable[[Finding], None],
        check: str,
        set_focus: str | None,
        set_line: int,
        slot_lines: dict[str, int],
    ):
        self.add = add
        self.check = check
        self.set_focus = set_focus
        self.set_line = set_line
        self.slot_lines = slot_lines

    def mapping(
        self,
        row: Row,
        local: str,
        message: str,
        path: str | None,
        value: str | None,
        severity: str = VIOLATION,
    ) -> None:
        """Record a finding about the mapping of ``row``, from the shape named ``local``."""
        self._record(row.focus, row.line, local, message, path, value, severity)

    def mapping_set(
        self,
        local: str,
        message: str,
        path: str | None,
        value: str | None,
        severity: str = VIOLATION,
    ) -> None:
        """Record a finding about the mapping set (at the line of its ``path`` slot)."""
        line = self.slot_lines.get(path or "", self.set_line)
        self._record(self.set_focus, line, local, message, path, value, severity)

    def _record(
        self,
        focus: str | None,
        line: int | None,
        local: str,
        message: str,
        path: str | None,
        value: str | None,
        severity: str,
    ) -> None:
        self.add(
            Finding(
                severity=severity,
                check=self.check,
                message=message,
                shape=shape(local),
                focus=focus,
                path=path,
                line=line,
                value=value,
            )
        )


@dataclass(frozen=True)
class Coverage:
    """How many elements of one framework a set maps.

    Attributes:
        framework: The framework (skos:ConceptScheme) IRI.
        label: Its label.
        role: ``subject`` or ``object``.
        mapped: Distinct elements of it the set maps.
        elements: Elements it has in the built graph.
    """

    framework: str
    label: str
    role: str
    mapped: int
    elements: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.mapped / self.elements, 1) if self.elements else 0.0


@dataclass
class FileReport:
    """The outcome of validating one file.

    Attributes:
        path: The file as given on the command line.
        input_format: The format it was read as.
        mapping_set: The set's IRI, when it has one.
        mappings: How many mappings (rows) it holds.
        findings: Its findings.
        coverage: Coverage of each framework the set declares.
        error: Why the file could not be read (then there are no findings).
        error_line: The line of that error, when known.
    """

    path: Path
    input_format: str | None = None
    mapping_set: str | None = None
    mappings: int = 0
    findings: FindingCollector = field(default_factory=FindingCollector)
    coverage: list[Coverage] = field(default_factory=list)
    error: str | None = None
    error_line: int | None = None

    @property
    def readable(self) -> bool:
        return self.error is None

    def exit_code(self, strict: bool = False) -> ExitCode:
        """0 fit to accept, 1 violations (or, with ``strict``, warnings), 2 unreadable."""
        if self.error is not None:
            return ExitCode.INPUT_ERROR
        if self.findings.count(VIOLATION) or (strict and self.findings.count(WARNING)):
            return ExitCode.VIOLATIONS
        return ExitCode.OK


def iri_writer(prefixes: dict[str, str]) -> Callable[[str | None], str]:
    """Return how findings write an IRI for people: :class:`govkg.namespaces.Shortener` with
    the submission's prefixes and ``gks:``, ``<IRI>`` where no prefix fits, ``-`` for none,
    ``^`` kept before an inverse path and a blank node label as it is.

    >>> show = iri_writer({"skos": "http://www.w3.org/2004/02/skos/core#"})
    >>> [show(i) for i in ("http://www.w3.org/2004/02/skos/core#exactMatch", None, "_:b1",
    ...                    "^https://w3id.org/sssom/mappings", shape("NoSelfMapping"))]
    ['skos:exactMatch', '-', '_:b1', '^<https://w3id.org/sssom/mappings>', 'gks:NoSelfMapping']
    """
    short = Shortener({**prefixes, "gks": str(SHAPES)}, angle=True)

    def write(iri: str | None) -> str:
        if not iri:
            return "-"
        if iri.startswith("^"):
            return "^" + write(iri[1:])
        return iri if iri.startswith("_:") else short(iri)

    return write
