"""Output files, the context every builder shares, confidence and licences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from govkg.namespaces import GK
from reference_import.core import (
    CONFIDENCE_LEVELS,
    LICENSE_IRIS,
    ReferenceDataError,
    Term,
    date_literal,
    days_from_memory,
    en,
    graph_iri,
)
from reference_import.elements import ElementIndex
from reference_import.facts import Facts


@dataclass
class DataFile:
    """One output file: its path below ``data/`` (without ``.ttl``), graph label and header."""

    relative_path: str
    label: str
    description: list[str]
    graph: Graph = field(default_factory=Graph)

    @property
    def graph_iri(self) -> URIRef:
        """The IRI of the named graph the file is loaded into."""
        return graph_iri(self.relative_path)

    def add(self, subject: URIRef, predicate: URIRef, obj: Term) -> None:
        """Add one triple."""
        self.graph.add((subject, predicate, obj))

    def add_all(self, subject: URIRef, predicate: URIRef, objects: Iterable[Term]) -> None:
        """Add one triple per object."""
        for obj in objects:
            self.add(subject, predicate, obj)

    def describe_graph(self) -> None:
        """Describe the file's own graph: a gk:SourceGraph derived from every source it cites."""
        self.add(self.graph_iri, RDF.type, GK.SourceGraph)
        self.add(self.graph_iri, RDFS.label, en(self.label))
        cited = {o for o in self.graph.objects(None, DCTERMS.source) if isinstance(o, URIRef)}
        self.add_all(self.graph_iri, PROV.wasDerivedFrom, cited)


@dataclass
class Context:
    """What every builder needs: the facts, all frameworks' elements, and problems found."""

    facts: Facts
    index: ElementIndex
    problems: list[str] = field(default_factory=list)

    def check_fields(self, item: Mapping[str, Any], known: Iterable[str], where: str) -> None:
        """Record a problem for each field of ``item`` the tool does not handle."""
        unknown = sorted(set(item) - set(known))
        if unknown:
            self.problems.append(f"{where}: fields the tool does not handle: {', '.join(unknown)}")

    def explained(self, level: str | None, notes: Iterable[str]) -> list[str]:
        """Return the notes on what is uncertain; below high confidence, never none.

        Where the facts rate something medium or low and no note explains it, the note says
        what the facts mean by that level.
        """
        notes = list(notes)
        if notes or level in (None, "high"):
            return notes
        meaning = self.facts.meta["conventions"]["confidence"][level]
        return [
            f"Rated {level} confidence in the govkg reference facts, which use it for: {meaning}."
        ]


def add_confidence(
    data: DataFile, subject: URIRef, level: str | None, uncertainty: Iterable[str] = ()
) -> None:
    """Add gk:confidence (if the facts give one) and the notes saying what is uncertain."""
    if level is not None:
        if level not in CONFIDENCE_LEVELS:
            raise ReferenceDataError(f"unknown confidence level {level!r}")
        data.add(subject, GK.confidence, CONFIDENCE_LEVELS[level])
    data.add_all(subject, GK.uncertaintyNote, (en(note) for note in uncertainty))


def split_note(note: str | None, level: str | None) -> tuple[list[str], list[str]]:
    """Split a note into (plain notes, uncertainty notes) by the confidence it is rated with."""
    if not note:
        return [], []
    return ([note], []) if level in (None, "high") else ([], [note])


#: The Creative Commons Public Domain Mark, the usual IRI for "no known copyright".
PUBLIC_DOMAIN_MARK = URIRef("https://creativecommons.org/publicdomain/mark/1.0/")


def license_term(text: str) -> URIRef:
    """Return a licence IRI: the SPDX id's licence, or the Public Domain Mark for U.S.
    Government works (dcterms:license takes a licence document, not text)."""
    if text in LICENSE_IRIS:
        return LICENSE_IRIS[text]
    if "public domain" in text.lower():
        return PUBLIC_DOMAIN_MARK
    raise ValueError(f"unknown licence {text!r}: add it to LICENSE_IRIS")


def add_licenses(data: DataFile, subject: URIRef, texts: Iterable[str]) -> None:
    """Add dcterms:license IRIs, and the facts' own wording as dcterms:rights."""
    for text in texts:
        data.add(subject, DCTERMS.license, license_term(text))
        if text not in LICENSE_IRIS:
            data.add(subject, DCTERMS.rights, en(text))


def add_dates(
    data: DataFile,
    subject: URIRef,
    predicate: URIRef,
    values: Iterable[object],
    notes: Iterable[object],
) -> None:
    """Add dates at their precision; a day a note says is from memory is cut to its month."""
    vague = days_from_memory(notes)
    for value in values:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if text in vague:
            data.add(subject, predicate, date_literal(text[:7]))
            data.add(
                subject,
                GK.uncertaintyNote,
                en(
                    f"The day {text} is from memory (confidence low), so only the month is "
                    "recorded."
                ),
            )
        else:
            data.add(subject, predicate, date_literal(value))
