"""The pipeline of ``govkg validate``: read a submission as a stream of rows, check each row as it
comes (syntax, the compiled mapping shapes, references against the built graph, duplicates and
contradictions), then check the set as a whole (cycles, declared frameworks, source document)
and run pySHACL on the set's metadata and a bounded sample of its mappings.

Why this split, and why it cannot be fooled by a large file, is in
docs/decisions/0010-submission-streaming-checks.md. The user's file is only ever a data graph:
the shapes graph is ``shapes/mapping-submission.ttl`` alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH
from rdflib.term import Node

from govkg.backends import Store
from govkg.errors import InputError
from govkg.namespaces import GK, PAV, SHAPES, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.querying import open_built
from govkg.submission import consistency as semantics
from govkg.submission.consistency_checks import ConsistencyChecks
from govkg.submission.coverage import ROLE_PROPERTIES, CoverageTally
from govkg.submission.findings import (
    DEFAULT_LIMIT,
    FileReport,
    FindingCollector,
    Reporter,
    iri_writer,
)
from govkg.submission.minting import foreign_sets_under
from govkg.submission.olir import NotationIndex
from govkg.submission.rdfinput import quiet_rdflib
from govkg.submission.readers import detect_format, open_submission
from govkg.submission.reference import ReferenceIndex
from govkg.submission.reference_checks import ReferenceChecks
from govkg.submission.rows import Row, Submission, row_triples
from govkg.submission.rowshapes import RowChecker
from govkg.submission.vocabulary import default_prefixes, negates
from govkg.validation import WARNING, findings_from, load_shapes, show

#: The submission shapes file, in ``shapes/``.
SUBMISSION_SHAPES = "mapping-submission.ttl"

#: Mappings given to pySHACL besides the set's metadata (every row gets the compiled checks).
SHACL_SAMPLE = 200

#: Rows between two progress notes.
PROGRESS_EVERY = 20_000

_SUBJECT, _OBJECT = str(OWL.annotatedSource), str(OWL.annotatedTarget)
_MODIFIER, _AUTHOR = str(SSSOM.predicate_modifier), str(PAV.authoredBy)
_CREATOR = str(DCTERMS.creator)
_MATCH_BASIS = str(GK.matchBasis)

#: SSSOM's placeholders for "no term" (SSSOM 1.1, "Representing unmapped entities"): never an
#: element of govkg, never a self-mapping or a contradiction.
NO_TERM = frozenset({str(SSSOM.NoTermFound), str(SSSOM.NoMapping)})

#: For a literal mapping (SSSOM 1.1: ``subject_type``/``object_type`` ``rdfs literal``, the
#: literal in ``subject_label``/``object_label``): role -> (id path, type path, label path).
_LITERAL_ROLES = {
    "subject": (_SUBJECT, str(SSSOM.subject_type), str(SSSOM.subject_label)),
    "object": (_OBJECT, str(SSSOM.object_type), str(SSSOM.object_label)),
}


@dataclass
class Context:
    """What validating needs besides the file: shapes, the compiled row checker, the built
    graph's index and the default prefixes. Made once for any number of files.

    Attributes:
        shapes: The submission shapes graph (checked against SHACL-for-SHACL).
        checker: The compiled mapping shapes.
        index: The built graph's facts.
        prefixes: Prefixes a submission may use undeclared.
        layout: The sources the graph was built from; its workspace, when it has one, gives
            the namespace of submitted frameworks and of foreign mapping sets.
        notations: The built graph's element notations, for OLIR cells such as ``1.3``.
    """

    shapes: Graph
    checker: RowChecker
    index: ReferenceIndex
    prefixes: dict[str, str]
    layout: Layout
    notations: NotationIndex

    @classmethod
    def load(
        cls,
        layout: Layout,
        build_dir: Path,
        progress: Progress | None = None,
        store: Store | None = None,
    ) -> Context:
        """Load the shapes and read the graph's facts from ``store``; without one, from the
        embedded store of the build in ``build_dir`` (building it first if needed)."""
        shapes = load_shapes([layout.shapes / SUBMISSION_SHAPES])
        if layout.workspace is not None:
            admit_set_iris_under(shapes, str(layout.workspace.iri("mapping-set/")))
        if store is None:
            store = open_built(layout, build_dir, progress)
        return cls(
            shapes=shapes,
            checker=RowChecker(shapes),
            index=ReferenceIndex.read(store),
            prefixes=default_prefixes(layout.data),
            layout=layout,
            notations=NotationIndex.from_store(store),
        )

    def foreign_set_base(self) -> str | None:
        """Where a foreign set's IRI is minted: the workspace's ``<namespace>id/mapping-set/``,
        or None (govkg's ``mapping-set/``) without a workspace."""
        workspace = self.layout.workspace
        return str(workspace.iri("mapping-set/")) if workspace is not None else None


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
        with quiet_rdflib(), foreign_sets_under(context.foreign_set_base()):
            submission = open_submission(
                path, report.input_format, context.prefixes, metadata, context.notations
            )
            _Run(submission, context, report, progress or Progress(stream=None)).run()
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
    with quiet_rdflib(), foreign_sets_under(context.foreign_set_base()):
        submission = open_submission(path, fmt, context.prefixes, metadata, context.notations)
        kept: list[Row] = []
        checker = _Run(submission, context, report, Progress(stream=None), keep=kept)
        checker.run()
    return report, submission, kept


def admit_set_iris_under(shapes: Graph, base: str) -> None:
    """Widen the set shape's IRI pattern (govkg's ``mapping-set/{key}``) to admit a workspace's
    own ``<namespace>id/mapping-set/{key}`` too, in these loaded shapes only."""
    shape = SHAPES.SubmittedMappingSet
    for pattern in list(shapes.objects(shape, SH.pattern)):
        govkg, sep, key = str(pattern).partition("mapping-set/")
        if not sep:
            continue
        shapes.remove((shape, SH.pattern, pattern))
        either = f"^(?:{govkg.removeprefix('^')}mapping-set/|{re.escape(base)})"
        shapes.add((shape, SH.pattern, Literal(either + key)))


class _Run:
    """One run of the checks over one submission: each row as it streams by (its syntax
    problems, the compiled shapes, references, consistency), then the set as a whole (cycles,
    set references, pySHACL on the set and a sample, coverage)."""

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
        self.report = report
        self.add = report.findings.add
        self.progress = progress
        self.keep = keep
        iri = submission.set_iri()
        self.replaced = iri if iri is not None and iri in context.index.set_graphs else None
        short = iri_writer(context.prefixes)
        where = (show(submission.set_node), submission.set_line, submission.slot_lines)
        self.tally = CoverageTally()
        self.references = ReferenceChecks(
            context.index, Reporter(self.add, "reference", *where), short, self.tally
        )
        self.consistency = ConsistencyChecks(
            context.index, self.replaced, Reporter(self.add, "consistency", *where), short
        )
        self.sample = Graph()
        self.sample_lines: dict[str, int] = {}
        self.frameworks: dict[str, set[Node]] = {"subject": set(), "object": set()}
        self.creators = bool(submission.set_values.get(_CREATOR))
        #: The match_basis of the mappings of the set this one replaces, by statement: a
        #: file read back from a tool that drops extension slots (sssom-py 0.4) keeps them.
        self.held = {
            (m.subject, m.predicate, m.object, m.negated): m.match_basis
            for m in context.index.mappings
            if m.set_iri == self.replaced and m.match_basis is not None
        }
        #: Rows of literal mappings, and the shapes whose missing id they excuse.
        self.literal_rows: dict[str, tuple[str, ...]] = {}

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
        self.consistency.cycles()
        self._set_checks()
        self._shacl()
        self.report.coverage = self.tally.coverage(self.sub.set_values, self.ctx.index)

    def _row(self, row: Row, sampled: bool) -> None:
        for finding in row.problems:
            self.add(finding)
        literal = self._literal_roles(row)
        if literal:
            self.literal_rows[row.focus] = tuple(f"-{role}" for role in literal)
        for finding in self.ctx.checker.check(row.focus, row.values, row.line):
            if literal and finding.shape.endswith(tuple(f"-{r}" for r in literal)):
                if finding.component == "MinCountConstraintComponent":
                    continue
            self.add(finding, merge=sampled)
        for role in literal:
            label = row.values.get(_LITERAL_ROLES[role][2], [])
            self.references.report.mapping(
                row,
                f"SubmittedMapping-{role}Known",
                f"the {role} is a literal ({role}_type rdfs literal"
                + (f", {role}_label {str(label[0])!r}" if label else "")
                + "), not an element of govkg",
                _LITERAL_ROLES[role][0],
                str(label[0]) if label else None,
            )
        if not row.values.get(_AUTHOR) and not row.values.get(_CREATOR) and not self.creators:
            self.references.report.mapping(
                row,
                "SubmittedMapping-authorship",
                "govkg asks who made the mapping: author_id (or creator_id) on the mapping, or "
                "creator_id on the set",
                _AUTHOR,
                None,
                severity=WARNING,
            )
        if sampled:
            self.sample_lines[row.focus] = row.line
            for triple in row_triples(row, self.sub.graph):
                self.sample.add(triple)
        self.frameworks["subject"].update(row.subject_source)
        self.frameworks["object"].update(row.object_source)
        for author in row.values.get(_AUTHOR, []):
            self.references.agent(author, row, _AUTHOR)
        subject, predicate, obj = (
            row.one(OWL.annotatedSource),
            row.one(OWL.annotatedProperty),
            row.one(OWL.annotatedTarget),
        )
        for role, element, declared, path in (
            ("subject", subject, row.subject_source, _SUBJECT),
            ("object", obj, row.object_source, _OBJECT),
        ):
            if element is None:
                continue
            self.references.element(row, role, str(element), declared, path)
            scheme = self.ctx.index.elements.get(str(element))
            if not declared and scheme is not None:
                self.frameworks[role].add(URIRef(scheme))
        if subject is None or obj is None or predicate is None:
            return
        if str(subject) in NO_TERM or str(obj) in NO_TERM:
            return
        negated = any(negates(m) for m in row.values.get(_MODIFIER, []))
        if self.held and _MATCH_BASIS not in row.values:
            basis = self.held.get((str(subject), str(predicate), str(obj), negated))
            if basis is not None:
                row.values[_MATCH_BASIS] = [Literal(basis)]
        if str(predicate) not in semantics.INVERSE:
            return
        self.consistency.mapping(row, str(subject), str(predicate), str(obj), negated)

    def _literal_roles(self, row: Row) -> list[str]:
        """The roles (subject, object) of a literal mapping that lack an id."""
        found = []
        for role, (id_path, type_path, _) in _LITERAL_ROLES.items():
            types = row.values.get(type_path) or self.sub.set_values.get(type_path, [])
            if RDFS.Literal in types and not row.values.get(id_path):
                found.append(role)
        return found

    def _status(self) -> None:
        """A set that gives no ``crosswalk_status`` keeps the one the graph holds it with (a
        round trip through a tool that drops extension slots never downgrades an official
        set), else is unofficial."""
        sub = self.sub
        if sub.set_node is None or sub.set_values.get(str(GK.crosswalkStatus)):
            return
        held = self.ctx.index.set_status.get(self.replaced or "")
        status = URIRef(held) if held is not None else GK.Unofficial
        sub.set_values[str(GK.crosswalkStatus)] = [status]
        sub.set_triples.append((sub.set_node, GK.crosswalkStatus, status))

    def _set_checks(self) -> None:
        sub = self.sub
        if sub.set_node is None:
            return
        self._status()
        for (role, prop), from_rows in zip(ROLE_PROPERTIES, sub.frameworks_from_rows, strict=True):
            if from_rows and sub.graph is None:
                for framework in sorted(self.frameworks[role], key=str):
                    sub.set_triples.append((sub.set_node, prop, framework))
                    sub.set_values.setdefault(str(prop), []).append(framework)
        self.references.mapping_set(sub, self.replaced)

    def _shacl(self) -> None:
        """Run pySHACL on the set's metadata and the sampled mappings; merge its results with
        the compiled checks' (docs/decisions/0010-submission-streaming-checks.md)."""
        sub = self.sub
        for triple in sub.set_triples:
            self.sample.add(triple)
        if sub.graph is not None:
            for node in list(self.sample.subjects(RDF.type, OWL.Axiom)):
                for set_node in sub.graph.subjects(SSSOM.mappings, node):
                    self.sample.add((set_node, SSSOM.mappings, node))
        _, results, _ = pyshacl.validate(
            self.sample,
            shacl_graph=self.ctx.shapes,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
        )
        set_focus = show(sub.set_node)
        for finding in findings_from(results):
            excused = self.literal_rows.get(finding.focus or "")
            if (
                excused
                and finding.component == "MinCountConstraintComponent"
                and finding.shape.endswith(excused)
            ):
                continue
            if finding.focus == set_focus:
                line = sub.slot_lines.get(finding.path or "", sub.set_line)
            else:
                line = self.sample_lines.get(finding.focus or "", sub.set_line)
            self.add(replace(finding, line=line), merge=True)
