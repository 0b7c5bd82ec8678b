"""The checks of a framework submission, each named by a shape of
``shapes/framework-submission.ttl`` (govkg's own checks, documented there as deactivated
shapes) or, for pySHACL's findings, of ``shapes/data.ttl`` (the shapes the build applies to
every framework). docs/framework-submissions.md lists them.

Every finding names the line of the file (or the XLSX cell) that states what is wrong. The
checks of the framework as a whole (metadata, namespace) are in
:mod:`~govkg.submission.framework_metadata`; those of its elements here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDFS, SKOS

from govkg.loading import parse_file
from govkg.submission.framework_graph import source_docs
from govkg.submission.framework_metadata import FrameworkCheckBase
from govkg.submission.framework_model import (
    ELEMENT_KEY,
    Element,
    normal_kind,
)
from govkg.submission.framework_shacl import shacl_findings
from govkg.validation import WARNING, Finding, load_shapes


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


class FrameworkChecks(FrameworkCheckBase):
    """The checks of one framework submission (arguments as :class:`FrameworkCheckBase`)."""

    def run(self, shapes: Graph, ontology: Graph) -> list[Finding]:
        """Run every check; return the findings."""
        self.metadata()
        self.workspace()
        self.elements()
        self.hierarchy()
        self.collisions()
        self.shacl(shapes, ontology)
        return self.findings

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
        shared = [*self.minted.sources.values(), self.minted.publisher]
        for node in dict.fromkeys(i for i in shared if i is not None):
            if self.existing is None and str(node) in index.described:
                self._add(
                    "NoCollision",
                    f"<{node}> is already described in the graph (by another framework of the "
                    "workspace?): both descriptions are merged, so they must agree (the build "
                    "refuses, for example, two issued dates)",
                    self.minted.lines.get(str(node), line),
                    "reference",
                    node,
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
