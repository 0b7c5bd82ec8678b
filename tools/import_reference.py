#!/usr/bin/env python3
"""Regenerate govkg's source, framework and crosswalk Turtle files from the reference facts.

A developer tool, not part of the govkg package: nothing at build or run time imports it or
reads the reference facts. Run it from the repository root after the reference facts change::

    python tools/import_reference.py ../shared/reference/governance-facts.yaml [OUT_DIR]

``OUT_DIR`` defaults to the repository's ``data/`` folder. The tool writes

* ``sources.ttl``: one ``gk:SourceDocument`` per entry of ``sources``, and one for the
  reference facts themselves (``source:govkg-reference-facts``);
* ``frameworks/{key}.ttl``: each framework as a ``gk:GovernanceFramework`` with its elements;
* ``crosswalks/{key}.ttl``: each crosswalk as a ``gk:Crosswalk`` (an SSSOM mapping set), plus
  the unofficial sets ``ai-verify-ai-rmf-text-reuse`` and ``fact-sheet-principles-lexical``.

The output is deterministic (sorted subjects, predicates and objects; no blank nodes): two runs
on the same facts give byte-identical files. The tool checks the facts as it goes (every key,
parent, source and organisation resolves; every count the facts state matches what is written;
no field goes unread) and exits with status 1 and the list of problems when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

# --- vocabularies, IRIs and conventions --------------------------------------------------------

GK = Namespace("https://w3id.org/govkg/ontology#")
SSSOM = Namespace("https://w3id.org/sssom/")
PAV = Namespace("http://purl.org/pav/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")

ID_BASE = "https://w3id.org/govkg/id/"
GRAPH_BASE = "https://w3id.org/govkg/graph/"
SOURCE_NS = Namespace(ID_BASE + "source/")
FRAMEWORK_NS = Namespace(ID_BASE + "framework/")
ORGANISATION_NS = Namespace(ID_BASE + "organisation/")
MAPPING_SET_NS = Namespace(ID_BASE + "mapping-set/")
PRINCIPLE_LIST_NS = Namespace(ID_BASE + "principle-list/")
PRINCIPLE_NS = Namespace(ID_BASE + "principle/")
GOVKG_DEVELOPERS = URIRef(ID_BASE + "agent/govkg-developers")

#: Source id minted for the reference facts file itself.
REFERENCE_FACTS_SOURCE = "govkg-reference-facts"

#: Turtle prefix per framework, for the IRIs of its elements.
FRAMEWORK_PREFIXES: dict[str, str] = {
    "nist-ai-rmf-1-0": "airmf",
    "nist-ai-600-1": "ai600",
    "ai-verify-testing-framework": "aiverify",
    "sg-mgf-genai": "mgfgenai",
    "sg-mgf-2020": "mgf2020",
    "asean-guide-ai-governance-ethics": "aseanguide",
    "oecd-ai-principles": "oecdai",
}

BASE_PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "framework": str(FRAMEWORK_NS),
    "gk": str(GK),
    "mset": str(MAPPING_SET_NS),
    "organisation": str(ORGANISATION_NS),
    "owl": str(OWL),
    "pav": str(PAV),
    "plist": str(PRINCIPLE_LIST_NS),
    "principle": str(PRINCIPLE_NS),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "semapv": str(SEMAPV),
    "skos": str(SKOS),
    "source": str(SOURCE_NS),
    "sssom": str(SSSOM),
    "xsd": str(XSD),
}

LICENSE_IRIS: dict[str, URIRef] = {
    "CC-BY-4.0": URIRef("https://creativecommons.org/licenses/by/4.0/"),
    "Apache-2.0": URIRef("https://www.apache.org/licenses/LICENSE-2.0"),
}
#: Licence of the mapping sets govkg derives itself (the licence of the govkg ontology).
GOVKG_LICENSE = LICENSE_IRIS["CC-BY-4.0"]

CONFIDENCE_LEVELS: dict[str, URIRef] = {
    "high": GK.HighConfidence,
    "medium": GK.MediumConfidence,
    "low": GK.LowConfidence,
}
#: sssom:confidence of govkg-derived mappings for each confidence level (a govkg convention).
CONFIDENCE_SCORES: dict[str, float] = {"high": 0.9, "medium": 0.6, "low": 0.3}

#: Mapping predicates a crosswalk entry may suggest, by the CURIE the reference facts use.
MAPPING_PREDICATES: dict[str, URIRef] = {
    "skos:exactMatch": SKOS.exactMatch,
    "skos:closeMatch": SKOS.closeMatch,
    "skos:broadMatch": SKOS.broadMatch,
    "skos:narrowMatch": SKOS.narrowMatch,
    "skos:relatedMatch": SKOS.relatedMatch,
}

#: How a mapping's label reads each mapping predicate.
PREDICATE_PHRASES: dict[URIRef, str] = {
    SKOS.exactMatch: "exactly matches",
    SKOS.closeMatch: "closely matches",
    SKOS.broadMatch: "has the broader match",
    SKOS.narrowMatch: "has the narrower match",
    SKOS.relatedMatch: "is related to",
    GK.correspondsTo: "corresponds to",
}

#: Free-text publisher names that stand for organisations of the reference facts, beyond the
#: organisations' own labels. A name not resolved here stays a literal.
ORGANISATION_NAME_ALIASES: dict[str, tuple[str, ...]] = {
    "NIST": ("org-nist",),
    "IMDA": ("org-imda",),
    "IMDA / PDPC (Singapore)": ("org-imda", "org-pdpc"),
    "IMDA (Singapore), listed on the NIST AIRC": ("org-imda",),
    "AI Verify Foundation": ("org-ai-verify-foundation",),
    "AI Verify Foundation / IMDA": ("org-ai-verify-foundation", "org-imda"),
    "OECD": ("org-oecd",),
    "Singapore Ministry of Communications and Information (MCI)": ("org-sg-mci",),
    "ASEAN (ASEAN Digital Ministers\N{RIGHT SINGLE QUOTATION MARK} Meeting, ADGMIN)": (
        "org-asean",
    ),
}

#: Entries of ``crosswalks`` that are not crosswalks, and what the tool does with them instead.
NOT_CROSSWALKS: dict[str, str] = {
    "xw-ai-verify-area-grouping": "internal structure of AI Verify (areas group principles): "
    "written as the skos:broader hierarchy of frameworks/ai-verify-testing-framework.ttl, "
    "and checked against it",
}

#: Frameworks a crosswalk entry's label names where the entry has no ``subject_framework`` or
#: ``object_framework`` field: role -> (framework key, the words of the label that name it), and
#: a note on what the label names that is not a govkg framework.
FRAMEWORKS_NAMED_IN_LABEL: dict[str, tuple[dict[str, tuple[str, str]], str]] = {
    "xw-ai-rmf-oecd-eo-aia-bor-2023": (
        {
            "subject_framework": ("nist-ai-rmf-1-0", "AI RMF"),
            "object_framework": ("oecd-ai-principles", "OECD Recommendation"),
        },
        "Subject and object framework as the title names them; the other documents it maps to "
        "(proposed EU AI Act, EO 13960, Blueprint for an AI Bill of Rights) are not in govkg.",
    ),
    "xw-ai-verify-iso-42001-2024": (
        {"subject_framework": ("ai-verify-testing-framework", "AI Verify")},
        "Subject framework as the title names it; ISO/IEC 42001, the other side, is not in govkg, "
        "so the set has no gk:objectFramework.",
    ),
}

TEXT_REUSE_SET_KEY = "ai-verify-ai-rmf-text-reuse"
FACT_SHEET_SET_KEY = "fact-sheet-principles-lexical"

#: Prefix of AI Verify area keys: the reference facts use "transparency" and "fairness" both as
#: area and as principle keys, and element keys must be unique within a framework.
AI_VERIFY_AREA_PREFIX = "area-"
#: The value of an AI Verify principle's ``area`` that names no area.
AI_VERIFY_NO_AREA = "others"

Term = URIRef | Literal
Statement = tuple[URIRef, Term]


class ReferenceDataError(Exception):
    """The reference facts are inconsistent, or do not say what the tool needs."""


# --- small helpers -----------------------------------------------------------------------------


def en(text: str) -> Literal:
    """Return ``text`` as an English-tagged literal."""
    return Literal(text, lang="en")


def plain(text: str) -> Literal:
    """Return ``text`` as a plain (xsd:string) literal."""
    return Literal(text)


def days_from_memory(notes: Iterable[object]) -> set[str]:
    """Return the days (YYYY-MM-DD) that a note says are from memory: such a date is written
    to the month only, with an uncertainty note, never as a checked day."""
    found: set[str] = set()
    for note in notes:
        found.update(re.findall(r"(\d{4}-\d{2}-\d{2})[^.;,]*?from memory", str(note)))
    return found


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


def date_literal(value: object) -> Literal:
    """Return a date as xsd:date, xsd:gYearMonth or xsd:gYear, following its precision."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    for pattern, datatype in (
        (r"\d{4}-\d{2}-\d{2}", XSD.date),
        (r"\d{4}-\d{2}", XSD.gYearMonth),
        (r"\d{4}", XSD.gYear),
    ):
        if re.fullmatch(pattern, text):
            return Literal(text, datatype=datatype)
    raise ReferenceDataError(f"not a date of day, month or year precision: {value!r}")


def as_list(value: object) -> list[Any]:
    """Return a field that may be a scalar or a list as a list (``None`` gives ``[]``)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def present(*texts: str | None) -> list[str]:
    """Return the given texts that are not empty."""
    return [text for text in texts if text]


def slug(text: str) -> str:
    """Return a lower-case hyphenated key for ``text`` ("GOVERN 1.1" -> "govern-1-1")."""
    key = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not key:
        raise ReferenceDataError(f"cannot derive a key from {text!r}")
    return key


def last_number(text: object) -> int:
    """Return the last number in an identifier ("GOVERN 1.10" -> 10, "3.1" -> 1)."""
    numbers = re.findall(r"\d+", str(text))
    if not numbers:
        raise ReferenceDataError(f"no number in {text!r}")
    return int(numbers[-1])


def normalised_text(text: str) -> str:
    """Return text with white space collapsed and a final full stop removed."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".")


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text``."""
    return re.split(r"(?<=\.)\s+", text.strip(), maxsplit=1)[0]


def natural_key(text: str) -> list[int | str]:
    """Return a sort key that orders digit runs by value ("govern-1-2" before "govern-1-10")."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def names(text: str) -> frozenset[str]:
    """Return the set of the space-separated names in ``text``."""
    return frozenset(text.split())


