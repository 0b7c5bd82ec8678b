"""What reading a framework submission gives, whatever its form (a table with YAML metadata, or
SKOS Turtle): the framework's metadata and its elements, each with where the file states it;
the namespace its IRIs are minted in; and the element kinds govkg knows
(docs/framework-submissions.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from govkg.loading import parse_file
from govkg.namespaces import GK
from govkg.submission.findings import shape
from govkg.validation import VIOLATION, Finding

#: Where IRIs are minted when there is no workspace: validation still works, import does not.
PLACEHOLDER_NAMESPACE = "https://example.org/govkg-workspace/"

#: A framework key: lower case, hyphenated (docs/data-conventions.md, IRIs).
KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

#: An element key: what ``queries/qc/iri-pattern-violation.rq`` accepts after the framework IRI.
ELEMENT_KEY = re.compile(r"^[a-z0-9][a-z0-9.-]*$")

#: The kind of an element with no kind given: a framework element and nothing more specific.
GENERIC_KIND = "element"

#: The shape a reading problem is about.
SYNTAX = shape("FrameworkSubmissionSyntax")


@dataclass(frozen=True)
class Namespace:
    """The base IRI a framework's IRIs are minted in (a workspace's, or the placeholder).

    Attributes:
        base: The namespace, ending in ``/``, ``#`` or ``:``.
        placeholder: True when there is no workspace.

    >>> ns = Namespace("https://example.org/acme/")
    >>> str(ns.iri("framework/acme-ai-policy")), str(ns.graph_iri("frameworks", "acme-ai-policy"))
    ('https://example.org/acme/id/framework/acme-ai-policy', 'https://example.org/acme/graph/frameworks/acme-ai-policy')
    """

    base: str
    placeholder: bool = False

    def iri(self, path: str) -> URIRef:
        """Return the IRI of a resource: namespace + ``id/`` + path (as ``Workspace.iri``)."""
        return URIRef(f"{self.base}id/{path}")

    def graph_iri(self, folder: str, key: str) -> URIRef:
        """Return the IRI of a named graph (as ``Workspace.graph_iri``)."""
        return URIRef(f"{self.base}graph/{folder}/{key}")

    @property
    def ids(self) -> str:
        """The prefix every minted resource IRI starts with."""
        return f"{self.base}id/"


@dataclass
class Element:
    """One element as the submission states it (text as given, stripped; empty is None).

    Attributes:
        key: Its id (the last segment of its IRI).
        line: The line (table row, or where the Turtle describes it).
        notation: Its official identifier (``skos:notation``).
        label: Its name.
        text: Its wording (``gk:text``).
        definition: Its definition (``skos:definition``), for a term or a risk it defines.
        parent: The key of its parent (``skos:broader``), None for a top element.
        kind: The kind named (a key of :func:`element_kinds`), None for a plain element.
        source: The id of its source document, None for the framework's.
        locator: Where in the source (``gk:sourceLocator``).
        cell: The column letters of each field, for XLSX (``Sheet!B7``), by field name.
        iri: The IRI the submission gives (SKOS), None for a table (minted).
        kind_iri: The class a SKOS element is typed (instead of a kind name).
    """

    key: str
    line: int
    notation: str | None = None
    label: str | None = None
    text: str | None = None
    definition: str | None = None
    parent: str | None = None
    kind: str | None = None
    source: str | None = None
    locator: str | None = None
    cell: dict[str, str] = field(default_factory=dict)
    iri: URIRef | None = None
    kind_iri: list[URIRef] = field(default_factory=list)


@dataclass
class SourceDoc:
    """A source document the metadata describes.

    Attributes:
        id: Its key (``id/source/{id}``).
        title: Its title.
        url: Where it is published.
        issued: Its date, as text.
        line: The metadata line that describes it.
    """

    id: str
    title: str | None
    url: str | None
    issued: str | None
    line: int


@dataclass
class Draft:
    """A framework submission as read, before any check.

    Attributes:
        path: The file.
        input_format: The format it was read as.
        metadata: The set metadata (YAML keys, or what the Turtle states, under the same keys).
        metadata_path: Where the metadata came from.
        metadata_lines: The line of each metadata key there.
        elements: The elements, in file order.
        problems: Findings made while reading.
        iri: The framework IRI a SKOS file gives (None for a table).
        sheet: The XLSX sheet read, for cell names.
    """

    path: Path
    input_format: str
    metadata: dict[str, Any]
    metadata_path: Path
    metadata_lines: dict[str, int]
    elements: list[Element]
    problems: list[Finding] = field(default_factory=list)
    iri: URIRef | None = None
    sheet: str | None = None

    @property
    def key(self) -> str | None:
        value = self.metadata.get("id")
        return value.strip() if isinstance(value, str) and value.strip() else None

    def meta_line(self, name: str) -> int:
        """The line of metadata key ``name`` in the metadata's own file (1 when not given)."""
        return self.metadata_lines.get(name, 1)

    def file_line(self, name: str) -> int:
        """The line of the submission that states metadata key ``name``: its line when the
        submission holds its metadata, else 1 (findings then name the metadata file)."""
        return self.meta_line(name) if self.metadata_path == self.path else 1

    def where(self, element: Element, column: str) -> str:
        """Name an element's field for a message: ``cell Sheet!C7`` for XLSX (a row number
        alone does not name the cell), else the line (the finding's own line says it too)."""
        letter = element.cell.get(column)
        if self.sheet is not None and letter:
            return f"cell {self.sheet}!{letter}{element.line}"
        return f"line {element.line}"

    def prefix(self, element: Element, column: str) -> str:
        """What a message about an element starts with: its cell for XLSX, else nothing."""
        return f"{self.where(element, column)}: " if self.sheet is not None else ""


