"""NIST OLIR relationship tables, read as a mapping submission and written from a mapping set.

An OLIR (Online Informative Reference, NIST IR 8278A r1, "National Online Informative
References (OLIR) Program: Submission Guidance for OLIR Developers", February 2024) relates
elements of a Focal Document (a NIST document, such as the AI RMF) to elements of a Reference
Document. Its template is a table, one relationship a row; govkg reads the *set theory
relationship mapping* style, whose columns section 3.2 (Table 2) describes and Tables 4 and 5
show in this order: Focal Document Element, Focal Document Element Description, Rationale,
Relationship, Reference Document Element, Reference Document Element Description, Comments,
Strength of Relationship (docs/olir.md).

How a row becomes a mapping (the same :class:`~govkg.submission.rows.Submission` the SSSOM
reader gives, so every check of ``govkg validate`` applies):

* subject: the Reference Document Element; object: the Focal Document Element. The
  Relationship is asserted "for the Reference Document Element compared to the Focal Document
  Element" (Table 2), so ``subset of`` reads *reference subset of focal*: ``gk:subsetOf``;
* Relationship: ``subset of``, ``intersects with``, ``equal``, ``superset of``, ``not related
  to`` → ``gk:subsetOf``, ``gk:intersectsWith``, ``gk:equalTo``, ``gk:supersetOf``,
  ``gk:notRelatedTo`` (govkg's NIST IR 8477 set relationships, ontology/mappings.ttl);
* Rationale (``syntactic``, ``semantic``, ``functional``, section 3.2.5) → ``gk:matchBasis``
  (what a manual match rests on); the justification is ``semapv:ManualMappingCuration``;
* Strength of Relationship (an integer 0 to 10, or ``N/A``, section 3.2.12) →
  ``sssom:similarity_score`` (strength / 10) with ``sssom:similarity_measure`` naming it;
* Comments → ``rdfs:comment``; the descriptions and the Security Control Baseline are not
  stored (govkg holds the elements' own text);
* an element cell is a CURIE or IRI, else a notation of the set's framework for that side
  (``subject_source`` for the Reference Document, ``object_source`` for the Focal Document),
  looked up in the built graph when :class:`NotationIndex` is given, else an element id
  (``{framework}/{id}``, the notation's slug for a notation such as ``GOVERN 1.1``); an element
  the graph does not hold is the usual reference finding on that line;
* the set's metadata is SSSOM MappingSet slots in YAML, as for a CSV table: ``#`` lines at
  the top of an OLIR CSV, ``--metadata FILE``, or the side file ``<name>.yml`` beside the
  table (``x.olir.csv`` → ``x.olir.yml``); its ``creator_id`` (the Informative Reference
  Developer) is each mapping's author.

The table is read by :class:`~govkg.submission.tables.TableReader` as the SSSOM CSV it stands
for, line for line (a row of an XLSX sheet is a line), so that findings name the OLIR file's
own lines; an XLSX workbook is read through :mod:`govkg.spreadsheets` (formulas, external
links, zip bombs refused).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, cast

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from govkg.backends import Store
from govkg.errors import InputError
from govkg.namespaces import GK, SSSOM
from govkg.spreadsheets import cell_name, read_sheet, sheet_names
from govkg.submission import limits
from govkg.submission.lines import GuardedLines
from govkg.submission.rows import Row, Submission, syntax_finding
from govkg.submission.tables import TableReader
from govkg.submission.terms import TermReader
from govkg.submission.yamlblock import load_metadata_file, load_yaml
from govkg.validation import VIOLATION, WARNING, Finding

#: Input (and export) formats.
OLIR_FORMATS = ("olir-csv", "olir-xlsx")

FOCAL = "Focal Document Element"
FOCAL_DESCRIPTION = "Focal Document Element Description"
RATIONALE = "Rationale"
RELATIONSHIP = "Relationship"
REFERENCE = "Reference Document Element"
REFERENCE_DESCRIPTION = "Reference Document Element Description"
COMMENTS = "Comments"
STRENGTH = "Strength of Relationship"
BASELINE = "Security Control Baseline"

#: The columns of a set theory relationship mapping OLIR, in the order of NIST IR 8278A r1,
#: Tables 4 and 5.
COLUMNS = (
    FOCAL,
    FOCAL_DESCRIPTION,
    RATIONALE,
    RELATIONSHIP,
    REFERENCE,
    REFERENCE_DESCRIPTION,
    COMMENTS,
    STRENGTH,
)

#: Columns read and not stored: the descriptions and the SP 800-53 baseline (Table 2), and two
#: columns of the first OLIR template (NIST IR 8278A, 2020) that tables made with it still have.
IGNORED_COLUMNS = (
    FOCAL_DESCRIPTION,
    REFERENCE_DESCRIPTION,
    BASELINE,
    "Group Identifier",
    "Fulfilled By",
)

#: Columns of the supportive relationship mapping style (Table 2), which govkg does not read.
SUPPORTIVE_COLUMNS = ("Relationship Type", "Relationship Explanation", "Relationship Property")

#: The set theory relationships (NIST IR 8278A r1, 3.2.6) and govkg's predicates for them.
RELATIONSHIPS: dict[str, URIRef] = {
    "subset of": GK.subsetOf,
    "intersects with": GK.intersectsWith,
    "equal": GK.equalTo,
    "superset of": GK.supersetOf,
    "not related to": GK.notRelatedTo,
}

#: The relationship word of each predicate (what an exported table writes).
RELATIONSHIP_WORDS = {predicate: word for word, predicate in RELATIONSHIPS.items()}

#: The rationales (NIST IR 8278A r1, 3.2.5), strictest first.
RATIONALES = ("syntactic", "semantic", "functional")

#: The ``sssom:similarity_measure`` of a similarity score read from a Strength of Relationship.
STRENGTH_MEASURE = "NIST IR 8278A r1 Strength of Relationship (0 to 10) divided by 10"

#: Rows searched for the header (a template may have title rows above it).
HEADER_SEARCH = 20

_KNOWN = {name.lower(): name for name in (*COLUMNS, *IGNORED_COLUMNS, *SUPPORTIVE_COLUMNS)}
_SUFFIX = re.compile(r"\s*\((optional|y/n|id)\)\s*$", re.IGNORECASE)
#: An element id as a cell may give it (the slug of a notation when it has no id).
ELEMENT_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SCORE = str(SSSOM.similarity_score)
_MEASURE = str(SSSOM.similarity_measure)
#: The similarity score of each strength (made once: a literal is slow to make).
_SCORES = [Literal(repr(strength / 10), datatype=XSD.double) for strength in range(11)]
_MEASURE_VALUE = Literal(STRENGTH_MEASURE)
#: The SSSOM columns each OLIR row is read as.
_SSSOM_HEADER = [
    "subject_id",
    "predicate_id",
    "object_id",
    "mapping_justification",
    "author_id",
    "match_basis",
    "comment",
]


def column_name(header: str) -> str | None:
    """Return the OLIR column a header cell names (case, spacing, line breaks and a trailing
    ``(optional)``, ``(Y/N)`` or ``(ID)`` do not matter), or None.

    >>> column_name("Strength of\\nRelationship (optional)"), column_name("focal document element")
    ('Strength of Relationship', 'Focal Document Element')
    >>> column_name("Notes") is None
    True
    """
    text = _SUFFIX.sub("", " ".join(header.split())).lower()
    return _KNOWN.get(text)


def relationship(text: str) -> URIRef | None:
    """Return govkg's predicate for an OLIR Relationship value (case, spacing, ``-`` and ``_``
    do not matter), or None.

    >>> relationship("Subset of"), relationship("intersects-with")
    (rdflib.term.URIRef('https://w3id.org/govkg/ontology#subsetOf'), rdflib.term.URIRef('https://w3id.org/govkg/ontology#intersectsWith'))
    >>> relationship("related") is None
    True
    """
    return RELATIONSHIPS.get(" ".join(text.replace("-", " ").replace("_", " ").split()).lower())


def slug(text: str) -> str:
    """The element id a notation stands for when the graph is not asked (lower case, runs of
    other characters as one hyphen).

    >>> slug("GOVERN 1.1")
    'govern-1-1'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class NotationIndex:
    """The elements of the built graph by framework and notation (``skos:notation``), for
    reading element cells such as ``GOVERN 1.1``.

    Attributes:
        elements: Element IRI by (framework IRI, notation); a notation two elements of one
            framework share is left out (it names neither).
    """

    elements: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str, str]]) -> NotationIndex:
        """Index (element, framework, notation) triples.

        >>> index = NotationIndex.from_pairs([("e1", "f", "1.1"), ("e2", "f", "1.2"),
        ...                                   ("e3", "f", "1.2")])
        >>> index.find("f", "1.1"), index.find("f", "1.2")
        ('e1', None)
        """
        found: dict[tuple[str, str], set[str]] = {}
        for element, framework, notation in pairs:
            found.setdefault((framework, notation.strip()), set()).add(element)
        return cls({key: next(iter(v)) for key, v in found.items() if len(v) == 1})

    @classmethod
    def from_store(cls, store: Store) -> NotationIndex:
        """Index the notations of the elements of the graph a store holds."""
        rows = store.select(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?e ?f ?n WHERE { ?e skos:inScheme ?f ; skos:notation ?n }"
        ).dicts()
        return cls.from_pairs([(r["e"], r["f"], r["n"]) for r in rows])

    def find(self, framework: str, notation: str) -> str | None:
        return self.elements.get((framework, notation.strip()))


