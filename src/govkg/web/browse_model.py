"""What the browsing pages show: frameworks, their elements as a tree, mappings seen from one
side, mapping sets; and the small pure helpers that name and order them (no store access here:
:mod:`govkg.web.browse` reads these from the graph)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govkg.namespaces import GK

NOT_RELATED = str(GK.notRelatedTo)
_ORDER_LAST = 10**9


# -- what the pages show ------------------------------------------------------------------------


@dataclass
class Framework:
    """One framework as the framework list shows it.

    Attributes:
        iri: Its IRI.
        key: Its key in ``/frameworks/{key}``.
        label: Its preferred label.
        size: How many elements it holds.
        short: A short name (``skos:altLabel``), when it has one.
        kind: What it is (governance framework, principle list ...), as a label.
        publisher: Who publishes it (label and link).
        version: Its version, or else its date of issue.
        licence: Its licence (label and link) or rights statement.
        page: Its home page on the web.
        description: What it is, in a sentence.
    """

    iri: str
    key: str
    label: str
    size: int
    short: str | None = None
    kind: str | None = None
    publisher: tuple[str, str | None] | None = None
    version: str | None = None
    licence: tuple[str, str | None] | None = None
    page: str | None = None
    description: str | None = None


@dataclass
class Element:
    """One element of a framework, a node of its tree.

    Attributes:
        iri: Its IRI.
        path: Its path below the framework (``/frameworks/{key}/{path}``).
        label: Its preferred label.
        notation: Its notation (``GOVERN 1.1``), when it has one.
        kind: Its most specific govkg class, as a label.
        text: Its text or definition.
        parent: The IRI of its parent in the same framework.
        children: Its children in the framework's order.
        mappings: How many mappings touch it.
    """

    iri: str
    path: str
    label: str
    notation: str | None = None
    kind: str | None = None
    text: str | None = None
    parent: str | None = None
    position: float | None = None
    kind_iri: str = ""
    children: list[Element] = field(default_factory=list)
    mappings: int = 0

    @property
    def tag(self) -> str | None:
        """The notation, when the label does not already hold it (``GOVERN 1`` is shown once).

        >>> Element("x", "x", "Govern", notation="GOVERN").tag is None
        True
        """
        if not self.notation or self.notation.casefold() in self.label.casefold():
            return None
        return self.notation

    @property
    def size(self) -> int:
        """How many elements its subtree holds, itself included."""
        return 1 + sum(child.size for child in self.children)


@dataclass
class Tree:
    """A framework's elements in its own order.

    Attributes:
        framework: The framework.
        roots: Its top-level elements.
        elements: Every element by IRI.
        by_path: Every element by its path below the framework.
    """

    framework: Framework
    roots: list[Element]
    elements: dict[str, Element]
    by_path: dict[str, Element]

    def ancestors(self, iri: str) -> list[Element]:
        """The element's ancestors, top first (not the element itself)."""
        found: list[Element] = []
        seen = {iri}
        parent = self.elements[iri].parent
        while parent is not None and parent in self.elements and parent not in seen:
            seen.add(parent)
            found.append(self.elements[parent])
            parent = self.elements[parent].parent
        return found[::-1]

    def group(self, iri: str) -> Element:
        """The top-level element above ``iri`` (itself when it is one)."""
        chain = self.ancestors(iri)
        return chain[0] if chain else self.elements[iri]

    def walk(self) -> list[Element]:
        """Every element, depth first, in the framework's order."""
        out: list[Element] = []

        def visit(element: Element) -> None:
            out.append(element)
            for child in element.children:
                visit(child)

        for root in self.roots:
            visit(root)
        return out


@dataclass
class MappingRow:
    """One mapping as a page shows it, seen from one side.

    Attributes:
        iri: The mapping record's IRI.
        subject: The IRI of the element the page is about (or of A's element).
        other: The IRI of the element at the other end (or of B's element).
        predicate: The predicate's IRI.
        forward: True when ``subject`` is the mapping's subject (``owl:annotatedSource``).
        negated: True for a negative mapping (``predicate_modifier Not``).
        mapping_set: The set's IRI, when a set holds it.
        justification: The justification's IRI (``semapv:...``).
        confidence: The confidence (0-1), when stated.
        comment: The mapping's comment.
        match_basis: What the match rests on (``gk:matchBasis``).
        source: The source document's IRI.
    """

    iri: str
    subject: str
    other: str
    predicate: str
    forward: bool
    negated: bool = False
    mapping_set: str | None = None
    justification: str | None = None
    confidence: str | None = None
    comment: str | None = None
    match_basis: str | None = None
    source: str | None = None

    @property
    def counted(self) -> bool:
        """True when the coverage matrix counts it: positive and not ``gk:notRelatedTo``."""
        return not self.negated and self.predicate != NOT_RELATED


@dataclass
class MappingSet:
    """A mapping set's metadata.

    Attributes:
        iri: Its IRI.
        key: Its key (last segment of the IRI).
        graph: The named graph that holds it.
        label: Its title.
        status: Its crosswalk status (IRI).
        fields: Other metadata, as (label, values as (text, href)).
        mappings: How many mappings it holds in all.
        notes: Its notes.
    """

    iri: str
    key: str
    graph: str | None
    label: str
    status: str | None
    fields: list[tuple[str, list[tuple[str, str | None]]]]
    mappings: int
    notes: list[str]
    subject_sources: list[str]
    object_sources: list[str]
    status_label: str | None = None

    @property
    def official(self) -> bool:
        return self.status is not None and self.status.startswith(str(GK.Official))


def last_segment(iri: str) -> str:
    """The last non-empty segment of an IRI's path or fragment.

    >>> last_segment("https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0")
    'nist-ai-rmf-1-0'
    >>> last_segment("https://example.org/acme#policy")
    'policy'
    """
    parts = [p for p in re.split(r"[/#]", iri) if p]
    return parts[-1] if parts else iri


def readable(iri: str, labels: dict[str, str]) -> str:
    """An IRI as a reader sees it: its label, else its local name in words.

    >>> readable("http://www.w3.org/2004/02/skos/core#relatedMatch", {})
    'related match'
    >>> readable("https://w3id.org/semapv/vocab/ManualMappingCuration", {})
    'manual mapping curation'
    """
    if iri in labels:
        return labels[iri]
    local = last_segment(iri)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ")
    return words.lower() if words != local or local.isalpha() else local


def sort_key(position: float | None, notation: str | None, label: str) -> tuple[Any, ...]:
    """Order elements by position, then notation read as numbers where it has them, then label.

    >>> sorted(["1.10", "1.2", "1.9"], key=lambda n: sort_key(None, n, ""))
    ['1.2', '1.9', '1.10']
    """
    natural = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.findall(r"\d+|\D+", notation or "")
    )
    return (position if position is not None else _ORDER_LAST, natural, label.lower())