def plurals(classes: Iterable[URIRef]) -> list[str]:
    """Return the plural names of element classes, each once, in order of first appearance."""
    return list(dict.fromkeys(CLASS_PLURALS[cls] for cls in classes))


# --- IRIs --------------------------------------------------------------------------------------


def source_iri(source_id: str) -> URIRef:
    """Return the IRI of a source document."""
    return SOURCE_NS[source_id]


def framework_iri(key: str) -> URIRef:
    """Return the IRI of a framework (a skos:ConceptScheme)."""
    return FRAMEWORK_NS[key]


def element_iri(framework_key: str, element_key: str) -> URIRef:
    """Return the IRI of a framework element."""
    return URIRef(f"{FRAMEWORK_NS}{framework_key}/{element_key}")


def mapping_set_iri(key: str) -> URIRef:
    """Return the IRI of a mapping set."""
    return MAPPING_SET_NS[key]


def mapping_iri(set_key: str, local_id: str) -> URIRef:
    """Return the IRI of a mapping of a set."""
    return URIRef(f"{MAPPING_SET_NS}{set_key}/{local_id}")


def graph_iri(relative_path: str) -> URIRef:
    """Return the IRI of the named graph of ``data/{relative_path}.ttl``."""
    return URIRef(GRAPH_BASE + relative_path)


# --- the reference facts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """The reference facts, with the lookups the tool needs."""

    raw: Mapping[str, Any]

    def section(self, name: str) -> Any:  # noqa: ANN401 - YAML content
        """Return a top-level section of the reference facts."""
        return self.raw[name]

    @property
    def meta(self) -> Mapping[str, Any]:
        """The ``meta`` section."""
        return cast(Mapping[str, Any], self.section("meta"))

    @property
    def compiled(self) -> str:
        """When the reference facts were compiled (``meta.compiled``)."""
        return str(self.meta["compiled"])

    @property
    def sources(self) -> list[Mapping[str, Any]]:
        """The ``sources`` list."""
        return cast(list[Mapping[str, Any]], self.section("sources"))

    @property
    def frameworks(self) -> Mapping[str, Mapping[str, Any]]:
        """The ``frameworks`` mapping, by framework key."""
        return cast(Mapping[str, Mapping[str, Any]], self.section("frameworks"))

    @property
    def crosswalks(self) -> list[Mapping[str, Any]]:
        """The ``crosswalks`` list."""
        return cast(list[Mapping[str, Any]], self.section("crosswalks"))

    @property
    def fact_sheet(self) -> Mapping[str, Any]:
        """The ``fact_sheet`` section."""
        return cast(Mapping[str, Any], self.section("fact_sheet"))

    def source(self, source_id: str) -> Mapping[str, Any]:
        """Return the source entry with this id; fails loudly on unknown ids."""
        for entry in self.sources:
            if entry["id"] == source_id:
                return entry
        raise ReferenceDataError(f"unknown source id {source_id!r}")

    def organisation_labels(self) -> dict[str, str]:
        """Return organisation labels by organisation key."""
        return {org["key"]: org["label"] for org in self.section("organizations")}

    def organisation(self, org_key: str) -> URIRef:
        """Return the IRI of an organisation; fails loudly on keys the facts do not define."""
        if org_key not in self.organisation_labels():
            raise ReferenceDataError(f"unknown organisation key {org_key!r}")
        return ORGANISATION_NS[org_key.removeprefix("org-")]

    def organisations_named(self, name: str) -> tuple[str, ...]:
        """Return the organisation keys a free-text publisher name stands for (maybe none)."""
        by_label = {label: (key,) for key, label in self.organisation_labels().items()}
        return {**by_label, **ORGANISATION_NAME_ALIASES}.get(name, ())

    def initiative_label(self, key: str) -> str | None:
        """Return the label of a programme or platform, if the facts define the key."""
        for entry in self.raw.get("programmes_and_platforms", []):
            if entry.get("key") == key:
                return str(entry["label"])
        return None


def load_facts(path: Path) -> Facts:
    """Read the reference facts YAML file."""
    with path.open(encoding="utf-8") as stream:
        raw = yaml.safe_load(stream)
    for name in ("meta", "sources", "organizations", "frameworks", "crosswalks", "fact_sheet"):
        if name not in raw:
            raise ReferenceDataError(f"{path}: no {name!r} section")
    return Facts(raw)


# --- framework elements, collected before anything is written ----------------------------------


@dataclass
class Element:
    """One framework element, as collected from the reference facts."""

    key: str
    rdf_class: URIRef
    label: str
    item: Mapping[str, Any]
    notation: str | None = None
    parent: str | None = None
    position: int | None = None
    extra: list[Statement] = field(default_factory=list)
    uncertainty: list[str] = field(default_factory=list)


@dataclass
class FrameworkContent:
    """What a collector takes from one framework entry."""

    elements: list[Element] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    consumed: frozenset[str] = frozenset()


@dataclass
class ElementIndex:
    """Every framework's elements, to resolve keys and notations across frameworks."""

    contents: dict[str, FrameworkContent]

    def elements(self, framework_key: str, where: str) -> list[Element]:
        """Return the elements of a framework; fails loudly on unknown frameworks."""
        if framework_key not in self.contents:
            raise ReferenceDataError(f"{where}: unknown framework {framework_key!r}")
        return self.contents[framework_key].elements

    def get(self, framework_key: str, element_key: str, where: str) -> Element:
        """Return the element with this key; fails loudly if there is none."""
        for el in self.elements(framework_key, where):
            if el.key == element_key:
                return el
        raise ReferenceDataError(f"{where}: no element {element_key!r} in {framework_key}")

    def by_notation(self, framework_key: str, notation: str, where: str) -> Element:
        """Return the element with this notation; fails loudly if there is none."""
        for el in self.elements(framework_key, where):
            if el.notation == notation:
                return el
        raise ReferenceDataError(
            f"{where}: no element with notation {notation!r} in {framework_key}"
        )


def element(
    item: Mapping[str, Any],
    rdf_class: URIRef,
    *,
    key: str | None = None,
    label: str | None = None,
    notation: str | None = None,
    parent: str | None = None,
    position: int | None = None,
) -> Element:
    """Make an element; key and label come from the item unless given (else from the notation)."""
    name = label or item.get("label") or notation
    if not name:
        raise ReferenceDataError(f"element without label or notation: {dict(item)!r}")
    return Element(
        key=key or item.get("key") or slug(str(notation or name)),
        rdf_class=rdf_class,
        label=str(name),
        item=item,
        notation=notation,
        parent=parent,
        position=position,
    )


def index_by(elements: Iterable[Element], field_name: str, where: str) -> dict[str, Element]:
    """Index elements by one field of their YAML item; fails loudly on duplicates."""
    index: dict[str, Element] = {}
    for el in elements:
        value = str(el.item[field_name])
        if value in index:
            raise ReferenceDataError(f"{where}: two elements with {field_name} {value!r}")
        index[value] = el
    return index


def resolve(index: Mapping[str, Element], value: object, where: str) -> Element:
    """Look an element up in an index; fails loudly when it is not there."""
    if str(value) not in index:
        raise ReferenceDataError(f"{where}: {value!r} does not resolve")
    return index[str(value)]


def collect_ai_rmf(fw: Mapping[str, Any]) -> FrameworkContent:
    """NIST AI RMF 1.0: characteristics, and functions > categories > subcategories."""
    characteristics = [
        element(i, GK.TrustworthinessCharacteristic, position=last_number(i["section"]))
        for i in fw["trustworthiness_characteristics"]
    ]
    functions = [
        element(i, GK.Function, notation=i["notation"], position=last_number(i["section"]))
        for i in fw["functions"]
    ]
    by_function = index_by(functions, "notation", "AI RMF functions")
    categories = [
        element(
            i,
            GK.Category,
            notation=i["notation"],
            position=last_number(i["notation"]),
            parent=resolve(by_function, i["function"], f"category {i['notation']}").key,
        )
        for i in fw["categories"]
    ]
    by_category = index_by(categories, "notation", "AI RMF categories")
    subcategories = []
    for i in fw["subcategories"]:
        category = resolve(by_category, i["category"], f"subcategory {i['notation']}")
        if category.item["function"] != i["function"]:
            raise ReferenceDataError(
                f"subcategory {i['notation']}: its function and category disagree"
            )
        subcategories.append(
            element(
                i,
                GK.Subcategory,
                notation=i["notation"],
                position=last_number(i["notation"]),
                parent=category.key,
            )
        )
    return FrameworkContent(
        elements=[*characteristics, *functions, *categories, *subcategories],
        consumed=names("trustworthiness_characteristics functions categories subcategories"),
    )


def collect_ai_600_1(fw: Mapping[str, Any]) -> FrameworkContent:
    """NIST AI 600-1: the GAI risks and the four primary considerations."""
    risks = [element(i, GK.Risk, position=int(i["number"])) for i in fw["gai_risks"]]
    labels = fw["other_primary_considerations"]
    considerations = [element({"label": label}, GK.Consideration) for label in labels]
    for consideration in considerations:
        consideration.extra.append((SKOS.note, en(fw["other_primary_considerations_note"])))
    counts = fw["counts"]
    per_function = ", ".join(
        f"{k} {v}" for k, v in counts["suggested_actions_per_function"].items()
    )
    uncertainty = (
        f"NIST AI 600-1 gives {counts['suggested_actions']} suggested actions ({per_function}) "
        f"for {len(fw['subcategories_with_actions'])} AI RMF subcategories; the actions "
        f"themselves are not in the govkg reference facts. Counts from {counts['counts_source']} "
        f"(confidence {counts['counts_confidence']}); the list of subcategories with actions "
        f"(gk:hasSuggestedActionsIn) is rated {fw['subcategories_with_actions_confidence']} "
        "confidence."
    )
    return FrameworkContent(
        elements=[*risks, *considerations],
        statements=[
            (GK.uncertaintyNote, en(uncertainty)),
            (SKOS.note, en(f"Suggested-action identifiers: {fw['action_id_scheme']}")),
        ],
        consumed=names(
            "gai_risks other_primary_considerations other_primary_considerations_note "
            "subcategories_with_actions subcategories_with_actions_confidence "
            "action_id_scheme"
        ),
    )


