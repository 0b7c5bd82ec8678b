"""The fast OWL 2 RL path: the ``reasonable`` engine (Rust, datalog) plus what it leaves out.

``reasonable`` (PyPI, BSD-3-Clause) applies the OWL 2 RL/RDF instance rules of OWL 2 Profiles
(W3C Recommendation 2012-12-11), section 4.3, Tables 4-8, in a few tenths of a second where
owlrl takes seconds. Three gaps are closed here, so that after govkg's output filter
(:mod:`govkg.reasoning`) it gives what owlrl gives (checked by ``tests/test_reasoning_engines.py``
and recorded in ``docs/decisions/0013-fast-build-engines.md``):

* **schema rules** (Table 9) that ``reasonable`` does not apply: ``scm-cls`` (``c ⊑
  owl:Thing``), ``scm-spo``, ``scm-eqp1``, ``scm-eqp2``, ``scm-dom1``, ``scm-dom2``,
  ``scm-rng1``, ``scm-rng2``, computed to a fixpoint over the closure's schema triples (they add
  schema triples only: every instance triple they would license is already derived by
  ``prp-spo1``, ``prp-dom``, ``prp-rng`` and ``cax-sco``);
* **inconsistency**: ``reasonable``'s Python binding does not expose its diagnostics, so the
  rules whose conclusion is ``false`` are checked on the closure here: ``eq-diff1``,
  ``prp-irp``, ``prp-asyp``, ``prp-pdw``, ``cls-nothing2``, ``cls-com``, ``cax-dw``;
* **constructs it does not cover** (``prp-spo2`` property chains, keys, cardinalities,
  ``owl:oneOf``, the ``owl:All...`` list axioms, negative property assertions, and the class
  expressions whose schema rules are missing): :func:`unsupported_constructs` names them, and
  :func:`govkg.reasoning.materialise` then uses owlrl instead.

Literals come back from ``reasonable`` with an explicit ``xsd:string`` datatype; RDF 1.1
(Concepts, section 3.3) makes ``"a"`` and ``"a"^^xsd:string`` the same term, so they are
turned back into simple literals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

Triple = tuple[Node, Node, Node]

try:
    import reasonable
except ImportError:  # a compiled extension: no wheel for this platform, or not installed
    ENGINE = ""
else:
    ENGINE = f"reasonable {reasonable.__version__}"
#: False when ``reasonable`` cannot be imported: govkg then reasons with owlrl.
AVAILABLE = bool(ENGINE)

#: OWL terms whose rules the fast path does not apply (OWL 2 Profiles, section 4.3).
UNSUPPORTED = frozenset(
    {
        OWL.propertyChainAxiom,  # prp-spo2
        OWL.hasKey,  # prp-key
        OWL.maxCardinality,  # cls-maxc1, cls-maxc2
        OWL.maxQualifiedCardinality,  # cls-maxqc1..4
        OWL.oneOf,  # cls-oo
        OWL.AllDisjointClasses,  # cax-adc
        OWL.AllDisjointProperties,  # prp-adp
        OWL.AllDifferent,  # eq-diff2, eq-diff3
        OWL.NegativePropertyAssertion,  # prp-npa1, prp-npa2
        OWL.sourceIndividual,
        OWL.onProperty,  # scm-hv, scm-svf*, scm-avf*
        OWL.intersectionOf,  # scm-int
        OWL.unionOf,  # scm-uni
    }
)


_SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentProperty, RDFS.domain, RDFS.range, RDF.type}
)


def unsupported_constructs(triples: Iterable[Triple]) -> set[URIRef]:
    """Return the OWL terms in ``triples`` (as predicate or type) that the fast path does
    not cover; empty when it gives the same inferences as owlrl."""
    found: set[URIRef] = set()
    for _, p, o in triples:
        if p in UNSUPPORTED:
            found.add(URIRef(str(p)))
        elif p == RDF.type and o in UNSUPPORTED:
            found.add(URIRef(str(o)))
    return found


def closure(base: Iterable[Triple]) -> set[Triple]:
    """Return the OWL 2 RL closure of ``base`` (base triples included) by ``reasonable``,
    completed with the schema rules it does not apply (see the module docstring)."""
    given = list(base)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(given)
    # reasonable returns new term objects for every triple: the closure keeps the objects the
    # input already has (a third of the closure step's memory at 1M triples).
    terms: dict[Node, Node] = {}
    for triple in given:
        for term in triple:
            terms.setdefault(term, term)
    del given
    same = terms.setdefault
    triples = set()
    for s, p, o in reasoner.reason():
        o = _simple(o)
        triples.add((same(s, s), same(p, p), same(o, o)))
    triples |= _schema_rules(triples)
    return triples


def inconsistencies(triples: set[Triple]) -> list[str]:
    """Check the OWL 2 RL rules whose conclusion is ``false`` (Tables 4-7) on a closure.

    Returns:
        One message per violation, naming the rule and the terms (sorted).
    """
    by_predicate: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
    for s, p, o in triples:
        by_predicate[p].add((s, o))
    types: dict[Node, set[Node]] = defaultdict(set)
    for s, o in by_predicate[RDF.type]:
        types[o].add(s)
    errors: list[str] = []
    same = by_predicate[OWL.sameAs]
    for x, y in by_predicate[OWL.differentFrom]:
        if (x, y) in same or (y, x) in same:
            errors.append(f"eq-diff1: {x} is both owl:sameAs and owl:differentFrom {y}")
    for p in types[OWL.IrreflexiveProperty]:
        for x, y in by_predicate[p]:
            if x == y:
                errors.append(f"prp-irp: irreflexive property {p} relates {x} to itself")
    for p in types[OWL.AsymmetricProperty]:
        pairs = by_predicate[p]
        for x, y in pairs:
            if (y, x) in pairs:
                errors.append(f"prp-asyp: asymmetric property {p} holds both ways: {x}, {y}")
    for p1, p2 in by_predicate[OWL.propertyDisjointWith]:
        for x, y in by_predicate[p1] & by_predicate[p2]:
            errors.append(f"prp-pdw: disjoint properties {p1} and {p2} both relate {x} to {y}")
    for x in types[OWL.Nothing]:
        errors.append(f"cls-nothing2: {x} is an owl:Nothing")
    for rule, axiom in (("cls-com", OWL.complementOf), ("cax-dw", OWL.disjointWith)):
        for c1, c2 in by_predicate[axiom]:
            for x in types[c1] & types[c2]:
                errors.append(f"{rule}: {x} is an instance of both {c1} and {c2}")
    return sorted(set(errors))


def _simple(term: Node) -> Node:
    """Turn ``"a"^^xsd:string`` into the simple literal ``"a"`` (RDF 1.1 Concepts 3.3)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def _schema_rules(triples: set[Triple]) -> set[Triple]:
    """Apply scm-cls (``c ⊑ owl:Thing``), scm-spo, scm-eqp1/2, scm-dom1/2 and scm-rng1/2 to a
    fixpoint; return the triples not yet in ``triples`` (OWL 2 Profiles, Table 9)."""
    sub_class: dict[Node, set[Node]] = defaultdict(set)
    sub_property: dict[Node, set[Node]] = defaultdict(set)
    domain: dict[Node, set[Node]] = defaultdict(set)
    range_: dict[Node, set[Node]] = defaultdict(set)
    schema = [t for t in triples if t[1] in _SCHEMA_PREDICATES]
    for s, p, o in schema:
        if p == RDFS.subClassOf:
            sub_class[s].add(o)
        elif p == RDFS.subPropertyOf:
            sub_property[s].add(o)
        elif p == OWL.equivalentProperty:  # scm-eqp1
            sub_property[s].add(o)
            sub_property[o].add(s)
        elif p == RDFS.domain:
            domain[s].add(o)
        elif p == RDFS.range:
            range_[s].add(o)
        elif p == RDF.type and o == OWL.Class:  # scm-cls
            sub_class[s].add(OWL.Thing)
    _transitive(sub_class)
    _transitive(sub_property)  # scm-spo
    properties = set(sub_property) | set(domain) | set(range_)
    for _ in range(len(properties) + 1):
        changed = False
        for p in properties:
            for values in (domain, range_):
                # scm-dom2 / scm-rng2: the domain (range) of a super-property.
                wider = {c for q in sub_property.get(p, ()) for c in values.get(q, ())}
                # scm-dom1 / scm-rng1: the super-classes of a domain (range).
                wider |= {d for c in values.get(p, set()) | wider for d in sub_class.get(c, ())}
                if not wider <= values.get(p, set()):
                    values[p] |= wider
                    changed = True
        if not changed:
            break
    derived: set[Triple] = set()
    for table, predicate in (
        (sub_class, RDFS.subClassOf),
        (sub_property, RDFS.subPropertyOf),
        (domain, RDFS.domain),
        (range_, RDFS.range),
    ):
        for s, objects in table.items():
            derived.update((s, predicate, o) for o in objects)
    for p, supers in sub_property.items():  # scm-eqp2
        derived.update(
            (p, OWL.equivalentProperty, q) for q in supers if p in sub_property.get(q, ())
        )
    return derived - triples


def _transitive(relation: dict[Node, set[Node]]) -> None:
    """Close ``relation`` under transitivity, in place."""
    for start in list(relation):
        seen: set[Node] = set()
        stack = list(relation[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(relation.get(node, ()))
        relation[start] = seen
