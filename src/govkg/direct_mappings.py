"""Direct mapping triples: one ``s p o`` per positive SSSOM mapping, in their own named graph.

govkg's crosswalk files hold each mapping as a record (SSSOM/RDF, the slots of the SSSOM LinkML
schema: ``owl:annotatedSource`` subject_id, ``owl:annotatedProperty`` predicate_id,
``owl:annotatedTarget`` object_id). A SPARQL user asking ``?x skos:relatedMatch ?y`` needs the
triple itself, which SSSOM's OWL rendering writes beside the annotated axiom. This module
derives those triples, every build, into :data:`~govkg.namespaces.MAPPINGS_GRAPH`:

* a mapping is a member of a mapping set (``sssom:mappings``) with exactly one IRI each for
  its subject, predicate and object;
* a mapping with a ``sssom:predicate_modifier`` (SSSOM 1.0 defines one value, ``Not``) states
  that its predicate does *not* hold: it gives no triple.

The direct triples are kept out of the OWL 2 RL closure of the asserted graphs and closed on
their own, by the same engine, under :func:`mapping_schema`: only the ontology's axioms among
the mapping properties (OWL 2 Profiles, section 4.3, Table 5: ``prp-spo1``, ``prp-eqp1/2``,
``prp-inv1/2``, ``prp-symp``). Left out, so that a mapping never becomes a cross-framework
parent nor chains across crosswalks (ADR 0017):

* ``owl:TransitiveProperty`` (``prp-trp``): ``skos:exactMatch`` (SKOS Reference, section 10),
  ``gk:equalTo``, ``gk:subsetOf``, ``gk:supersetOf``; chaining mappings is a separate,
  labelled ``semapv:MappingChaining`` product;
* sub-property links into SKOS's hierarchical and associative relations
  (:data:`SEMANTIC_RELATIONS`), as ``skos:broadMatch rdfs:subPropertyOf skos:broader``
  (SKOS Reference, section 10): SKOS states them and govkg's ontology keeps them, but applied to
  crosswalks they would make an element of one framework the ``skos:broader`` parent of an
  element of another, and ``skos:broaderTransitive`` would chain the crosswalks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from govkg.loading import SourceFile
from govkg.namespaces import SSSOM
from govkg.reasoning import DEFAULT_ENGINE, input_digest, materialise

Triple = tuple[Node, Node, Node]

#: SKOS's semantic relations that are not mapping relations (SKOS Reference sections 8 and
#: 10): a mapping's closure never reaches them.
SEMANTIC_RELATIONS = frozenset(
    {
        SKOS.semanticRelation,
        SKOS.broader,
        SKOS.narrower,
        SKOS.related,
        SKOS.broaderTransitive,
        SKOS.narrowerTransitive,
    }
)
#: The ontology axioms :func:`mapping_schema` keeps (between two mapping properties).
_LINKS = (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf)


@dataclass
class DirectMappings:
    """The direct triples of a build's mappings.

    Attributes:
        graph: One triple ``subject predicate object`` per positive mapping.
        negated: Mappings left out because they carry a ``sssom:predicate_modifier``.
        sources: The named graphs the triples were derived from.
    """

    graph: Graph
    negated: int = 0
    sources: list[URIRef] = field(default_factory=list)


def derive(data: Iterable[SourceFile]) -> DirectMappings:
    """Derive the direct triple of every positive mapping in the data source files.

    >>> from pathlib import Path
    >>> g = Graph()
    >>> m, n, a, b = (URIRef(f"urn:x:{x}") for x in ("m", "n", "a", "b"))
    >>> for record, modifier in ((m, None), (n, SSSOM.NegatedPredicate)):
    ...     _ = g.add((URIRef("urn:x:set"), SSSOM.mappings, record))
    ...     _ = g.add((record, OWL.annotatedSource, a))
    ...     _ = g.add((record, OWL.annotatedProperty, SKOS.relatedMatch))
    ...     _ = g.add((record, OWL.annotatedTarget, b))
    ...     if modifier is not None:
    ...         _ = g.add((record, SSSOM.predicate_modifier, modifier))
    >>> direct = derive([SourceFile(Path("x.ttl"), URIRef("urn:x:g"), g, "data/x.ttl")])
    >>> [(str(s), str(p).rsplit("#")[-1], str(o)) for s, p, o in direct.graph]
    [('urn:x:a', 'relatedMatch', 'urn:x:b')]
    >>> direct.negated
    1
    """
    sources = list(data)
    members = {m for source in sources for m in source.graph.objects(None, SSSOM.mappings)}
    graph = Graph()
    negated = 0
    contributing: set[URIRef] = set()
    for source in sources:
        for record in set(source.graph.subjects(OWL.annotatedProperty, None)):
            if record not in members:
                continue  # an OWL axiom annotation, not an SSSOM mapping
            triple = _triple(source.graph, record)
            if triple is None:
                continue  # malformed: the data shapes refuse it before this step
            if (record, SSSOM.predicate_modifier, None) in source.graph:
                negated += 1
                continue
            graph.add(triple)
            contributing.add(source.graph_iri)
    return DirectMappings(graph=graph, negated=negated, sources=sorted(contributing))


def _triple(graph: Graph, record: Node) -> Triple | None:
    """The ``(subject, predicate, object)`` of a mapping record, if it has one IRI of each."""
    parts = []
    for slot in (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget):
        values = set(graph.objects(record, slot))
        if len(values) != 1:
            return None
        (value,) = values
        if not isinstance(value, URIRef):
            return None
        parts.append(value)
    return parts[0], parts[1], parts[2]


def mapping_properties(ontology: Graph, predicates: Iterable[Node]) -> set[Node]:
    """Return ``predicates`` with the properties the ontology links them to (super-,
    equivalent and inverse properties, again and again), never a SKOS semantic relation
    (:data:`SEMANTIC_RELATIONS`).

    >>> from govkg.loading import load_sources, union
    >>> from govkg.paths import bundled_layout
    >>> sources = load_sources(bundled_layout())
    >>> onto = union([s for s in sources if s.name.startswith("ontology/")])
    >>> sorted(str(p).rsplit("#")[-1] for p in mapping_properties(onto, [SKOS.broadMatch]))
    ['broadMatch', 'mappingRelation', 'narrowMatch']
    """
    found: set[Node] = set()
    stack = [p for p in predicates if p not in SEMANTIC_RELATIONS]
    while stack:
        p = stack.pop()
        if p in found:
            continue
        found.add(p)
        linked = [q for link in _LINKS for q in ontology.objects(p, link)]
        linked += [q for link in _LINKS[1:] for q in ontology.subjects(link, p)]
        stack.extend(q for q in linked if q not in found and q not in SEMANTIC_RELATIONS)
    return found


def mapping_schema(ontology: Graph, predicates: Iterable[Node]) -> set[Triple]:
    """Return the ontology axioms the direct triples are closed under: sub-property,
    equivalent-property and inverse links between two :func:`mapping_properties`, and their
    ``owl:SymmetricProperty`` types; no ``owl:TransitiveProperty`` (see the module docstring)."""
    properties = mapping_properties(ontology, predicates)
    schema: set[Triple] = set()
    for p in properties:
        for link in _LINKS:
            schema.update((p, link, q) for q in ontology.objects(p, link) if q in properties)
        if (p, RDF.type, OWL.SymmetricProperty) in ontology:
            schema.add((p, RDF.type, OWL.SymmetricProperty))
    return schema


def closure_digest(direct: Graph, schema: set[Triple], engine: str = DEFAULT_ENGINE) -> str:
    """Return a SHA-256 of the mapping closure's input and engine (part of the key under which
    a build reuses the previous build's inferences)."""
    base = set(direct) | schema
    return input_digest(base, Graph(), engine, base)


