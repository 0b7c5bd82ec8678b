"""Reading a submission: SSSOM TSV (a YAML metadata block in ``#`` lines, then a table), a
CSV/TSV table with SSSOM column names, or RDF, into the set's metadata and a stream of rows.

Formats follow the SSSOM specification, section "SSSOM/TSV": the metadata block is YAML whose
keys are MappingSet slots (with ``curie_map``), each line starting with ``#``; then a header of
Mapping slot names and one mapping a row; multivalued slots separate values with ``|``; entity
references are CURIEs expanded with the ``curie_map``. Propagatable slots on the set apply to
every row that does not give its own value (SSSOM 1.0, "propagation").

Every input is guarded before a parser sees it (limits: :data:`MAX_LINE`, :data:`MAX_CELL`,
:data:`MAX_METADATA`, :data:`MAX_COLUMNS`, :data:`MAX_RDF`): bytes must be UTF-8 with
no NUL byte, lines and cells have a size limit, the YAML block may use no anchors, aliases or
tags and nests at most :data:`MAX_YAML_DEPTH` deep, and RDF goes through
:func:`govkg.loading.parse_file` (DOCTYPE and remote JSON-LD contexts refused). Nothing the
file says makes govkg open another file or the network.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import curies
import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from rdflib.term import Node

from govkg.errors import InputError
from govkg.formats import syntax_by_name
from govkg.loading import parse_file
from govkg.namespaces import GK, SSSOM
from govkg.submission.findings import shape

# Minter is re-exported for submission/importing.py until it imports govkg.submission.minting.
from govkg.submission.minting import Minter as Minter
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    DATE,
    DOUBLE,
    ENTITY,
    ENUM,
    KNOWN_MAPPING_SLOTS,
    KNOWN_SET_SLOTS,
    MAPPING_SET_BASE,
    MAPPING_SLOTS,
    SET_SLOTS,
    STATUS_VALUES,
    Slot,
)
from govkg.validation import VIOLATION, WARNING, Finding

#: Input limits (bytes); past them a file is refused with a clear error.
MAX_LINE = 16 * 1024 * 1024
MAX_CELL = 1024 * 1024
MAX_METADATA = 1024 * 1024
MAX_COLUMNS = 512
MAX_RDF = 64 * 1024 * 1024
MAX_YAML_DEPTH = 16

#: Input formats, by name.
TABLE_FORMATS = {"sssom-tsv": "\t", "tsv": "\t", "csv": ","}
RDF_FORMATS = ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml")
INPUT_FORMATS = (*TABLE_FORMATS, *RDF_FORMATS)

#: Columns a mapping table must have (SSSOM: required Mapping slots).
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")

_BAD_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SYNTAX = shape("SubmissionSyntax")
#: Values that are IRIs, never CURIEs (no curie_map prefix may be called http, https or urn).
_IRI_SCHEMES = ("http://", "https://", "urn:")
_CACHE = 100_000
_DATE = str(MAPPING_SLOTS["mapping_date"].prop)
_IN_SET = "^" + str(SSSOM.mappings)


@dataclass(slots=True)
class Row:
    """One mapping as read from the file.

    Attributes:
        line: Its 1-based line.
        node: Its node: minted for a table row, the file's own node for RDF.
        values: Its values by path key (see :mod:`govkg.submission.rowshapes`).
        subject_source: The row's subject framework(s) (row value or propagated from the set).
        object_source: The row's object framework(s).
        problems: Syntax findings about the row.
    """

    line: int
    node: Node
    values: dict[str, list[Node]]
    subject_source: list[Node] = field(default_factory=list)
    object_source: list[Node] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def focus(self) -> str:
        return self.node.n3() if isinstance(self.node, BNode) else str(self.node)

    def one(self, prop: URIRef) -> URIRef | None:
        """Return the single IRI value of ``prop``, or None when there is not exactly one."""
        found = self.values.get(str(prop), [])
        return found[0] if len(found) == 1 and isinstance(found[0], URIRef) else None


@dataclass
class Submission:
    """A submission opened for reading: its set's metadata and a stream of rows.

    Attributes:
        path: The file.
        input_format: The format it is read as.
        set_node: The mapping set's node (None when the file holds no set).
        set_values: The set's values, by property IRI.
        set_triples: What SHACL must see about the set(s), but the ``sssom:mappings`` links.
        set_line: The line where the set is described.
        slot_lines: The line of each set property, by property IRI.
        source_titles: Titles the file gives its source documents, by IRI.
        prefixes: The prefix map in force (defaults, then the file's ``curie_map``).
        problems: Syntax findings about the file as a whole.
        rows: The mappings, read lazily.
        graph: The parsed graph, for RDF input.
        frameworks_from_rows: True when the set's frameworks come from the rows.
    """

    path: Path
    input_format: str
    set_node: Node | None
    set_values: dict[str, list[Node]]
    set_triples: list[tuple[Node, Node, Node]]
    set_line: int
    slot_lines: dict[str, int]
    source_titles: dict[str, str]
    prefixes: dict[str, str]
    problems: list[Finding]
    rows: Iterator[Row]
    graph: Graph | None = None
    frameworks_from_rows: tuple[bool, bool] = (False, False)

    def set_iri(self) -> str | None:
        return str(self.set_node) if isinstance(self.set_node, URIRef) else None


def detect_format(path: Path, given: str | None = None) -> str:
    """Return the input format named by ``given`` or by the file's extension (the file must
    exist).

    >>> [detect_format(Path(name)) for name in ("a.sssom.tsv", "b.CSV", "c.ttl")]
    ['sssom-tsv', 'csv', 'turtle']
    """
    if path.exists():
        require_file(path)
    if given:
        if given not in INPUT_FORMATS:
            raise InputError(f"unknown input format {given!r} (known: {', '.join(INPUT_FORMATS)})")
        return given
    name = path.name.lower()
    if name.endswith(".sssom.tsv"):
        return "sssom-tsv"
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("tsv", "csv"):
        return suffix
    if not suffix:
        raise InputError(
            "cannot tell the format of a file without extension; use --input-format", path
        )
    try:
        return syntax_by_name(suffix).name
    except InputError:
        raise InputError(
            f"unknown file extension .{suffix} (use --input-format: {', '.join(INPUT_FORMATS)})",
            path,
        ) from None


def require_file(path: Path) -> None:
    """Refuse a path that is not a readable regular file (missing, a folder, a device)."""
    if not path.is_file():
        what = (
            "is a folder"
            if path.is_dir()
            else "does not exist"
            if not path.exists()
            else "is not a regular file"
        )
        raise InputError(f"cannot read: {what}", path)


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Keep rdflib from logging tracebacks for ill-typed literals (they become findings)."""
    logger = logging.getLogger("rdflib")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def open_submission(
    path: Path, input_format: str, defaults: dict[str, str], metadata: Path | None = None
) -> Submission:
    """Open a submission file for reading.

    Args:
        path: The file.
        input_format: One of :data:`INPUT_FORMATS`.
        defaults: The prefixes a submission may use undeclared.
        metadata: A YAML file with the set's metadata, for a table without a metadata block.

    Raises:
        InputError: the file cannot be read (missing, not UTF-8, binary, too large, broken
            RDF or YAML), naming the line where known.
    """
    require_file(path)
    if input_format in RDF_FORMATS:
        if metadata is not None:
            raise InputError("--metadata applies to CSV/TSV tables only", metadata)
        return _read_rdf(path, input_format, defaults)
    return _TableReader(path, input_format, defaults, metadata).open()


