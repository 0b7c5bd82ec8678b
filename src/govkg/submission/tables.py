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

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from rdflib.term import Node

from govkg.errors import InputError
from govkg.namespaces import SSSOM
from govkg.submission import limits
from govkg.submission.lines import GuardedLines
from govkg.submission.minting import Minter, set_iri_for
from govkg.submission.rows import Row, Submission, syntax_finding
from govkg.submission.terms import TermReader, split
from govkg.submission.vocabulary import (
    DATE,
    DOUBLE,
    ENTITY,
    KNOWN_MAPPING_SLOTS,
    KNOWN_SET_SLOTS,
    MAPPING_SET_BASE,
    MAPPING_SLOTS,
    ORIGINAL_SET_ID,
    SET_SLOTS,
    STRING,
    Slot,
)
from govkg.submission.yamlblock import load_metadata_file, load_yaml
from govkg.validation import INFO, WARNING, Finding

#: Table formats and their delimiters, by name.
TABLE_FORMATS = {"sssom-tsv": "\t", "tsv": "\t", "csv": ","}

#: Columns a mapping table must have (SSSOM: required Mapping slots; ``subject_id`` and
#: ``object_id`` unless the table has a ``subject_label``/``object_label`` column, for mappings
#: of literals, SSSOM 1.1 "literal mappings").
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")

_NEEDED = frozenset(REQUIRED_COLUMNS)

