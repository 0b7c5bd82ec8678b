"""Framework elements, collected from the reference facts before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef
from rdflib.namespace import SKOS

from govkg.namespaces import GK
from reference_import.core import (
    AI_VERIFY_AREA_PREFIX,
    AI_VERIFY_NO_AREA,
    ReferenceDataError,
    Statement,
    en,
    last_number,
    names,
    present,
    slug,
)


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
    # AI 100-1 numbers the characteristics by the sections that define them (3.1 to 3.7).
    characteristics = [
        element(
            i,
            GK.TrustworthinessCharacteristic,
            notation=str(i["section"]),
            position=last_number(i["section"]),
        )
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
    # AI 600-1 numbers the risks by the sections that describe them (2.1 to 2.12).
    risks = []
    for i in fw["gai_risks"]:
        if last_number(i["section"]) != int(i["number"]):
            raise ReferenceDataError(f"AI 600-1 risk {i['key']}: its number and section disagree")
        risks.append(element(i, GK.Risk, notation=str(i["section"]), position=int(i["number"])))
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
        element(
            i,
            GK.Area,
            key=AI_VERIFY_AREA_PREFIX + i["key"],
            notation=str(i["number"]),
            position=int(i["number"]),
        )
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
        elements=[
            element(i, GK.Dimension, notation=str(i["number"]), position=int(i["number"]))
            for i in fw["dimensions"]
        ],
        consumed=names("dimensions"),
    )


def collect_asean_guide(fw: Mapping[str, Any]) -> FrameworkContent:
    """ASEAN Guide: the seven guiding principles and the four components of its framework."""
    principles = [
        element(i, GK.Principle, notation=str(i["number"]), position=int(i["number"]))
        for i in fw["guiding_principles"]
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
