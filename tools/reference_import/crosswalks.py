"""``crosswalks/{key}.ttl``: the official crosswalks and govkg's unofficial mapping sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from govkg.namespaces import GK, PAV, SEMAPV, SSSOM
from govkg.submission.minting import Minter
from reference_import.core import (
    AI_VERIFY_AREA_PREFIX,
    CONFIDENCE_SCORES,
    FACT_SHEET_SET_KEY,
    FRAMEWORK_NS,
    FRAMEWORKS_NAMED_IN_LABEL,
    GOVKG_DEVELOPERS,
    GOVKG_LICENSE,
    MAPPING_PREDICATES,
    NOT_CROSSWALKS,
    PREDICATE_PHRASES,
    PRINCIPLE_LIST_NS,
    REFERENCE_FACTS_SOURCE,
    TEXT_REUSE_SET_KEY,
    ReferenceDataError,
    Term,
    as_list,
    date_literal,
    element_iri,
    en,
    first_sentence,
    framework_iri,
    mapping_set_iri,
    names,
    present,
    source_iri,
)
from reference_import.elements import Element
from reference_import.facts import Facts
from reference_import.frameworks import element_source, plurals
from reference_import.output import Context, DataFile, add_confidence, license_term


@dataclass(frozen=True)
class MappingRecord:
    """One SSSOM mapping to write."""

    subject: URIRef
    predicate: URIRef
    obj: URIRef
    names: tuple[str, str]
    object_framework: URIRef
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
    """One SSSOM mapping set (a crosswalk, typed sssom:MappingSet) to write."""

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
    # Typed sssom:MappingSet only: SSSOM/RDF readers (sssom-py) refuse a set with another type.
    data.add(subject, RDF.type, SSSOM.MappingSet)
    data.add(subject, RDFS.label, en(record.title))
    data.add(subject, DCTERMS.title, en(record.title))
    data.add(subject, GK.crosswalkStatus, record.status)
    data.add_all(subject, DCTERMS.source, (source_iri(s) for s in record.sources))
    data.add_all(subject, DCTERMS.issued, (date_literal(d) for d in present(record.date)))
    data.add_all(subject, DCTERMS.creator, record.creators)
    data.add_all(subject, DCTERMS.publisher, record.publishers)
    data.add_all(subject, SSSOM.subject_source, record.subject_frameworks)
    # object_source is single-valued (SSSOM schema): a set whose objects come from several
    # frameworks states each mapping's own object_source instead (a propagatable slot).
    multi = len(record.object_frameworks) > 1
    data.add_all(subject, SSSOM.object_source, () if multi else record.object_frameworks)
    data.add_all(subject, GK.granularity, (en(g) for g in present(record.granularity)))
    data.add_all(subject, DCTERMS.license, () if record.license is None else (record.license,))
    add_confidence(data, subject, record.confidence, record.uncertainty)
    data.add_all(subject, SKOS.note, (en(n) for n in record.notes))
    data.add_all(subject, SKOS.historyNote, (en(h) for h in record.history))
    data.add_all(subject, FOAF.page, (URIRef(p) for p in present(record.page)))
    data.add_all(subject, DCTERMS.relation, record.related)
    pairs = [(m.subject, m.obj) for m in record.mappings]
    if len(pairs) != len(set(pairs)):
        raise ReferenceDataError(f"mapping set {record.key}: a pair of elements is mapped twice")
    # The one minter of mapping IRIs (as for submissions): {subject key}--{object key}, with the
    # object's framework key when the set's objects come from several frameworks.
    minter = Minter(str(subject), include_object_framework=len(record.object_frameworks) != 1)
    for m in record.mappings:
        iri = minter.mint_for(str(m.subject), str(m.predicate), str(m.obj), str(m.object_framework))
        add_mapping(data, subject, iri, m)
        if multi:
            data.add(iri, SSSOM.object_source, m.object_framework)


def add_mapping(data: DataFile, set_iri: URIRef, subject: URIRef, m: MappingRecord) -> None:
    """Write one SSSOM/RDF mapping record (an ``owl:Axiom``, SSSOM specification "SSSOM/RDF")
    and link it from its set."""
    data.add(set_iri, SSSOM.mappings, subject)
    data.add(subject, RDF.type, OWL.Axiom)
    data.add(subject, RDFS.label, en(f"{m.names[0]} {PREDICATE_PHRASES[m.predicate]} {m.names[1]}"))
    data.add(subject, OWL.annotatedSource, m.subject)
    data.add(subject, OWL.annotatedProperty, m.predicate)
    data.add(subject, OWL.annotatedTarget, m.obj)
    data.add(subject, SSSOM.mapping_justification, m.justification)
    data.add_all(subject, PAV.authoredBy, m.authors)
    data.add(subject, DCTERMS.created, date_literal(m.date))
    data.add(subject, DCTERMS.source, source_iri(m.source))
    add_confidence(data, subject, m.confidence, m.uncertainty)
    if m.score is not None:
        if not 0.0 <= m.score <= 1.0:
            raise ReferenceDataError(f"mapping {subject}: confidence {m.score} is outside [0, 1]")
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
    """Return the publishers of a crosswalk's source, as described in ``sources.ttl``."""
    names = as_list(facts.source(source_id).get("publisher") if source_id else None)
    return tuple(agent for name in names for agent in facts.publisher(str(name)))


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
                subject=element_iri(subject_fw, subject.key),
                predicate=predicate,
                obj=element_iri(object_fw, obj.key),
                names=(subject.label, obj.label),
                object_framework=framework_iri(object_fw),
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
    level = observation.get("confidence")
    return MappingRecord(
        subject=element_iri(subject_fw, criterion.key),
        predicate=GK.correspondsTo,
        obj=element_iri(object_fw, subcategory.key),
        names=(f"AI Verify {criterion.label.lower()}", subcategory.label),
        object_framework=framework_iri(object_fw),
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
            "Predicate: gk:correspondsTo for every observation, identical wordings included (the "
            "match basis says which are verbatim): a SKOS mapping predicate would read as an "
            "official correspondence to a query that filters on the predicate alone.",
            set_confidence_note(),
        ),
        related=(mapping_set_iri(cw["key"]),),
        mappings=mappings,
    )
    return crosswalk_file(
        record, ["Unofficial mapping set derived by govkg from text reuse observations."]
    )