def combined_digest(*digests: str) -> str:
    """Return one SHA-256 over several digests, in order.

    >>> combined_digest("a", "b") != combined_digest("b", "a")
    True
    """
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def infer(
    direct: Graph,
    schema: set[Triple],
    progress: Callable[[str], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Graph:
    """Return the mapping triples the direct triples entail under ``schema`` (the super-,
    inverse and symmetric mapping triples), without the direct triples themselves.

    >>> g = Graph()
    >>> a, b = URIRef("urn:x:a"), URIRef("urn:x:b")
    >>> _ = g.add((a, SKOS.broadMatch, b))
    >>> schema = {(SKOS.broadMatch, RDFS.subPropertyOf, SKOS.mappingRelation),
    ...           (SKOS.broadMatch, OWL.inverseOf, SKOS.narrowMatch)}
    >>> sorted((str(s)[-1], str(p).rsplit("#")[-1], str(o)[-1]) for s, p, o in infer(g, schema))
    [('a', 'mappingRelation', 'b'), ('b', 'narrowMatch', 'a')]
    """
    if not direct:
        return Graph()
    properties = {t[0] for t in schema} | {t[2] for t in schema if t[1] != RDF.type}
    properties |= set(direct.predicates())
    base = set(direct) | schema
    schema_graph = Graph()
    for triple in schema:
        schema_graph.add(triple)
    note = None if progress is None else (lambda text: progress(f"direct mappings: {text}"))
    closed = materialise(base, schema_graph, note, engine, base)
    inferred = Graph()
    for s, p, o in closed:
        if p in properties and (s, p, o) not in direct:
            inferred.add((s, p, o))
    return inferred