def history_note(event: Mapping[str, Any]) -> str:
    """Return one entry of a framework's history as the text of a skos:historyNote."""
    text = f"{event['date']}: {event['event']}"
    qualifiers = present(
        f"confidence {event['confidence']}" if event.get("confidence", "high") != "high" else None,
        event.get("note"),
    )
    return f"{text} ({': '.join(qualifiers)})" if qualifiers else text


def ai_verify_statements(fw: Mapping[str, Any]) -> list[Statement]:
    """Return AI Verify's framework-level notes: history, versions, plugins, a newer edition."""
    by_version = "; ".join(
        f"{k}: {v}" for k, v in fw["counts"]["process_checks_by_version"].items()
    )
    newer = fw["possible_newer_edition"]
    statements: list[Statement] = [
        (SKOS.historyNote, en(history_note(event))) for event in fw["history"]
    ]
    statements += [
        (SKOS.historyNote, en(f"Number of process checks by toolkit version: {by_version}.")),
        (SKOS.note, en(fw["technical_test_plugins_note"])),
        (SKOS.editorialNote, en(fw["process_check_text_note"])),
        (
            GK.uncertaintyNote,
            en(f"Possible newer edition ({newer['confidence']}): {newer['note']}"),
        ),
    ]
    for plugin in fw["technical_test_plugins"]:
        principle = plugin["principle"] or "none stated"
        text = (
            f"Technical test plugin {plugin['plugin']} ({plugin['label']}); principle: {principle}."
        )
        statements.append((SKOS.note, en(text)))
    return statements


def ai_verify_principles(fw: Mapping[str, Any], areas: list[Element]) -> list[Element]:
    """AI Verify principles (and the organisational considerations) under their areas."""
    by_toolkit_id = index_by(areas, "toolkit_id", "AI Verify areas")
    principles = []
    for i in fw["principles"]:
        no_area = i["area"] == AI_VERIFY_NO_AREA
        area = None if no_area else resolve(by_toolkit_id, i["area"], f"principle {i['key']}")
        principles.append(
            element(
                i,
                GK.Principle if i["is_principle"] else GK.Consideration,
                notation=str(i["number"]),
                position=int(i["number"]),
                parent=area.key if area else None,
            )
        )
    for area in areas:
        listed = set(area.item["principles"])
        grouped = {p.key for p in principles if p.parent == area.key}
        if listed != grouped:
            raise ReferenceDataError(
                f"AI Verify area {area.key}: {sorted(listed)} vs {sorted(grouped)}"
            )
    return principles


def ai_verify_checks(fw: Mapping[str, Any], criteria: list[Element]) -> list[Element]:
    """AI Verify process checks under their testable criteria."""
    by_id = index_by(criteria, "id", "AI Verify testable criteria")
    checks = []
    for i in fw["process_checks"]:
        criterion = resolve(by_id, i["testable_criterion"], f"process check {i['id']}")
        if (
            criterion.item["principle"] != i["principle"]
            or i["id"] not in criterion.item["process_checks"]
        ):
            raise ReferenceDataError(f"process check {i['id']}: disagrees with its criterion")
        check = element(
            i,
            GK.ProcessCheck,
            label=f"Process check {i['id']}",
            notation=i["id"],
            position=last_number(i["id"]),
            parent=criterion.key,
        )
        if i["process"].endswith(" \N{HORIZONTAL ELLIPSIS}"):
            note = (
                'Wording cut short in the reference facts (" …" marks the cut); '
                "the toolkit has it all."
            )
            check.extra.append((SKOS.editorialNote, en(note)))
        checks.append(check)
    listed = sum(len(c.item["process_checks"]) for c in criteria)
    if listed != len(checks):
        raise ReferenceDataError(
            f"AI Verify: criteria list {listed} process checks, {len(checks)} are given"
        )
    return checks


def collect_ai_verify(fw: Mapping[str, Any]) -> FrameworkContent:
    """AI Verify: areas > principles > testable criteria > process checks."""
    areas = [
        element(i, GK.Area, key=AI_VERIFY_AREA_PREFIX + i["key"], position=int(i["number"]))
        for i in fw["areas"]
    ]
    principles = ai_verify_principles(fw, areas)
    by_principle = index_by(principles, "key", "AI Verify principles")
    criteria = [
        element(
            i,
            GK.TestableCriterion,
            label=f"Testable criterion {i['id']}",
            notation=i["id"],
            position=last_number(i["id"]),
            parent=resolve(by_principle, i["principle"], i["id"]).key,
        )
        for i in fw["testable_criteria"]
    ]
    return FrameworkContent(
        elements=[*areas, *principles, *criteria, *ai_verify_checks(fw, criteria)],
        statements=ai_verify_statements(fw),
        consumed=names(
            "areas principles testable_criteria process_checks history technical_test_plugins "
            "technical_test_plugins_note process_check_text_note possible_newer_edition"
        ),
    )


def collect_mgf_genai(fw: Mapping[str, Any]) -> FrameworkContent:
    """Singapore's Model AI Governance Framework for Generative AI: the nine dimensions."""
    return FrameworkContent(
        elements=[element(i, GK.Dimension, position=int(i["number"])) for i in fw["dimensions"]],
        consumed=names("dimensions"),
    )


def collect_asean_guide(fw: Mapping[str, Any]) -> FrameworkContent:
    """ASEAN Guide: the seven guiding principles and the four components of its framework."""
    principles = [
        element(i, GK.Principle, position=int(i["number"])) for i in fw["guiding_principles"]
    ]
    components = [
        element({"label": label}, GK.Consideration) for label in fw["framework_components"]
    ]
    return FrameworkContent(
        elements=[*principles, *components],
        statements=[(SKOS.note, en(f"Other parts of the guide: {'; '.join(fw['other_parts'])}."))],
        consumed=names("guiding_principles framework_components other_parts"),
    )


def collect_oecd(fw: Mapping[str, Any]) -> FrameworkContent:
    """OECD AI Principles: the values-based principles (1.x) and the recommendations (2.x)."""
    principles = [
        element(i, GK.Principle, notation=str(i["number"]), position=last_number(i["number"]))
        for i in fw["values_based_principles"]
    ]
    recommendations = [
        element(i, GK.Recommendation, notation=str(i["number"]), position=last_number(i["number"]))
        for i in fw["recommendations_for_policy_makers"]
    ]
    # The facts explain the medium confidence of the recommendations in one framework note.
    title_notes = [note for note in fw["notes"] if note.startswith("Recommendation titles")]
    if len(title_notes) != 1:
        raise ReferenceDataError("OECD: expected exactly one note on the recommendation titles")
    for recommendation in recommendations:
        recommendation.uncertainty.append(title_notes[0])
    return FrameworkContent(
        elements=[*principles, *recommendations],
        consumed=names("values_based_principles recommendations_for_policy_makers"),
    )


COLLECTORS: dict[str, Callable[[Mapping[str, Any]], FrameworkContent]] = {
    "nist-ai-rmf-1-0": collect_ai_rmf,
    "nist-ai-600-1": collect_ai_600_1,
    "ai-verify-testing-framework": collect_ai_verify,
    "sg-mgf-genai": collect_mgf_genai,
    "asean-guide-ai-governance-ethics": collect_asean_guide,
    "oecd-ai-principles": collect_oecd,
}


