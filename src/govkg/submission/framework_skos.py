"""Reading a framework submitted as SKOS (Turtle or another RDF syntax): one
``skos:ConceptScheme`` and its concepts (SKOS Reference, W3C Recommendation 2009-08-18:
``skos:inScheme``/``skos:topConceptOf`` section 4, ``skos:notation`` section 6,
``skos:broader`` section 8, ``skos:prefLabel`` section 5, ``skos:definition`` section 7),
read into the same :class:`~govkg.submission.framework_model.Draft` a table gives, so that both
are checked and written the same way (docs/framework-submissions.md).

The file is parsed whole through :func:`govkg.loading.parse_file` (DOCTYPE and remote JSON-LD
contexts refused) after the size guard of :data:`~govkg.submission.limits.MAX_RDF`. A YAML
metadata file beside it (``<stem>.yml``) or ``--metadata`` may add to or override what the
Turtle states about the scheme. What the file states that govkg does not read is named in one
warning per property, never dropped silently.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from govkg.errors import InputError
from govkg.formats import syntax_by_name
from govkg.loading import parse_file
from govkg.namespaces import GK
from govkg.submission import limits
from govkg.submission.framework_model import (
    GENERIC_KIND,
    Draft,
    Element,
    Namespace,
    syntax_problem,
)
from govkg.submission.framework_table import metadata_beside
from govkg.submission.rdfinput import LineIndex, quiet_rdflib
from govkg.submission.yamlblock import load_metadata_file
from govkg.validation import WARNING

#: RDF formats a SKOS framework may come in (names of :mod:`govkg.formats`).
SKOS_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")

#: What is read of the scheme, by metadata key.
_SCHEME_READ = {
    DCTERMS.title,
    SKOS.prefLabel,
    RDFS.label,
    SKOS.altLabel,
    DCTERMS.issued,
    OWL.versionInfo,
    DCTERMS.license,
    GK.legalStatus,
    SKOS.note,
    DCTERMS.publisher,
    DCTERMS.source,
    SKOS.hasTopConcept,
    RDF.type,
}
_CONCEPT_READ = {
    RDF.type,
    SKOS.inScheme,
    SKOS.topConceptOf,
    SKOS.notation,
    SKOS.prefLabel,
    RDFS.label,
    SKOS.definition,
    GK.text,
    SKOS.broader,
    SKOS.narrower,
    DCTERMS.source,
    GK.sourceLocator,
    GK.position,
}


def read_skos(
    path: Path,
    input_format: str,
    metadata: Path | None,
    namespace: Namespace,
    kinds: dict[str, URIRef],
) -> Draft:
    """Read a SKOS framework file (and its metadata file, when there is one).

    Raises:
        InputError: the file is too large, cannot be parsed, or holds no concept scheme or
            more than one.
    """
    if path.stat().st_size > limits.MAX_RDF:
        raise InputError(f"RDF file larger than the {limits.MAX_RDF // 2**20} MiB limit", path)
    try:
        with quiet_rdflib():
            graph = parse_file(path.resolve(), syntax_by_name(input_format))
    except (RecursionError, MemoryError):
        raise InputError("the file nests too deeply to parse", path) from None
    lines = LineIndex(path.read_bytes().decode("utf-8"), graph)
    schemes = sorted({s for s in graph.subjects(RDF.type, SKOS.ConceptScheme)}, key=str)
    if len(schemes) != 1:
        raise InputError(
            f"a SKOS framework holds exactly one skos:ConceptScheme; this file holds "
            f"{len(schemes)}",
            path,
        )
    scheme = schemes[0]
    if not isinstance(scheme, URIRef):
        raise InputError("the skos:ConceptScheme must be an IRI, not a blank node", path)
    meta_path = metadata or metadata_beside(path)
    extra, extra_lines = load_metadata_file(meta_path) if meta_path is not None else ({}, {})
    given = extra.get("language")
    lang = given.strip() if isinstance(given, str) and given.strip() else _language(graph, scheme)
    meta, meta_lines = _scheme_metadata(graph, scheme, namespace, lines, lang)
    meta.update(extra)
    meta_lines.update(extra_lines)
    draft = Draft(
        path=path,
        input_format=input_format,
        metadata=meta,
        metadata_path=meta_path or path,
        metadata_lines=meta_lines,
        elements=[],
        iri=scheme,
    )
    by_class = {cls: name for name, cls in kinds.items()}
    narrower = {
        child: parent
        for parent, child in graph.subject_objects(SKOS.narrower)
        if (child, SKOS.broader, None) not in graph
    }
    concepts = set(graph.subjects(SKOS.inScheme, scheme)) | set(
        graph.subjects(SKOS.topConceptOf, scheme)
    )
    concepts |= set(graph.objects(scheme, SKOS.hasTopConcept))
    unread: Counter[str] = Counter()
    ordered = sorted(concepts, key=lambda c: (lines.line(c) or 0, str(c)))
    for concept in ordered:
        if not isinstance(concept, URIRef):
            draft.problems.append(syntax_problem("a concept must be an IRI, not a blank node", 1))
            continue
        draft.elements.append(
            _element(graph, scheme, concept, by_class, lines, namespace, lang, narrower)
        )
        for p in set(graph.predicates(concept)) - _CONCEPT_READ:
            unread[str(p)] += 1
    for p in set(graph.predicates(scheme)) - _SCHEME_READ:
        unread[str(p)] += 1
    other = _other_languages(graph, [scheme, *ordered], lang)
    if other:
        draft.problems.append(
            syntax_problem(
                f"{other} label(s) or text(s) in languages other than {lang!r} are not read "
                "(set language: in the metadata to read another)",
                1,
                WARNING,
            )
        )
    for prop, count in sorted(unread.items()):
        draft.problems.append(
            syntax_problem(
                f"<{prop}> is not read into the framework ({count} resource(s) state it)",
                1,
                WARNING,
            )
        )
    return draft


def _key_below(iri: Node, base: str) -> str:
    """The part of ``iri`` below ``base`` (the whole IRI when it is not below it)."""
    text = str(iri)
    return text[len(base) :] if text.startswith(base) and len(text) > len(base) else text


def _one(graph: Graph, node: Node, *props: URIRef, lang: str | None = None) -> str | None:
    """The first value of the first property ``node`` has, preferring a literal in ``lang``,
    then one without a language."""

    def rank(value: Node) -> tuple[int, str]:
        language = value.language if isinstance(value, Literal) else None
        return (0 if language == lang else 1 if language is None else 2, str(value))

    for prop in props:
        for value in sorted(graph.objects(node, prop), key=rank):
            return str(value)
    return None


def _language(graph: Graph, scheme: URIRef) -> str:
    """The language the scheme is read in: English when its labels have it, else the first
    language they have."""
    found = sorted(
        {
            value.language
            for prop in (SKOS.prefLabel, DCTERMS.title)
            for value in graph.objects(scheme, prop)
            if isinstance(value, Literal) and value.language
        }
    )
    return "en" if "en" in found or not found else found[0]


def _other_languages(graph: Graph, nodes: list[Node], lang: str) -> int:
    """How many literals of the read text properties of ``nodes`` are in another language."""
    props = (SKOS.prefLabel, RDFS.label, DCTERMS.title, GK.text, SKOS.definition)
    return sum(
        1
        for node in nodes
        for prop in props
        for value in graph.objects(node, prop)
        if isinstance(value, Literal) and value.language not in (None, lang)
    )


def _scheme_metadata(
    graph: Graph, scheme: URIRef, namespace: Namespace, lines: LineIndex, lang: str
) -> tuple[dict[str, Any], dict[str, int]]:
    """The scheme's statements as the metadata keys of a table's YAML."""
    line = lines.line(scheme) or 1
    meta: dict[str, Any] = {"id": _key_below(scheme, namespace.ids + "framework/")}
    title = _one(graph, scheme, DCTERMS.title, SKOS.prefLabel, RDFS.label, lang=lang)
    if title is not None:
        meta["title"] = title
    if lang != "en":
        meta["language"] = lang
    for key, prop in (
        ("issued", DCTERMS.issued),
        ("version", OWL.versionInfo),
        ("license", DCTERMS.license),
        ("legal_status", GK.legalStatus),
    ):
        found = _one(graph, scheme, prop)
        if found is not None:
            meta[key] = found
    alt = sorted(
        str(v)
        for v in graph.objects(scheme, SKOS.altLabel)
        if not isinstance(v, Literal) or v.language in (None, lang)
    )
    if alt:
        meta["alt_label"] = alt if len(alt) > 1 else alt[0]
    notes = sorted(
        str(v)
        for v in graph.objects(scheme, SKOS.note)
        if not isinstance(v, Literal) or v.language in (None, lang)
    )
    if notes:
        meta["note"] = notes if len(notes) > 1 else notes[0]
    publisher = graph.value(scheme, DCTERMS.publisher)
    if publisher is not None:
        agents = namespace.ids + "agent/"
        name = _one(graph, publisher, SKOS.prefLabel, RDFS.label, FOAF.name, lang=lang)
        if str(publisher).startswith(agents) and name is not None:
            meta["publisher"] = {"id": _key_below(publisher, agents), "name": name}
        else:
            meta["publisher"] = str(publisher)
    sources = [graph.value(scheme, DCTERMS.source)] + sorted(
        {s for c in graph.subjects(SKOS.inScheme, scheme) for s in graph.objects(c, DCTERMS.source)}
        - {graph.value(scheme, DCTERMS.source)},
        key=str,
    )
    docs = []
    for source in sources:
        if source is None:
            continue
        docs.append(
            {
                "id": _key_below(source, namespace.ids + "source/"),
                "title": _one(graph, source, DCTERMS.title, RDFS.label, lang=lang),
                "url": _one(graph, source, DCAT.landingPage, FOAF.page),
                "issued": _one(graph, source, DCTERMS.issued),
            }
        )
    if docs:
        meta["source"] = docs if len(docs) > 1 else docs[0]
    return meta, {key: line for key in meta}


def _element(
    graph: Graph,
    scheme: URIRef,
    concept: URIRef,
    by_class: dict[URIRef, str],
    lines: LineIndex,
    namespace: Namespace,
    lang: str,
    narrower: dict[Node, Node],
) -> Element:
    base = f"{scheme}/"
    types = [t for t in graph.objects(concept, RDF.type) if isinstance(t, URIRef)]
    kinds = sorted({by_class[t] for t in types if t in by_class} - {GENERIC_KIND})
    parent = graph.value(concept, SKOS.broader) or narrower.get(concept)
    source = graph.value(concept, DCTERMS.source)
    return Element(
        key=_key_below(concept, base),
        line=lines.line(concept) or 1,
        notation=_one(graph, concept, SKOS.notation),
        label=_one(graph, concept, SKOS.prefLabel, RDFS.label, lang=lang),
        text=_one(graph, concept, GK.text, lang=lang),
        definition=_one(graph, concept, SKOS.definition, lang=lang),
        parent=_key_below(parent, base) if parent is not None else None,
        kind=kinds[0] if len(kinds) == 1 else ",".join(kinds) if kinds else None,
        source=_key_below(source, namespace.ids + "source/") if source is not None else None,
        locator=_one(graph, concept, GK.sourceLocator, lang=lang),
        iri=concept,
    )