#: The kind of value an extension slot holds, by its ``type_hint`` (SSSOM 1.1,
#: "extension_definitions"; the default is a string).
_HINTS = {
    str(XSD.double): DOUBLE,
    str(XSD.date): DATE,
    "https://w3id.org/linkml/Uriorcurie": ENTITY,
    str(XSD.anyURI): ENTITY,
}

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
        self.extensions: dict[str, Slot] = {}
        self.declared_hints: dict[str, Node | None] = {}
        self.definition_triples: list[tuple[Node, Node, Node]] = []

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
        elif (external := external_metadata(self.path)) is not None:
            meta, lines = load_metadata_file(external)
            self.problems.append(
                syntax_finding(
                    f"set metadata read from {external.name} beside the table (SSSOM/TSV "
                    "external metadata)",
                    1,
                    INFO,
                )
            )
        self.terms = TermReader(
            self.defaults,
            meta.get("curie_map"),
            lines.get("curie_map", 1),
            self.problems,
            declared_only=self.input_format != "csv",
        )
        self.extensions = self._extensions(meta, lines)
        set_node, set_values, set_lines = self._set_metadata(meta, lines, max(first_line, 1))
        self.set_node = set_node
        self.set_values = set_values
        self.propagated = {
            name: meta.get(name) for name in ("mapping_date", "subject_source", "object_source")
        }
        self._set_extensions(meta, lines, set_values, set_lines, max(first_line, 1))
        header = self._header(header_line)
        rows = self._rows(header) if header is not None else iter(())
        triples: list[tuple[Node, Node, Node]] = []
        if meta or header is not None:
            triples = [(set_node, RDF.type, SSSOM.MappingSet)]
            triples += [(set_node, URIRef(p), v) for p, vs in set_values.items() for v in vs]
            triples += self.definition_triples
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
        without ``publication_date`` takes its ``mapping_date``. A foreign ``mapping_set_id``
        is kept as ``dcterms:identifier`` beside the govkg IRI the set gets
        (:func:`~govkg.submission.minting.set_iri_for`)."""
        for key in meta:
            if key not in KNOWN_SET_SLOTS and key not in self.extensions:
                self.terms.problem(
                    f"unknown metadata slot {key!r} is ignored (not an SSSOM MappingSet slot, "
                    "not declared in extension_definitions, nor a govkg extension)",
                    lines.get(key, first),
                    severity=WARNING,
                    value=key,
                )
        raw_id = meta.get("mapping_set_id")
        id_line = lines.get("mapping_set_id", first)
        original: str | None = None
        if raw_id is not None:
            found = self.terms.entity(raw_id, id_line, "mapping_set_id")
            if isinstance(found, URIRef):
                original = str(found)
        values: dict[str, list[Node]] = {}
        slot_lines: dict[str, int] = {}
        set_node: Node = BNode("submitted-set")
        if raw_id is None or original is not None:
            set_node = set_iri_for(original, self.path.name)
            if original is None and meta:
                self.terms.problem(
                    "the set has no mapping_set_id (SSSOM requires one); govkg calls it "
                    f"{set_node}",
                    first,
                    severity=WARNING,
                )
            elif original is not None and str(set_node) != original:
                values[str(ORIGINAL_SET_ID)] = [Literal(original, datatype=XSD.anyURI)]
                slot_lines[str(ORIGINAL_SET_ID)] = id_line
                self.terms.problem(
                    f"mapping_set_id {original} is not a govkg IRI: the set is {set_node} in "
                    "govkg, the original kept as its dcterms:identifier (and exported as "
                    "mapping_set_id)",
                    id_line,
                    severity=INFO,
                    value=original,
                )
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
        slot_lines[""] = id_line
        if "publication_date" not in meta and "mapping_date" in meta:
            line = lines.get("mapping_date", first)
            issued = [
                self.terms.term(SET_SLOTS["publication_date"], v, line)
                for v in self.terms.as_list(meta["mapping_date"], "mapping_date", line)
            ]
            values[str(DCTERMS.issued)] = [v for v in issued if v is not None]
            slot_lines[str(DCTERMS.issued)] = line
        return (
            set_node,
            {p: [v for v in vs if v is not None] for p, vs in values.items()},
            slot_lines,
        )

    def _extensions(self, meta: dict[str, Any], lines: dict[str, int]) -> dict[str, Slot]:
        """The extension slots the file declares (SSSOM 1.1, "extension_definitions"): name,
        property and type hint; govkg's own extensions are in the slot table already."""
        found: dict[str, Slot] = {}
        raw = meta.get("extension_definitions")
        line = lines.get("extension_definitions", 1)
        if raw is None:
            return found
        if not isinstance(raw, list):
            self.terms.problem("extension_definitions must be a list", line)
            return found
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("slot_name"), str):
                self.terms.problem(
                    "each extension definition needs a slot_name and a property", line
                )
                continue
            name = entry["slot_name"]
            if name in KNOWN_SET_SLOTS or name in KNOWN_MAPPING_SLOTS:
                continue  # a standard slot (or govkg's own extension): read as such
            prop = self.terms.entity(entry.get("property", ""), line, "extension property")
            if not isinstance(prop, URIRef):
                continue
            hint = entry.get("type_hint")
            hint_iri = self.terms.entity(hint, line, "type_hint") if hint else None
            kind = _HINTS.get(str(hint_iri), STRING)
            found[name] = Slot(name, prop, kind, extension=True)
            self.declared_hints[name] = hint_iri if isinstance(hint_iri, URIRef) else None
        return found

    def _set_extensions(
        self,
        meta: dict[str, Any],
        lines: dict[str, int],
        values: dict[str, list[Node]],
        slot_lines: dict[str, int],
        first: int,
    ) -> None:
        """Store the set's values of declared extension slots on their properties, and the
        declarations themselves (SSSOM/RDF: ``sssom:extension_definitions`` nodes)."""
        for name, slot in self.extensions.items():
            hint = self.declared_hints.get(name)
            definition = BNode(f"extension-{name}")
            self.definition_triples += [
                (definition, SSSOM.slot_name, Literal(name)),
                (definition, SSSOM.property, slot.prop),
            ]
            if hint is not None:
                self.definition_triples.append((definition, SSSOM.type_hint, hint))
            values.setdefault(str(SSSOM.extension_definitions), []).append(definition)
            if name not in meta:
                continue
            line = lines.get(name, first)
            found = [self._extension_value(slot, v, line) for v in [meta[name]]]
            values.setdefault(str(slot.prop), []).extend(v for v in found if v is not None)
            slot_lines[str(slot.prop)] = line

    def _extension_value(
        self, slot: Slot, value: object, line: int, column: int | None = None
    ) -> Node | None:
        """An extension slot's value: typed by its type hint (an integer or other XSD type
        kept as that literal)."""
        hint = self.declared_hints.get(slot.name)
        if slot.kind == STRING and hint is not None and str(hint).startswith(str(XSD)):
            return Literal(str(value).strip(), datatype=URIRef(str(hint)))
        return self.terms.term(slot, value, line, column)

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
                if (
                    name not in KNOWN_MAPPING_SLOTS
                    and name not in SET_SLOTS
                    and name not in self.extensions
                ):
                    self.terms.problem(
                        f"unknown column {name!r} is ignored (not an SSSOM Mapping slot, "
                        "not declared in extension_definitions, nor a govkg extension)",
                        self.lines.line,
                        column=column,
                        severity=WARNING,
                        value=name,
                    )
                names.append(name)
        missing = [
            c
            for c in REQUIRED_COLUMNS
            if c not in names and c.replace("_id", "_label") not in names
        ]
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
            if len(cells) < width and not set(header[len(cells) :]) & _NEEDED:
                # Trailing empty cells left out (editors trim them; SSSOM tools read the row
                # as if they were there): only optional columns are missing.
                cells = cells + [""] * (width - len(cells))
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
                term = (
                    self._extension_value(slot, part, line, column)
                    if name in self.extensions
                    else self.terms.term(slot, part, line, column)
                )
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
                elif name is not None and name in self.extensions:
                    plan.append((name, self.extensions[name], str(self.extensions[name].prop)))
                else:
                    plan.append(None)
            self._column_plan = plan
            self._set_subject = list(self.set_values.get(str(SSSOM.subject_source), []))
            self._set_object = list(self.set_values.get(str(SSSOM.object_source), []))
        return self._column_plan


def external_metadata(table: Path) -> Path | None:
    """Return the external metadata file of an SSSOM/TSV table without a metadata block: the
    YAML file beside it with the same name (``x.sssom.tsv`` -> ``x.sssom.yml``, SSSOM/TSV
    "external metadata mode"), or None.

    >>> external_metadata(Path("no/such/x.sssom.tsv")) is None
    True
    """
    if table.suffix.lower() != ".tsv":
        return None
    for suffix in (".yml", ".yaml"):
        candidate = table.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None
