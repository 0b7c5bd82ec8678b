"""OWL 2 RL materialisation, kept apart from the asserted triples.

Implements the OWL 2 RL/RDF rules (OWL 2 Profiles, W3C Recommendation 2012-12-11, section
4.3) with one of two engines:

* ``reasonable`` (the default): the fast path of :mod:`govkg.reasoning_fast`, about 20 times
  faster than owlrl on govkg's graphs; when the ontology uses a construct that path does not
  cover, owlrl is used instead;
* ``owlrl``: ``owlrl.DeductiveClosure(OWLRL_Semantics)``, the reference the fast path is
  judged against (``tests/test_reasoning_engines.py``, ADR 0013).

Two measures, the same for both engines, keep the closure fast and useful:

* the input leaves out triples whose object is a literal, except ``rdf:type`` and the triples
  about terms of the ontology: no OWL 2 RL rule that govkg's ontology triggers needs them, and
  they are most of the data (owlrl's time grows with the input);
* the output keeps only inferences a query would use: it drops ``x owl:sameAs x``, types
  ``owl:Thing`` and ``rdfs:Resource``, reflexive ``subClassOf``/``subPropertyOf``/
  ``equivalentClass``/``equivalentProperty``, statements about the built-in RDF, RDFS, OWL and
  XSD vocabularies, and statements about literals.

owlrl reports an inconsistency as error triples rather than by raising (owlrl
``OWLRL.py``: ``add_error``); the fast path checks the rules whose conclusion is ``false`` on
its closure. Either way :func:`materialise` raises :class:`InconsistencyError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from govkg import reasoning_fast
from govkg.errors import InconsistencyError, InputError

Triple = tuple[Node, Node, Node]
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
#: The engines :func:`materialise` can use; the first is the default where it can be imported.
ENGINES = ("reasonable", "owlrl")
DEFAULT_ENGINE = ENGINES[0] if reasoning_fast.AVAILABLE else "owlrl"


def reasoning_input(asserted: Iterable[Triple], ontology: Graph) -> set[Triple]:
    """Return the triples the closure is computed from (see the module docstring)."""
    terms = set(ontology.subjects())
    return {
        (s, p, o)
        for s, p, o in asserted
        if not isinstance(o, Literal) or p == RDF.type or s in terms
    }


def input_digest(
    asserted: Iterable[Triple],
    ontology: Graph,
    engine: str = DEFAULT_ENGINE,
    base: set[Triple] | None = None,
) -> str:
    """Return a SHA-256 of the closure's input, the engine and its version: the same digest
    means the same inferences, so a build can reuse the previous build's inferred graph.

    ``base``, when given, is :func:`reasoning_input` of ``asserted`` already computed.
    """
    base = reasoning_input(asserted, ontology) if base is None else base
    lines = sorted("\x00".join(map(_term_key, triple)) for triple in base)
    digest = hashlib.sha256(f"{engine_version(engine)}\n".encode())
    digest.update("\n".join(lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _term_key(term: Node) -> str:
    """A string that tells RDF terms apart (cheaper than ``n3()``)."""
    if isinstance(term, Literal):
        return f'"{term}"@{term.language or ""}^^{term.datatype or ""}'
    if isinstance(term, URIRef):
        return f"<{term}"
    return f"_:{term}"


def engine_version(engine: str) -> str:
    """Return ``engine`` with the version of the library behind it (``owlrl 7.6.2``)."""
    if engine == "owlrl":
        return f"owlrl {owlrl.__version__}"
    if engine == "reasonable":
        if not reasoning_fast.AVAILABLE:
            raise InputError("the reasonable engine cannot be imported here: use owlrl")
        return reasoning_fast.ENGINE
    raise InputError(f"unknown reasoner {engine!r}: use one of {', '.join(ENGINES)}")


def materialise(
    asserted: Iterable[Triple],
    ontology: Graph,
    progress: Callable[[str], None] | None = None,
    engine: str = DEFAULT_ENGINE,
    base: set[Triple] | None = None,
) -> Graph:
    """Compute the useful OWL 2 RL inferences of ``asserted`` (which includes the ontology).

    Args:
        asserted: Every asserted triple: ontology and data.
        ontology: The ontology triples alone (to keep the literals about its terms).
        progress: Called with a short status line.
        engine: ``reasonable`` (fast) or ``owlrl`` (the reference); see the module docstring.
        base: :func:`reasoning_input` of ``asserted``, when the caller has it already.

    Returns:
        A new graph with the inferred triples only; ``asserted`` is left untouched.

    Raises:
        InconsistencyError: the closure is inconsistent (the message names the rules broken).
        InputError: ``engine`` is not one of :data:`ENGINES`.

    >>> from rdflib import Graph, URIRef
    >>> from rdflib.namespace import OWL, RDF
    >>> g = Graph()
    >>> p, a, b, c = (URIRef(f"urn:x:{n}") for n in "pabc")
    >>> _ = g.add((p, RDF.type, OWL.TransitiveProperty))
    >>> _ = g.add((a, p, b)); _ = g.add((b, p, c))
    >>> (a, p, c) in materialise(g, Graph())
    True
    """
    engine_version(engine)
    known = asserted if isinstance(asserted, set | Graph) else set(asserted)
    base = reasoning_input(known, ontology) if base is None else base
    if engine == "reasonable":
        unsupported = reasoning_fast.unsupported_constructs(base)
        if unsupported:
            names = ", ".join(sorted(t.n3() for t in unsupported))
            if progress:
                progress(f"the fast reasoner does not cover {names}: owlrl is used")
            engine = "owlrl"
    if progress:
        progress(f"OWL 2 RL closure of {len(base)} triples ({engine_version(engine)})")
    if engine == "owlrl":
        closure = _owlrl_closure(base)
    else:
        closure = reasoning_fast.closure(base)
        errors = reasoning_fast.inconsistencies(closure)
        if errors:
            raise InconsistencyError(
                "the OWL 2 RL closure is inconsistent: " + "; ".join(errors[:5])
            )
    if progress:
        progress(f"{len(closure)} triples in the closure")
    inferred = Graph()
    for triple in closure:
        if triple not in base and _useful(*triple) and triple not in known:
            inferred.add(triple)
    return inferred


def _owlrl_closure(base: set[Triple]) -> set[Triple]:
    """The closure by owlrl, raising on its error triples."""
    closure = Graph()
    for triple in base:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    errors = [str(o) for s, p, o in closure if str(p).startswith(_ERROR_NS)]
    if errors:
        raise InconsistencyError(
            "the OWL 2 RL closure is inconsistent: " + "; ".join(sorted(errors)[:5])
        )
    return set(closure)


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
