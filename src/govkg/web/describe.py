"""What the linked-data pages show and the RDF descriptions they serve, read from the store
with small bounded queries (never through the evaluator: these queries are govkg's own and
touch one resource each).

IRI scheme (Cool URIs for the Semantic Web, W3C Note 2008, section 4.3 "303 URIs forwarding
to one generic document"): a govkg slash IRI ``https://w3id.org/govkg/{id,graph}/PATH`` answers
on the server at ``/{id,graph}/PATH``; its HTML page is ``/page/{id,graph}/PATH`` and its RDF
descriptions ``/data/{id,graph}/PATH.{ttl,nt,jsonld,rdf,trig,nq}``. The ontology's hash IRIs
``https://w3id.org/govkg/ontology#<term>`` are answered by ``/ontology`` (section 4.2 "hash
URIs"), whose page has one section per term.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from govkg.backends import Quad, Store
from govkg.backends import Term as RDFTerm
from govkg.namespaces import BASE, GK, GRAPH, INFERRED_GRAPH, ONTOLOGY_IRI, SSSOM, curie
from govkg.web.rdfdoc import quad_key

# Plain strings, made once: the views key dicts by an IRI's text (``str`` of a URIRef).
ONTOLOGY = str(ONTOLOGY_IRI)
ONTOLOGY_GRAPHS = str(GRAPH) + "ontology/"
#: Path prefixes (below ``BASE``) of slash IRIs that dereference on this server.
SLASH_SPACES = ("id/", "graph/")
INFERRED = str(INFERRED_GRAPH)
#: The inference graphs by premises are named below ``graph/inferred/`` (ADR 0018).
INFERRED_BELOW = INFERRED + "/"
TYPE = str(RDF.type)
#: Label properties, best first.
LABELS = tuple(str(p) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title, FOAF.name))
#: Text properties shown under the title, in this order.
TEXTS = tuple(
    str(p)
    for p in (SKOS.definition, GK["text"], DCTERMS.description, RDFS.comment, GK["quotation"])
)
SOURCE = str(DCTERMS.source)
REPLACED_BY = str(DCTERMS.isReplacedBy)
#: How many IRIs one query of :meth:`Describer.views` reads at most (``VALUES``).
BATCH = 200
#: How many IRIs' labels a describer remembers (a few MB at most).
LABELS_KEPT = 50_000
#: Not looked up yet (a remembered IRI without label is None).
_UNKNOWN = object()
#: What the store may say of a superseded identifier besides its successor.
_SUPERSEDED_EXTRAS = frozenset({TYPE, *LABELS})
#: Ontology term kinds in the order the ontology page lists them.
_TERM_ORDER = {
    str(kind): rank
    for rank, kind in enumerate(
        (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    )
}
_PLAIN_LITERALS = (str(XSD.string), str(RDF.langString))
_IRI_CHARS = "/:@!$&'()*+,;=-._~#?"


def iri_for_path(path: str) -> str | None:
    """Return the govkg IRI a server path stands for, or None.

    >>> iri_for_path("id/framework/oecd-ai-principles")
    'https://w3id.org/govkg/id/framework/oecd-ai-principles'
    """
    if not path.startswith(SLASH_SPACES) or len(path) <= 3:
        return None
    iri = BASE + quote(path, safe=_IRI_CHARS + "%")
    return iri if valid_iri(iri) else None


def local_href(iri: str) -> str | None:
    """Return the server path answering for a govkg IRI, or None for other IRIs.

    >>> local_href("https://w3id.org/govkg/ontology#Principle")
    '/ontology#Principle'
    """
    if iri == ONTOLOGY or iri.startswith(ONTOLOGY + "#"):
        return "/ontology" + iri[len(ONTOLOGY) :]
    if iri.startswith(BASE):
        rest = iri[len(BASE) :]
        if rest.startswith(SLASH_SPACES):
            return "/" + rest
    return None


def link_href(iri: str) -> str | None:
    """Where a link to ``iri`` points: the local page of a govkg IRI, the IRI itself when it is
    an http(s) IRI, else None (no link: ``javascript:``, ``data:``, ``urn:`` ... never become
    clickable).

    >>> link_href("javascript:alert(1)") is None
    True
    """
    local = local_href(iri)
    if local is not None:
        return local
    return iri if iri.startswith(("http://", "https://")) else None


def valid_iri(iri: str) -> bool:
    """True when ``iri`` can be written between ``<>`` in a query (no space, quote, brace ...).

    >>> valid_iri("https://example.org/a b")
    False
    """
    return not any(c in iri for c in '<>"{}|^`\\ ') and all(ord(c) > 0x20 for c in iri)


@dataclass
class Term:
    """An RDF term as a page shows it.

    Attributes:
        value: The IRI, the literal's lexical form or the blank node's id.
        kind: ``iri``, ``literal`` or ``bnode``.
        label: A label for an IRI, when the store has one.
        href: Where a link goes (local path for govkg IRIs, the IRI itself for other http(s)
            IRIs, None for no link).
        language: A literal's language tag.
        datatype: A literal's datatype as a CURIE (not for plain strings).
    """

    value: str
    kind: str
    label: str | None = None
    href: str | None = None
    language: str | None = None
    datatype: str | None = None

    @property
    def text(self) -> str:
        if self.kind == "iri":
            return self.label or curie(self.value)
        return self.value


@dataclass
class Statement:
    """One value of a property, with the graphs that state it."""

    term: Term
    graphs: list[str] = field(default_factory=list)

    @property
    def inferred(self) -> bool:
        """True when only inference graphs state it (``graph/inferred`` and those below it)."""
        return all(g == INFERRED or g.startswith(INFERRED_BELOW) for g in self.graphs)

    @property
    def inferred_from(self) -> list[Term]:
        """The inference graphs by premises that hold it (ADR 0018), shown by their path
        below ``graph/inferred/``: the source graph it needs, or ``combined/...`` (whose
        page names the several graphs)."""
        return [
            Term(g, "iri", label=g[len(INFERRED_BELOW) :], href=link_href(g))
            for g in sorted(self.graphs)
            if g.startswith(INFERRED_BELOW)
        ]


@dataclass
class Mapping:
    """An SSSOM mapping whose subject or object is the resource."""

    mapping: Term
    source: Term
    predicate: Term
    target: Term
    confidence: str | None
    justification: Term | None
    mapping_set: Term | None


@dataclass
class ResourceView:
    """Everything a resource page shows."""

    iri: str
    label: str | None
    types: list[Term]
    texts: list[tuple[Term, Term]]
    properties: list[tuple[Term, list[Statement]]]
    incoming: list[tuple[Term, list[Term]]]
    incoming_total: int
    mappings: list[Mapping]
    sources: list[Term]
    graphs: list[Term]
    graph_size: int | None = None

    @property
    def title(self) -> str:
        return self.label or curie(self.iri)


class Describer:
    """Reads resource views and RDF descriptions from a store (:class:`~govkg.backends.Store`).

    Every read is a small SELECT of govkg's own; a store that is down raises
    :class:`~govkg.backends.StoreUnavailableError`, which is left to the web's error table.

    Args:
        store: The store serving the graph.
        max_incoming: How many incoming links a page lists (the rest are counted).
    """

    def __init__(self, store: Store, max_incoming: int):
        self.store = store
        self.max_incoming = max_incoming
        #: The best label of each IRI asked for so far (None: it has none); the store never
        #: changes while serving. Threads may share it: a race only repeats a lookup.
        self._labels: dict[str, str | None] = {}

    # -- queries -----------------------------------------------------------------------------

    def _select(self, text: str) -> list[dict[str, RDFTerm]]:
        """The solutions of a SELECT, each a dict of its bound variables' terms."""
        return self.store.select(text).terms()

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """Return the best label of each IRI that has one (English first).

        Labels once read are remembered (up to :data:`LABELS_KEPT` IRIs): the ontology page
        asks for those of some 150 terms, mostly the same IRIs, and each query to a remote
        store costs a round trip.
        """
        known = {i: self._labels.get(i, _UNKNOWN) for i in iris if valid_iri(i)}
        missing = sorted(i for i, label in known.items() if label is _UNKNOWN)
        if missing:
            found = self._read_labels(missing)
            if len(self._labels) + len(missing) > LABELS_KEPT:
                self._labels = {}  # start again rather than grow without bound
            for iri in missing:
                known[iri] = self._labels[iri] = found.get(iri)
        return {i: label for i, label in known.items() if isinstance(label, str)}

    def _read_labels(self, wanted: list[str]) -> dict[str, str]:
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(wanted), 400):
            values = " ".join(f"<{i}>" for i in wanted[start : start + 400])
            preds = " ".join(f"<{p}>" for p in LABELS)
            for row in self._select(
                f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} "
                f"VALUES ?p {{ {preds} }} ?x ?p ?l }}"
            ):
                literal = row["l"]
                if not isinstance(literal, Literal):
                    continue
                rank = LABELS.index(str(row["p"])) * 2 + (
                    0 if literal.language in ("en", None) else 1
                )
                key, label = str(row["x"]), str(literal)
                if key not in found or (rank, label) < found[key]:  # no store's order decides
                    found[key] = (rank, label)
        return {k: v for k, (_, v) in found.items()}

    # -- the page ----------------------------------------------------------------------------

    def view(self, iri: str) -> ResourceView | None:
        """Return what the page of ``iri`` shows, or None when the store knows nothing of it."""
        return self.views([iri])[iri]

    def views(self, iris: Sequence[str]) -> dict[str, ResourceView | None]:
        """Return what the pages of ``iris`` show (None: the store knows nothing of one).

        Each part of a page is read for up to :data:`BATCH` IRIs by one query, so that the
        ontology page's 150 terms take a handful of queries, not 900 (each a round trip to a
        remote store).
        """
        wanted = list(dict.fromkeys(iris))
        found: dict[str, ResourceView | None] = {}
        for start in range(0, len(wanted), BATCH):
            part = wanted[start : start + BATCH]
            values = "VALUES ?x { " + " ".join(f"<{i}>" for i in part) + " }"
            out = self._grouped(f"SELECT ?x ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ ?x ?p ?o }} }}")
            totals = self._counts(
                f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ {values} GRAPH ?g {{ ?s ?p ?x }} "
                "FILTER(!isLiteral(?s)) } GROUP BY ?x"
            )
            sizes = self._counts(
                f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ {values} GRAPH ?x {{ ?s ?p ?o }} }} "
                "GROUP BY ?x"
            )
            incoming = self._incoming([i for i in part if i in totals], totals)
            linked = [i for i in part if i in out or i in totals or i in sizes]
            mappings = self._grouped(_mappings_query(linked)) if linked else {}
            named: set[str] = set()
            for iri in linked:  # every label of the part in one query (then remembered)
                named |= _named(iri, out.get(iri, []), incoming.get(iri, []), mappings.get(iri, []))
            self.labels(named)
            for iri in part:
                found[iri] = (
                    self._assemble(
                        iri,
                        out.get(iri, []),
                        incoming.get(iri, []),
                        totals.get(iri, 0),
                        mappings.get(iri, []),
                        sizes.get(iri),
                    )
                    if iri in linked
                    else None
                )
        return found

    def _grouped(self, text: str) -> dict[str, list[dict[str, RDFTerm]]]:
        """The rows of a SELECT binding ``?x``, grouped by it, in the order answered."""
        grouped: dict[str, list[dict[str, RDFTerm]]] = {}
        for row in self._select(text):
            grouped.setdefault(str(row["x"]), []).append(row)
        return grouped

    def _counts(self, text: str) -> dict[str, int]:
        """``?n`` by ``?x`` of a grouped COUNT (IRIs counting 0 are left out)."""
        counts = {str(r["x"]): int(str(r["n"])) for r in self._select(text)}
        return {iri: n for iri, n in counts.items() if n}

    def _incoming(
        self, iris: list[str], totals: dict[str, int]
    ) -> dict[str, list[dict[str, RDFTerm]]]:
        """The first ``max_incoming`` links to each IRI (ordered by subject and property):
        those with few links read together, each of the others by a query of its own."""
        few = [i for i in iris if totals[i] <= self.max_incoming]
        incoming: dict[str, list[dict[str, RDFTerm]]] = {}
        if few:
            values = "VALUES ?x { " + " ".join(f"<{i}>" for i in few) + " }"
            incoming = self._grouped(
                f"SELECT ?x ?s ?p WHERE {{ {values} GRAPH ?g {{ ?s ?p ?x }} "
                "FILTER(!isLiteral(?s)) } ORDER BY ?x ?s ?p"
            )
        for iri in iris:
            if totals[iri] > self.max_incoming:
                incoming[iri] = self._select(
                    f"SELECT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
                    f"FILTER(!isLiteral(?s)) }} ORDER BY ?s ?p LIMIT {self.max_incoming}"
                )
        return incoming

    def _assemble(
        self,
        iri: str,
        out: list[dict[str, RDFTerm]],
        incoming: list[dict[str, RDFTerm]],
        incoming_total: int,
        mappings: list[dict[str, RDFTerm]],
        graph_size: int | None,
    ) -> ResourceView:
        """A page's view from what was read of it."""
        labels = self.labels(_named(iri, out, incoming, mappings))

        grouped: dict[str, dict[tuple[str, str, str | None, str | None], Statement]] = {}
        for row in out:
            term = _term(row["o"], labels)
            key = (term.kind, term.value, term.language, term.datatype)
            statement = grouped.setdefault(str(row["p"]), {}).setdefault(key, Statement(term))
            statement.graphs.append(str(row["g"]))
        # each property's values in one order, whatever order the store answered in
        values = {p: sorted(found.values(), key=_statement_order) for p, found in grouped.items()}
        types = [s.term for s in values.get(TYPE, [])]
        texts = [(_iri_term(p, labels), s.term) for p in TEXTS for s in values.get(p, [])]
        sources = [s.term for s in values.get(SOURCE, [])]
        shown = {TYPE, *TEXTS}
        properties = [
            (_iri_term(p, labels), found)
            for p, found in sorted(values.items(), key=lambda i: curie(i[0]))
            if p not in shown
        ]
        backlinks: dict[str, list[Term]] = {}
        for row in incoming:
            backlinks.setdefault(str(row["p"]), []).append(_term(row["s"], labels))
        graphs = sorted({str(row["g"]) for row in out})
        return ResourceView(
            iri=iri,
            label=labels.get(iri),
            types=types,
            texts=texts,
            properties=properties,
            incoming=[
                (_iri_term(p, labels), sorted(v, key=_term_order))
                for p, v in sorted(backlinks.items(), key=lambda i: curie(i[0]))
            ],
            incoming_total=incoming_total,
            mappings=[_mapping(row, labels) for row in mappings],
            sources=sources,
            graphs=[_iri_term(g, labels) for g in graphs],
            graph_size=graph_size,
        )

    def successor(self, iri: str) -> str | None:
        """Return the IRI that replaces ``iri`` when the store holds ``<iri> dcterms:isReplacedBy
        <new>`` and nothing else of it but labels and types (a superseded identifier), else None.
        """
        rows = self._select(f"SELECT DISTINCT ?p ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
        successors = {
            str(r["o"]) for r in rows if str(r["p"]) == REPLACED_BY and isinstance(r["o"], URIRef)
        }
        extras = {str(r["p"]) for r in rows} - {REPLACED_BY} - _SUPERSEDED_EXTRAS
        if len(successors) != 1 or extras:
            return None
        return successors.pop()

    def _graph_size(self, iri: str) -> int | None:
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        return _number(rows) or None

    def ontology_views(self) -> tuple[ResourceView | None, list[ResourceView]]:
        """Return the ontology header's view and one view per term, classes first."""
        rows = self._select(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?g), "{ONTOLOGY_GRAPHS}") && '
            f'STRSTARTS(STR(?s), "{ONTOLOGY}#")) }}'
        )
        found = self.views([ONTOLOGY] + [str(r["s"]) for r in rows])
        terms = [v for iri, v in found.items() if v is not None and iri != ONTOLOGY]

        def rank(view: ResourceView) -> tuple[int, str]:
            kinds = [_TERM_ORDER.get(t.value, 4) for t in view.types] or [5]
            return min(kinds), view.iri.lower()

        return found[ONTOLOGY], sorted(terms, key=rank)

    # -- RDF documents -----------------------------------------------------------------------

    def description_quads(self, iri: str) -> list[Quad]:
        """The resource's own quads plus the label quads of the IRIs it links to, each once, in
        the order of their N-Quads lines (:func:`govkg.web.rdfdoc.quad_key`)."""
        rows = self._select(
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} BIND(<{iri}> AS ?s) }}"
        )
        # two plain queries rather than one UNION, which a remote engine plans badly (700 ms
        # on an Oxigraph server, against 20 ms for these two)
        linked = sorted({str(r["o"]) for r in rows if isinstance(r["o"], URIRef)})
        preds = " ".join(f"<{p}>" for p in LABELS)
        for start in range(0, len(linked), BATCH):
            values = " ".join(f"<{i}>" for i in linked[start : start + BATCH])
            rows += self._select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {preds} }} "
                "GRAPH ?g { ?s ?p ?o } }"
            )
        return sorted(set(_quads(rows)), key=quad_key)

    def ontology_quads(self) -> list[Quad]:
        """Every quad of the ontology's named graphs, in the order of their N-Quads lines."""
        rows = self._select(
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?g), "{ONTOLOGY_GRAPHS}")) }}'
        )
        return sorted(_quads(rows), key=quad_key)


