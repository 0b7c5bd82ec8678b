"""The checks of a framework submission as a whole, its metadata and its namespace, and how
every check of :mod:`~govkg.submission.framework_checks` records a finding: each names a shape of
``shapes/framework-submission.ttl`` and the line of the file (or the XLSX cell, or the metadata
file and line) that states what is wrong (docs/framework-submissions.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from govkg.namespaces import BASE
from govkg.submission.findings import shape
from govkg.submission.framework_graph import Minted, date_literal, text_of
from govkg.submission.framework_model import (
    KEY,
    PLACEHOLDER_NAMESPACE,
    Draft,
    Element,
    Namespace,
)
from govkg.submission.reference import ReferenceIndex
from govkg.validation import VIOLATION, WARNING, Finding

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


class FrameworkCheckBase:
    """What the checks of one framework submission share: the submission, its graph, where
    findings go; and the checks of the framework as a whole.

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
        self._sources()

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

    def _sources(self) -> None:
        """The metadata's source documents: at least one, each with an id, a title and an
        http(s) url."""
        problem = self._meta_problem
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