def listed_principle_iri(list_key: str, slug: str) -> URIRef:
    """Return the IRI of a principle as the principle list ``list_key`` names it.

    >>> str(listed_principle_iri("us-sg-ai-fact-sheet-2024-06-05", "fairness"))
    'https://w3id.org/govkg/id/principle-list/us-sg-ai-fact-sheet-2024-06-05/fairness'
    """
    return PRINCIPLE_LIST_NS[f"{list_key}/{slug}"]


def fact_sheet_mappings(ctx: Context, caveat: str) -> list[tuple[Element, MappingRecord]]:
    """Return the label matches of the fact sheet's principles as lexical mappings, with targets."""
    comment = f'Lexical correspondence, not an official mapping. The reference facts: "{caveat}"'
    mappings = []
    for principle in ctx.facts.fact_sheet["principles_named"]:
        if not principle["key"].startswith("fs-"):
            raise ReferenceDataError(
                f"fact sheet principle key {principle['key']!r} does not start with fs-"
            )
        # A listed principle is scoped to its list (id/principle-list/{list}/{slug}).
        principle_iri = listed_principle_iri(
            ctx.facts.fact_sheet["key"], principle["key"].removeprefix("fs-")
        )
        for match in principle["label_matches"]:
            fw_key = match["framework"]
            target = ctx.index.get(
                fw_key, match["element"], f"fact sheet principle {principle['key']}"
            )
            mappings.append(
                (
                    target,
                    MappingRecord(
                        subject=principle_iri,
                        predicate=GK.correspondsTo,
                        obj=element_iri(fw_key, target.key),
                        names=(f'"{principle["label"]}"', f"{target.label} ({fw_key})"),
                        object_framework=framework_iri(fw_key),
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
            f"Mapping IRIs: <{mapping_set_iri(FACT_SHEET_SET_KEY)}/",
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