def _named(
    iri: str,
    out: list[dict[str, RDFTerm]],
    incoming: list[dict[str, RDFTerm]],
    mappings: list[dict[str, RDFTerm]],
) -> set[str]:
    """The IRIs a page of ``iri`` names (whose labels it shows)."""
    iris = {iri} | {str(r["p"]) for r in out} | {str(r["g"]) for r in out}
    iris |= {str(r["o"]) for r in out if isinstance(r["o"], URIRef)}
    iris |= {str(r["s"]) for r in incoming if isinstance(r["s"], URIRef)}
    iris |= {str(r["p"]) for r in incoming}
    for row in mappings:
        iris |= {str(t) for t in row.values() if isinstance(t, URIRef)}
    return iris


def _mappings_query(iris: list[str]) -> str:
    """The mappings whose subject or object is one of ``iris`` (bound to ``?x``)."""
    values = " ".join(f"<{i}>" for i in iris)
    return f"""
SELECT ?x ?m ?source ?pred ?target ?conf ?just ?set WHERE {{
  VALUES ?x {{ {values} }}
  {{ ?m <{OWL.annotatedSource}> ?x }} UNION {{ ?m <{OWL.annotatedTarget}> ?x }}
  ?m <{OWL.annotatedSource}> ?source ; <{OWL.annotatedProperty}> ?pred ;
     <{OWL.annotatedTarget}> ?target .
  OPTIONAL {{ ?m <{SSSOM.confidence}> ?conf }}
  OPTIONAL {{ ?m <{SSSOM.mapping_justification}> ?just }}
  OPTIONAL {{ ?set <{SSSOM.mappings}> ?m }}
}} ORDER BY ?x ?source ?target"""


