"""The pipeline of ``govkg validate``: read a submission as a stream of rows, check each row as it
comes (syntax, the compiled mapping shapes, references against the built graph, duplicates and
contradictions), then check the set as a whole (cycles, declared frameworks, source document)
and run pySHACL on the set's metadata and a bounded sample of its mappings.

Why this split, and why it cannot be fooled by a large file, is in
docs/decisions/0010-submission-streaming-checks.md. The user's file is only ever a data graph:
the shapes graph is ``shapes/mapping-submission.ttl`` alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SH
from rdflib.term import Node

from govkg.errors import InputError
from govkg.namespaces import BASE, GK, PAV, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.submission import consistency as semantics
from govkg.submission.findings import (
    DEFAULT_LIMIT,
    Coverage,
    FileReport,
    Finding,
    FindingCollector,
    iri_writer,
    shape,
)
from govkg.submission.readers import (
    Row,
    Submission,
    detect_format,
    open_submission,
    quiet_rdflib,
    row_triples,
)
from govkg.submission.reference import ReferenceIndex
from govkg.submission.rowshapes import RowChecker, path_key, show
from govkg.submission.vocabulary import NOT, SOURCE_BASE, default_prefixes
from govkg.validation import load_shapes

#: The submission shapes file, in ``shapes/``.
SUBMISSION_SHAPES = "mapping-submission.ttl"

#: Mappings given to pySHACL besides the set's metadata (every row gets the compiled checks).
SHACL_SAMPLE = 200

#: Rows between two progress notes.
PROGRESS_EVERY = 20_000

_SUBJECT, _PREDICATE, _OBJECT = (
    str(OWL.annotatedSource),
    str(OWL.annotatedProperty),
    str(OWL.annotatedTarget),
)
_MODIFIER, _AUTHOR = str(SSSOM.predicate_modifier), str(PAV.authoredBy)
_GOVKG_ID = BASE + "id/"


@dataclass
class Context:
    """What validating needs besides the file: shapes, the compiled row checker, the built
    graph's index and the default prefixes. Made once for any number of files.

    Attributes:
        layout: The sources.
        shapes: The submission shapes graph (checked against SHACL-for-SHACL).
        checker: The compiled mapping shapes.
        index: The built graph's facts.
        prefixes: Prefixes a submission may use undeclared.
    """

    layout: Layout
    shapes: Graph
    checker: RowChecker
    index: ReferenceIndex
    prefixes: dict[str, str]

    @classmethod
    def load(cls, layout: Layout, build_dir: Path, progress: Progress | None = None) -> Context:
        """Load the shapes and the built graph (building it first if needed)."""
        shapes = load_shapes([layout.shapes / SUBMISSION_SHAPES])
        index = ReferenceIndex.from_build(layout, build_dir, progress)
        return cls(
            layout=layout,
            shapes=shapes,
            checker=RowChecker(shapes),
            index=index,
            prefixes=default_prefixes(layout.data),
        )


def validate_file(
    path: Path,
    context: Context,
    input_format: str | None = None,
    metadata: Path | None = None,
    limit: int | None = DEFAULT_LIMIT,
    progress: Progress | None = None,
) -> FileReport:
    """Validate one submission file; never raises for a bad file (the report says why).

    Args:
        path: The file.
        context: Shapes and the built graph (:meth:`Context.load`).
        input_format: Its format, when the extension does not say.
        metadata: Set metadata (YAML) for a table without a metadata block.
        limit: Findings kept per kind (None: all); all are counted.
        progress: Progress notes for long files.
    """
    report = FileReport(path=path, findings=FindingCollector(limit))
    try:
        report.input_format = detect_format(path, input_format)
        with quiet_rdflib():
            submission = open_submission(path, report.input_format, context.prefixes, metadata)
            _Checker(submission, context, report, progress or Progress(stream=None)).run()
    except InputError as exc:
        report.error = exc.message
        report.error_line = exc.line
        report.findings = FindingCollector(limit)
        report.coverage = []
    return report


def read_checked(
    path: Path, context: Context, input_format: str | None = None, metadata: Path | None = None
) -> tuple[FileReport, Submission, list[Row]]:
    """Validate a file and keep its rows (for the import, which needs them all).

    Raises:
        InputError: the file cannot be read.
    """
    fmt = detect_format(path, input_format)
    report = FileReport(path=path, input_format=fmt, findings=FindingCollector(DEFAULT_LIMIT))
    with quiet_rdflib():
        submission = open_submission(path, fmt, context.prefixes, metadata)
        kept: list[Row] = []
        checker = _Checker(submission, context, report, Progress(stream=None), keep=kept)
        checker.run()
    return report, submission, kept


class _Checker:
    """One run over one submission (state of the streaming checks)."""

    def __init__(
        self,
        submission: Submission,
        context: Context,
        report: FileReport,
        progress: Progress,
        keep: list[Row] | None = None,
    ):
        self.sub = submission
        self.ctx = context
        self.index = context.index
        self.report = report
        self.add = report.findings.add
        self.progress = progress
        self.keep = keep
        self.s = iri_writer(context.prefixes)
        iri = submission.set_iri()
        self.replaced = iri if iri is not None and iri in self.index.set_graphs else None
        self.sample = Graph()
        self.sample_lines: dict[str, int] = {}
        self.seen: dict[tuple[str, str, str, bool], tuple[int, str, str]] = {}
        self.pairs: dict[tuple[str, str], list[tuple[semantics.Statement, int, str]]] = defaultdict(
            list
        )
        self.exact: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.graph_pairs: dict[tuple[str, str], list[tuple[semantics.Statement, str, str]]] = (
            defaultdict(list)
        )
        self.ids: dict[str, int] = {}
        self.edges: set[tuple[int, int]] = set()
        self.edge_origin: dict[tuple[int, int], tuple[int, str]] = {}
        self.mapped: dict[str, dict[str, set[str]]] = {
            "subject": defaultdict(set),
            "object": defaultdict(set),
        }
        self.frameworks: dict[str, set[Node]] = {"subject": set(), "object": set()}
        for mapping in self.index.mappings:
            if mapping.set_iri == self.replaced or mapping.predicate not in semantics.INVERSE:
                continue
            statement = semantics.Statement.of(
                mapping.subject, mapping.predicate, mapping.object, mapping.negated
            )
            self.graph_pairs[statement.pair].append((statement, mapping.set_iri, mapping.mapping))
            if mapping.predicate in semantics.EXACT_PREDICATES and not mapping.negated:
                self._record_exact(
                    mapping.subject, mapping.object, f"set {self.s(mapping.set_iri)}"
                )
            edge = semantics.broader_edges(
                mapping.subject, mapping.predicate, mapping.object, mapping.negated
            )
            if edge:
                self.edges.add((self._id(edge[0]), self._id(edge[1])))
        for narrower, broader in self.index.hierarchy:
            self.edges.add((self._id(narrower), self._id(broader)))

    # -- the run --

    def run(self) -> None:
        for finding in self.sub.problems:
            self.add(finding)
        count = 0
        for number, row in enumerate(self.sub.rows):
            count += 1
            self._row(row, number < SHACL_SAMPLE)
            if self.keep is not None:
                self.keep.append(row)
            if count % PROGRESS_EVERY == 0:
                self.progress.note(f"{self.report.path}: {count} rows checked")
        self.report.mappings = count
        self.report.mapping_set = self.sub.set_iri()
        self._cycles()
        self._set_checks()
        self._shacl()
        self._coverage()

    def _row(self, row: Row, sampled: bool) -> None:
        for finding in row.problems:
            self.add(finding)
        for finding in self.ctx.checker.check(row.focus, row.values, row.line):
            self.add(finding, merge=sampled)
        if sampled:
            self._sample(row)
        for role, declared in (("subject", row.subject_source), ("object", row.object_source)):
            self.frameworks[role].update(declared)
        for author in row.values.get(_AUTHOR, []):
            self._agent(author, row, _AUTHOR)
        subject, predicate, obj = (
            row.one(OWL.annotatedSource),
            row.one(OWL.annotatedProperty),
            row.one(OWL.annotatedTarget),
        )
        if subject is not None:
            self._reference(row, "subject", str(subject), row.subject_source, _SUBJECT)
        if obj is not None:
            self._reference(row, "object", str(obj), row.object_source, _OBJECT)
        if subject is None or obj is None or predicate is None:
            return
        if str(predicate) not in semantics.INVERSE:
            return
        modifiers = row.values.get(_MODIFIER, [])
        negated = any(str(m) == NOT for m in modifiers)
        self._consistency(row, str(subject), str(predicate), str(obj), negated)

    def _sample(self, row: Row) -> None:
        self.sample_lines[row.focus] = row.line
        for triple in row_triples(row, self.sub.graph):
            self.sample.add(triple)

    # -- references --

    def _reference(
        self, row: Row, role: str, element: str, declared: list[Node], path: str
    ) -> None:
        check = shape(f"SubmittedMapping-{role}Known")
        slot = f"{role}_id"
        scheme = self.index.elements.get(element)
        if scheme is None:
            why = (
                "is not in govkg"
                if element not in self.index.described
                else "is in govkg but is not a framework element (no skos:inScheme)"
            )
            self._finding(
                "violation",
                "reference",
                f"{slot} {self.s(element)} {why}",
                check,
                row,
                path,
                element,
            )
            return
        self.mapped[role][scheme].add(element)
        if declared and URIRef(scheme) not in declared:
            frameworks = ", ".join(self.s(str(d)) for d in declared)
            self._finding(
                "violation",
                "reference",
                f"{slot} {self.s(element)} is an element of {self.s(scheme)} "
                f"({self.index.label(scheme)}), not of the declared {role} framework "
                f"{frameworks}",
                check,
                row,
                path,
                element,
            )
        if element in self.index.deprecated:
            self._finding(
                "violation",
                "reference",
                f"{slot} {self.s(element)} is deprecated (owl:deprecated true); map its "
                "replacement",
                shape("SubmittedMapping-notDeprecated"),
                row,
                path,
                element,
            )

    def _agent(self, agent: Node, row: Row | None, path: str) -> None:
        if (
            isinstance(agent, URIRef)
            and str(agent).startswith(_GOVKG_ID)
            and str(agent) not in self.index.described
        ):
            message = (
                f"{self.s(agent)} is a govkg IRI that the graph does not describe; use a "
                "described agent (an organisation or person of govkg) or an external IRI "
                "such as an ORCID"
            )
            if row is not None:
                self._finding(
                    "violation",
                    "reference",
                    message,
                    shape("SubmittedMappingSet-agentKnown"),
                    row,
                    path,
                    str(agent),
                )
            else:
                self._set_finding(
                    "violation",
                    "reference",
                    message,
                    shape("SubmittedMappingSet-agentKnown"),
                    path,
                    str(agent),
                )

    # -- consistency --

    def _consistency(self, row: Row, subject: str, predicate: str, obj: str, negated: bool) -> None:
        if subject == obj:
            self._finding(
                "violation",
                "consistency",
                f"self-mapping: subject and object are both {self.s(subject)}",
                shape("NoSelfMapping"),
                row,
                _OBJECT,
                obj,
            )
            return
        statement = semantics.Statement.of(subject, predicate, obj, negated)
        key = (statement.first, statement.second, statement.predicate, statement.negated)
        earlier = self.seen.get(key)
        if earlier is not None:
            line, focus, earlier_subject = earlier
            if earlier_subject == subject:
                self._finding(
                    "violation",
                    "consistency",
                    f"duplicate of the mapping on line {line} ({self.s(focus)})",
                    shape("NoDuplicateMapping"),
                    row,
                    _PREDICATE,
                    predicate,
                )
            else:
                self._finding(
                    "warning",
                    "consistency",
                    f"the mapping on line {line} ({self.s(focus)}) states the "
                    "same, read the other way",
                    shape("NoDuplicateMapping"),
                    row,
                    _PREDICATE,
                    predicate,
                )
            return
        self.seen[key] = (row.line, row.focus, subject)
        for other, line, focus in self.pairs[statement.pair]:
            why = semantics.contradiction(statement, other, self.s)
            if why:
                self._finding(
                    "violation",
                    "consistency",
                    f"contradicts the mapping on line {line} ({self.s(focus)}): {why}",
                    shape("NoContradiction"),
                    row,
                    _PREDICATE,
                    predicate,
                )
        self.pairs[statement.pair].append((statement, row.line, row.focus))
        for other, set_iri, mapping in self.graph_pairs.get(statement.pair, []):
            if other == statement:
                self._finding(
                    "warning",
                    "consistency",
                    f"set {self.s(set_iri)} of the graph already states this mapping "
                    f"({self.s(mapping)})",
                    shape("NotInGraphAlready"),
                    row,
                    _PREDICATE,
                    predicate,
                )
                continue
            why = semantics.contradiction(statement, other, self.s)
            if why:
                self._finding(
                    "violation",
                    "consistency",
                    f"contradicts {self.s(mapping)} of set {self.s(set_iri)} in the graph: {why}",
                    shape("NoContradictionWithGraph"),
                    row,
                    _PREDICATE,
                    predicate,
                )
        if predicate in semantics.EXACT_PREDICATES and not negated:
            for message in self._record_exact(subject, obj, f"line {row.line}"):
                self._finding(
                    "violation",
                    "consistency",
                    message,
                    shape("OneExactMatchPerFramework"),
                    row,
                    _OBJECT,
                    obj,
                )
        edge = semantics.broader_edges(subject, predicate, obj, negated)
        if edge:
            pair = (self._id(edge[0]), self._id(edge[1]))
            self.edges.add(pair)
            self.edge_origin.setdefault(pair, (row.line, row.focus))

    def _record_exact(self, a: str, b: str, where: str) -> list[str]:
        problems = []
        for element, other in ((a, b), (b, a)):
            framework = self.index.elements.get(other)
            if framework is None:
                continue
            bucket = self.exact[(element, framework)]
            if other not in bucket:
                for earlier, origin in sorted(bucket.items()):
                    problems.append(
                        f"{self.s(element)} is exactly matched to two elements of "
                        f"{self.s(framework)}: "
                        f"{self.s(other)} here and {self.s(earlier)} ({origin})"
                    )
                bucket[other] = where
        return problems

    def _id(self, iri: str) -> int:
        found = self.ids.get(iri)
        if found is None:
            found = self.ids[iri] = len(self.ids)
        return found

    def _cycles(self) -> None:
        if not self.edge_origin:
            return
        names = {number: iri for iri, number in self.ids.items()}
        for component in semantics.cycles(self.edges, len(self.ids)):
            members = set(component)
            origins = sorted(
                origin
                for edge, origin in self.edge_origin.items()
                if edge[0] in members and edge[1] in members
            )
            if not origins:
                continue
            line, focus = origins[0]
            shown = ", ".join(f"{self.s(names[m])}" for m in component[:6])
            more = f" and {len(component) - 6} more" if len(component) > 6 else ""
            self.add(
                Finding(
                    severity="violation",
                    check="consistency",
                    shape=shape("NoBroaderCycle"),
                    message=f"broader/narrower cycle through {shown}{more}: each would be narrower "
                    "than itself (counting the graph's mappings and framework hierarchies)",
                    focus=focus,
                    path=_PREDICATE,
                    line=line,
                )
            )

    # -- the set --

    def _set_checks(self) -> None:
        sub = self.sub
        if sub.set_node is None:
            return
        for role, prop, from_rows in (
            ("subject", GK.subjectFramework, sub.frameworks_from_rows[0]),
            ("object", GK.objectFramework, sub.frameworks_from_rows[1]),
        ):
            if from_rows and sub.graph is None:
                for framework in sorted(self.frameworks[role], key=str):
                    sub.set_triples.append((sub.set_node, prop, framework))
                    sub.set_values.setdefault(str(prop), []).append(framework)
            for framework in sub.set_values.get(str(prop), []):
                if isinstance(framework, URIRef) and str(framework) not in self.index.schemes:
                    self._set_finding(
                        "violation",
                        "reference",
                        f"{self.s(framework)} is not a framework of govkg (no "
                        "skos:ConceptScheme); see `govkg query "
                        "cq02-mapped-frameworks`",
                        shape("SubmittedMappingSet-frameworkKnown"),
                        str(prop),
                        str(framework),
                    )
        for creator in sub.set_values.get(str(DCTERMS.creator), []):
            self._agent(creator, None, str(DCTERMS.creator))
        for source in sub.set_values.get(str(DCTERMS.source), []):
            self._source(source)
        if self.replaced is not None:
            self._set_finding(
                "info",
                "reference",
                f"the graph already holds this set (graph "
                f"{self.s(self.index.set_graphs[self.replaced])}): the checks "
                "against the graph leave its mappings out, and `govkg import` "
                "replaces it only with --replace",
                shape("SubmittedMappingSet-replaces"),
                None,
                None,
            )

    def _source(self, source: Node) -> None:
        check = shape("SubmittedMappingSet-sourceKnown")
        path = str(DCTERMS.source)
        if not isinstance(source, URIRef) or str(source) in self.index.sources:
            return
        iri = str(source)
        if iri.startswith(_GOVKG_ID):
            self._set_finding(
                "violation",
                "reference",
                f"{self.s(iri)} is not a source document of govkg "
                "(data/sources.ttl); name one (`govkg query list-sources`) or "
                "give the document's own http(s) address",
                check,
                path,
                iri,
            )
        elif not iri.startswith(("http://", "https://")):
            self._set_finding(
                "violation",
                "reference",
                f"source_document {self.s(iri)} must be a govkg source document "
                "or an http(s) address",
                check,
                path,
                iri,
            )
        elif iri not in self.sub.source_titles:
            self._set_finding(
                "violation",
                "reference",
                f"{self.s(iri)} is not a source document of govkg: give its "
                "title with source_document_title, and the import describes it",
                check,
                path,
                iri,
            )
        else:
            self._set_finding(
                "info",
                "reference",
                f"{self.s(iri)} is a new source document; the import describes it as "
                f"{new_source_iri(self.sub.set_iri() or '')} "
                f'("{self.sub.source_titles[iri]}")',
                check,
                path,
                iri,
            )

    def _shacl(self) -> None:
        sub = self.sub
        for triple in sub.set_triples:
            self.sample.add(triple)
        if sub.graph is not None:
            for node in list(self.sample.subjects(RDF.type, SSSOM.Mapping)):
                for set_node in sub.graph.subjects(SSSOM.mappings, node):
                    self.sample.add((set_node, SSSOM.mappings, node))
        _, results, _ = pyshacl.validate(
            self.sample,
            shacl_graph=self.ctx.shapes,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
        )
        for result in results.subjects(RDF.type, SH.ValidationResult):
            self.add(self._from_result(results, result), merge=True)

    def _from_result(self, results: Graph, result: Node) -> Finding:
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        path_text = path_key(results, path) if path is not None else None
        severity = str(results.value(result, SH.resultSeverity) or SH.Violation)
        focus_text = show(focus)
        if focus == self.sub.set_node:
            line = self.sub.slot_lines.get(path_text or "", self.sub.set_line)
        else:
            line = self.sample_lines.get(focus_text or "", self.sub.set_line)
        component = str(results.value(result, SH.sourceConstraintComponent) or "")
        source = results.value(result, SH.sourceShape)
        return Finding(
            severity=severity.rsplit("#", 1)[-1].lower(),
            check="shape",
            message=str(results.value(result, SH.resultMessage) or "constraint not met"),
            shape=show(source) or "",
            focus=focus_text,
            path=path_text,
            line=line,
            component=component.rsplit("#", 1)[-1] or None,
            value=show(results.value(result, SH.value)),
        )

    def _coverage(self) -> None:
        for role, prop in (("subject", GK.subjectFramework), ("object", GK.objectFramework)):
            for framework in sorted(
                {str(f) for f in self.sub.set_values.get(str(prop), []) if isinstance(f, URIRef)}
            ):
                if framework in self.index.schemes:
                    self.report.coverage.append(
                        Coverage(
                            framework=framework,
                            label=self.index.label(framework),
                            role=role,
                            mapped=len(self.mapped[role].get(framework, ())),
                            elements=self.index.scheme_sizes.get(framework, 0),
                        )
                    )

    # -- findings --

    def _finding(
        self,
        severity: str,
        check: str,
        message: str,
        shape_iri: str,
        row: Row,
        path: str | None,
        value: str | None,
    ) -> None:
        self.add(
            Finding(
                severity=severity,
                check=check,
                message=message,
                shape=shape_iri,
                focus=row.focus,
                path=path,
                line=row.line,
                value=value,
            )
        )

    def _set_finding(
        self,
        severity: str,
        check: str,
        message: str,
        shape_iri: str,
        path: str | None,
        value: str | None,
    ) -> None:
        node = self.sub.set_node
        self.add(
            Finding(
                severity=severity,
                check=check,
                message=message,
                shape=shape_iri,
                focus=show(node),
                path=path,
                line=self.sub.slot_lines.get(path or "", self.sub.set_line),
                value=value,
            )
        )


def new_source_iri(set_iri: str) -> str:
    """Return the IRI the import gives a new source document: ``source:{set key}``."""
    key = set_iri.rstrip("/").rsplit("/", 1)[-1]
    return SOURCE_BASE + key
