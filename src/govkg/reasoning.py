"""OWL 2 RL materialisation with owlrl, kept apart from the asserted triples.

Implements the OWL 2 RL/RDF rules (OWL 2 Profiles, W3C Recommendation 2012-12-11, section
4.3) through ``owlrl.DeductiveClosure(OWLRL_Semantics)``. Two measures keep it fast and
useful:

* the input leaves out triples whose object is a literal, except ``rdf:type`` and the triples
  about terms of the ontology: no OWL 2 RL rule that govkg's ontology triggers needs them, and
  they are most of the data (owlrl's time grows with the input);
* the output keeps only inferences a query would use: it drops ``x owl:sameAs x``, types
  ``owl:Thing`` and ``rdfs:Resource``, reflexive ``subClassOf``/``subPropertyOf``/
  ``equivalentClass``/``equivalentProperty``, statements about the built-in RDF, RDFS, OWL and
  XSD vocabularies, and statements about literals.

owlrl reports an inconsistency as error triples rather than by raising (owlrl
``OWLRL.py``: ``add_error``); :func:`materialise` raises :class:`InconsistencyError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from govkg.errors import InconsistencyError

_BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
_REFLEXIVE_TRIVIA = {
    OWL.sameAs,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
}
_ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"


def reasoning_input(asserted: Graph, ontology: Graph) -> Graph:
    """Return the triples the closure is computed from (see the module docstring)."""
    terms = set(ontology.subjects())
    selected = Graph()
    for s, p, o in asserted:
        if not isinstance(o, Literal) or p == RDF.type or s in terms:
            selected.add((s, p, o))
    return selected


def input_digest(asserted: Graph, ontology: Graph) -> str:
    """Return a SHA-256 of the closure's input and the owlrl version: the same digest means
    the same inferences, so a build can reuse the previous build's inferred graph."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in reasoning_input(asserted, ontology))
    digest = hashlib.sha256(f"owlrl {owlrl.__version__}\n".encode())
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def materialise(
    asserted: Graph, ontology: Graph, progress: Callable[[str], None] | None = None
) -> Graph:
    """Compute the useful OWL 2 RL inferences of ``asserted`` (which includes the ontology).

    Args:
        asserted: Every asserted triple: ontology and data.
        ontology: The ontology triples alone (to keep the literals about its terms).
        progress: Called with a short status line.

    Returns:
        A new graph with the inferred triples only; ``asserted`` is left untouched.

    Raises:
        InconsistencyError: owlrl marked the closure inconsistent.

    >>> from rdflib import Graph, URIRef
    >>> from rdflib.namespace import OWL, RDF
    >>> g = Graph()
    >>> p, a, b, c = (URIRef(f"urn:x:{n}") for n in "pabc")
    >>> _ = g.add((p, RDF.type, OWL.TransitiveProperty))
    >>> _ = g.add((a, p, b)); _ = g.add((b, p, c))
    >>> (a, p, c) in materialise(g, Graph())
    True
    """
    base = reasoning_input(asserted, ontology)
    closure = Graph()
    closure += base
    if progress:
        progress(f"OWL 2 RL closure of {len(base)} triples")
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    errors = [str(o) for s, p, o in closure if str(p).startswith(_ERROR_NS)]
    if errors:
        raise InconsistencyError(
            "the OWL 2 RL closure is inconsistent: " + "; ".join(sorted(errors)[:5])
        )
    inferred = Graph()
    for triple in closure:
        if triple not in base and triple not in asserted and _useful(*triple):
            inferred.add(triple)
    return inferred


def _useful(s: Node, p: Node, o: Node) -> bool:
    """Tell whether an inferred triple is worth serving (see the module docstring)."""
    if isinstance(s, Literal) or str(s).startswith(_BUILT_IN):
        return False
    if p == RDF.type and o in _TRIVIAL_TYPES:
        return False
    if p in _REFLEXIVE_TRIVIA and s == o:
        return False
    if p in (RDFS.subClassOf, OWL.equivalentClass) and o in _TRIVIAL_TYPES:
        return False
    return not (p == RDF.type and isinstance(o, URIRef) and str(o).startswith(str(XSD)))
