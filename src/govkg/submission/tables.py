"""Reading a table submission as a stream: SSSOM TSV (a YAML metadata block in ``#`` lines,
then a table), or a CSV/TSV table with SSSOM column names and its metadata in a ``--metadata``
file (SSSOM specification, section "SSSOM/TSV").

The metadata gives the set's node, values and the line of each slot; the header gives a plan
of what each column holds; each row then becomes a :class:`~govkg.submission.rows.Row` whose
node :class:`~govkg.submission.minting.Minter` mints. Propagatable slots on the set
(``mapping_date``, ``subject_source``, ``object_source``) apply to every row that does not give
its own value (SSSOM 1.0, "propagation").
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from rdflib import BNode, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from govkg.errors import InputError
from govkg.namespaces import GK, SSSOM
from govkg.submission import limits
from govkg.submission.lines import GuardedLines
from govkg.submission.minting import Minter
from govkg.submission.rows import Row, Submission, syntax_finding
from govkg.submission.terms import TermReader, split
from govkg.submission.vocabulary import (
    KNOWN_MAPPING_SLOTS,
    KNOWN_SET_SLOTS,
    MAPPING_SET_BASE,
    MAPPING_SLOTS,
    SET_SLOTS,
    Slot,
)
from govkg.submission.yamlblock import load_metadata_file, load_yaml
from govkg.validation import WARNING, Finding

#: Table formats and their delimiters, by name.
TABLE_FORMATS = {"sssom-tsv": "\t", "tsv": "\t", "csv": ","}

#: Columns a mapping table must have (SSSOM: required Mapping slots).
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")

_DATE = str(MAPPING_SLOTS["mapping_date"].prop)
_IN_SET = "^" + str(SSSOM.mappings)


class TableReader:
    """Reads SSSOM TSV, or a CSV/TSV table with SSSOM column names, as a stream."""

    def __init__(
        self, path: Path, input_format: str, defaults: dict[str, str], metadata: Path | None
    ):
        self.path = path
        self.input_format = input_format
        self.delimiter = TABLE_FORMATS[input_format]
        self.defaults = defaults
        self.metadata_path = metadata
        self.problems: list[Finding] = []
        self._column_plan: list[tuple[str, Slot | None, str] | None] | None = None
        self._set_subject: list[Node] = []
        self._set_object: list[Node] = []

    def open(self) -> Submission:
        """Read the metadata block and the header; return the submission, its rows to come."""
        csv.field_size_limit(limits.MAX_CELL)
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.path) from None
        self.lines = GuardedLines(self.path, stream)
        try:
            return self._open()
        except BaseException:
            stream.close()
            raise

    def _open(self) -> Submission:
        block, first_line, header_line = self.lines.metadata_block()
        meta: dict[str, Any] = {}
        lines: dict[str, int] = {}
        if block.strip():
            if self.metadata_path is not None:
                raise InputError(
                    "the file has a metadata block: give metadata either in the "
                    "file or with --metadata, not both",
                    self.path,
                )
            meta, lines = load_yaml(block, self.path, first_line)
        elif self.metadata_path is not None:
            meta, lines = load_metadata_file(self.metadata_path)
        self.terms = TermReader(
            self.defaults, meta.get("curie_map"), lines.get("curie_map", 1), self.problems
        )
        set_node, set_values, set_lines = self._set_metadata(meta, lines, max(first_line, 1))
        self.set_node = set_node
        self.set_values = set_values
        self.propagated = {
            name: meta.get(name) for name in ("mapping_date", "subject_source", "object_source")
        }
        header = self._header(header_line)
        rows = self._rows(header) if header is not None else iter(())
        triples: list[tuple[Node, Node, Node]] = []
        if meta or header is not None:
            triples = [(set_node, RDF.type, SSSOM.MappingSet)]
            triples += [(set_node, URIRef(p), v) for p, vs in set_values.items() for v in vs]
        titles = {}
        title = meta.get("source_document_title")
        sources = set_values.get(str(DCTERMS.source), [])
        if isinstance(title, str) and title.strip() and len(sources) == 1:
            titles[str(sources[0])] = title.strip()
        return Submission(
            path=self.path,
            input_format=self.input_format,
            set_node=set_node if triples else None,
            set_values=set_values,
            set_triples=triples,
            set_line=max(first_line, 1),
            slot_lines=set_lines,
            source_titles=titles,
            prefixes=self.terms.prefixes,
            problems=self.problems,
            rows=rows,
            frameworks_from_rows=("subject_source" not in meta, "object_source" not in meta),
        )

    # -- metadata --

    def _set_metadata(
        self, meta: dict[str, Any], lines: dict[str, int], first: int
    ) -> tuple[Node, dict[str, list[Node]], dict[str, int]]:
        """Return the set's node, its values by property IRI and the line of each; a set
        without ``crosswalk_status`` is unofficial, one without ``publication_date`` takes its
        ``mapping_date``."""
        for key in meta:
            if key not in KNOWN_SET_SLOTS:
                self.terms.problem(
                    f"unknown metadata slot {key!r} is ignored (not an SSSOM "
                    "MappingSet slot nor a govkg extension)",
                    lines.get(key, first),
                    severity=WARNING,
                )
        set_node: Node = BNode("submitted-set")
        raw_id = meta.get("mapping_set_id")
        if raw_id is not None:
            found = self.terms.entity(raw_id, lines.get("mapping_set_id", first), "mapping_set_id")
            if isinstance(found, URIRef):
                set_node = found
        values: dict[str, list[Node]] = {}
        slot_lines: dict[str, int] = {}
        for name, slot in SET_SLOTS.items():
            if name not in meta or name == "source_document_title":
                continue
            line = lines.get(name, first)
            terms = [
                self.terms.term(slot, v, line) for v in self.terms.as_list(meta[name], name, line)
            ]
            if terms:
                values.setdefault(str(slot.prop), []).extend(t for t in terms if t is not None)
                slot_lines[str(slot.prop)] = line
        slot_lines[""] = lines.get("mapping_set_id", first)
        if "publication_date" not in meta and "mapping_date" in meta:
            line = lines.get("mapping_date", first)
            issued = [
                self.terms.term(SET_SLOTS["publication_date"], v, line)
                for v in self.terms.as_list(meta["mapping_date"], "mapping_date", line)
            ]
            values[str(DCTERMS.issued)] = [v for v in issued if v is not None]
            slot_lines[str(DCTERMS.issued)] = line
        if "crosswalk_status" not in meta:
            values[str(GK.crosswalkStatus)] = [GK.Unofficial]
        return (
            set_node,
            {p: [v for v in vs if v is not None] for p, vs in values.items()},
            slot_lines,
        )

    # -- header and rows --

    def _header(self, line: int) -> list[str | None] | None:
        """Read the header row: the slot name of each column (None for a column ignored), or
        None for an empty table."""
        first = self.lines.pending
        if first is None:
            self.terms.problem(
                "empty table: no header row (a submission needs a header of SSSOM "
                "slot names and at least one mapping)",
                max(line, 1),
            )
            return None
        try:
            cells = next(csv.reader([first], delimiter=self.delimiter))
        except csv.Error as exc:
            raise InputError(f"malformed header row: {exc}", self.path, self.lines.line) from None
        if len(cells) > limits.MAX_COLUMNS:
            raise InputError(
                f"{len(cells)} columns: more than the {limits.MAX_COLUMNS} allowed",
                self.path,
                self.lines.line,
            )
        names: list[str | None] = []
        for column, cell in enumerate(cells, 1):
            name = cell.strip()
            if not name:
                self.terms.problem(f"column {column} has no name", self.lines.line, column=column)
                names.append(None)
            elif name in names:
                self.terms.problem(
                    f"column {name!r} appears twice; the second is ignored",
                    self.lines.line,
                    column=column,
                    value=name,
                )
                names.append(None)
            else:
                if name not in KNOWN_MAPPING_SLOTS and name not in SET_SLOTS:
                    self.terms.problem(
                        f"unknown column {name!r} is ignored (not an SSSOM Mapping "
                        "slot nor a govkg extension)",
                        self.lines.line,
                        column=column,
                        severity=WARNING,
                        value=name,
                    )
                names.append(name)
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            self.terms.problem(
                f"the header lacks the SSSOM column(s) {', '.join(missing)}", self.lines.line
            )
        return names

    def _rows(self, header: list[str | None]) -> Iterator[Row]:
        """Yield the rows as the file is read (blank lines skipped)."""
        reader = csv.reader(self.lines, delimiter=self.delimiter, strict=True)
        minter = Minter(
            str(self.set_node)
            if isinstance(self.set_node, URIRef)
            else MAPPING_SET_BASE + "unnamed-submission",
            include_object_framework=str(SSSOM.object_source) not in self.set_values,
        )
        width = len(header)
        while True:
            start = self.lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"malformed row: {exc}", self.path, start) from None
            if not cells or all(not c.strip() for c in cells):
                continue
            problems: list[Finding] = []
            if len(cells) != width:
                problems.append(
                    syntax_finding(
                        f"the row has {len(cells)} cells, the header {width} "
                        "(a truncated line, or a delimiter inside a cell that is not quoted?)",
                        start,
                    )
                )
            yield self._row(header, cells, start, problems, minter)

    def _row(
        self,
        header: list[str | None],
        cells: list[str],
        line: int,
        problems: list[Finding],
        minter: Minter,
    ) -> Row:
        plan = self._plan(header)
        values: dict[str, list[Node]] = {}
        subject_source: list[Node] = []
        object_source: list[Node] = []
        self.terms.sink = problems
        for column, cell in enumerate(cells[: len(plan)], 1):
            step = plan[column - 1]
            if step is None:
                continue
            text = cell.strip()
            if not text:
                continue
            name, slot, prop = step
            if slot is None:
                found = [
                    t
                    for t in (self.terms.entity(v, line, name, column) for v in split(text))
                    if t is not None
                ]
                if name == "subject_source":
                    subject_source = found
                else:
                    object_source = found
                continue
            for part in split(text) if slot.multivalued else (text,):
                term = self.terms.term(slot, part, line, column)
                if term is not None:
                    values.setdefault(prop, []).append(term)
        if _DATE not in values and self.propagated["mapping_date"] is not None:
            date = self.terms.term(
                MAPPING_SLOTS["mapping_date"], self.propagated["mapping_date"], line
            )
            if date is not None:
                values[_DATE] = [date]
        subject_source = subject_source or self._set_subject
        object_source = object_source or self._set_object
        values[_IN_SET] = [self.set_node]
        node = minter.mint(values, object_source, line)
        if problems:
            problems[:] = [replace(p, focus=str(node)) for p in problems]
        return Row(
            line=line,
            node=node,
            values=values,
            subject_source=subject_source,
            object_source=object_source,
            problems=problems,
        )

    def _plan(self, header: list[str | None]) -> list[tuple[str, Slot | None, str] | None]:
        """What to do with each column: (slot name, slot or None for a framework, property)."""
        if self._column_plan is None:
            plan: list[tuple[str, Slot | None, str] | None] = []
            for name in header:
                if name in ("subject_source", "object_source"):
                    plan.append((name, None, ""))
                elif name is not None and name in MAPPING_SLOTS:
                    plan.append((name, MAPPING_SLOTS[name], str(MAPPING_SLOTS[name].prop)))
                else:
                    plan.append(None)
            self._column_plan = plan
            self._set_subject = list(self.set_values.get(str(SSSOM.subject_source), []))
            self._set_object = list(self.set_values.get(str(SSSOM.object_source), []))
        return self._column_plan
