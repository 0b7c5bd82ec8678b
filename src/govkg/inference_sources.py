"""Which source graphs each inferred triple comes from (issue 11, problem 8; ADR 0018).

OWL 2 RL entailment is monotonic (OWL 2 Profiles, W3C Recommendation 2012-12-11, section
4.3: the rules only add triples), so a triple of the full closure is entailed by some set of
source graphs together with the ontology, and by every larger set. For each inferred triple
this module finds one *minimal* such set, its **premise graphs**:

1. the ontology alone: the closure of the ontology graphs (premise set empty);
2. one graph alone: for each source graph ``G``, the closure of ontology + ``G``; a triple
   may have several one-graph premise sets (two files that each entail it);
3. several graphs: for a triple no single graph entails, a set is grown from the graphs that
   mention its subject or object, adding the graphs that share a node with the set until the
   closure of ontology + set entails it (all graphs at worst), then shrunk greedily: each
   graph, in IRI order, is dropped when the rest still entail the triple. The result is
   minimal (removing any one graph loses the triple), not necessarily the smallest.

Each premise set becomes a named graph holding the triples it entails (:func:`graph_iri`):
``graph/inferred/ontology``, ``graph/inferred/<path of the source graph>`` and
``graph/inferred/combined/<digest>``. ``graph/inferred`` stays the union of all of them.
Both engines of :mod:`govkg.reasoning` compute the same sets
(``tests/test_inference_provenance.py``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from govkg.loading import SourceFile
from govkg.namespaces import GRAPH, INFERRED_GRAPH, MAPPINGS_GRAPH
from govkg.reasoning import DEFAULT_ENGINE, Triple, input_digest, materialise, reasoning_input

#: Named graph of the triples the ontology alone entails.
ONTOLOGY_INFERENCES = URIRef(f"{INFERRED_GRAPH}/ontology")
_COMBINED = f"{INFERRED_GRAPH}/combined/"
PremiseSet = frozenset[URIRef]


def graph_iri(premises: PremiseSet) -> URIRef:
    """Return the named graph of the triples entailed by ``premises`` (with the ontology).

    >>> graph_iri(frozenset())
    rdflib.term.URIRef('https://w3id.org/govkg/graph/inferred/ontology')
    >>> graph_iri(frozenset({URIRef("https://w3id.org/govkg/graph/context/x")}))
    rdflib.term.URIRef('https://w3id.org/govkg/graph/inferred/context/x')
    >>> graph_iri(frozenset({URIRef("urn:a"), URIRef("urn:b")}))
    rdflib.term.URIRef('https://w3id.org/govkg/graph/inferred/combined/6a009d5ca12f80d8')
    """
    if not premises:
        return ONTOLOGY_INFERENCES
    if len(premises) == 1:
        (only,) = premises
        if only == MAPPINGS_GRAPH:
            return URIRef(f"{INFERRED_GRAPH}/mappings")
        path = str(only)[len(str(GRAPH)) :]
        if str(only).startswith(str(GRAPH)) and path and not path.startswith("inferred"):
            return URIRef(f"{INFERRED_GRAPH}/{path}")
    key = "\n".join(sorted(premises)).encode()
    return URIRef(_COMBINED + hashlib.sha256(key).hexdigest()[:16])


def is_inference_graph(iri: str) -> bool:
    """Tell whether a named graph holds inferences (``graph/inferred`` or one below it).

    >>> is_inference_graph("https://w3id.org/govkg/graph/inferred/context/x")
    True
    >>> is_inference_graph("https://w3id.org/govkg/graph/inferredx")
    False
    """
    return iri == str(INFERRED_GRAPH) or iri.startswith(f"{INFERRED_GRAPH}/")


def sources_digest(sources: Iterable[SourceFile], ontology: Graph, engine: str) -> str:
    """Return a SHA-256 of the closure's input graph by graph (:func:`govkg.reasoning.input_digest`
    of each, with its IRI): the same digest means the same inferences and the same premise
    graphs, so a build can reuse the previous build's inference graphs."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: str(s.graph_iri)):
        digest.update(f"{source.graph_iri}\n".encode())
        digest.update(input_digest(source.graph, ontology, engine).encode() + b"\n")
    return digest.hexdigest()


