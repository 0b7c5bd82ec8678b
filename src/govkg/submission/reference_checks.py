"""The reference checks of ``govkg validate``: what a submission names must be what the built
graph knows. A mapping's subject and object must be framework elements (``skos:inScheme``) of
the declared frameworks and not deprecated; the set's frameworks must be frameworks
(``skos:ConceptScheme``); a govkg agent must be described; a source document must be one of
govkg's or a new http(s) document with its title. A set the graph already holds is noted.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from govkg.namespaces import GRAPH, ID
from govkg.submission.coverage import ROLE_PROPERTIES, CoverageTally
from govkg.submission.findings import Reporter
from govkg.submission.minting import new_source_iri
from govkg.submission.reference import ReferenceIndex
from govkg.submission.rows import Row, Submission
from govkg.validation import INFO

_GOVKG_ID = str(ID)


class ReferenceChecks:
    """Checks a submission's references against the built graph.

    Args:
        index: The built graph's facts.
        report: Records findings (family ``reference``).
        short: Writes IRIs in messages.
        tally: Counts the elements each mapping references, for the coverage.
    """

    def __init__(
        self,
        index: ReferenceIndex,
        report: Reporter,
        short: Callable[[str | None], str],
        tally: CoverageTally,
    ):
        self.index = index
        self.report = report
        self.s = short
        self.tally = tally

    def element(self, row: Row, role: str, element: str, declared: list[Node], path: str) -> None:
        """Check the ``role`` (subject or object) ``element`` of a mapping, whose framework the
        row or the set declares as ``declared``."""
        check = f"SubmittedMapping-{role}Known"
        slot = f"{role}_id"
        scheme = self.index.elements.get(element)
        if scheme is None:
            why = (
                "is not in govkg"
                if element not in self.index.described
                else "is in govkg but is not a framework element (no skos:inScheme)"
            )
            self.report.mapping(row, check, f"{slot} {self.s(element)} {why}", path, element)
            return
        self.tally.add(role, scheme, element)
        if declared and URIRef(scheme) not in declared:
            frameworks = ", ".join(self.s(str(d)) for d in declared)
            message = (
                f"{slot} {self.s(element)} is an element of {self.s(scheme)} "
                f"({self.index.label(scheme)}), not of the declared {role} framework "
                f"{frameworks}"
            )
            self.report.mapping(row, check, message, path, element)
        if element in self.index.deprecated:
            message = (
                f"{slot} {self.s(element)} is deprecated (owl:deprecated true); map its replacement"
            )
            self.report.mapping(row, "SubmittedMapping-notDeprecated", message, path, element)

    def agent(self, agent: Node, row: Row | None, path: str) -> None:
        """Check an agent (a mapping's author, or with no ``row`` the set's creator)."""
        if (
            not isinstance(agent, URIRef)
            or not str(agent).startswith(_GOVKG_ID)
            or str(agent) in self.index.described
        ):
            return
        message = (
            f"{self.s(agent)} is a govkg IRI that the graph does not describe; use a "
            "described agent (an organisation or person of govkg) or an external IRI "
            "such as an ORCID"
        )
        if row is not None:
            self.report.mapping(row, "SubmittedMappingSet-agentKnown", message, path, str(agent))
        else:
            self.report.mapping_set("SubmittedMappingSet-agentKnown", message, path, str(agent))

    def mapping_set(self, sub: Submission, replaced: str | None) -> None:
        """Check the set's frameworks, creators and source documents; note a set the graph
        already holds (``replaced``)."""
        for _, prop in ROLE_PROPERTIES:
            for framework in sub.set_values.get(str(prop), []):
                if isinstance(framework, URIRef) and str(framework) not in self.index.schemes:
                    self.report.mapping_set(
                        "SubmittedMappingSet-frameworkKnown",
                        f"{self.s(framework)} is not a framework of govkg (no "
                        "skos:ConceptScheme); see `govkg query cq02-mapped-frameworks`",
                        str(prop),
                        str(framework),
                    )
        for creator in sub.set_values.get(str(DCTERMS.creator), []):
            self.agent(creator, None, str(DCTERMS.creator))
        for source in sub.set_values.get(str(DCTERMS.source), []):
            self._source(sub, source)
        if replaced is not None:
            graph = self.index.set_graphs[replaced]
            how = (
                "`govkg import` replaces it only with --replace"
                if graph.startswith(str(GRAPH) + "imported/")
                else "`govkg import` never replaces it (only sets it imported itself)"
            )
            self.report.mapping_set(
                "SubmittedMappingSet-replaces",
                f"the graph already holds this set (graph {self.s(graph)}): the checks against "
                f"the graph leave its mappings out, and {how}",
                None,
                None,
                severity=INFO,
            )

    def _source(self, sub: Submission, source: Node) -> None:
        if not isinstance(source, URIRef) or str(source) in self.index.sources:
            return
        check, path, iri = "SubmittedMappingSet-sourceKnown", str(DCTERMS.source), str(source)
        if iri.startswith(_GOVKG_ID):
            message = (
                f"{self.s(iri)} is not a source document of govkg (data/sources.ttl); name one "
                "(`govkg query list-sources`) or give the document's own http(s) address"
            )
        elif not iri.startswith(("http://", "https://")):
            message = (
                f"source_document {self.s(iri)} must be a govkg source document or an http(s) "
                "address"
            )
        elif iri not in sub.source_titles:
            message = (
                f"{self.s(iri)} is not a source document of govkg: give its title with "
                "source_document_title, and the import describes it"
            )
        else:
            message = (
                f"{self.s(iri)} is a new source document; the import describes it as "
                f"{new_source_iri(sub.set_iri() or '')} "
                f'("{sub.source_titles[iri]}")'
            )
            self.report.mapping_set(check, message, path, iri, severity=INFO)
            return
        self.report.mapping_set(check, message, path, iri)
