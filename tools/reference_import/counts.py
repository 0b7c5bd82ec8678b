"""Checks of every count the reference facts state against what is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, SKOS

from govkg.namespaces import GK, SSSOM
from reference_import.core import FACT_SHEET_SET_KEY, element_iri, framework_iri
from reference_import.facts import Facts
from reference_import.output import Context, DataFile

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