def metadata_beside(path: Path) -> Path | None:
    """Return the side file holding a table's set metadata, when there is one: ``<name>.yml``
    (or ``.yaml``) beside it, ``<name>`` being the file name without its last suffix.

    >>> metadata_beside(Path("/nowhere/x.olir.csv")) is None
    True
    """
    for suffix in (".yml", ".yaml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def read_olir(
    path: Path,
    input_format: str,
    defaults: dict[str, str],
    metadata: Path | None = None,
    notations: NotationIndex | None = None,
) -> Submission:
    """Open an OLIR relationship table (CSV or XLSX) as a mapping submission.

    Args:
        path: The file.
        input_format: ``olir-csv`` or ``olir-xlsx``.
        defaults: The prefixes a submission may use undeclared.
        metadata: A YAML file with the set's metadata (else the ``#`` block of a CSV, else
            the side file :func:`metadata_beside`).
        notations: The built graph's notations, to read element cells such as ``GOVERN 1.1``.

    Raises:
        InputError: the file cannot be read, or has no OLIR header row, naming the file (and
            the cell or line).
    """
    if input_format not in OLIR_FORMATS:
        raise InputError(f"not an OLIR format: {input_format}")
    if metadata is None and not (input_format == "olir-csv" and _has_block(path)):
        metadata = metadata_beside(path)
    source = _OlirSource(path, input_format, defaults, metadata, notations)
    return source.open()


