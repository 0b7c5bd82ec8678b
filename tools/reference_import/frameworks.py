"""``frameworks/{key}.ttl``: each framework and its elements."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from govkg.namespaces import GK
from reference_import.core import (
    REFERENCE_FACTS_SOURCE,
    ReferenceDataError,
    as_list,
    date_literal,
    element_iri,
    en,
    framework_iri,
    names,
    plain,
    present,
    source_iri,
)
from reference_import.elements import Element, FrameworkContent
from reference_import.facts import Facts
from reference_import.output import (
    Context,
    DataFile,
    add_confidence,
    add_dates,
    add_licenses,
    split_note,
)

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
    if el.rdf_class == GK.Principle:
        # A framework's principle is one of its elements; gk:Principle alone is not (a
        # statement's listed principles, gk:ListedPrinciple, belong to no framework).
        data.add(subject, RDF.type, GK.FrameworkElement)
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
    add_licenses(data, subject, framework_licenses(ctx.facts, fw))
    data.add_all(subject, FOAF.page, (URIRef(u) for u in as_list(fw.get("source_url"))))
    data.add(subject, DCTERMS.source, source_iri(element_source({}, fw)))
    add_confidence(data, subject, fw.get("confidence"), ctx.explained(fw.get("confidence"), []))


def framework_licenses(facts: Facts, fw: Mapping[str, Any]) -> list[str]:
    """Return the licences of a framework's text: its own, else its source document's (the
    document its elements' wording is taken from)."""
    own = [str(text) for text in as_list(fw.get("license"))]
    if own or not fw.get("source"):
        return own
    return [str(text) for text in as_list(facts.source(str(fw["source"])).get("license"))]


def check_text_licensed(ctx: Context, data: DataFile, key: str) -> None:
    """Record a problem when a framework's elements reproduce text but it names no licence."""
    scheme = framework_iri(key)
    reproduces = any(
        (element, SKOS.inScheme, scheme) in data.graph
        for predicate in (GK.text, SKOS.definition)
        for element in data.graph.subjects(predicate, None)
    )
    if reproduces and (scheme, DCTERMS.license, None) not in data.graph:
        ctx.problems.append(
            f"frameworks[{key}]: its elements reproduce text, but neither it nor its source "
            "gives a licence"
        )


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
    check_text_licensed(ctx, data, key)
    data.describe_graph()
    return data


def plurals(classes: Iterable[URIRef]) -> list[str]:
    """Return the plural names of element classes, each once, in order of first appearance."""
    return list(dict.fromkeys(CLASS_PLURALS[cls] for cls in classes))
