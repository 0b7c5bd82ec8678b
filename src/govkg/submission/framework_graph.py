"""The govkg graph of a framework submission: the framework modelled as govkg models its
built-in frameworks (``data/frameworks/*.ttl``; docs/data-conventions.md), its IRIs minted in
the workspace's namespace, and its named graph described as a ``gk:SourceGraph``.

* the framework: ``gk:GovernanceFramework`` and ``skos:ConceptScheme`` at
  ``{namespace}id/framework/{key}``, with title, label, publisher, source, issued date,
  licence, version and top concepts;
* each element: ``skos:Concept`` typed by its kind (plain ``gk:FrameworkElement`` when none),
  at ``{framework IRI}/{id}``, in the scheme, with ``skos:broader`` its parent or
  ``skos:topConceptOf`` the scheme, label, notation, position among its siblings (when it has a
  notation), ``gk:text`` (its wording), ``skos:definition`` (what it defines),
  ``gk:sourceLocator`` and ``dcterms:source``;
* its source documents (``gk:SourceDocument`` at ``{namespace}id/source/{id}``) and, for a
  publisher given by name, the agent (``foaf:Agent`` at ``{namespace}id/agent/{slug}``).

SKOS Reference (W3C Recommendation 2009-08-18) sections 4 (concept schemes), 6 (notations),
8 (semantic relations).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

from govkg.namespaces import GK, PREFIXES
from govkg.submission.framework_model import (
    GENERIC_KIND,
    Draft,
    Element,
    Namespace,
    SourceDoc,
    normal_kind,
)

_DATES = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date),
    (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}$"), XSD.gYear),
)


def slug(text: str) -> str:
    """A key made of a name: lower case, runs of other characters as one hyphen.

    >>> slug("Acme Robotics, Inc.")
    'acme-robotics-inc'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def date_literal(text: str) -> Literal | None:
    """A date as the precision given: ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``;
    None for text that is none of them.

    >>> date_literal("2026-03").datatype == XSD.gYearMonth, date_literal("March 2026")
    (True, None)
    """
    for pattern, datatype in _DATES:
        if pattern.match(text):
            return Literal(text, datatype=datatype)
    return None


def text_of(value: Any) -> str | None:
    """A metadata value as stripped text (a number or date as written), None when empty."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def source_docs(draft: Draft) -> list[SourceDoc]:
    """The source documents the metadata's ``source`` describes (one mapping, or a list;
    the first is the framework's own), skipping entries without an ``id``."""
    raw = draft.metadata.get("source")
    entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
    docs = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key = text_of(entry.get("id"))
        if key is None:
            continue
        docs.append(
            SourceDoc(
                id=key,
                title=text_of(entry.get("title")),
                url=text_of(entry.get("url")),
                issued=text_of(entry.get("issued")),
                line=draft.file_line("source"),
            )
        )
    return docs


@dataclass
class Minted:
    """The graph of a submission and where each of its resources came from.

    Attributes:
        graph: The framework's graph (no blank nodes).
        framework: The framework's IRI.
        graph_iri: The IRI of its named graph.
        elements: Each element's IRI, by its key (first occurrence).
        lines: The line that states each resource, by IRI.
        sources: Each source document's IRI, by its id.
        publisher: The publisher's IRI, when there is one.
    """

    graph: Graph
    framework: URIRef
    graph_iri: URIRef
    elements: dict[str, URIRef] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    sources: dict[str, URIRef] = field(default_factory=dict)
    publisher: URIRef | None = None


def framework_iri(draft: Draft, namespace: Namespace) -> URIRef:
    """The framework's IRI: the one a SKOS file gives, else minted from its key."""
    if draft.iri is not None:
        return draft.iri
    return namespace.iri(f"framework/{draft.key or 'unnamed'}")


def element_iri(framework: URIRef, element: Element) -> URIRef:
    """An element's IRI: the one a SKOS file gives, else ``{framework IRI}/{id}``."""
    return element.iri if element.iri is not None else URIRef(f"{framework}/{element.key}")


