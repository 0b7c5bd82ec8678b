"""What the mapping predicates mean together: inverses, the super-properties each entails,
which two statements about one pair contradict, and cycles of broader/narrower.

The semantics are those of the ontology module ``ontology/mappings.ttl``:

* SKOS mapping properties (SKOS Reference section 10): ``skos:exactMatch`` is a sub-property of
  ``skos:closeMatch`` and is disjoint with ``skos:broadMatch`` and ``skos:relatedMatch``
  (integrity condition S46, section 10.6.1); ``skos:broadMatch`` and ``skos:narrowMatch`` are
  inverses; exact, close and related matches are symmetric;
* the set-theory relationships of NIST IR 8477 section 4 (``gk:equalTo``, ``gk:subsetOf``,
  ``gk:supersetOf``, ``gk:intersectsWith``, ``gk:notRelatedTo``) are mutually exclusive and
  are sub-properties of ``skos:exactMatch``, ``skos:broadMatch``, ``skos:narrowMatch``,
  ``skos:relatedMatch`` (none for "not related");
* ``gk:correspondsTo`` (a lexical correspondence) is a symmetric sub-property of
  ``skos:mappingRelation`` only: it claims nothing about scope, so it contradicts no SKOS match
  and an official exact match may stand beside it;
* a mapping with ``predicate_modifier`` Not (SSSOM) states that its predicate does not hold.

A statement is normalised to one direction (subject before object) so that ``a broadMatch b``
and ``b narrowMatch a`` are the same statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib.namespace import SKOS

from govkg.namespaces import GK, Shortener

EXACT, CLOSE, BROAD, NARROW, RELATED = (
    str(SKOS.exactMatch),
    str(SKOS.closeMatch),
    str(SKOS.broadMatch),
    str(SKOS.narrowMatch),
    str(SKOS.relatedMatch),
)
EQUAL, SUBSET, SUPERSET, INTERSECTS, NOT_RELATED, CORRESPONDS = (
    str(GK.equalTo),
    str(GK.subsetOf),
    str(GK.supersetOf),
    str(GK.intersectsWith),
    str(GK.notRelatedTo),
    str(GK.correspondsTo),
)

#: The inverse of each predicate (a symmetric one is its own inverse).
INVERSE = {
    EXACT: EXACT,
    CLOSE: CLOSE,
    BROAD: NARROW,
    NARROW: BROAD,
    RELATED: RELATED,
    EQUAL: EQUAL,
    SUBSET: SUPERSET,
    SUPERSET: SUBSET,
    INTERSECTS: INTERSECTS,
    NOT_RELATED: NOT_RELATED,
    CORRESPONDS: CORRESPONDS,
}

#: The predicates each predicate entails (itself and its super-properties, ontology/mappings.ttl).
ENTAILS = {
    EXACT: frozenset({EXACT, CLOSE}),
    CLOSE: frozenset({CLOSE}),
    BROAD: frozenset({BROAD}),
    NARROW: frozenset({NARROW}),
    RELATED: frozenset({RELATED}),
    EQUAL: frozenset({EQUAL, EXACT, CLOSE}),
    SUBSET: frozenset({SUBSET, BROAD}),
    SUPERSET: frozenset({SUPERSET, NARROW}),
    INTERSECTS: frozenset({INTERSECTS, RELATED}),
    NOT_RELATED: frozenset({NOT_RELATED}),
    CORRESPONDS: frozenset({CORRESPONDS}),
}

#: NIST IR 8477 set relationships: exactly one holds between two elements.
SET_RELATIONSHIPS = frozenset({EQUAL, SUBSET, SUPERSET, INTERSECTS, NOT_RELATED})

#: Exact matches (for "an exact match names one element per framework").
EXACT_PREDICATES = frozenset({EXACT, EQUAL})

#: How messages write a predicate when the caller gives no shortener of its own.
_SHORT = Shortener(angle=True)


@dataclass(frozen=True, slots=True)
class Statement:
    """A mapping statement normalised to one direction.

    Attributes:
        first: The element that sorts first.
        second: The other element.
        predicate: The predicate read from ``first`` to ``second``.
        negated: True for predicate_modifier Not.
    """

    first: str
    second: str
    predicate: str
    negated: bool

    @classmethod
    def of(cls, subject: str, predicate: str, obj: str, negated: bool = False) -> Statement:
        """Normalise ``subject predicate object``.

        >>> s = Statement.of("b", BROAD, "a")
        >>> (s.first, s.predicate == NARROW)
        ('a', True)
        """
        if subject <= obj:
            return cls(subject, obj, predicate, negated)
        return cls(obj, subject, INVERSE.get(predicate, predicate), negated)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.first, self.second)


def contradiction(a: Statement, b: Statement, curie: Callable[[str], str] = _SHORT) -> str | None:
    """Say why two statements about one pair contradict, or return None when they do not.

    Args:
        a: One statement.
        b: Another statement about the same pair.
        curie: Writes a predicate IRI in the message (the submission's shortener).

    >>> contradiction(Statement.of("x", EXACT, "y"), Statement.of("y", NOT_RELATED, "x"))
    'gk:notRelatedTo contradicts skos:exactMatch'
    >>> contradiction(Statement.of("x", BROAD, "y", True), Statement.of("x", SUBSET, "y"))
    'Not skos:broadMatch contradicts gk:subsetOf, which entails skos:broadMatch'
    """
    if a.negated and b.negated:
        return None
    if a.negated or b.negated:
        negative, positive = (a, b) if a.negated else (b, a)
        if negative.predicate in ENTAILS.get(positive.predicate, frozenset()):
            entailed = (
                ""
                if negative.predicate == positive.predicate
                else f", which entails {curie(negative.predicate)}"
            )
            return (
                f"Not {curie(negative.predicate)} contradicts {curie(positive.predicate)}{entailed}"
            )
        return None
    if a.predicate == b.predicate:
        return None
    ea, eb = ENTAILS.get(a.predicate, frozenset()), ENTAILS.get(b.predicate, frozenset())
    if NOT_RELATED in ea | eb:
        other, this = (a, b) if NOT_RELATED in eb else (b, a)
        return f"{curie(this.predicate)} contradicts {curie(other.predicate)}"
    sa, sb = ea & SET_RELATIONSHIPS, eb & SET_RELATIONSHIPS
    if sa and sb and sa != sb:
        return (
            f"{curie(a.predicate)} and {curie(b.predicate)} are different NIST IR 8477 set "
            "relationships, which exclude each other"
        )
    for left, right in ((ea, eb), (eb, ea)):
        if EXACT in left and right & {BROAD, NARROW, RELATED}:
            clash = sorted(right & {BROAD, NARROW, RELATED})[0]
            return (
                f"skos:exactMatch is disjoint with {curie(clash)} (SKOS S46), entailed by "
                f"{curie(a.predicate)} and {curie(b.predicate)}"
            )
    return None


def broader_edges(subject: str, predicate: str, obj: str, negated: bool) -> tuple[str, str] | None:
    """Return the ``(narrower, broader)`` edge a statement asserts, if it asserts one."""
    if negated:
        return None
    if predicate in (BROAD, SUBSET):
        return (subject, obj)
    if predicate in (NARROW, SUPERSET):
        return (obj, subject)
    return None


def cycles(edges: Iterable[tuple[int, int]], size: int) -> list[list[int]]:
    """Return the strongly connected components with more than one node (Tarjan's algorithm,
    iterative, so that long chains cannot exhaust the stack).

    >>> cycles([(0, 1), (1, 2), (2, 0), (2, 3)], 4)
    [[0, 1, 2]]
    """
    successors: list[list[int]] = [[] for _ in range(size)]
    for a, b in edges:
        successors[a].append(b)
    index = [-1] * size
    low = [0] * size
    on_stack = [False] * size
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(size):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            node, position = work[-1]
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            if position < len(successors[node]):
                work[-1] = (node, position + 1)
                nxt = successors[node][position]
                if index[nxt] == -1:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)
