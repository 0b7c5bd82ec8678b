"""The checks of a framework submission, each named by a shape of
``shapes/framework-submission.ttl`` (govkg's own checks, documented there as deactivated
shapes) or, for pySHACL's findings, of ``shapes/data.ttl`` (the shapes the build applies to
every framework). docs/framework-submissions.md lists them.

Every finding names the line of the file (or the XLSX cell) that states what is wrong.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from govkg.loading import parse_file
from govkg.namespaces import BASE
from govkg.submission.findings import shape
from govkg.submission.framework_graph import Minted, date_literal, source_docs, text_of
from govkg.submission.framework_model import (
    ELEMENT_KEY,
    KEY,
    PLACEHOLDER_NAMESPACE,
    Draft,
    Element,
    Namespace,
    normal_kind,
)
from govkg.submission.framework_shacl import shacl_findings
from govkg.submission.reference import ReferenceIndex
from govkg.validation import VIOLATION, WARNING, Finding, load_shapes

#: Metadata keys of a framework submission (docs/framework-submissions.md).
METADATA_KEYS = (
    "id",
    "title",
    "alt_label",
    "publisher",
    "version",
    "license",
    "issued",
    "legal_status",
    "note",
    "language",
    "source",
    "sheet",
)

_SOURCE_KEYS = ("id", "title", "url", "issued")

#: An absolute http(s) IRI with none of the characters RDF 1.1 Turtle refuses in one
#: (IRIREF, section 6.5 of the Turtle Recommendation).
_HTTP_IRI = re.compile(r'^https?://[^\s<>"{}|\\^`]+$')


@lru_cache(maxsize=2)
def data_shapes(path: str) -> Graph:
    """The build's data shapes (checked against SHACL-for-SHACL once per process)."""
    return load_shapes([Path(path)])


@lru_cache(maxsize=2)
def ontology_graph(folder: str) -> Graph:
    """The ontology's modules, for the class hierarchy the shapes' targets need."""
    graph = Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        graph += parse_file(path)
    return graph