def _has_block(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4).removeprefix(b"\xef\xbb\xbf")[:1] == b"#"
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


class _LineStream(io.RawIOBase):
    """A binary stream of the lines a generator yields (what :class:`GuardedLines` reads)."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        if not self._pending:
            self._pending = next(self._lines, "").encode("utf-8")
        if size is None or size < 0 or size >= len(self._pending):
            line, self._pending = self._pending, b""
        else:
            line, self._pending = self._pending[:size], self._pending[size:]
        return line


class _Reader(TableReader):
    """The table reader, reading the SSSOM CSV an OLIR table stands for from a stream."""

    def __init__(self, source: _OlirSource, stream: io.RawIOBase):
        super().__init__(source.path, "csv", source.defaults, source.metadata)
        self._stream = stream

    def open(self) -> Submission:
        csv.field_size_limit(limits.MAX_CELL)
        self.lines = GuardedLines(self.path, cast(BinaryIO, self._stream))
        try:
            return self._open()
        except BaseException:
            self._stream.close()
            raise


@dataclass
class _Extra:
    """What a row of the OLIR table adds to the mapping read from its SSSOM line."""

    problems: list[Finding] = field(default_factory=list)
    values: dict[str, list[Node]] = field(default_factory=dict)


class _OlirSource:
    """One OLIR table: its rows as (line, cells), the header found, each row turned into the
    SSSOM line it stands for, and what each adds."""

    def __init__(
        self,
        path: Path,
        input_format: str,
        defaults: dict[str, str],
        metadata: Path | None,
        notations: NotationIndex | None,
    ):
        self.path = path
        self.input_format = input_format
        self.defaults = defaults
        self.metadata = metadata
        self.notations = notations
        self.file_problems: list[Finding] = []
        self.extras: dict[int, _Extra] = {}
        self.sheet: str | None = None
        self.columns: dict[str, int] = {}

    # -- opening --

    def open(self) -> Submission:
        meta, lines = self._metadata()
        if not meta:
            self._file_problem(
                "no set metadata: give it as # YAML lines at the top of an OLIR CSV, with "
                f"--metadata FILE, or as the side file {self.path.with_suffix('.yml').name} "
                "(docs/olir.md); its subject_source and object_source say which frameworks "
                "the element cells belong to",
                1,
            )
        terms = TermReader(self.defaults, meta.get("curie_map"), lines.get("curie_map", 1), [])
        self.frameworks = {
            name: self._framework(terms, meta.get(name), lines.get(name, 1))
            for name in ("subject_source", "object_source")
        }
        creators = meta.get("creator_id")
        self.authors = "|".join(
            str(c) for c in (creators if isinstance(creators, list) else [creators]) if c
        )
        reader = _Reader(self, _LineStream(self._sssom_lines()))
        submission = reader.open()
        submission.input_format = self.input_format
        submission.problems.extend(self.file_problems)
        submission.rows = self._rows(submission.rows)
        return submission

    def _metadata(self) -> tuple[dict[str, Any], dict[str, int]]:
        """The set's metadata as this reader needs it (the table reader reads it again)."""
        if self.metadata is not None:
            return load_metadata_file(self.metadata)
        if self.input_format != "olir-csv":
            return {}, {}
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.path) from None
        lines = GuardedLines(self.path, stream)
        try:
            block, first, _ = lines.metadata_block()
        finally:
            stream.close()
        return load_yaml(block, self.path, first) if block.strip() else ({}, {})

    def _framework(self, terms: TermReader, value: object, line: int) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        found = terms.entity(value, line, "framework")
        return str(found) if isinstance(found, URIRef) else None

    # -- the table, as SSSOM lines --

    def _table(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """The file's lines as (line, cells, text): the ``#`` lines at the top of a CSV with
        their text and no cells, then the table's rows with their cells."""
        if self.input_format == "olir-xlsx":
            self.sheet = self._choose_sheet()
            for line, cells in read_sheet(self.path, self.sheet):
                yield line, cells, ""
            return
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", self.path) from None
        lines = GuardedLines(self.path, stream)
        first: str | None = None
        for text in lines:
            if not text.startswith("#"):
                first = text
                break
            yield lines.line, None, text if text.endswith("\n") else text + "\n"
        if first is None:
            return
        reader = csv.reader(_chain(first, lines), strict=True)
        line = lines.line
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"malformed row: {exc}", self.path, line) from None
            yield line, cells, ""
            line = lines.line + 1

    def _choose_sheet(self) -> str:
        """The first worksheet with an OLIR header in its first rows."""
        names = sheet_names(self.path)
        for name in names:
            rows = read_sheet(self.path, name)
            try:
                for count, (_, cells) in enumerate(rows, 1):
                    if _is_header(cells):
                        return name
                    if count >= HEADER_SEARCH:
                        break
            finally:
                rows.close()
        raise InputError(
            f"no worksheet has an OLIR header row (a row naming the columns {FOCAL} and "
            f"{REFERENCE}) in its first {HEADER_SEARCH} rows (sheets: {', '.join(names)})",
            self.path,
        )

    def _sssom_lines(self) -> Iterator[str]:
        """The lines of the SSSOM CSV the table stands for, one for each of its lines: the
        ``#`` block as it is, rows above the header as empty ``#`` lines, the SSSOM header on
        the header's line, each relationship on its row's line, blank lines elsewhere."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        written = searched = 0
        header: int | None = None
        for line, cells, text in self._table():
            while written < line - 1:
                written += 1
                yield "#\n" if header is None else "\n"
            written = line
            if cells is None:
                yield text
                continue
            if header is None:
                if not _is_header(cells):
                    searched += 1
                    if searched >= HEADER_SEARCH:
                        break
                    yield "#\n"
                    continue
                self._header(line, cells)
                header = line
                writer.writerow(_SSSOM_HEADER)
            else:
                sssom = self._row(line, cells)
                if sssom is None:
                    yield "\n"
                    continue
                writer.writerow(sssom)
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        if header is None:
            raise InputError(
                f"no OLIR header row (a row naming the columns {FOCAL} and {REFERENCE}) in "
                f"the first {HEADER_SEARCH} rows",
                self.path,
            )

    def _header(self, line: int, cells: list[str]) -> None:
        """Record where each OLIR column is; findings for what cannot be read."""
        for number, cell in enumerate(cells, 1):
            name = column_name(cell)
            if name is None:
                if cell.strip():
                    self._file_problem(
                        f"unknown column {cell.strip()!r} is ignored (not an OLIR template column)",
                        line,
                        number,
                        WARNING,
                    )
                continue
            if name in self.columns:
                self._file_problem(f"column {name!r} appears twice", line, number)
                continue
            self.columns[name] = number - 1
            if name in SUPPORTIVE_COLUMNS:
                self._file_problem(
                    f"column {name!r} belongs to a supportive relationship mapping OLIR, which "
                    "govkg does not read (only set theory relationship mappings)",
                    line,
                    number,
                )
        for required in (FOCAL, REFERENCE, RELATIONSHIP):
            if required not in self.columns:
                self._file_problem(
                    f"the header lacks the column {required!r}"
                    + (
                        " (a concept crosswalk OLIR states no relationship govkg can store)"
                        if required == RELATIONSHIP
                        else ""
                    ),
                    line,
                )

    def _row(self, line: int, cells: list[str]) -> list[str] | None:
        """The SSSOM cells of one OLIR row, or None for a row that states no relationship
        (a Focal Document Element left without one, NIST IR 8278A r1, 3.2, guideline 3)."""

        def cell(name: str) -> str:
            index = self.columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        focal, reference = cell(FOCAL), cell(REFERENCE)
        stated = [cell(n) for n in (REFERENCE, RELATIONSHIP, RATIONALE, STRENGTH, COMMENTS)]
        if not any(stated):
            return None
        extra = self.extras[line] = _Extra()
        predicate = ""
        text = cell(RELATIONSHIP)
        found = relationship(text) if text else None
        if found is not None:
            predicate = str(found)
        elif text:
            self._problem(
                extra,
                f"Relationship {text!r} is not one of: {', '.join(RELATIONSHIPS)}",
                line,
                RELATIONSHIP,
                value=text,
            )
        else:
            self._problem(extra, "Relationship is empty", line, RELATIONSHIP)
        basis = self._rationale(extra, line, cell(RATIONALE))
        self._strength(extra, line, cell(STRENGTH), found)
        return [
            self._element(reference, "subject_source"),
            predicate,
            self._element(focal, "object_source"),
            "semapv:ManualMappingCuration",
            self.authors,
            basis,
            cell(COMMENTS),
        ]

    def _element(self, text: str, side: str) -> str:
        """The IRI (or CURIE) an element cell stands for."""
        framework = self.frameworks.get(side)
        if not text or framework is None:
            return text
        if ":" in text and " " not in text:  # a CURIE or an IRI (OLIR ids hold no colon, 3.2.3)
            return text
        if self.notations is not None:
            found = self.notations.find(framework, text)
            if found is not None:
                return found
        key = text if ELEMENT_KEY.match(text) else slug(text)
        return f"{framework.rstrip('/')}/{key}" if key else text

    def _rationale(self, extra: _Extra, line: int, text: str) -> str:
        value = text.lower()
        if value in RATIONALES:
            return value
        if text:
            self._problem(
                extra,
                f"Rationale {text!r} is not one of: {', '.join(RATIONALES)}",
                line,
                RATIONALE,
                value=text,
            )
        else:
            self._problem(
                extra,
                "Rationale is empty (NIST IR 8278A r1 asks one of syntactic, semantic, "
                "functional for a set theory relationship mapping)",
                line,
                RATIONALE,
                severity=WARNING,
            )
        return ""

    def _strength(self, extra: _Extra, line: int, text: str, found: URIRef | None) -> None:
        if not text or text.upper() == "N/A":
            return
        if not re.fullmatch(r"\d{1,2}", text) or int(text) > 10:
            self._problem(
                extra,
                f"Strength of Relationship {text!r} is not an integer from 0 to 10 (or N/A)",
                line,
                STRENGTH,
                value=text,
            )
            return
        strength = int(text)
        expected = {GK.equalTo: 10, GK.notRelatedTo: 0}.get(found) if found else None
        if found is not None and expected is not None and strength != expected:
            self._problem(
                extra,
                f"Strength of Relationship {strength} for {RELATIONSHIP_WORDS[found]!r}: "
                f"NIST IR 8278A r1 (3.2.12) assigns {expected}",
                line,
                STRENGTH,
                severity=WARNING,
                value=text,
            )
        extra.values[_SCORE] = [_SCORES[strength]]
        extra.values[_MEASURE] = [_MEASURE_VALUE]

    # -- findings --

    def _where(self, line: int, column: int | None) -> str:
        """``Sheet!C12`` for a cell of a workbook, else nothing (the line is the finding's)."""
        if self.sheet is not None and column is not None:
            return f" (cell {self.sheet}!{cell_name(line, column)})"
        return ""

    def _problem(
        self,
        extra: _Extra,
        message: str,
        line: int,
        name: str,
        severity: str = VIOLATION,
        value: str | None = None,
    ) -> None:
        index = self.columns.get(name)
        column = index + 1 if index is not None else None
        extra.problems.append(
            syntax_finding(message + self._where(line, column), line, severity, column, value)
        )

    def _file_problem(
        self, message: str, line: int, column: int | None = None, severity: str = VIOLATION
    ) -> None:
        self.file_problems.append(
            syntax_finding(message + self._where(line, column), line, severity, column)
        )

    def _rows(self, rows: Iterator[Row]) -> Iterator[Row]:
        """The table reader's rows, each with what its OLIR row adds."""
        for row in rows:
            extra = self.extras.pop(row.line, None)
            if extra is not None:
                row.problems.extend(replace(p, focus=row.focus) for p in extra.problems)
                for key, values in extra.values.items():
                    row.values[key] = values
            yield row


def _is_header(cells: list[str]) -> bool:
    names = {column_name(c) for c in cells}
    return FOCAL in names and REFERENCE in names


def _chain(first: str, rest: GuardedLines) -> Iterator[str]:
    yield first
    yield from rest