def _quads(rows: list[dict[str, RDFTerm]]) -> Iterator[Quad]:
    """The quads of rows binding ``?s ?p ?o ?g`` (rows whose terms cannot form a quad, which
    a store does not answer to govkg's queries, are left out)."""
    for row in rows:
        s, p, o, g = row["s"], row["p"], row["o"], row["g"]
        if isinstance(s, (URIRef, BNode)) and isinstance(p, URIRef) and isinstance(g, URIRef):
            yield s, p, o, g


def _number(rows: list[dict[str, RDFTerm]]) -> int:
    """The integer of ``?n`` in the first row of a COUNT (0 without a row)."""
    return int(str(rows[0]["n"])) if rows else 0


def _term_order(term: Term) -> tuple[str, str, str, str]:
    """How a page orders the values of one property: by what it shows, then by the term."""
    return term.text.lower(), term.value, term.language or "", term.datatype or ""


def _statement_order(statement: Statement) -> tuple[str, str, str, str]:
    return _term_order(statement.term)


def _term(node: RDFTerm, labels: dict[str, str]) -> Term:
    if isinstance(node, URIRef):
        return _iri_term(str(node), labels)
    if isinstance(node, Literal):
        datatype = str(node.datatype) if node.datatype is not None else None
        plain = datatype is None or datatype in _PLAIN_LITERALS
        return Term(
            str(node),
            "literal",
            language=node.language,
            datatype=None if plain or datatype is None else curie(datatype),
        )
    return Term(str(node), "bnode")


def _iri_term(iri: str, labels: dict[str, str]) -> Term:
    return Term(iri, "iri", label=labels.get(iri), href=link_href(iri))


def _mapping(row: dict[str, RDFTerm], labels: dict[str, str]) -> Mapping:
    def opt(name: str) -> Term | None:
        return _term(row[name], labels) if row.get(name) is not None else None

    conf = row.get("conf")
    return Mapping(
        mapping=_term(row["m"], labels),
        source=_term(row["source"], labels),
        predicate=_term(row["pred"], labels),
        target=_term(row["target"], labels),
        confidence=str(conf) if conf is not None else None,
        justification=opt("just"),
        mapping_set=opt("set"),
    )