def syntax_problem(message: str, line: int, severity: str = VIOLATION) -> Finding:
    """A finding about how the file is written (read by the framework readers)."""
    return Finding(severity=severity, message=message, shape=SYNTAX, check="syntax", line=line)


def kind_name(local: str) -> str:
    """Write a class's local name as a kind: lower case, hyphenated.

    >>> kind_name("TestableCriterion"), kind_name("Risk")
    ('testable-criterion', 'risk')
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "-", local).lower()


def normal_kind(text: str) -> str:
    """A kind as written in a table, in the form :func:`element_kinds` names it.

    >>> normal_kind("TestableCriterion"), normal_kind(" Testable criterion"), normal_kind("risk")
    ('testable-criterion', 'testable-criterion', 'risk')
    """
    text = text.strip()
    if " " not in text and "_" not in text and text[:1].isupper():
        return kind_name(text)
    return re.sub(r"[\s_]+", "-", text.lower())


@lru_cache(maxsize=4)
def _kinds_of(ontology_file: str) -> dict[str, URIRef]:
    graph: Graph = parse_file(Path(ontology_file))
    kinds = {GENERIC_KIND: URIRef(GK.FrameworkElement), "principle": URIRef(GK.Principle)}
    for cls in graph.subjects(RDFS.subClassOf, GK.FrameworkElement):
        if isinstance(cls, URIRef) and str(cls).startswith(str(GK)):
            kinds[kind_name(str(cls)[len(str(GK)) :])] = cls
    return dict(sorted(kinds.items()))


def element_kinds(ontology: Path) -> dict[str, URIRef]:
    """The kinds an element may have: ``element`` (plain ``gk:FrameworkElement``),
    ``principle``, and every subclass of ``gk:FrameworkElement`` in ``ontology/frameworks.ttl``,
    named by :func:`kind_name` (``category``, ``testable-criterion`` ...).

    >>> from govkg.paths import bundled_layout
    >>> kinds = element_kinds(bundled_layout().ontology)
    >>> str(kinds["subcategory"]), str(kinds["element"])
    ('https://w3id.org/govkg/ontology#Subcategory', 'https://w3id.org/govkg/ontology#FrameworkElement')
    """
    return _kinds_of(str(ontology / "frameworks.ttl"))