class FrameworkChecks:
    """The checks of one framework submission.

    Args:
        draft: The submission as read.
        minted: Its govkg graph.
        namespace: The namespace its IRIs belong in.
        kinds: The element kinds govkg knows.
        index: The built graph's facts.
        existing: The workspace's file for a framework of this key, when there is one.
    """

    def __init__(
        self,
        draft: Draft,
        minted: Minted,
        namespace: Namespace,
        kinds: dict[str, URIRef],
        index: ReferenceIndex,
        existing: Path | None,
    ):
        self.draft = draft
        self.minted = minted
        self.namespace = namespace
        self.kinds = kinds
        self.index = index
        self.existing = existing
        self.findings: list[Finding] = list(draft.problems)
        self.covered: set[tuple[str, str]] = set()

    def run(self, shapes: Graph, ontology: Graph) -> list[Finding]:
        """Run every check; return the findings."""
        self.metadata()
        self.workspace()
        self.elements()
        self.hierarchy()
        self.collisions()
        self.shacl(shapes, ontology)
        return self.findings

    # -- recording --

    def _add(
        self,
        local: str,
        message: str,
        line: int,
        check: str,
        focus: URIRef | str | None = None,
        path: URIRef | None = None,
        value: str | None = None,
        severity: str = VIOLATION,
    ) -> None:
        self.findings.append(
            Finding(
                severity=severity,
                message=message,
                shape=shape(local),
                focus=str(focus) if focus is not None else None,
                path=str(path) if path is not None else None,
                value=value,
                check=check,
                line=line,
            )
        )
        if focus is not None and path is not None:
            self.covered.add((str(focus), str(path)))

    def _element(
        self,
        element: Element,
        local: str,
        message: str,
        column: str,
        check: str,
        path: URIRef | None = None,
        value: str | None = None,
        severity: str = VIOLATION,
    ) -> None:
        iri = self.minted.elements.get(element.key)
        prefix = self.draft.prefix(element, column)
        self._add(local, prefix + message, element.line, check, iri, path, value, severity)

    # -- metadata --

    def metadata(self) -> None:
        """The framework's metadata: the keys documented, each present where required and
        well formed (docs/framework-submissions.md, "Metadata")."""
        meta, draft = self.draft.metadata, self.draft
        problem = self._meta_problem
        for name in meta:
            if name not in METADATA_KEYS:
                problem(
                    name,
                    f"metadata key {name!r} is not read (keys: {', '.join(METADATA_KEYS)})",
                    WARNING,
                )
        key = draft.key
        if key is None:
            problem("id", "the metadata needs the framework's id (its key, e.g. acme-ai-policy)")
        elif not KEY.match(key):
            problem("id", f"framework id {key!r} must be lower case and hyphenated ([a-z0-9-])")
        fw = str(self.minted.framework)
        if text_of(meta.get("title")) is None:
            problem("title", "the metadata needs the framework's title")
            self.covered |= {(fw, str(SKOS.prefLabel)), (fw, str(RDFS.label))}
        publisher = self.minted.publisher
        if publisher is None:
            problem("publisher", "the metadata needs the framework's publisher (a name or IRI)")
            self.covered.add((fw, ""))
        elif not _HTTP_IRI.match(str(publisher)) or str(publisher).endswith("/agent/"):
            problem("publisher", f"publisher <{publisher}> is not a usable IRI")
        issued = text_of(meta.get("issued"))
        if issued is not None and date_literal(issued) is None:
            problem("issued", f"issued {issued!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
        licence = text_of(meta.get("license"))
        if licence is not None and not _HTTP_IRI.match(licence):
            problem("license", f"license {licence!r} is not an http(s) IRI (the licence's address)")
        if licence is None and any(e.text or e.definition for e in draft.elements):
            problem(
                "license",
                "the elements reproduce text, so the metadata needs its license (an IRI)",
            )
        self._sources(problem)

    def _meta_problem(self, key: str, message: str, severity: str = VIOLATION) -> None:
        """Record a finding about metadata key ``key``: at its line when the submission states
        its metadata itself, else naming the metadata file and line in the message."""
        draft = self.draft
        line = draft.meta_line(key)
        if draft.metadata_path != draft.path:
            message, line = f"{draft.metadata_path.name}:{line}: {message}", 1
        self._add(
            "FrameworkMetadata", message, line, "syntax", self.minted.framework, severity=severity
        )

    def _sources(self, problem: Any) -> None:
        raw = self.draft.metadata.get("source")
        entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
        if not entries:
            problem(
                "source",
                "the metadata needs the source document (source: id, title, url): every "
                "element names it as its dcterms:source",
            )
            self.covered |= {
                (str(self.minted.framework), str(DCTERMS.source)),
                (str(self.minted.graph_iri), str(PROV.wasDerivedFrom)),
            }
            return
        for entry in entries:
            if not isinstance(entry, dict):
                problem("source", "each source is a mapping of id, title, url and issued")
                continue
            for key in entry:
                if key not in _SOURCE_KEYS:
                    problem("source", f"source key {key!r} is not read", WARNING)
            sid = text_of(entry.get("id"))
            if sid is not None and "://" in sid:
                problem(
                    "source",
                    f"source <{sid}> is not in the workspace's namespace "
                    f"(expected {self.namespace.ids}source/...)",
                )
            elif sid is None or not KEY.match(sid):
                problem("source", f"a source needs an id, lower case and hyphenated: {sid!r}")
            if text_of(entry.get("title")) is None:
                problem("source", f"source {sid}: needs a title")
                if sid is not None:
                    iri = self.minted.sources.get(sid)
                    self.covered.add((str(iri), str(DCTERMS.title)))
            url = text_of(entry.get("url"))
            if url is None:
                problem("source", f"source {sid}: has no url, so no one can find it", WARNING)
            elif not _HTTP_IRI.match(url):
                problem("source", f"source {sid}: url {url!r} is not an http(s) IRI")
            issued = text_of(entry.get("issued"))
            if issued is not None and date_literal(issued) is None:
                problem("source", f"source {sid}: issued {issued!r} is not a date")

    # -- namespace --

    def workspace(self) -> None:
        """The framework's IRIs are the workspace's: minted there from its key, and for a
        SKOS file, given there (``{namespace}id/framework/{key}`` and elements below it)."""
        ns, fw, draft = self.namespace, self.minted.framework, self.draft
        line = draft.file_line("id")
        if ns.placeholder:
            self._add(
                "InWorkspaceNamespace",
                f"no govkg workspace: IRIs are minted under the placeholder {PLACEHOLDER_NAMESPACE}"
                " for this check; importing needs one (`govkg init DIR`, then --workspace DIR "
                "or GOVKG_WORKSPACE)",
                1,
                "reference",
                fw,
                severity=WARNING,
            )
        if ns.base.startswith(BASE):
            self._add(
                "InWorkspaceNamespace",
                f"the workspace namespace {ns.base} is govkg's own; a workspace mints its IRIs "
                "in a namespace of its own",
                1,
                "reference",
                fw,
            )
        key = draft.key or ""
        if draft.iri is not None and str(draft.iri) != str(ns.iri(f"framework/{key}")):
            self._add(
                "InWorkspaceNamespace",
                f"the concept scheme <{draft.iri}> is not in the workspace's namespace: "
                f"expected <{ns.iri(f'framework/{key}')}>",
                line,
                "reference",
                fw,
            )
        publisher = self.minted.publisher
        if (
            publisher is not None
            and not str(publisher).startswith(ns.ids)
            and str(publisher) not in self.index.described
        ):
            self._meta_problem(
                "publisher",
                f"publisher <{publisher}> is described neither in govkg nor in the workspace; "
                "give the publisher's name instead, to describe it here",
                WARNING,
            )
        for element in draft.elements:
            if element.iri is not None and not str(element.iri).startswith(f"{fw}/"):
                self._element(
                    element,
                    "InWorkspaceNamespace",
                    f"concept <{element.iri}> is not below its framework <{fw}/>",
                    "id",
                    "reference",
                )

    # -- elements --

    def elements(self) -> None:
        """Each element: an id of the documented form, once; a label; a known kind; a source
        the metadata declares; a notation no other element has."""
        first: dict[str, Element] = {}
        notations: dict[str, Element] = {}
        declared = {doc.id for doc in source_docs(self.draft)}
        for element in self.draft.elements:
            if not element.key:
                self._element(element, "ElementId", "the element has no id", "id", "syntax")
            elif "://" not in element.key and not ELEMENT_KEY.match(element.key):
                self._element(
                    element,
                    "ElementId",
                    f"id {element.key!r} must be lower case: letters, digits, '-' and '.'",
                    "id",
                    "syntax",
                    value=element.key,
                )
            if element.key in first:
                other = first[element.key]
                self._element(
                    element,
                    "ElementIdUnique",
                    f"id {element.key!r} is also the id of {self.draft.where(other, 'id')}",
                    "id",
                    "consistency",
                    value=element.key,
                )
            else:
                first[element.key] = element
            if element.notation:
                if element.notation in notations:
                    other = notations[element.notation]
                    self._element(
                        element,
                        "NotationUnique",
                        f"notation {element.notation!r} is also the notation of "
                        f"{other.key!r} ({self.draft.where(other, 'notation')})",
                        "notation",
                        "consistency",
                        SKOS.notation,
                        element.notation,
                    )
                else:
                    notations[element.notation] = element
            if not element.label:
                self._element(
                    element,
                    "ElementLabelled",
                    "the element has no label",
                    "label",
                    "syntax",
                    SKOS.prefLabel,
                )
                self.covered.add((str(self.minted.elements.get(element.key)), str(RDFS.label)))
            kind = normal_kind(element.kind) if element.kind else None
            if kind is not None and kind not in self.kinds:
                self._element(
                    element,
                    "KindKnown",
                    f"kind {element.kind!r} is not a kind govkg knows "
                    f"(kinds: {', '.join(self.kinds)})",
                    "kind",
                    "reference",
                    value=element.kind,
                )
            if element.source is not None and element.source not in declared:
                self._element(
                    element,
                    "ElementSourced",
                    f"source {element.source!r} is not a source the metadata declares "
                    f"({', '.join(sorted(declared)) or 'none'})",
                    "source",
                    "reference",
                    DCTERMS.source,
                    element.source,
                )
            elif not declared:
                self.covered.add((str(self.minted.elements.get(element.key)), str(DCTERMS.source)))

    def hierarchy(self) -> None:
        """Parents exist, in this framework; ``skos:broader`` has no cycle (SKOS section 8.6.6
        does not forbid one, govkg's frameworks are trees: every element has a top above it)."""
        by_key = {e.key: e for e in reversed(self.draft.elements)}
        for element in self.draft.elements:
            if element.parent and element.parent not in by_key:
                self._element(
                    element,
                    "ParentExists",
                    f"parent {element.parent!r} is not an element of this framework",
                    "parent",
                    "reference",
                    SKOS.broader,
                    element.parent,
                )
        parent = {k: e.parent for k, e in by_key.items() if e.parent and e.parent in by_key}
        state: dict[str, int] = {}
        for start in by_key:
            path: list[str] = []
            node: str | None = start
            while node is not None and state.get(node, 0) == 0:
                state[node] = 1
                path.append(node)
                node = parent.get(node)
            if node is not None and state.get(node) == 1:
                ring = path[path.index(node) :]
                first = min(range(len(ring)), key=lambda i: by_key[ring[i]].line)
                cycle = ring[first:] + ring[:first] + [ring[first]]
                element = by_key[cycle[0]]
                self._element(
                    element,
                    "NoHierarchyCycle",
                    f"the parents form a cycle: {' → '.join(cycle)}",
                    "parent",
                    "consistency",
                    SKOS.broader,
                )
            for visited in path:
                state[visited] = 2

    # -- against the graph --

    def collisions(self) -> None:
        """Nothing collides with what the built graph holds: govkg's framework keys, and every
        IRI of the submission unless it is this framework's own (an import replacing it)."""
        fw, index, draft = self.minted.framework, self.index, self.draft
        key = str(fw).rsplit("/", 1)[-1]
        line = draft.file_line("id")
        for scheme in sorted(index.schemes):
            if scheme != str(fw) and scheme.rsplit("/", 1)[-1] == key:
                self._add(
                    "NoCollision",
                    f"framework id {key!r} is already the id of <{scheme}> "
                    f"({index.label(scheme)}); choose another id",
                    line,
                    "reference",
                    fw,
                    value=key,
                )
        if self.existing is not None:
            self._add(
                "NoCollision",
                f"the workspace already holds framework {key!r} ({self.existing}); importing "
                "replaces it",
                line,
                "reference",
                fw,
                severity=WARNING,
            )
        if str(fw) in index.described and str(fw) not in index.schemes:
            self._add(
                "NoCollision",
                f"<{fw}> is already a resource of the graph, not a framework",
                line,
                "reference",
                fw,
            )
        by_iri: dict[str, list[Element]] = defaultdict(list)
        for element in draft.elements:
            by_iri[str(self.minted.elements.get(element.key))].append(element)
        for iri, elements in by_iri.items():
            holder = index.elements.get(iri)
            taken = holder is not None and holder != str(fw)
            if taken or (holder is None and iri in index.described):
                owner = f"an element of <{holder}>" if taken else "a resource of the graph"
                self._element(
                    elements[0],
                    "NoCollision",
                    f"<{iri}> is already {owner}",
                    "id",
                    "reference",
                )

    # -- SHACL --

    def shacl(self, shapes: Graph, ontology: Graph) -> None:
        """The build's data shapes (``shapes/data.ttl``) on the framework's graph, with the
        ontology for the class hierarchy; findings another check already made are not
        repeated (:mod:`~govkg.submission.framework_shacl`)."""
        elements = list(dict.fromkeys(self.minted.elements.values()))
        for finding in shacl_findings(self.minted.graph, elements, shapes, ontology):
            if (finding.focus or "", finding.path or "") in self.covered:
                continue
            line = self.minted.lines.get(finding.focus or "", 1)
            self.findings.append(replace(finding, line=line))
