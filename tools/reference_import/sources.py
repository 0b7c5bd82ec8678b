"""``sources.ttl``: the source documents, their publishers, and govkg's developers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from govkg.namespaces import GK
from reference_import.core import (
    GOVKG_DEVELOPERS,
    GOVKG_DEVELOPERS_LABEL,
    REFERENCE_FACTS_SOURCE,
    REPOSITORY,
    REPRINT_SUFFIX,
    VENDORED_FACTS,
    agent_iri,
    as_list,
    date_literal,
    en,
    names,
    plain,
    present,
    source_iri,
)
from reference_import.facts import Facts
from reference_import.output import (
    Context,
    DataFile,
    add_confidence,
    add_dates,
    add_licenses,
    split_note,
)

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
    publishers = [str(name) for name in as_list(entry.get("publisher"))]
    for name in publishers:
        data.add_all(subject, DCTERMS.publisher, ctx.facts.publisher(name))
    reprint = any(name.endswith(REPRINT_SUFFIX) for name in publishers)
    data.add_all(subject, DCTERMS.issued, (date_literal(d) for d in as_list(entry.get("date"))))
    add_dates(
        data, subject, DCTERMS.modified, as_list(entry.get("amended")), as_list(entry.get("note"))
    )
    data.add_all(subject, DCTERMS.identifier, (plain(i) for i in as_list(entry.get("identifier"))))
    pages = present(entry.get("url"), entry.get("landing"))
    page_property = GK.thirdPartyCopy if reprint else DCAT.landingPage
    data.add_all(subject, page_property, (URIRef(page) for page in pages))
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
    unknown_url = url_uncertainty(entry, pages, see_also, reprint)
    add_confidence(data, subject, level, [*ctx.explained(level, uncertain), *unknown_url])


def url_uncertainty(
    entry: Mapping[str, Any], pages: Sequence[str], see_also: Sequence[str], reprint: bool
) -> list[str]:
    """Return what the facts leave unknown about where a source is published: nothing, or that
    its URL is a third party's reprint, or that they give no URL at all."""
    if reprint:
        hosts = ", ".join(sorted({urlsplit(page).netloc for page in pages}))
        return [
            f"The reference facts give this document only as reprinted by a third party ({hosts}); "
            "its publisher's own URL is not known."
        ]
    if pages or see_also:
        return []
    path = entry.get("url_path")
    where = f": they record only its path, {path}, on a site they do not name" if path else ""
    return [f"The reference facts give no URL for this document{where}."]


def add_reference_facts_document(data: DataFile, facts: Facts) -> None:
    """Describe the reference facts file itself as a gk:SourceDocument."""
    subject = source_iri(REFERENCE_FACTS_SOURCE)
    data.add(subject, RDF.type, GK.SourceDocument)
    data.add(subject, RDFS.label, en(facts.meta["title"]))
    data.add(subject, DCTERMS.title, en(facts.meta["title"]))
    data.add(subject, DCTERMS.issued, date_literal(facts.compiled))
    data.add(subject, DCTERMS.creator, GOVKG_DEVELOPERS)
    data.add(subject, DCTERMS.publisher, GOVKG_DEVELOPERS)
    data.add(subject, SKOS.note, en(f"Compiled by {facts.meta['compiled_by']}."))
    vendored = VENDORED_FACTS.relative_to(REPOSITORY).as_posix()
    data.add(subject, GK.localCopy, plain(vendored))
    note = (
        "The reference facts have no public URL: they are kept with govkg's sources, as "
        f"{vendored} (origin and licence terms in the README beside it)."
    )
    data.add(subject, GK.uncertaintyNote, en(note))


def add_agents(data: DataFile, facts: Facts) -> None:
    """Describe govkg's developers, and each publisher that is not an organisation of the facts."""
    data.add(GOVKG_DEVELOPERS, RDF.type, FOAF.Organization)
    data.add(GOVKG_DEVELOPERS, RDFS.label, en(GOVKG_DEVELOPERS_LABEL))
    data.add(GOVKG_DEVELOPERS, SKOS.prefLabel, en(GOVKG_DEVELOPERS_LABEL))
    data.add(GOVKG_DEVELOPERS, SKOS.altLabel, en(str(facts.meta["compiled_by"]).split(",")[0]))
    data.add(GOVKG_DEVELOPERS, DCTERMS.source, source_iri(REFERENCE_FACTS_SOURCE))
    note = (
        "The people who compile the govkg reference facts and derive govkg's unofficial mapping "
        "sets from them (creator and author of those sets and their mappings)."
    )
    data.add(GOVKG_DEVELOPERS, SKOS.note, en(note))
    for name in facts.publisher_only_names():
        subject = agent_iri(name)
        data.add(subject, RDF.type, FOAF.Agent)
        data.add(subject, RDFS.label, en(name))
        data.add(subject, SKOS.prefLabel, en(name))
        data.add(subject, DCTERMS.source, source_iri(REFERENCE_FACTS_SOURCE))
        note = (
            "Named by the govkg reference facts only as the publisher of source documents; not "
            "one of the organisations they describe."
        )
        data.add(subject, SKOS.note, en(note))


def build_sources(ctx: Context) -> DataFile:
    """Build ``sources.ttl``; its graph is derived from the reference facts alone."""
    data = DataFile(
        "sources",
        "Source documents of the govkg reference facts",
        [
            "Source documents: one gk:SourceDocument per entry of the reference facts' sources,",
            f"and source:{REFERENCE_FACTS_SOURCE} for the reference facts themselves; their",
            "publishers that are not organisations of the facts, and govkg's developers.",
        ],
    )
    ids = [entry["id"] for entry in ctx.facts.sources]
    if len(ids) != len(set(ids)) or REFERENCE_FACTS_SOURCE in ids:
        ctx.problems.append("sources: duplicate source ids")
    for entry in ctx.facts.sources:
        add_source_document(ctx, data, entry)
    add_reference_facts_document(data, ctx.facts)
    add_agents(data, ctx.facts)
    data.describe_graph()
    return data