# --- tables ----------------------------------------------------------------------------------


class _TableReader:
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
        self.line = 0
        self.stream: BinaryIO | None = None
        self._row_problems: list[Finding] | None = None
        self._expanded: dict[str, URIRef] = {}
        self._column_plan: list[tuple[str, Slot | None, str] | None] | None = None
        self._set_subject: list[Node] = []
        self._set_object: list[Node] = []

    def open(self) -> Submission:
        csv.field_size_limit(MAX_CELL)
        try:
            self.stream = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.path) from None
        try:
            return self._open()
        except BaseException:
            self.stream.close()
            raise

    def _open(self) -> Submission:
        block, first_line, header_line = self._metadata_block()
        meta: dict[str, Any] = {}
        lines: dict[str, int] = {}
        if block.strip():
            if self.metadata_path is not None:
                raise InputError(
                    "the file has a metadata block: give metadata either in the "
                    "file or with --metadata, not both",
                    self.path,
                )
            meta, lines = _load_yaml(block, self.path, first_line)
        elif self.metadata_path is not None:
            meta, lines = _load_metadata_file(self.metadata_path)
        self.converter, prefixes = self._converter(meta.get("curie_map"), lines)
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
            triples = [(set_node, RDF.type, SSSOM.MappingSet), (set_node, RDF.type, GK.Crosswalk)]
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
            prefixes=prefixes,
            problems=self.problems,
            rows=rows,
            frameworks_from_rows=("subject_source" not in meta, "object_source" not in meta),
        )

    # -- raw lines --

    def _raw_lines(self) -> Iterator[str]:
        """Yield decoded lines (with their line ends), counting them, guarded."""
        assert self.stream is not None
        with self.stream:
            while True:
                raw = self.stream.readline(MAX_LINE + 1)
                if not raw:
                    return
                self.line += 1
                if len(raw) > MAX_LINE:
                    raise InputError(
                        f"line longer than the {MAX_LINE // 2**20} MiB limit", self.path, self.line
                    )
                yield self._decode(raw)

    def _decode(self, raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                f"{exc.start + 1}); save the file as UTF-8",
                self.path,
                self.line,
            ) from None
        if "\x00" in text:
            raise InputError("binary content (NUL byte): not a text table", self.path, self.line)
        if self.line == 1:
            text = text.removeprefix("\ufeff")
        return text

    def _metadata_block(self) -> tuple[str, int, int]:
        """Read the ``#`` lines at the top; return the YAML text, its first line and the line
        after it."""
        self._lines = self._raw_lines()
        block: list[str] = []
        size = 0
        first = 0
        self._pending: str | None = None
        for text in self._lines:
            if not text.startswith("#"):
                self._pending = text
                break
            first = first or self.line
            size += len(text)
            if size > MAX_METADATA:
                raise InputError(
                    f"metadata block larger than the {MAX_METADATA // 2**20} MiB limit",
                    self.path,
                    self.line,
                )
            block.append(text[1:].rstrip("\r\n"))
        return "\n".join(block), first, self.line

    # -- metadata --

    def _converter(
        self, curie_map: object, lines: dict[str, int]
    ) -> tuple[curies.Converter, dict[str, str]]:
        line = lines.get("curie_map", 1)
        declared: dict[str, str] = {}
        if curie_map is not None:
            if not isinstance(curie_map, dict):
                self._problem("curie_map must be a mapping of prefixes to IRIs", line)
            else:
                for prefix, namespace in curie_map.items():
                    if not isinstance(prefix, str) or not isinstance(namespace, str):
                        self._problem(
                            f"curie_map entry {prefix!r} must map a prefix to an IRI", line
                        )
                    elif prefix in BUILTIN_PREFIXES and namespace != BUILTIN_PREFIXES[prefix]:
                        self._problem(
                            f"curie_map redefines the built-in prefix {prefix!r} "
                            f"as <{namespace}> (SSSOM built-in prefixes cannot be "
                            "redefined); the built-in one is used",
                            line,
                            value=namespace,
                        )
                    elif _BAD_IRI.search(namespace) or not _SCHEME.match(namespace):
                        self._problem(
                            f"curie_map prefix {prefix!r} maps to {namespace!r}, "
                            "which is not an IRI",
                            line,
                            value=namespace,
                        )
                    else:
                        declared[prefix] = namespace
        prefixes = {
            p: ns
            for p, ns in self.defaults.items()
            if p not in declared and ns not in declared.values()
        }
        for prefix, namespace in declared.items():
            if namespace in prefixes.values() or prefix in prefixes:
                continue
            if namespace in {ns for p, ns in declared.items() if p < prefix}:
                self._problem(
                    f"curie_map maps two prefixes to <{namespace}>; {prefix!r} is "
                    "ignored (a prefix map must be a bijection)",
                    line,
                    value=namespace,
                )
                continue
            prefixes[prefix] = namespace
        prefixes.update(BUILTIN_PREFIXES)
        return curies.Converter.from_prefix_map(prefixes), prefixes

    def _set_metadata(
        self, meta: dict[str, Any], lines: dict[str, int], first: int
    ) -> tuple[Node, dict[str, list[Node]], dict[str, int]]:
        for key in meta:
            if key not in KNOWN_SET_SLOTS:
                self._problem(
                    f"unknown metadata slot {key!r} is ignored (not an SSSOM "
                    "MappingSet slot nor a govkg extension)",
                    lines.get(key, first),
                    severity=WARNING,
                )
        set_node: Node = BNode("submitted-set")
        raw_id = meta.get("mapping_set_id")
        if raw_id is not None:
            found = self._entity(raw_id, lines.get("mapping_set_id", first), "mapping_set_id")
            if isinstance(found, URIRef):
                set_node = found
        values: dict[str, list[Node]] = {}
        slot_lines: dict[str, int] = {}
        for name, slot in SET_SLOTS.items():
            if name not in meta or name == "source_document_title":
                continue
            line = lines.get(name, first)
            terms = [self._term(slot, v, line) for v in _as_list(meta[name], self, name, line)]
            if terms:
                values.setdefault(str(slot.prop), []).extend(t for t in terms if t is not None)
                slot_lines[str(slot.prop)] = line
        slot_lines[""] = lines.get("mapping_set_id", first)
        if "publication_date" not in meta and "mapping_date" in meta:
            line = lines.get("mapping_date", first)
            issued = [
                self._term(SET_SLOTS["publication_date"], v, line)
                for v in _as_list(meta["mapping_date"], self, "mapping_date", line)
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
        first = self._pending
        if first is None:
            self._problem(
                "empty table: no header row (a submission needs a header of SSSOM "
                "slot names and at least one mapping)",
                max(line, 1),
            )
            return None
        self._header_line = self.line
        try:
            cells = next(csv.reader([first], delimiter=self.delimiter))
        except csv.Error as exc:
            raise InputError(f"malformed header row: {exc}", self.path, self.line) from None
        if len(cells) > MAX_COLUMNS:
            raise InputError(
                f"{len(cells)} columns: more than the {MAX_COLUMNS} allowed", self.path, self.line
            )
        names: list[str | None] = []
        for column, cell in enumerate(cells, 1):
            name = cell.strip()
            if not name:
                self._problem(f"column {column} has no name", self.line, column=column)
                names.append(None)
            elif name in names:
                self._problem(
                    f"column {name!r} appears twice; the second is ignored",
                    self.line,
                    column=column,
                    value=name,
                )
                names.append(None)
            else:
                if name not in KNOWN_MAPPING_SLOTS and name not in SET_SLOTS:
                    self._problem(
                        f"unknown column {name!r} is ignored (not an SSSOM Mapping "
                        "slot nor a govkg extension)",
                        self.line,
                        column=column,
                        severity=WARNING,
                        value=name,
                    )
                names.append(name)
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            self._problem(f"the header lacks the SSSOM column(s) {', '.join(missing)}", self.line)
        return names

    def _rows(self, header: list[str | None]) -> Iterator[Row]:
        def lines() -> Iterator[str]:
            yield from self._lines

        reader = csv.reader(lines(), delimiter=self.delimiter, strict=True)
        minter = Minter(
            str(self.set_node)
            if isinstance(self.set_node, URIRef)
            else MAPPING_SET_BASE + "unnamed-submission",
            include_object_framework=str(GK.objectFramework) not in self.set_values,
        )
        width = len(header)
        while True:
            start = self.line + 1
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
                    self._finding(
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
        self._row_problems = problems
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
                    for t in (self._entity(v, line, name, column) for v in _split(text))
                    if t is not None
                ]
                if name == "subject_source":
                    subject_source = found
                else:
                    object_source = found
                continue
            for part in _split(text) if slot.multivalued else (text,):
                term = self._term(slot, part, line, column)
                if term is not None:
                    values.setdefault(prop, []).append(term)
        if _DATE not in values and self.propagated["mapping_date"] is not None:
            date = self._term(MAPPING_SLOTS["mapping_date"], self.propagated["mapping_date"], line)
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
            self._set_subject = list(self.set_values.get(str(GK.subjectFramework), []))
            self._set_object = list(self.set_values.get(str(GK.objectFramework), []))
        return self._column_plan

    # -- values --

    def _term(self, slot: Slot, value: object, line: int, column: int | None = None) -> Node | None:
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._problem(
                f"{slot.name} must be text, not {type(value).__name__}", line, column=column
            )
            return None
        text = str(value).strip()
        if slot.kind == ENTITY:
            if slot.name == "license" and not _looks_like_reference(text, self.converter):
                return Literal(text)
            return self._entity(text, line, slot.name, column)
        if slot.kind == DOUBLE:
            return _literal(text, XSD.double)
        if slot.kind == DATE:
            return _literal(text, XSD.date)
        if slot.kind == ENUM and slot.name == "crosswalk_status":
            return STATUS_VALUES.get(text.lower(), Literal(text))
        return Literal(text)

    def _entity(
        self, value: object, line: int, slot: str, column: int | None = None
    ) -> Node | None:
        """Expand a CURIE (or take an IRI); a value that is neither stays a literal, so that the
        shapes report it, and a syntax finding says why."""
        text = str(value).strip()
        cached = self._expanded.get(text)
        if cached is not None:
            return cached
        if text.startswith(_IRI_SCHEMES):
            iri: str | None = text
        else:
            iri = self.converter.expand(text) if ":" in text else None
        if iri is None or _BAD_IRI.search(iri):
            prefix = text.split(":", 1)[0] if ":" in text else None
            why = (
                f"prefix {prefix!r} is not declared in the curie_map"
                if prefix and iri is None
                else "it holds characters an IRI cannot hold"
                if iri
                else "it is not a CURIE (prefix:local)"
            )
            self._problem(
                f"{slot} {text!r} is not an entity reference: {why}",
                line,
                column=column,
                value=text,
            )
            return Literal(text)
        if len(self._expanded) >= _CACHE:
            self._expanded.clear()
        node = self._expanded[text] = URIRef(iri)
        return node

    # -- findings --

    def _finding(
        self,
        message: str,
        line: int,
        severity: str = VIOLATION,
        column: int | None = None,
        value: str | None = None,
    ) -> Finding:
        return Finding(
            severity=severity,
            check="syntax",
            message=message,
            shape=_SYNTAX,
            line=line,
            column=column,
            value=value,
        )

    def _problem(
        self,
        message: str,
        line: int,
        severity: str = VIOLATION,
        column: int | None = None,
        value: str | None = None,
    ) -> None:
        finding = self._finding(message, line, severity, column, value)
        target = self._row_problems
        (target if target is not None else self.problems).append(finding)


@lru_cache(maxsize=4096)
def _literal(text: str, datatype: URIRef) -> Literal:
    """A typed literal (cached: confidences and dates repeat across rows)."""
    return Literal(text, datatype=datatype)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _looks_like_reference(text: str, converter: curies.Converter) -> bool:
    return bool(converter.expand(text)) or bool(_SCHEME.match(text) and "//" in text[:12])


def _as_list(value: object, reader: _TableReader, name: str, line: int) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        reader._problem(f"{name} must be a value or a list, not a mapping", line)
        return []
    return [] if value is None else [value]


# --- YAML ------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader, reading dates as text (the shapes check them, so that an invalid
    date such as 2026-02-30 is a finding, not a crash)."""


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _load_yaml(text: str, path: Path, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse the metadata block safely: no anchors, aliases or tags, bounded depth; return the
    values and the line of each top-level key."""
    offset = max(first_line, 1) - 1
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            line = offset + event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(
                    "YAML anchors and aliases are not allowed in the metadata block", path, line
                )
            tag = getattr(event, "tag", None)
            if tag and not getattr(event, "implicit", (True,))[0] and tag != "!":
                raise InputError(f"YAML tag {tag} is not allowed in the metadata block", path, line)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise InputError(
                        f"metadata nested deeper than {MAX_YAML_DEPTH} levels", path, line
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except (ValueError, TypeError, RecursionError) as exc:
        raise InputError(
            f"metadata block cannot be read: {exc}", path, max(first_line, 1)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = offset + mark.line + 1 if mark is not None else max(first_line, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"metadata block is not valid YAML: {problem}", path, line) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise InputError(
            "the metadata block must be a YAML mapping of SSSOM slots", path, max(first_line, 1)
        )
    lines = {str(key.value): offset + key.start_mark.line + 1 for key, _ in node.value}
    return {str(k): v for k, v in data.items()}, lines


def _load_metadata_file(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read metadata: {exc.strerror or exc}", path) from None
    if len(raw) > MAX_METADATA:
        raise InputError(f"metadata file larger than {MAX_METADATA // 2**20} MiB", path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("metadata file is not UTF-8", path) from None
    return _load_yaml(text, path, 1)


# --- RDF -------------------------------------------------------------------------------------


def _read_rdf(path: Path, input_format: str, defaults: dict[str, str]) -> Submission:
    size = path.stat().st_size
    if size > MAX_RDF:
        raise InputError(f"RDF file larger than the {MAX_RDF // 2**20} MiB limit", path)
    syntax = syntax_by_name(input_format)
    try:
        with quiet_rdflib():
            graph = parse_file(path.resolve(), syntax)
    except (RecursionError, MemoryError):
        raise InputError("the file nests too deeply to parse", path) from None
    text = path.read_bytes().decode("utf-8")
    index = LineIndex(text, graph)
    sets = sorted(set(graph.subjects(RDF.type, SSSOM.MappingSet)), key=str)
    set_node = sets[0] if sets else None
    triples: list[tuple[Node, Node, Node]] = []
    for node in sets:
        triples.append((node, RDF.type, SSSOM.MappingSet))
    values: dict[str, list[Node]] = {}
    lines: dict[str, int] = {}
    titles: dict[str, str] = {}
    if set_node is not None:
        for p, o in graph.predicate_objects(set_node):
            if p == SSSOM.mappings:
                continue
            triples.append((set_node, p, o))
            values.setdefault(str(p), []).append(o)
            lines[str(p)] = index.line(set_node) or 1
        for source in values.get(str(DCTERMS.source), []):
            title = graph.value(source, DCTERMS.title)
            if title is not None:
                titles[str(source)] = str(title)
    nodes = set(graph.subjects(RDF.type, SSSOM.Mapping)) | set(graph.objects(None, SSSOM.mappings))
    problems: list[Finding] = []
    described = set(sets) | nodes | {URIRef(s) for s in titles}
    others = sum(1 for s in set(graph.subjects()) if s not in described)
    if others:
        problems.append(
            Finding(
                severity=WARNING,
                check="syntax",
                shape=_SYNTAX,
                line=1,
                message=f"{others} resource(s) other than the mapping set, its mappings and its "
                "source documents are described; the import ignores them",
            )
        )
    ordered = sorted(nodes, key=lambda n: (index.line(n) or 0, str(n)))
    shape_paths = [str(s.prop) for s in MAPPING_SLOTS.values()] + ["^" + str(SSSOM.mappings)]

    def rows() -> Iterator[Row]:
        for node in ordered:
            found: dict[str, list[Node]] = {}
            for key in shape_paths:
                if key.startswith("^"):
                    found[key] = sorted(graph.subjects(URIRef(key[1:]), node), key=str)
                else:
                    found[key] = sorted(graph.objects(node, URIRef(key)), key=str)
            yield Row(
                line=index.line(node) or 1,
                node=node,
                values={k: v for k, v in found.items() if v},
                subject_source=list(values.get(str(GK.subjectFramework), [])),
                object_source=list(values.get(str(GK.objectFramework), [])),
            )

    prefixes = dict(defaults)
    prefixes.update({p: str(ns) for p, ns in graph.namespaces() if p})
    return Submission(
        path=path,
        input_format=input_format,
        set_node=set_node,
        set_values=values,
        set_triples=triples,
        set_line=(index.line(set_node) if set_node else 1) or 1,
        slot_lines=lines,
        source_titles=titles,
        prefixes=prefixes,
        problems=problems,
        rows=rows(),
        graph=graph,
    )


class LineIndex:
    """Finds the line where an RDF file describes a node: the first line that starts with it
    (Turtle-family syntaxes) or names it as ``"@id"``, ``rdf:about`` or ``rdf:resource``
    (JSON-LD, RDF/XML). Built in one pass, so that looking up every mapping stays linear."""

    _MENTION = re.compile(r'(?:"@id"\s*:\s*"|rdf:about="|rdf:resource=")([^"]+)"')

    def __init__(self, text: str, graph: Graph):
        self.names = [(str(ns), p) for p, ns in graph.namespaces() if p and str(ns)]
        self.first: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip()
            if stripped:
                self.first.setdefault(stripped.split(None, 1)[0], number)
            for match in self._MENTION.finditer(line):
                self.first.setdefault(match.group(1), number)

    def line(self, node: Node | None) -> int | None:
        """Return the line of ``node``, or None when it is not an IRI the file names."""
        if not isinstance(node, URIRef):
            return None
        iri = str(node)
        forms = [f"<{iri}>", iri] + [
            f"{prefix}:{iri[len(ns) :]}" for ns, prefix in self.names if iri.startswith(ns)
        ]
        found = [self.first[form] for form in forms if form in self.first]
        return min(found) if found else None


def to_graph(submission: Submission) -> Graph:
    """Return the whole submission as one RDF graph (set and every mapping), as govkg reads it.

    ``govkg validate`` never builds this for a large file; tests use it to run pySHACL on every
    mapping and compare, and the benchmark uses it as the plain-pySHACL baseline.
    """
    graph = Graph()
    for triple in submission.set_triples:
        graph.add(triple)
    set_node = submission.set_node
    for row in submission.rows:
        for prop, declared, wanted in (
            (GK.subjectFramework, row.subject_source, submission.frameworks_from_rows[0]),
            (GK.objectFramework, row.object_source, submission.frameworks_from_rows[1]),
        ):
            if submission.graph is None and set_node is not None and wanted:
                for framework in declared:
                    graph.add((set_node, prop, framework))
        for triple in row_triples(row, submission.graph):
            graph.add(triple)
    return graph


def row_triples(row: Row, source: Graph | None) -> Iterator[tuple[Node, Node, Node]]:
    """Yield the triples of one mapping as SHACL sees it: for RDF input (``source``) the file's
    own triples about it, else its type; then its values (an inverse path key ``^P`` gives
    ``value P node``).
    """
    if source is not None:
        yield from source.triples((row.node, None, None))
    else:
        yield (row.node, RDF.type, SSSOM.Mapping)
    for key, values in row.values.items():
        for value in values:
            if key.startswith("^"):
                yield (value, URIRef(key[1:]), row.node)
            else:
                yield (row.node, URIRef(key), value)