def mint(draft: Draft, namespace: Namespace, kinds: dict[str, URIRef]) -> Minted:
    """Write the framework of ``draft`` as govkg models frameworks (see the module docstring).

    Values the checks refuse (an unknown kind, a date that is no date) are left out rather
    than guessed; the checks report them.
    """
    meta = draft.metadata
    lang = text_of(meta.get("language")) or "en"
    graph = Graph(bind_namespaces="none")
    for prefix in ("rdf", "rdfs", "xsd", "owl", "skos", "dcterms", "dcat", "prov", "foaf", "gk"):
        graph.bind(prefix, PREFIXES[prefix])
    fw = framework_iri(draft, namespace)
    key = str(fw).rstrip("/").rsplit("/", 1)[-1]
    minted = Minted(graph=graph, framework=fw, graph_iri=namespace.graph_iri("frameworks", key))
    minted.lines[str(fw)] = draft.file_line("id")
    graph.bind(key or "fw", URIRef(f"{fw}/"))
    graph.bind("ws", namespace.ids)

    def label(node: URIRef, text: str | None, pref: bool = True) -> None:
        if text:
            graph.add((node, RDFS.label, Literal(text, lang=lang)))
            if pref:
                graph.add((node, SKOS.prefLabel, Literal(text, lang=lang)))

    docs = source_docs(draft)
    for doc in docs:
        iri = namespace.iri(f"source/{doc.id}")
        minted.sources.setdefault(doc.id, iri)
        minted.lines.setdefault(str(iri), doc.line)
    main_source = minted.sources[docs[0].id] if docs else None
    publisher = _publisher(meta.get("publisher"), namespace)
    minted.publisher = publisher[0] if publisher else None
    for doc in docs:
        iri = minted.sources[doc.id]
        if (iri, RDF.type, GK.SourceDocument) in graph:
            continue
        graph.add((iri, RDF.type, GK.SourceDocument))
        if doc.title:
            graph.add((iri, DCTERMS.title, Literal(doc.title, lang=lang)))
        label(iri, doc.title, pref=False)
        if doc.url:
            graph.add((iri, DCAT.landingPage, URIRef(doc.url)))
        issued = date_literal(doc.issued) if doc.issued else None
        if issued is not None:
            graph.add((iri, DCTERMS.issued, issued))
        if minted.publisher is not None:
            graph.add((iri, DCTERMS.publisher, minted.publisher))
    if publisher is not None and publisher[1] is not None and main_source is not None:
        agent = publisher[0]
        graph.add((agent, RDF.type, FOAF.Agent))
        label(agent, publisher[1])
        graph.add((agent, DCTERMS.source, main_source))
        minted.lines.setdefault(str(agent), draft.file_line("publisher"))

    title = text_of(meta.get("title"))
    graph.add((minted.graph_iri, RDF.type, GK.SourceGraph))
    graph.add(
        (
            minted.graph_iri,
            RDFS.label,
            Literal(f"{title or key}: the framework and its elements", lang=lang),
        )
    )
    for doc_iri in dict.fromkeys(minted.sources.values()):
        graph.add((minted.graph_iri, PROV.wasDerivedFrom, doc_iri))

    graph.add((fw, RDF.type, GK.GovernanceFramework))
    graph.add((fw, RDF.type, SKOS.ConceptScheme))
    if title:
        graph.add((fw, DCTERMS.title, Literal(title, lang=lang)))
    label(fw, title)
    if minted.publisher is not None:
        graph.add((fw, DCTERMS.publisher, minted.publisher))
    if main_source is not None:
        graph.add((fw, DCTERMS.source, main_source))
    issued_text = text_of(meta.get("issued"))
    issued = date_literal(issued_text) if issued_text else None
    if issued is not None:
        graph.add((fw, DCTERMS.issued, issued))
    licence = text_of(meta.get("license"))
    if licence:
        graph.add((fw, DCTERMS.license, URIRef(licence)))
    version = text_of(meta.get("version"))
    if version:
        graph.add((fw, OWL.versionInfo, Literal(version)))
    for alt in _texts(meta.get("alt_label")):
        graph.add((fw, SKOS.altLabel, Literal(alt, lang=lang)))
    status = text_of(meta.get("legal_status"))
    if status:
        graph.add((fw, GK.legalStatus, Literal(status, lang=lang)))
    for note in _texts(meta.get("note")):
        graph.add((fw, SKOS.note, Literal(note, lang=lang)))

    for element in draft.elements:
        minted.elements.setdefault(element.key, element_iri(fw, element))
    positions: Counter[str] = Counter()
    for element in draft.elements:
        iri = element_iri(fw, element)
        if str(iri) in minted.lines:
            continue  # a repeated id: the checks report it; the first row stands
        minted.lines[str(iri)] = element.line
        for cls in _types(element, kinds):
            graph.add((iri, RDF.type, cls))
        graph.add((iri, SKOS.inScheme, fw))
        label(iri, element.label)
        if element.notation:
            graph.add((iri, SKOS.notation, Literal(element.notation)))
            positions[element.parent or ""] += 1
            graph.add((iri, GK.position, Literal(positions[element.parent or ""])))
        if element.parent:
            parent = minted.elements.get(element.parent, URIRef(f"{fw}/{element.parent}"))
            graph.add((iri, SKOS.broader, parent))
        else:
            graph.add((iri, SKOS.topConceptOf, fw))
            graph.add((fw, SKOS.hasTopConcept, iri))
        if element.text:
            graph.add((iri, GK.text, Literal(element.text, lang=lang)))
        if element.definition:
            graph.add((iri, SKOS.definition, Literal(element.definition, lang=lang)))
        if element.locator:
            graph.add((iri, GK.sourceLocator, Literal(element.locator, lang=lang)))
        source = minted.sources.get(element.source) if element.source else main_source
        if source is not None:
            graph.add((iri, DCTERMS.source, source))
    return minted


def _publisher(value: Any, namespace: Namespace) -> tuple[URIRef, str | None] | None:
    """The publisher's IRI and, for one given by name, the name to describe it with."""
    if isinstance(value, dict):
        name = text_of(value.get("name"))
        key = text_of(value.get("id")) or (slug(name) if name else None)
        return (namespace.iri(f"agent/{key}"), name) if key else None
    text = text_of(value)
    if text is None:
        return None
    if re.match(r"^https?://", text):
        return URIRef(text), None
    return namespace.iri(f"agent/{slug(text)}"), text


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for t in (text_of(v) for v in values) if t]


def _types(element: Element, kinds: dict[str, URIRef]) -> list[URIRef]:
    """The classes of an element, as the built-in frameworks type theirs: its kind and
    ``skos:Concept``; a plain element or a principle also ``gk:FrameworkElement``."""
    classes = list(element.kind_iri)
    if not classes:
        kind = normal_kind(element.kind or GENERIC_KIND)
        classes = [kinds[kind]] if kind in kinds else []
    if not classes or URIRef(GK.Principle) in classes:
        classes.insert(0, URIRef(GK.FrameworkElement))
    return [*dict.fromkeys(classes), URIRef(SKOS.Concept)]