def attribute(
    graphs: Mapping[URIRef, Iterable[Triple]],
    ontology: Graph,
    inferred: Iterable[Triple],
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[str], None] | None = None,
) -> dict[PremiseSet, set[Triple]]:
    """Group ``inferred`` by the premise graphs that entail each triple (module docstring).

    Args:
        graphs: The source graphs (not the ontology's), by IRI.
        ontology: The ontology triples, a premise of every inference.
        inferred: The inferred triples to attribute (those of the closure of everything).
        engine: The OWL 2 RL engine (:data:`govkg.reasoning.ENGINES`).
        progress: Called with a short status line.

    Returns:
        Premise set to the inferred triples it entails; every triple of ``inferred`` is in
        at least one set.

    >>> from rdflib.namespace import OWL
    >>> p, a, b, c = (URIRef(f"urn:x:{n}") for n in "pabc")
    >>> onto = Graph().add((p, RDF.type, OWL.TransitiveProperty))
    >>> g1, g2 = URIRef("urn:g:1"), URIRef("urn:g:2")
    >>> sets = attribute({g1: [(a, p, b)], g2: [(b, p, c)]}, onto, [(a, p, c)], "owlrl")
    >>> sorted(sets[frozenset({g1, g2})])
    [(rdflib.term.URIRef('urn:x:a'), rdflib.term.URIRef('urn:x:p'), rdflib.term.URIRef('urn:x:c'))]
    """
    wanted = set(inferred)
    terms = set(ontology.subjects())
    ontology_base = reasoning_input(ontology, ontology)
    bases = {
        iri: {
            (s, p, o)
            for s, p, o in triples
            if not isinstance(o, Literal) or p == RDF.type or s in terms
        }
        for iri, triples in graphs.items()
    }  # reasoning_input of each graph, the ontology's terms found once
    cache: dict[PremiseSet, set[Triple]] = {}

    def entails(premises: PremiseSet) -> set[Triple]:
        if premises not in cache:
            base = ontology_base.union(*(bases[g] for g in premises))
            # The closure's input is enough as "asserted": ``wanted`` holds no asserted triple.
            cache[premises] = set(materialise(base, ontology, None, engine, base)) & wanted
        return cache[premises]

    found: dict[PremiseSet, set[Triple]] = {}
    alone = entails(frozenset())
    if alone:
        found[frozenset()] = alone
    covered = set(alone)
    for iri in sorted(graphs):
        single = entails(frozenset({iri})) - alone
        if single:
            found[frozenset({iri})] = single
            covered |= single
    rest = wanted - covered
    if progress:
        progress(
            f"inference sources: {len(covered)} triples from the ontology or one graph, "
            f"{len(rest)} from several"
        )
    if rest:
        for premises, triples in _several(rest, bases, entails).items():
            found.setdefault(premises, set()).update(triples)
    return found


def _several(
    rest: set[Triple],
    bases: Mapping[URIRef, set[Triple]],
    entails: Callable[[PremiseSet], set[Triple]],
) -> dict[PremiseSet, set[Triple]]:
    """Grow, then shrink, a premise set for each triple no single graph entails."""
    where: dict[Node, set[URIRef]] = defaultdict(set)
    for iri, base in bases.items():
        for s, p, o in base:
            where[s].add(iri)
            if p != RDF.type and not isinstance(o, Literal):
                where[o].add(iri)
    neighbours: dict[URIRef, set[URIRef]] = defaultdict(set)
    for holders in where.values():
        for iri in holders:
            neighbours[iri] |= holders
    everything = frozenset(bases)
    pending: dict[PremiseSet, set[Triple]] = defaultdict(set)
    for triple in rest:
        pending[frozenset(where.get(triple[0], set()) | where.get(triple[2], set()))].add(triple)
    grown: dict[PremiseSet, set[Triple]] = defaultdict(set)
    while pending:
        premises = min(pending, key=lambda s: (len(s), sorted(s)))
        triples = pending.pop(premises)
        hit = triples & entails(premises)
        if hit:
            grown[premises] |= hit
        missed = triples - hit
        if missed:
            if premises == everything:  # not entailed at all: kept with every graph
                grown[premises] |= missed
                continue
            wider = premises.union(*(neighbours[g] for g in premises))
            pending[wider if wider != premises else everything] |= missed
    result: dict[PremiseSet, set[Triple]] = defaultdict(set)
    for premises, triples in sorted(grown.items(), key=lambda item: sorted(item[0])):
        _shrink(premises, sorted(premises), triples, entails, result)
    return dict(result)


def _shrink(
    premises: PremiseSet,
    candidates: list[URIRef],
    triples: set[Triple],
    entails: Callable[[PremiseSet], set[Triple]],
    result: dict[PremiseSet, set[Triple]],
) -> None:
    """Drop each candidate graph, in order, from the premises of the triples that do not
    need it (deletion-based minimisation; monotonicity makes the result minimal)."""
    for index, graph in enumerate(candidates):
        fewer = premises - {graph}
        dropped = triples & entails(fewer)
        if dropped:
            _shrink(fewer, candidates[index + 1 :], dropped, entails, result)
            triples = triples - dropped
        if not triples:
            return
    result[premises] |= triples


def named_graphs(found: Mapping[PremiseSet, set[Triple]]) -> dict[URIRef, Graph]:
    """Return one graph per premise set, by :func:`graph_iri`."""
    graphs: dict[URIRef, Graph] = {}
    for premises, triples in found.items():
        graph = graphs.setdefault(graph_iri(premises), Graph())
        for triple in triples:
            graph.add(triple)
    return graphs