def collect(key: str, fw: Mapping[str, Any]) -> FrameworkContent:
    """Collect a framework's elements; a framework without a collector must list none."""
    if key in COLLECTORS:
        content = COLLECTORS[key](fw)
    else:
        lists = [k for k, v in fw.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if lists:
            raise ReferenceDataError(f"framework {key}: no collector for its element lists {lists}")
        content = FrameworkContent()
    keys = [el.key for el in content.elements]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ReferenceDataError(f"framework {key}: duplicate element keys {duplicates}")
    for el in content.elements:
        if el.parent is not None and el.parent not in keys:
            raise ReferenceDataError(
                f"framework {key}: parent {el.parent!r} of {el.key} is not an element"
            )
    return content


# --- output files ------------------------------------------------------------------------------


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


# --- sources.ttl -------------------------------------------------------------------------------

SOURCE_FIELDS = names(
    "id title publisher date identifier url url_path local_copy license confidence "
    "note pdf html_core machine_readable landing amended repo path commit commit_date "
    "evidence"
)


def repository_locator(entry: Mapping[str, Any]) -> str | None:
    """Return where in a repository a source is, in words, from its repo/path/commit fields."""
    if "repo" not in entry:
        return None
    commit = f"commit {entry['commit']}" if entry.get("commit") else None
    if commit and entry.get("commit_date"):
        commit += f" of {entry['commit_date']}"
    path = f"path {entry['path']}" if entry.get("path") else None
    return ", ".join(present(f"repository {entry['repo']}", path, commit))


def evidence_note(evidence: Mapping[str, Any]) -> str:
    """Return a note on one third-party extraction that the facts took a source's text from."""
    where = f"{evidence['repo']}, {evidence['path']}, commit {evidence['commit']}"
    return f"Text evidence: {where}: {evidence['role']}"


def add_source_document(ctx: Context, data: DataFile, entry: Mapping[str, Any]) -> None:
    """Describe one entry of ``sources`` as a gk:SourceDocument."""
    ctx.check_fields(entry, SOURCE_FIELDS, f"sources[{entry['id']}]")
    subject = source_iri(entry["id"])
    data.add(subject, RDF.type, GK.SourceDocument)
    if entry["id"] == ctx.facts.fact_sheet["source"]:
        data.add(subject, RDF.type, GK.FactSheet)
    data.add(subject, RDFS.label, en(entry["title"]))
    data.add(subject, DCTERMS.title, en(entry["title"]))
    data.add(subject, DCTERMS.source, source_iri(REFERENCE_FACTS_SOURCE))
    data.add_all(
        subject, DCTERMS.publisher, (plain(name) for name in as_list(entry.get("publisher")))
    )
    data.add_all(subject, DCTERMS.issued, (date_literal(d) for d in as_list(entry.get("date"))))
    add_dates(
        data, subject, DCTERMS.modified, as_list(entry.get("amended")), as_list(entry.get("note"))
    )
    data.add_all(subject, DCTERMS.identifier, (plain(i) for i in as_list(entry.get("identifier"))))
    pages = present(entry.get("url"), entry.get("landing"))
    data.add_all(subject, DCAT.landingPage, (URIRef(page) for page in pages))
    see_also = present(
        entry.get("pdf"), entry.get("html_core"), *as_list(entry.get("machine_readable"))
    )
    data.add_all(subject, RDFS.seeAlso, (URIRef(url) for url in see_also))
    locators = present(entry.get("url_path"), repository_locator(entry))
    data.add_all(subject, GK.sourceLocator, (plain(locator) for locator in locators))
    data.add_all(subject, GK.localCopy, (plain(p) for p in as_list(entry.get("local_copy"))))
    add_licenses(data, subject, as_list(entry.get("license")))
    data.add_all(subject, SKOS.note, (en(evidence_note(e)) for e in as_list(entry.get("evidence"))))
    # A source's note says where its metadata comes from: for a source rated below high
    # confidence, that is what is uncertain about it.
    level = entry.get("confidence")
    notes, uncertain = split_note(entry.get("note"), level)
    data.add_all(subject, SKOS.note, (en(note) for note in notes))
    add_confidence(data, subject, level, ctx.explained(level, uncertain))


def add_reference_facts_document(data: DataFile, facts: Facts) -> None:
    """Describe the reference facts file itself as a gk:SourceDocument."""
    subject = source_iri(REFERENCE_FACTS_SOURCE)
    data.add(subject, RDF.type, GK.SourceDocument)
    data.add(subject, RDFS.label, en(facts.meta["title"]))
    data.add(subject, DCTERMS.title, en(facts.meta["title"]))
    data.add(subject, DCTERMS.issued, date_literal(facts.compiled))
    data.add(subject, DCTERMS.publisher, plain(facts.meta["compiled_by"]))


def build_sources(ctx: Context) -> DataFile:
    """Build ``sources.ttl``; its graph is derived from the reference facts alone."""
    data = DataFile(
        "sources",
        "Source documents of the govkg reference facts",
        [
            "Source documents: one gk:SourceDocument per entry of the reference facts' sources,",
            f"and source:{REFERENCE_FACTS_SOURCE} for the reference facts themselves.",
        ],
    )
    ids = [entry["id"] for entry in ctx.facts.sources]
    if len(ids) != len(set(ids)) or REFERENCE_FACTS_SOURCE in ids:
        ctx.problems.append("sources: duplicate source ids")
    for entry in ctx.facts.sources:
        add_source_document(ctx, data, entry)
    add_reference_facts_document(data, ctx.facts)
    data.describe_graph()
    return data


# --- frameworks/{key}.ttl ----------------------------------------------------------------------

#: Element fields written by :func:`add_element`.
ELEMENT_FIELDS = names(
    "key label notation id number text process definition short_description alt_label "
    "label_2019 note note_confidence confidence source source_url oecd_ai_dashboard "
    "section core_table printed_page evidence_type has_technical_tests "
    "in_open_source_toolkit_since toolkit_id"
)
#: Element fields the collectors use for structure, or check against other fields.
STRUCTURE_FIELDS = names(
    "function category principle area testable_criterion process_checks principles "
    "is_principle trustworthy_ai_characteristics in_genai_profile_600_1 "
    "category_count subcategory_count"
)
#: Element fields left out on purpose, and why.
ELEMENT_FIELDS_NOT_WRITTEN: dict[str, str] = {
    "code": "the GV/MP/MS/MG function codes are defined in NIST AI 600-1, not in AI 100-1, and "
    "govkg has no property for an abbreviation that another document assigns",
}
#: Framework fields written by :func:`add_framework_scheme` and its helpers.
FRAMEWORK_FIELDS = names(
    "key label alt_labels identifier doi version issued publisher developer steward "
    "profile_of builds_on source source_url legal_status license confidence note "
    "notes status_note text_conventions description scope order_note related mandate "
    "amended adherents_2024 first_edition draft_issued consultation_closed "
    "endorsed_by endorsement_event counts"
)
#: Framework fields left out on purpose, and why.
FRAMEWORK_FIELDS_NOT_WRITTEN: dict[str, str] = {
    "parent_department": "a fact about the publisher (NIST is part of Commerce), "
    "for the organisations' files",
}

CLASS_PLURALS: dict[URIRef, str] = {
    GK.TrustworthinessCharacteristic: "trustworthiness characteristics",
    GK.Function: "functions",
    GK.Category: "categories",
    GK.Subcategory: "subcategories",
    GK.Risk: "risks",
    GK.Area: "areas",
    GK.Principle: "principles",
    GK.TestableCriterion: "testable criteria",
    GK.ProcessCheck: "process checks",
    GK.Dimension: "dimensions",
    GK.Recommendation: "recommendations",
    GK.Consideration: "considerations",
}


def element_source(item: Mapping[str, Any], fw: Mapping[str, Any]) -> str:
    """Return the source id of an element: its own, else its framework's, else the facts'."""
    return str(item.get("source") or fw.get("source") or REFERENCE_FACTS_SOURCE)


def locator(item: Mapping[str, Any]) -> str | None:
    """Return where in its source an element is, in words (section, table, printed page)."""
    section = item.get("section")
    if section and not re.fullmatch(r"[\d.]+", str(section)):
        section = f'"{section}"'
    return (
        ", ".join(
            present(
                f"section {section}" if section else None,
                item.get("core_table"),
                f"printed page {item['printed_page']}" if item.get("printed_page") else None,
            )
        )
        or None
    )


def add_element_place(data: DataFile, framework_key: str, el: Element) -> URIRef:
    """Write an element's type, labels and place in its framework; return its IRI."""
    subject = element_iri(framework_key, el.key)
    scheme = framework_iri(framework_key)
    data.add(subject, RDF.type, el.rdf_class)
    data.add(subject, RDF.type, SKOS.Concept)
    data.add(subject, SKOS.inScheme, scheme)
    data.add(subject, RDFS.label, en(el.label))
    data.add(subject, SKOS.prefLabel, en(el.label))
    if el.parent is None:
        data.add(subject, SKOS.topConceptOf, scheme)
        data.add(scheme, SKOS.hasTopConcept, subject)
    else:
        data.add(subject, SKOS.broader, element_iri(framework_key, el.parent))
    if el.notation:
        data.add(subject, SKOS.notation, plain(el.notation))
    if el.position is not None:
        data.add(subject, GK.position, Literal(el.position))
    return subject


def add_element_wording(data: DataFile, subject: URIRef, el: Element) -> None:
    """Write an element's verbatim wording, definition and other labels."""
    item = el.item
    data.add_all(subject, GK.text, (en(t) for t in present(item.get("text"), item.get("process"))))
    definitions = present(item.get("definition"), item.get("short_description"))
    data.add_all(subject, SKOS.definition, (en(d) for d in definitions))
    data.add_all(subject, SKOS.altLabel, (en(a) for a in as_list(item.get("alt_label"))))
    if item.get("label_2019") and item["label_2019"] != el.label:
        data.add(subject, SKOS.altLabel, en(item["label_2019"]))
        data.add(subject, SKOS.historyNote, en(f"Title in the 2019 text: {item['label_2019']}"))


def add_element_details(data: DataFile, subject: URIRef, item: Mapping[str, Any]) -> None:
    """Write an element's toolkit id, evidence type, tests, availability and locator."""
    data.add_all(subject, DCTERMS.identifier, (plain(i) for i in as_list(item.get("toolkit_id"))))
    data.add_all(subject, GK.evidenceType, (en(e) for e in as_list(item.get("evidence_type"))))
    if "has_technical_tests" in item:
        data.add(subject, GK.hasTechnicalTests, Literal(bool(item["has_technical_tests"])))
    since = as_list(item.get("in_open_source_toolkit_since"))
    data.add_all(subject, DCTERMS.available, (date_literal(d) for d in since))
    data.add_all(subject, GK.sourceLocator, (en(w) for w in present(locator(item))))


def add_element_confidence(ctx: Context, data: DataFile, subject: URIRef, el: Element) -> None:
    """Write an element's confidence and note; a note rated below high says what is uncertain."""
    level = el.item.get("confidence")
    notes, uncertain = split_note(el.item.get("note"), el.item.get("note_confidence", level))
    data.add_all(subject, SKOS.note, (en(note) for note in notes))
    add_confidence(data, subject, level, ctx.explained(level, [*el.uncertainty, *uncertain]))


def add_element(ctx: Context, data: DataFile, framework_key: str, el: Element) -> None:
    """Write one framework element as a skos:Concept of its gk class."""
    fw = ctx.facts.frameworks[framework_key]
    known = ELEMENT_FIELDS | STRUCTURE_FIELDS | set(ELEMENT_FIELDS_NOT_WRITTEN)
    ctx.check_fields(el.item, known, f"{framework_key}/{el.key}")
    subject = add_element_place(data, framework_key, el)
    add_element_wording(data, subject, el)
    add_element_details(data, subject, el.item)
    add_element_confidence(ctx, data, subject, el)
    source_id = element_source(el.item, fw)
    data.add(subject, DCTERMS.source, source_iri(source_id))
    source_url = ctx.facts.source(source_id).get("url")
    pages = present(el.item.get("source_url"), el.item.get("oecd_ai_dashboard"))
    data.add_all(subject, FOAF.page, (URIRef(page) for page in pages if page != source_url))
    for predicate, obj in el.extra:
        data.add(subject, predicate, obj)


def add_framework_identity(
    ctx: Context, data: DataFile, subject: URIRef, fw: Mapping[str, Any]
) -> None:
    """Write a framework's types, labels, identifiers, dates, version, status and licence."""
    data.add(subject, RDF.type, GK.GovernanceFramework)
    data.add(subject, RDF.type, SKOS.ConceptScheme)
    for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
        data.add(subject, predicate, en(fw["label"]))
    data.add_all(subject, SKOS.altLabel, (en(label) for label in as_list(fw.get("alt_labels"))))
    identifiers = present(fw.get("identifier"), f"doi:{fw['doi']}" if fw.get("doi") else None)
    data.add_all(subject, DCTERMS.identifier, (plain(i) for i in identifiers))
    data.add_all(subject, DCTERMS.issued, (date_literal(d) for d in as_list(fw.get("issued"))))
    add_dates(
        data,
        subject,
        DCTERMS.modified,
        as_list(fw.get("amended")),
        as_list(fw.get("notes")) + as_list(fw.get("note")),
    )
    data.add_all(subject, OWL.versionInfo, (plain(str(v)) for v in as_list(fw.get("version"))))
    data.add_all(subject, GK.legalStatus, (en(s) for s in as_list(fw.get("legal_status"))))
    add_licenses(data, subject, as_list(fw.get("license")))
    data.add_all(subject, FOAF.page, (URIRef(u) for u in as_list(fw.get("source_url"))))
    data.add(subject, DCTERMS.source, source_iri(element_source({}, fw)))
    add_confidence(data, subject, fw.get("confidence"), ctx.explained(fw.get("confidence"), []))


def add_framework_relations(
    ctx: Context, data: DataFile, subject: URIRef, fw: Mapping[str, Any]
) -> None:
    """Write a framework's publishers, developer, steward, and the frameworks it builds on."""
    for name, predicate in (
        ("publisher", DCTERMS.publisher),
        ("developer", GK.developedBy),
        ("steward", GK.stewardedBy),
    ):
        data.add_all(
            subject, predicate, (ctx.facts.organisation(org) for org in as_list(fw.get(name)))
        )
    for name, predicate in (("profile_of", GK.profileOf), ("builds_on", GK.buildsOn)):
        for other in as_list(fw.get(name)):
            if other not in ctx.facts.frameworks:
                raise ReferenceDataError(
                    f"framework {fw['key']}: {name} {other!r} is not a framework"
                )
            data.add(subject, predicate, framework_iri(other))


def add_framework_notes(
    ctx: Context, data: DataFile, subject: URIRef, fw: Mapping[str, Any]
) -> None:
    """Write a framework's description, scope, notes and history."""
    data.add_all(subject, DCTERMS.description, (en(d) for d in as_list(fw.get("description"))))
    data.add_all(subject, SKOS.scopeNote, (en(s) for s in as_list(fw.get("scope"))))
    data.add_all(subject, SKOS.editorialNote, (en(t) for t in as_list(fw.get("text_conventions"))))
    notes = present(
        fw.get("status_note"),
        fw.get("note"),
        *as_list(fw.get("notes")),
        fw.get("order_note"),
        *as_list(fw.get("related")),
        f"Mandate: {fw['mandate']}" if fw.get("mandate") else None,
        f"Adherents in 2024: {fw['adherents_2024']}." if fw.get("adherents_2024") else None,
    )
    data.add_all(subject, SKOS.note, (en(n) for n in notes))
    endorser = ctx.facts.organisation_labels().get(fw.get("endorsed_by", ""), fw.get("endorsed_by"))
    occasion = fw.get("endorsement_event", "occasion not stated")
    history = present(
        f"First edition: {fw['first_edition']}." if fw.get("first_edition") else None,
        f"Draft for consultation issued: {fw['draft_issued']}." if fw.get("draft_issued") else None,
        f"Consultation closed: {fw['consultation_closed']}."
        if fw.get("consultation_closed")
        else None,
        f"Endorsed by {endorser}: {occasion}." if endorser else None,
    )
    data.add_all(subject, SKOS.historyNote, (en(h) for h in history))


def add_framework_scheme(ctx: Context, data: DataFile, key: str, content: FrameworkContent) -> None:
    """Write the framework itself as a gk:GovernanceFramework."""
    fw = ctx.facts.frameworks[key]
    if fw.get("key", key) != key:
        raise ReferenceDataError(f"framework {key}: its key field says {fw['key']!r}")
    known = FRAMEWORK_FIELDS | content.consumed | set(FRAMEWORK_FIELDS_NOT_WRITTEN)
    ctx.check_fields(fw, known, f"frameworks[{key}]")
    subject = framework_iri(key)
    add_framework_identity(ctx, data, subject, fw)
    add_framework_relations(ctx, data, subject, fw)
    add_framework_notes(ctx, data, subject, fw)
    for predicate, obj in content.statements:
        data.add(subject, predicate, obj)


def add_suggested_action_links(ctx: Context, data: DataFile) -> None:
    """AI 600-1: state for each AI RMF subcategory that the profile gives it suggested actions."""
    profile = ctx.facts.frameworks["nist-ai-600-1"]
    core = str(profile["profile_of"])
    listed = sorted(profile["subcategories_with_actions"])
    subcategories = ctx.facts.frameworks[core]["subcategories"]
    flagged = sorted(i["notation"] for i in subcategories if i["in_genai_profile_600_1"])
    if listed != flagged:
        raise ReferenceDataError(
            "AI 600-1: subcategories_with_actions disagree with in_genai_profile_600_1"
        )
    for notation in listed:
        subcategory = ctx.index.by_notation(core, notation, "AI 600-1 subcategories_with_actions")
        data.add(
            element_iri(core, subcategory.key),
            GK.hasSuggestedActionsIn,
            framework_iri("nist-ai-600-1"),
        )


#: Statements that a framework's file makes about the elements of other frameworks.
LINKERS: dict[str, Callable[[Context, DataFile], None]] = {
    "nist-ai-600-1": add_suggested_action_links,
}


def build_framework(ctx: Context, key: str) -> DataFile:
    """Build ``frameworks/{key}.ttl``."""
    fw = ctx.facts.frameworks[key]
    content = ctx.index.contents[key]
    kinds = plurals(el.rdf_class for el in content.elements)
    label = f"{fw['label']}: the framework" + (f" and its {', '.join(kinds)}" if kinds else "")
    data = DataFile(f"frameworks/{key}", label, [f"Framework {key}: {fw['label']}."])
    add_framework_scheme(ctx, data, key, content)
    for el in content.elements:
        add_element(ctx, data, key, el)
    if key in LINKERS:
        LINKERS[key](ctx, data)
    data.describe_graph()
    return data


# --- crosswalks/{key}.ttl ----------------------------------------------------------------------


@dataclass(frozen=True)
class MappingRecord:
    """One SSSOM mapping to write."""

    local_id: str
    subject: URIRef
    predicate: URIRef
    obj: URIRef
    names: tuple[str, str]
    justification: URIRef
    authors: tuple[URIRef, ...]
    date: str
    source: str
    confidence: str | None = None
    score: float | None = None
    match_basis: str | None = None
    comment: str | None = None
    uncertainty: tuple[str, ...] = ()


@dataclass
class MappingSetRecord:
    """One SSSOM mapping set (a gk:Crosswalk) to write."""

    key: str
    title: str
    status: URIRef
    sources: tuple[str, ...]
    date: str | None = None
    creators: tuple[URIRef, ...] = ()
    publishers: tuple[Term, ...] = ()
    subject_frameworks: tuple[URIRef, ...] = ()
    object_frameworks: tuple[URIRef, ...] = ()
    granularity: str | None = None
    license: Term | None = None
    confidence: str | None = None
    uncertainty: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    page: str | None = None
    related: tuple[URIRef, ...] = ()
    mappings: list[MappingRecord] = field(default_factory=list)


def add_mapping_set(data: DataFile, record: MappingSetRecord) -> None:
    """Write a mapping set and its mappings."""
    subject = mapping_set_iri(record.key)
    data.add(subject, RDF.type, GK.Crosswalk)
    data.add(subject, RDF.type, SSSOM.MappingSet)
    data.add(subject, RDFS.label, en(record.title))
    data.add(subject, DCTERMS.title, en(record.title))
    data.add(subject, GK.crosswalkStatus, record.status)
    data.add_all(subject, DCTERMS.source, (source_iri(s) for s in record.sources))
    data.add_all(subject, DCTERMS.issued, (date_literal(d) for d in present(record.date)))
    data.add_all(subject, DCTERMS.creator, record.creators)
    data.add_all(subject, DCTERMS.publisher, record.publishers)
    data.add_all(subject, GK.subjectFramework, record.subject_frameworks)
    data.add_all(subject, GK.objectFramework, record.object_frameworks)
    data.add_all(subject, GK.granularity, (en(g) for g in present(record.granularity)))
    data.add_all(subject, DCTERMS.license, () if record.license is None else (record.license,))
    add_confidence(data, subject, record.confidence, record.uncertainty)
    data.add_all(subject, SKOS.note, (en(n) for n in record.notes))
    data.add_all(subject, SKOS.historyNote, (en(h) for h in record.history))
    data.add_all(subject, FOAF.page, (URIRef(p) for p in present(record.page)))
    data.add_all(subject, DCTERMS.relation, record.related)
    local_ids = [m.local_id for m in record.mappings]
    if len(local_ids) != len(set(local_ids)):
        raise ReferenceDataError(f"mapping set {record.key}: two mappings with the same IRI")
    for mapping in record.mappings:
        add_mapping(data, record.key, mapping)


def add_mapping(data: DataFile, set_key: str, m: MappingRecord) -> None:
    """Write one sssom:Mapping and link it from its set."""
    subject = mapping_iri(set_key, m.local_id)
    data.add(mapping_set_iri(set_key), SSSOM.mappings, subject)
    data.add(subject, RDF.type, SSSOM.Mapping)
    data.add(subject, RDFS.label, en(f"{m.names[0]} {PREDICATE_PHRASES[m.predicate]} {m.names[1]}"))
    data.add(subject, OWL.annotatedSource, m.subject)
    data.add(subject, OWL.annotatedProperty, m.predicate)
    data.add(subject, OWL.annotatedTarget, m.obj)
    data.add(subject, SSSOM.mapping_justification, m.justification)
    data.add_all(subject, PAV.authoredBy, m.authors)
    data.add(subject, PAV.authoredOn, date_literal(m.date))
    data.add(subject, DCTERMS.source, source_iri(m.source))
    add_confidence(data, subject, m.confidence, m.uncertainty)
    if m.score is not None:
        if not 0.0 <= m.score <= 1.0:
            raise ReferenceDataError(
                f"mapping {m.local_id}: confidence {m.score} is outside [0, 1]"
            )
        data.add(subject, SSSOM.confidence, Literal(m.score, datatype=XSD.double))
    data.add_all(subject, GK.matchBasis, (en(b) for b in present(m.match_basis)))
    data.add_all(subject, RDFS.comment, (en(c) for c in present(m.comment)))


def crosswalk_file(record: MappingSetRecord, description: Sequence[str]) -> DataFile:
    """Build the file of one mapping set."""
    label = f"Mapping set {record.key}: {record.title}"
    data = DataFile(f"crosswalks/{record.key}", label, list(description))
    add_mapping_set(data, record)
    data.describe_graph()
    return data


def set_confidence_note() -> str:
    """Return the note that documents how govkg-derived sets give sssom:confidence."""
    scores = ", ".join(f"{level} = {score}" for level, score in CONFIDENCE_SCORES.items())
    return (
        "sssom:confidence encodes the confidence level the govkg reference facts give each mapping "
        f"({scores}); it is a govkg convention, not a measured probability."
    )


CROSSWALK_FIELDS = names(
    "key label date parties source source_url source_url_note subject_framework "
    "object_framework granularity described_as pairs pairs_status note confidence "
    "predicate_suggestion announced_at text_reuse_observations"
)


def framework_owners(facts: Facts, framework_key: str) -> set[str]:
    """Return the organisation keys that publish, develop or steward a framework."""
    fw = facts.frameworks[framework_key]
    return {org for name in ("publisher", "developer", "steward") for org in as_list(fw.get(name))}


def crosswalk_status(facts: Facts, cw: Mapping[str, Any]) -> URIRef:
    """Return gk:Official, or gk:OfficialTableNotRetrieved when the facts lack the table."""
    if not cw["pairs"]:
        if not str(cw.get("pairs_status", "")).startswith("NOT RETRIEVED"):
            raise ReferenceDataError(
                f"crosswalk {cw['key']}: no pairs, yet not marked NOT RETRIEVED"
            )
        return GK.OfficialTableNotRetrieved
    mapped = (cw["subject_framework"], cw["object_framework"])
    owners = {org for key in mapped for org in framework_owners(facts, key)}
    if not owners & set(cw["parties"]):
        raise ReferenceDataError(
            f"crosswalk {cw['key']}: pairs, but no party owns a mapped framework"
        )
    return GK.Official


def publisher_terms(facts: Facts, source_id: str | None) -> tuple[Term, ...]:
    """Return the publishers of a crosswalk's source: organisation IRIs where known, else text."""
    terms: list[Term] = []
    for name in as_list(facts.source(source_id).get("publisher") if source_id else None):
        keys = facts.organisations_named(name)
        terms += [facts.organisation(k) for k in keys] if keys else [plain(name)]
    return tuple(terms)


def announcement_note(facts: Facts, cw: Mapping[str, Any]) -> str | None:
    """Return where a crosswalk was announced, naming the initiative its key stands for."""
    if not cw.get("announced_at"):
        return None
    key, _, rest = str(cw["announced_at"]).partition(" ")
    label = facts.initiative_label(key)
    if label is None:
        return f"Announced at {cw['announced_at']}."
    return f"Announced at the {label} {rest}".rstrip() + "."


def crosswalk_frameworks(cw: Mapping[str, Any], role: str) -> tuple[URIRef, ...]:
    """Return a crosswalk's subject or object framework: its field, else what its label names."""
    if cw.get(role):
        return (framework_iri(cw[role]),)
    named = FRAMEWORKS_NAMED_IN_LABEL.get(cw["key"], ({}, ""))[0].get(role)
    if named is None:
        return ()
    key, words = named
    if words not in cw["label"]:
        raise ReferenceDataError(f"crosswalk {cw['key']}: its label no longer names {words!r}")
    return (framework_iri(key),)


def lexical_uncertainty(ctx: Context, level: str | None, basis: str) -> tuple[str, ...]:
    """Return what is uncertain about a lexical mapping rated below high confidence."""
    if level in (None, "high"):
        return ()
    meaning = ctx.facts.meta["conventions"]["confidence"][level]
    return (
        f"The correspondence rests on wording alone ({basis}); the reference facts rate it "
        f"{level} confidence ({meaning}).",
    )


def official_pairs(ctx: Context, cw: Mapping[str, Any]) -> list[MappingRecord]:
    """Return the pairs of an official crosswalk entry, as mappings authored by its parties."""
    predicate = MAPPING_PREDICATES.get(str(cw.get("predicate_suggestion", "")).split(" ")[0])
    if predicate is None:
        raise ReferenceDataError(
            f"crosswalk {cw['key']}: pairs without a known predicate_suggestion"
        )
    subject_fw, object_fw = cw["subject_framework"], cw["object_framework"]
    source = ctx.facts.source(cw["source"])
    by = " and ".join(ctx.facts.organisation_labels()[org] for org in cw["parties"])
    basis = f"Stated by {by} in {source.get('identifier') or source['title']}."
    records = []
    for pair in cw["pairs"]:
        subject = ctx.index.get(subject_fw, pair["subject"], f"crosswalk {cw['key']}")
        obj = ctx.index.get(object_fw, pair["object"], f"crosswalk {cw['key']}")
        records.append(
            MappingRecord(
                local_id=f"{subject.key}--{obj.key}",
                subject=element_iri(subject_fw, subject.key),
                predicate=predicate,
                obj=element_iri(object_fw, obj.key),
                names=(subject.label, obj.label),
                justification=SEMAPV.ManualMappingCuration,
                authors=tuple(ctx.facts.organisation(org) for org in cw["parties"]),
                date=str(cw["date"]),
                source=str(pair.get("source") or cw["source"]),
                confidence=pair.get("confidence"),
                match_basis=basis,
            )
        )
    return records


def official_crosswalk(ctx: Context, cw: Mapping[str, Any]) -> DataFile:
    """Build ``crosswalks/{key}.ttl`` for one crosswalk entry of the reference facts."""
    ctx.check_fields(cw, CROSSWALK_FIELDS, f"crosswalks[{cw['key']}]")
    source = cw.get("source")
    source_license = ctx.facts.source(source).get("license") if source else None
    status = crosswalk_status(ctx.facts, cw)
    record = MappingSetRecord(
        key=cw["key"],
        title=cw["label"],
        status=status,
        sources=(str(source or REFERENCE_FACTS_SOURCE),),
        date=str(cw["date"]) if cw.get("date") else None,
        creators=tuple(ctx.facts.organisation(org) for org in cw["parties"]),
        publishers=publisher_terms(ctx.facts, source),
        subject_frameworks=crosswalk_frameworks(cw, "subject_framework"),
        object_frameworks=crosswalk_frameworks(cw, "object_framework"),
        granularity=cw.get("granularity"),
        license=license_term(source_license) if source_license else None,
        confidence=cw.get("confidence"),
        uncertainty=tuple(ctx.explained(cw.get("confidence"), present(cw.get("source_url_note")))),
        notes=tuple(
            present(
                f"Pairs: {cw['pairs_status']}" if cw.get("pairs_status") else None,
                cw.get("note"),
                f"Described as: {cw['described_as']}" if cw.get("described_as") else None,
                f"Mapping predicate: {cw['predicate_suggestion']}"
                if cw.get("predicate_suggestion")
                else None,
                FRAMEWORKS_NAMED_IN_LABEL.get(cw["key"], ({}, None))[1],
            )
        ),
        history=tuple(present(announcement_note(ctx.facts, cw))),
        page=cw.get("source_url"),
        mappings=official_pairs(ctx, cw) if status == GK.Official else [],
    )
    if status == GK.Official:
        description = [f"Official crosswalk {cw['key']}, with the pairs the reference facts give."]
    else:
        description = [
            f"Official crosswalk {cw['key']}, whose table is not in the reference facts:",
            "it holds no mappings.",
        ]
    return crosswalk_file(record, description)


def text_reuse_mapping(
    ctx: Context, cw: Mapping[str, Any], observation: Mapping[str, Any]
) -> MappingRecord:
    """Return one text-reuse observation as a mapping from an AI Verify criterion."""
    # AI Verify's criterion reuses AI RMF wording, so AI Verify is the subject here, although the
    # official crosswalk maps the other way.
    subject_fw, object_fw = cw["object_framework"], cw["subject_framework"]
    where = f"text reuse observation {observation['ai_verify_id']}"
    if observation.get("is_official_crosswalk_pair"):
        raise ReferenceDataError(f"{where}: marked as an official pair")
    criterion = ctx.index.get(subject_fw, observation["ai_verify_testable_criterion"], where)
    if criterion.notation != str(observation["ai_verify_id"]):
        raise ReferenceDataError(f"{where}: its id and criterion key disagree")
    subcategory = ctx.index.by_notation(object_fw, observation["ai_rmf_subcategory"], where)
    identical = normalised_text(criterion.item["text"]) == normalised_text(subcategory.item["text"])
    level = observation.get("confidence")
    return MappingRecord(
        local_id=f"{criterion.key}--{subcategory.key}",
        subject=element_iri(subject_fw, criterion.key),
        predicate=SKOS.closeMatch if identical else GK.correspondsTo,
        obj=element_iri(object_fw, subcategory.key),
        names=(f"AI Verify {criterion.label.lower()}", subcategory.label),
        justification=SEMAPV.LexicalMatching,
        authors=(GOVKG_DEVELOPERS,),
        date=ctx.facts.compiled,
        source=str(observation["source"]),
        confidence=level,
        score=CONFIDENCE_SCORES[level] if level else None,
        match_basis=observation["evidence"],
        comment=observation["basis"],
        uncertainty=lexical_uncertainty(ctx, level, observation["evidence"]),
    )


def text_reuse_set(ctx: Context, cw: Mapping[str, Any]) -> DataFile | None:
    """Build the unofficial set of AI Verify criteria whose wording reuses AI RMF subcategories."""
    observations = cw.get("text_reuse_observations") or []
    if not observations:
        return None
    mappings = [text_reuse_mapping(ctx, cw, observation) for observation in observations]
    # The set also rests on the source of the AI RMF wording that the criteria were compared with.
    compared = element_source({}, ctx.facts.frameworks[cw["subject_framework"]])
    record = MappingSetRecord(
        key=TEXT_REUSE_SET_KEY,
        title="AI Verify testable criteria whose wording reuses AI RMF subcategories "
        "(govkg observation)",
        status=GK.Unofficial,
        sources=(REFERENCE_FACTS_SOURCE, *sorted({m.source for m in mappings} | {compared})),
        date=ctx.facts.compiled,
        creators=(GOVKG_DEVELOPERS,),
        subject_frameworks=(framework_iri(cw["object_framework"]),),
        object_frameworks=(framework_iri(cw["subject_framework"]),),
        granularity="AI Verify testable criteria to AI RMF subcategories",
        license=GOVKG_LICENSE,
        notes=(
            "Observations of text reuse that the govkg reference facts record with crosswalk "
            f"{cw['key']}; none is a pair of that official crosswalk, whose table was not "
            "retrieved.",
            "Predicate: skos:closeMatch where the two texts are identical (but for a final full "
            "stop), gk:correspondsTo where the wording is reused with changes.",
            set_confidence_note(),
        ),
        related=(mapping_set_iri(cw["key"]),),
        mappings=mappings,
    )
    return crosswalk_file(
        record, ["Unofficial mapping set derived by govkg from text reuse observations."]
    )


def fact_sheet_mappings(ctx: Context, caveat: str) -> list[tuple[Element, MappingRecord]]:
    """Return the label matches of the fact sheet's principles as lexical mappings, with targets."""
    comment = f'Lexical correspondence, not an official mapping. The reference facts: "{caveat}"'
    mappings = []
    for principle in ctx.facts.fact_sheet["principles_named"]:
        if not principle["key"].startswith("fs-"):
            raise ReferenceDataError(
                f"fact sheet principle key {principle['key']!r} does not start with fs-"
            )
        principle_slug = principle["key"].removeprefix("fs-")
        for match in principle["label_matches"]:
            fw_key = match["framework"]
            target = ctx.index.get(
                fw_key, match["element"], f"fact sheet principle {principle['key']}"
            )
            mappings.append(
                (
                    target,
                    MappingRecord(
                        local_id=f"{principle_slug}--{fw_key}.{target.key}",
                        subject=PRINCIPLE_NS[principle_slug],
                        predicate=GK.correspondsTo,
                        obj=element_iri(fw_key, target.key),
                        names=(f'"{principle["label"]}"', f"{target.label} ({fw_key})"),
                        justification=SEMAPV.LexicalMatching,
                        authors=(GOVKG_DEVELOPERS,),
                        date=ctx.facts.compiled,
                        source=REFERENCE_FACTS_SOURCE,
                        confidence=match["confidence"],
                        score=CONFIDENCE_SCORES[match["confidence"]],
                        match_basis=match["match"],
                        comment=comment,
                        uncertainty=lexical_uncertainty(ctx, match["confidence"], match["match"]),
                    ),
                )
            )
    return mappings


def fact_sheet_set(ctx: Context) -> DataFile:
    """Build the unofficial lexical set from the fact sheet's principles to framework elements."""
    sheet = ctx.facts.fact_sheet
    caveat = first_sentence(sheet["principles_note"])
    if "NOT official" not in caveat:
        raise ReferenceDataError("fact_sheet.principles_note no longer opens with its caveat")
    matches = fact_sheet_mappings(ctx, caveat)
    frameworks = sorted(
        {str(m.obj).removeprefix(str(FRAMEWORK_NS)).split("/")[0] for _, m in matches}
    )
    kinds = sorted(plurals(target.rdf_class for target, _ in matches))
    record = MappingSetRecord(
        key=FACT_SHEET_SET_KEY,
        title="Lexical correspondences between the principles named in the fact sheet "
        f'"{sheet["label"]}" ({sheet["date"]}) and framework elements',
        status=GK.Unofficial,
        sources=(REFERENCE_FACTS_SOURCE, str(sheet["source"])),
        date=ctx.facts.compiled,
        creators=(GOVKG_DEVELOPERS,),
        subject_frameworks=(PRINCIPLE_LIST_NS[sheet["key"]],),
        object_frameworks=tuple(framework_iri(k) for k in frameworks),
        granularity="principles named in the fact sheet to framework elements "
        f"({', '.join(kinds)})",
        license=GOVKG_LICENSE,
        notes=(sheet["principles_note"], set_confidence_note()),
        mappings=[mapping for _, mapping in matches],
    )
    return crosswalk_file(
        record,
        [
            "Unofficial lexical mapping set from fact_sheet.principles_named[*].label_matches.",
            f"Mapping IRIs: <{mapping_iri(FACT_SHEET_SET_KEY, '')}",
            "{principle slug}--{framework key}.{element key}>, with the framework key since the",
            "objects come from several frameworks.",
        ],
    )


def check_area_grouping(ctx: Context, cw: Mapping[str, Any]) -> None:
    """Check the AI Verify area-grouping entry against the hierarchy written for AI Verify."""
    elements = ctx.index.elements("ai-verify-testing-framework", cw["key"])
    written = {(el.parent, el.key) for el in elements if el.rdf_class == GK.Principle}
    listed = {(AI_VERIFY_AREA_PREFIX + pair["area"], pair["principle"]) for pair in cw["pairs"]}
    if written != listed:
        raise ReferenceDataError(f"{cw['key']}: its pairs disagree with the AI Verify hierarchy")


def check_risk_characteristics(facts: Facts) -> None:
    """Check AI 600-1's characteristics per risk against the official risk crosswalk's pairs."""
    risks = facts.frameworks["nist-ai-600-1"]["gai_risks"]
    listed = {(risk["key"], c) for risk in risks for c in risk["trustworthy_ai_characteristics"]}
    for cw in facts.crosswalks:
        if (cw.get("subject_framework"), cw.get("object_framework")) != (
            "nist-ai-600-1",
            "nist-ai-rmf-1-0",
        ):
            continue
        if {(p["subject"], p["object"]) for p in cw["pairs"]} != listed:
            raise ReferenceDataError(f"{cw['key']}: pairs disagree with the risks' characteristics")


def build_crosswalks(ctx: Context) -> list[DataFile]:
    """Build every crosswalk file."""
    check_risk_characteristics(ctx.facts)
    files: list[DataFile] = []
    for cw in ctx.facts.crosswalks:
        if cw["key"] in NOT_CROSSWALKS:
            check_area_grouping(ctx, cw)
            continue
        files.append(official_crosswalk(ctx, cw))
        reuse = text_reuse_set(ctx, cw)
        if reuse is not None:
            files.append(reuse)
    files.append(fact_sheet_set(ctx))
    return files


# --- count checks ------------------------------------------------------------------------------

#: Element counts the facts state: (path below meta.counts, framework, path below the
#: framework's counts or None, class).
ELEMENT_COUNTS: tuple[tuple[str, str, str | None, URIRef], ...] = (
    (
        "nist_ai_rmf.trustworthiness_characteristics",
        "nist-ai-rmf-1-0",
        "trustworthiness_characteristics",
        GK.TrustworthinessCharacteristic,
    ),
    ("nist_ai_rmf.functions", "nist-ai-rmf-1-0", "functions", GK.Function),
    ("nist_ai_rmf.categories", "nist-ai-rmf-1-0", "categories", GK.Category),
    ("nist_ai_rmf.subcategories", "nist-ai-rmf-1-0", "subcategories", GK.Subcategory),
    ("nist_ai_600_1.gai_risks", "nist-ai-600-1", "gai_risks", GK.Risk),
    ("ai_verify.principles", "ai-verify-testing-framework", "principles", GK.Principle),
    ("ai_verify.areas", "ai-verify-testing-framework", "areas", GK.Area),
    (
        "ai_verify.testable_criteria",
        "ai-verify-testing-framework",
        "testable_criteria",
        GK.TestableCriterion,
    ),
    ("ai_verify.process_checks", "ai-verify-testing-framework", "process_checks", GK.ProcessCheck),
    ("sg_mgf_genai_dimensions", "sg-mgf-genai", None, GK.Dimension),
    ("asean_guiding_principles", "asean-guide-ai-governance-ethics", None, GK.Principle),
    ("oecd_values_based_principles", "oecd-ai-principles", None, GK.Principle),
    ("oecd_recommendations", "oecd-ai-principles", None, GK.Recommendation),
)
#: Counts per parent the facts state: (framework, counts field, class counted, parent field).
NESTED_COUNTS: tuple[tuple[str, str, URIRef, str], ...] = (
    ("nist-ai-rmf-1-0", "categories_per_function", GK.Category, "notation"),
    ("nist-ai-rmf-1-0", "subcategories_per_function", GK.Subcategory, "notation"),
    ("ai-verify-testing-framework", "testable_criteria_by_principle", GK.TestableCriterion, "key"),
    ("ai-verify-testing-framework", "process_checks_by_principle", GK.ProcessCheck, "key"),
)
#: Counts of the facts (by path prefix) that nothing written can be counted against, and why.
COUNTS_NOT_CHECKED: dict[str, str] = {
    "meta.counts.nist_ai_600_1.suggested_actions": "the actions are not in the reference facts",
    "nist-ai-600-1.counts.suggested_actions": "the actions are not in the reference facts",
}

CountCheck = tuple[str, int, int]


def dotted(mapping: Mapping[str, Any], path: str) -> int:
    """Return the count at a dotted path of a mapping."""
    value: Any = mapping
    for part in path.split("."):
        value = value[part]
    return int(value)


def written_elements(
    files: Mapping[str, DataFile], framework_key: str, rdf_class: URIRef
) -> list[URIRef]:
    """Return the elements of a class written in a framework's file."""
    graph = files[f"frameworks/{framework_key}"].graph
    scheme = framework_iri(framework_key)
    return [
        s
        for s in graph.subjects(RDF.type, rdf_class)
        if isinstance(s, URIRef) and (s, SKOS.inScheme, scheme) in graph
    ]


def written_below(
    files: Mapping[str, DataFile], framework_key: str, rdf_class: URIRef, ancestor: URIRef
) -> int:
    """Return how many elements of a class are written below an element (via skos:broader)."""
    graph = files[f"frameworks/{framework_key}"].graph
    return sum(
        1
        for s in written_elements(files, framework_key, rdf_class)
        if ancestor in graph.transitive_objects(s, SKOS.broader)
    )


def element_count_checks(facts: Facts, files: Mapping[str, DataFile]) -> list[CountCheck]:
    """Return the checks of the element counts in meta.counts and the frameworks' counts."""
    checks = []
    for meta_path, key, fw_path, rdf_class in ELEMENT_COUNTS:
        written = len(written_elements(files, key, rdf_class))
        checks.append(
            (f"meta.counts.{meta_path}", dotted(facts.meta["counts"], meta_path), written)
        )
        if fw_path:
            expected = dotted(facts.frameworks[key]["counts"], fw_path)
            checks.append((f"{key}.counts.{fw_path}", expected, written))
    return checks


def nested_count_checks(ctx: Context, files: Mapping[str, DataFile]) -> list[CountCheck]:
    """Return the checks of counts per function or principle, and of the functions' own counts."""
    checks = []
    for key, counts_field, rdf_class, parent_field in NESTED_COUNTS:
        for parent, expected in ctx.facts.frameworks[key]["counts"][counts_field].items():
            found = (
                ctx.index.by_notation(key, parent, counts_field)
                if parent_field == "notation"
                else ctx.index.get(key, parent, counts_field)
            )
            written = written_below(files, key, rdf_class, element_iri(key, found.key))
            checks.append((f"{key}.counts.{counts_field}.{parent}", expected, written))
    for function in ctx.facts.frameworks["nist-ai-rmf-1-0"]["functions"]:
        ancestor = element_iri("nist-ai-rmf-1-0", function["key"])
        for counts_field, below in (
            ("category_count", GK.Category),
            ("subcategory_count", GK.Subcategory),
        ):
            written = written_below(files, "nist-ai-rmf-1-0", below, ancestor)
            checks.append(
                (f"functions[{function['key']}].{counts_field}", function[counts_field], written)
            )
    return checks


def other_count_checks(facts: Facts, files: Mapping[str, DataFile]) -> list[CountCheck]:
    """Return the checks of suggested-action links, toolkit versions, fact sheet and pairs."""
    meta = facts.meta["counts"]
    profile = files["frameworks/nist-ai-600-1"].graph
    links = len(set(profile.subjects(GK.hasSuggestedActionsIn, framework_iri("nist-ai-600-1"))))
    profile_counts = facts.frameworks["nist-ai-600-1"]["counts"]
    checks = [
        (
            "meta.counts.nist_ai_600_1.subcategories_with_actions",
            meta["nist_ai_600_1"]["subcategories_with_actions"],
            links,
        ),
        (
            "nist-ai-600-1.counts.ai_rmf_subcategories_with_actions",
            profile_counts["ai_rmf_subcategories_with_actions"],
            links,
        ),
    ]
    lexical = files[f"crosswalks/{FACT_SHEET_SET_KEY}"].graph
    checks.append(
        (
            "meta.counts.fact_sheet_principles",
            meta["fact_sheet_principles"],
            len(set(lexical.objects(None, OWL.annotatedSource))),
        )
    )
    official = files["crosswalks/xw-ai-rmf-ai-verify-2023"].graph
    pairs = len(set(official.objects(None, SSSOM.mappings)))
    checks.append(
        (
            "meta.counts.official_ai_rmf_ai_verify_pairs_found",
            meta["official_ai_rmf_ai_verify_pairs_found"],
            pairs,
        )
    )
    ai_verify = facts.frameworks["ai-verify-testing-framework"]
    since = [
        str(check["in_open_source_toolkit_since"])[:7] for check in ai_verify["process_checks"]
    ]
    for version, expected in ai_verify["counts"]["process_checks_by_version"].items():
        month = version.split(" ")[0]
        checks.append(
            (
                f"ai-verify-testing-framework.counts.process_checks_by_version.{version}",
                expected,
                sum(1 for added in since if added <= month),
            )
        )
    return checks


def stated_counts(facts: Facts) -> list[str]:
    """Return the path of every number under meta.counts and the frameworks' counts."""

    def leaves(value: object, path: str) -> list[str]:
        if isinstance(value, Mapping):
            return [leaf for k, v in value.items() for leaf in leaves(v, f"{path}.{k}")]
        return [path] if isinstance(value, int) else []

    paths = leaves(facts.meta["counts"], "meta.counts")
    for key, fw in facts.frameworks.items():
        paths += leaves(fw.get("counts", {}), f"{key}.counts")
    return paths


def check_counts(ctx: Context, files: Mapping[str, DataFile]) -> None:
    """Record a problem for every count of the facts that is not checked, or not matched."""
    checks = [
        *element_count_checks(ctx.facts, files),
        *nested_count_checks(ctx, files),
        *other_count_checks(ctx.facts, files),
    ]
    ctx.problems += [
        f"count {what}: the facts say {expected}, {written} written"
        for what, expected, written in checks
        if expected != written
    ]
    checked = {what for what, _, _ in checks}
    ctx.problems += [
        f"count {path}: not checked by the tool"
        for path in stated_counts(ctx.facts)
        if path not in checked and not path.startswith(tuple(COUNTS_NOT_CHECKED))
    ]


# --- Turtle ------------------------------------------------------------------------------------

_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def all_prefixes() -> dict[str, str]:
    """Return every prefix the tool may use, by prefix name."""
    prefixes = dict(BASE_PREFIXES)
    prefixes.update({name: f"{FRAMEWORK_NS}{key}/" for key, name in FRAMEWORK_PREFIXES.items()})
    return prefixes


def escape(text: str) -> str:
    """Escape text for a Turtle string in double quotes."""
    return "".join(
        _ESCAPES.get(ch, f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch)
        for ch in text
    )


class TurtleWriter:
    """A small deterministic Turtle writer for graphs without blank nodes."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        """Use the prefixes where the rest of an IRI is a plain local name."""
        # Longest namespace first, so that airmf: wins over framework: for element IRIs.
        self._prefixes = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self._used: set[str] = set()

    def iri(self, iri: URIRef) -> str:
        """Return an IRI as a prefixed name, or in angle brackets."""
        text = str(iri)
        if _IRI_FORBIDDEN.search(text):
            raise ReferenceDataError(f"not a valid IRI: {text!r}")
        for name, namespace in self._prefixes:
            if text.startswith(namespace) and _LOCAL_NAME.fullmatch(text[len(namespace) :]):
                self._used.add(name)
                return f"{name}:{text[len(namespace) :]}"
        return f"<{text}>"

    def literal(self, literal: Literal) -> str:
        """Return a literal, with its language tag or datatype."""
        if literal.datatype == XSD.integer:
            return str(int(literal))
        if literal.datatype == XSD.boolean:
            return "true" if literal.value else "false"
        text = f'"{escape(str(literal))}"'
        if literal.language:
            return f"{text}@{literal.language}"
        if literal.datatype and literal.datatype != XSD.string:
            return f"{text}^^{self.iri(URIRef(literal.datatype))}"
        return text

    def term(self, term: object) -> str:
        """Return a subject, predicate or object; only IRIs and literals can be written."""
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, Literal):
            return self.literal(term)
        raise ReferenceDataError(f"only IRIs and literals can be written, not {term!r}")

    def block(self, graph: Graph, subject: URIRef) -> str:
        """Return the statements about one subject, predicates and objects sorted."""
        predicates = sorted(
            {cast(URIRef, p) for p in graph.predicates(subject)},
            key=lambda p: (p != RDF.type, natural_key(str(p))),
        )
        lines = []
        for predicate in predicates:
            objects = sorted(
                (self.term(o) for o in graph.objects(subject, predicate)), key=natural_key
            )
            verb = "a" if predicate == RDF.type else self.term(predicate)
            lines.append(f"    {verb} " + " ,\n        ".join(objects))
        return f"{self.term(subject)}\n" + " ;\n".join(lines) + " .\n"

    def document(self, graph: Graph, header: Sequence[str]) -> str:
        """Return the whole file: header comment, the prefixes used, and the sorted statements."""
        subjects = sorted(
            {cast(URIRef, s) for s in graph.subjects()}, key=lambda s: natural_key(str(s))
        )
        body = "\n".join(self.block(graph, subject) for subject in subjects)
        namespaces = dict(self._prefixes)
        prefixes = [f"@prefix {name}: <{namespaces[name]}> ." for name in sorted(self._used)]
        return "\n".join([*(f"# {line}" for line in header), "", *prefixes, "", body])


def render(facts: Facts, data: DataFile) -> str:
    """Return the Turtle text of one file, with its header comment."""
    header = [
        "Generated by tools/import_reference.py from the govkg reference facts "
        f"(compiled {facts.compiled}).",
        "Do not edit by hand: change the reference facts or the tool, and run the tool again.",
        *data.description,
        f"Named graph: <{data.graph_iri}>.",
    ]
    return TurtleWriter(all_prefixes()).document(data.graph, header)


# --- main --------------------------------------------------------------------------------------


def check_cited_sources(ctx: Context, files: Iterable[DataFile]) -> None:
    """Record a problem for every dcterms:source that names no source document."""
    ids = [entry["id"] for entry in ctx.facts.sources] + [REFERENCE_FACTS_SOURCE]
    known = {str(source_iri(source_id)) for source_id in ids}
    for data in files:
        for cited in sorted({str(o) for o in data.graph.objects(None, DCTERMS.source)} - known):
            ctx.problems.append(f"{data.relative_path}: cites {cited}, which is not in sources")


def build_all(facts: Facts) -> list[DataFile]:
    """Build every output file; raise ReferenceDataError listing the problems found."""
    ctx = Context(
        facts, ElementIndex({key: collect(key, fw) for key, fw in facts.frameworks.items()})
    )
    files = [build_sources(ctx)]
    files += [build_framework(ctx, key) for key in facts.frameworks]
    files += build_crosswalks(ctx)
    check_cited_sources(ctx, files)
    check_counts(ctx, {data.relative_path: data for data in files})
    if ctx.problems:
        raise ReferenceDataError("\n".join(ctx.problems))
    return files


def write_files(facts: Facts, files: Sequence[DataFile], out_dir: Path) -> None:
    """Write every file below ``out_dir`` and report its triple count."""
    for data in files:
        path = out_dir / f"{data.relative_path}.ttl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(render(facts, data))
        print(f"wrote {path} ({len(data.graph)} triples)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("facts", type=Path, help="path of governance-facts.yaml")
    parser.add_argument(
        "out_dir",
        type=Path,
        nargs="?",
        default=Path(__file__).resolve().parent.parent / "data",
        help="output folder (default: the repository's data/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the files; return the exit status."""
    args = parse_args(argv)
    try:
        facts = load_facts(args.facts)
        files = build_all(facts)
    except ReferenceDataError as error:
        print(f"import_reference: the reference facts do not check out:\n{error}", file=sys.stderr)
        return 1
    except KeyError as error:
        print(
            f"import_reference: the reference facts lack a field the tool needs: {error}",
            file=sys.stderr,
        )
        return 1
    write_files(facts, files, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
