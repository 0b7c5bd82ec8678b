"""The consistency checks of ``govkg validate``: self-mappings, duplicates, contradictions
(within the file and with the graph's other sets), one exact match per framework, and
broader/narrower cycles through the file's mappings, the graph's and the frameworks'
hierarchies.

What the predicates mean together is :mod:`govkg.submission.consistency`; this module keeps
the state of one run over one file: per statement only its first line and focus, per pair the
statements seen, and interned element numbers for the cycle search
(docs/decisions/0010-submission-streaming-checks.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rdflib.namespace import OWL

from govkg.submission import consistency as semantics
from govkg.submission.findings import Reporter, shape
from govkg.submission.reference import ReferenceIndex
from govkg.submission.rows import Row
from govkg.validation import VIOLATION, WARNING, Finding

_PREDICATE, _OBJECT = str(OWL.annotatedProperty), str(OWL.annotatedTarget)

#: Members of a cycle named in its message; the rest are counted.
_CYCLE_SHOWN = 6


class ConsistencyChecks:
    """Checks each mapping against the file's earlier mappings and the graph's, then the whole
    for cycles.

    Args:
        index: The built graph's facts.
        replaced: The set the file replaces (its mappings in the graph are left out), if any.
        report: Records findings (family ``consistency``).
        short: Writes IRIs in messages.
    """

    def __init__(
        self,
        index: ReferenceIndex,
        replaced: str | None,
        report: Reporter,
        short: Callable[[str | None], str],
    ):
        self.index = index
        self.report = report
        self.s = short
        self.seen: dict[tuple[str, str, str, bool], tuple[int, str, str]] = {}
        #: The fingerprints of the records of each statement stated more than once.
        self.records: dict[tuple[str, str, str, bool], set[int]] = {}
        self.first_record: dict[tuple[str, str, str, bool], int] = {}
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
        for mapping in index.mappings:
            if mapping.set_iri == replaced or mapping.predicate not in semantics.INVERSE:
                continue
            statement = semantics.Statement.of(
                mapping.subject, mapping.predicate, mapping.object, mapping.negated
            )
            self.graph_pairs[statement.pair].append((statement, mapping.set_iri, mapping.mapping))
            if mapping.predicate in semantics.EXACT_PREDICATES and not mapping.negated:
                self._record_exact(mapping.subject, mapping.object, f"set {short(mapping.set_iri)}")
            edge = semantics.broader_edges(
                mapping.subject, mapping.predicate, mapping.object, mapping.negated
            )
            if edge:
                self.edges.add((self._id(edge[0]), self._id(edge[1])))
        for narrower, broader in index.hierarchy:
            self.edges.add((self._id(narrower), self._id(broader)))

    def mapping(self, row: Row, subject: str, predicate: str, obj: str, negated: bool) -> None:
        """Check the mapping ``subject predicate obj`` of ``row`` (``negated``: modifier Not)."""
        if subject == obj:
            self.report.mapping(
                row,
                "NoSelfMapping",
                f"self-mapping: subject and object are both {self.s(subject)}",
                _OBJECT,
                obj,
            )
            return
        statement = semantics.Statement.of(subject, predicate, obj, negated)
        if self._duplicate(row, statement, subject, predicate):
            return
        self._contradictions(row, statement, predicate)
        if predicate in semantics.EXACT_PREDICATES and not negated:
            for message in self._record_exact(subject, obj, f"line {row.line}"):
                self.report.mapping(row, "OneExactMatchPerFramework", message, _OBJECT, obj)
        edge = semantics.broader_edges(subject, predicate, obj, negated)
        if edge:
            pair = (self._id(edge[0]), self._id(edge[1]))
            self.edges.add(pair)
            self.edge_origin.setdefault(pair, (row.line, row.focus))

    def _duplicate(
        self, row: Row, statement: semantics.Statement, subject: str, predicate: str
    ) -> bool:
        """Record the statement, or report it as stated before in the file and return True."""
        key = (statement.first, statement.second, statement.predicate, statement.negated)
        earlier = self.seen.get(key)
        record = _record_of(row)
        if earlier is None:
            self.seen[key] = (row.line, row.focus, subject)
            self.first_record[key] = record
            return False
        line, focus, earlier_subject = earlier
        records = self.records.setdefault(key, {self.first_record[key]})
        if earlier_subject == subject and record not in records:
            # Another record of the same statement (its own record_id, justification,
            # author, reviewer, dates ...): a review record, which SSSOM allows.
            records.add(record)
            return True
        if earlier_subject == subject:
            message = f"duplicate of the mapping on line {line} ({self.s(focus)})"
            self.report.mapping(row, "NoDuplicateMapping", message, _PREDICATE, predicate)
        else:
            message = (
                f"the mapping on line {line} ({self.s(focus)}) states the same, read the other way"
            )
            self.report.mapping(
                row, "NoDuplicateMapping", message, _PREDICATE, predicate, severity=WARNING
            )
        return True

    def _contradictions(self, row: Row, statement: semantics.Statement, predicate: str) -> None:
        """Report what the statement contradicts in the file and in the graph, and what the
        graph already states."""
        for other, line, focus in self.pairs[statement.pair]:
            why = semantics.contradiction(statement, other, self.s)
            if why:
                message = f"contradicts the mapping on line {line} ({self.s(focus)}): {why}"
                self.report.mapping(row, "NoContradiction", message, _PREDICATE, predicate)
        self.pairs[statement.pair].append((statement, row.line, row.focus))
        for other, set_iri, mapping in self.graph_pairs.get(statement.pair, []):
            if other == statement:
                message = (
                    f"set {self.s(set_iri)} of the graph already states this mapping "
                    f"({self.s(mapping)})"
                )
                self.report.mapping(
                    row, "NotInGraphAlready", message, _PREDICATE, predicate, severity=WARNING
                )
                continue
            why = semantics.contradiction(statement, other, self.s)
            if why:
                message = (
                    f"contradicts {self.s(mapping)} of set {self.s(set_iri)} in the graph: {why}"
                )
                self.report.mapping(row, "NoContradictionWithGraph", message, _PREDICATE, predicate)

    def _record_exact(self, a: str, b: str, where: str) -> list[str]:
        """Record an exact match of ``a`` and ``b`` stated at ``where``; return a message for
        each element already exactly matched to another element of the same framework."""
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

    def cycles(self) -> None:
        """Report each broader/narrower cycle that goes through a mapping of the file, at the
        first of its mappings."""
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
            shown = ", ".join(self.s(names[m]) for m in component[:_CYCLE_SHOWN])
            more = (
                f" and {len(component) - _CYCLE_SHOWN} more"
                if len(component) > _CYCLE_SHOWN
                else ""
            )
            self.report.add(
                Finding(
                    severity=VIOLATION,
                    check="consistency",
                    shape=shape("NoBroaderCycle"),
                    message=f"broader/narrower cycle through {shown}{more}: each would be "
                    "narrower than itself (counting the graph's mappings and framework "
                    "hierarchies)",
                    focus=focus,
                    path=_PREDICATE,
                    line=line,
                )
            )


def _record_of(row: Row) -> int:
    """A fingerprint of everything a row says but its set: two rows with the same statement
    and the same fingerprint are the same record twice (a duplicate), else two records about
    one statement (SSSOM 1.1 review records, told apart by ``record_id``, justification,
    author, reviewer, dates ...)."""
    return hash(
        tuple(
            sorted(
                (key, tuple(sorted(str(v) for v in values)))
                for key, values in row.values.items()
                if not key.startswith("^")
            )
        )
    )
