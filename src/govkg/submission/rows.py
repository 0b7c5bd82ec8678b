"""What reading a submission gives: the set's metadata and a stream of rows (one mapping
each, its values keyed by the shape paths of :mod:`govkg.submission.rowshapes`), and the
syntax findings the readers record on the way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from govkg.submission.findings import shape
from govkg.validation import VIOLATION, Finding

#: The shape syntax findings are about.
SYNTAX = shape("SubmissionSyntax")


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


def row_triples(row: Row, source: Graph | None) -> Iterator[tuple[Node, Node, Node]]:
    """Yield the triples of one mapping as SHACL sees it: for RDF input (``source``) the file's
    own triples about it, else its type; then its values (an inverse path key ``^P`` gives
    ``value P node``).
    """
    if source is not None:
        yield from source.triples((row.node, None, None))
    else:
        yield (row.node, RDF.type, OWL.Axiom)
    for key, values in row.values.items():
        for value in values:
            if key.startswith("^"):
                yield (value, URIRef(key[1:]), row.node)
            else:
                yield (row.node, URIRef(key), value)


def syntax_finding(
    message: str,
    line: int,
    severity: str = VIOLATION,
    column: int | None = None,
    value: str | None = None,
) -> Finding:
    """Return a syntax finding (shape ``gks:SubmissionSyntax``) at ``line``.

    >>> found = syntax_finding("column 3 has no name", 2, column=3)
    >>> (found.check, found.severity, found.line, found.column)
    ('syntax', 'Violation', 2, 3)
    """
    return Finding(
        severity=severity,
        check="syntax",
        message=message,
        shape=SYNTAX,
        line=line,
        column=column,
        value=value,
    )
