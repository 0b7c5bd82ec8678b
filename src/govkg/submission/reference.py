"""What the built graph knows that a submission is checked against: framework elements and their
schemes, deprecations, source documents, described IRIs, the mappings of other sets and the
frameworks' hierarchies. Read once from whatever store holds the graph (the build's dump in
the embedded store, or a remote SPARQL server) through :class:`govkg.backends.Store`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from govkg.backends import Store
from govkg.namespaces import PREFIXES
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.querying import open_built
from govkg.submission.vocabulary import negates

_PREFIXES = "".join(
    f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("rdf", "rdfs", "owl", "skos", "gk", "sssom")
)

_ELEMENTS = (
    _PREFIXES
    + """
SELECT ?e ?scheme ?label ?deprecated WHERE {
  ?e skos:inScheme ?scheme .
  OPTIONAL { ?e rdfs:label ?label FILTER (langMatches(lang(?label), "en") || lang(?label) = "") }
  OPTIONAL { ?e owl:deprecated ?deprecated }
}"""
)
_SCHEMES = (
    _PREFIXES
    + """
SELECT ?s ?label WHERE {
  ?s a skos:ConceptScheme .
  OPTIONAL { ?s rdfs:label ?label FILTER (langMatches(lang(?label), "en") || lang(?label) = "") }
}"""
)
_DESCRIBED = """SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER (isIRI(?s)) }"""
_SOURCES = (
    _PREFIXES
    + """SELECT ?s ?label WHERE { ?s a gk:SourceDocument .
  OPTIONAL { ?s rdfs:label ?label } }"""
)
_MAPPINGS = (
    _PREFIXES
    + """
SELECT ?set ?m ?s ?p ?o ?mod ?basis WHERE {
  ?set sssom:mappings ?m .
  ?m owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o .
  OPTIONAL { ?m sssom:predicate_modifier ?mod }
  OPTIONAL { ?m gk:matchBasis ?basis }
}"""
)
_HIERARCHY = (
    _PREFIXES
    + """
SELECT ?e ?parent WHERE { GRAPH ?g { ?e skos:broader ?parent } ?e skos:inScheme ?scheme .
  ?parent skos:inScheme ?scheme }"""
)
_SETS = (
    _PREFIXES
    + """SELECT ?set ?g ?status WHERE { GRAPH ?g { ?set a sssom:MappingSet
  OPTIONAL { ?set gk:crosswalkStatus ?status } } }"""
)


@dataclass(frozen=True)
class GraphMapping:
    """A mapping of a set already in the graph.

    Attributes:
        set_iri: The set holding it.
        mapping: The mapping's IRI.
        subject: Its subject.
        predicate: Its predicate.
        negated: True when its predicate_modifier is Not.
        object: Its object.
        match_basis: Its ``gk:matchBasis`` (govkg's extension slot), if any.
    """

    set_iri: str
    mapping: str
    subject: str
    predicate: str
    negated: bool
    object: str
    match_basis: str | None = None


@dataclass
class ReferenceIndex:
    """The facts of the built graph a submission is checked against.

    Attributes:
        elements: Scheme of every framework element (``skos:inScheme``).
        labels: English label of elements and schemes.
        deprecated: Elements that are ``owl:deprecated true``.
        schemes: Every ``skos:ConceptScheme``.
        scheme_sizes: Elements per scheme.
        described: Every IRI that is the subject of a triple.
        sources: Every ``gk:SourceDocument``.
        mappings: The mappings of the graph's sets.
        hierarchy: ``(narrower, broader)`` pairs of ``skos:broader`` within a scheme.
        set_graphs: The named graph each mapping set is typed in.
        set_status: The ``gk:crosswalkStatus`` of each mapping set that states one.
    """

    elements: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    deprecated: set[str] = field(default_factory=set)
    schemes: set[str] = field(default_factory=set)
    scheme_sizes: Counter[str] = field(default_factory=Counter)
    described: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    mappings: list[GraphMapping] = field(default_factory=list)
    hierarchy: list[tuple[str, str]] = field(default_factory=list)
    set_graphs: dict[str, str] = field(default_factory=dict)
    set_status: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_build(
        cls, layout: Layout, build_dir: Path, progress: Progress | None = None
    ) -> ReferenceIndex:
        """Build the graph if needed, and read the index from its embedded store."""
        return cls.read(open_built(layout, build_dir, progress))

    @classmethod
    def read(cls, store: Store) -> ReferenceIndex:
        """Read the index from the graph a store holds (a few SELECT queries)."""
        index = cls()

        def rows(query: str) -> list[dict[str, str]]:
            return store.select(query).dicts()

        for row in sorted(rows(_SCHEMES), key=lambda r: (r["s"], r.get("label", ""))):
            index.schemes.add(row["s"])
            if "label" in row:
                index.labels.setdefault(row["s"], row["label"])
        for row in sorted(rows(_ELEMENTS), key=lambda r: (r["e"], r["scheme"], r.get("label", ""))):
            index.elements.setdefault(row["e"], row["scheme"])
            if "label" in row:
                index.labels.setdefault(row["e"], row["label"])
            if row.get("deprecated") in ("true", "1"):
                index.deprecated.add(row["e"])
        index.scheme_sizes = Counter(index.elements.values())
        index.described = {row["s"] for row in rows(_DESCRIBED)}
        for row in rows(_SOURCES):
            index.sources.add(row["s"])
        index.mappings = sorted(
            (
                GraphMapping(
                    r["set"],
                    r["m"],
                    r["s"],
                    r["p"],
                    negates(r.get("mod")),
                    r["o"],
                    r.get("basis"),
                )
                for r in rows(_MAPPINGS)
            ),
            key=lambda m: (m.set_iri, m.mapping),
        )
        index.hierarchy = sorted({(r["e"], r["parent"]) for r in rows(_HIERARCHY)})
        for r in sorted(rows(_SETS), key=lambda r: (r["set"], r["g"], r.get("status", ""))):
            index.set_graphs[r["set"]] = r["g"]
            if "status" in r:
                index.set_status.setdefault(r["set"], r["status"])
        return index

    def label(self, iri: str) -> str:
        """Return an element's or scheme's label, or the IRI's last segment."""
        return self.labels.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]
