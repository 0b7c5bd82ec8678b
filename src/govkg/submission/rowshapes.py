"""The streaming SHACL checker: the property shapes of ``gks:SubmittedMapping`` compiled into
Python checks run on every row, so that a 100,000-row file is checked against the shapes
without building its whole RDF graph (docs/decisions/0010-submission-streaming-checks.md).

The compiler reads the shapes graph, so the shapes file stays the one source of truth: change a
shape and the streaming checks change with it. It supports the SHACL Core constraint
components a mapping's slots need, with the semantics of W3C SHACL (Recommendation
2017-07-20):

* value type: ``sh:datatype`` (4.1.1; an ill-typed literal does not conform), ``sh:nodeKind``
  (4.1.2);
* cardinality: ``sh:minCount``, ``sh:maxCount`` (4.2);
* value range: ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``,
  ``sh:maxExclusive`` (4.3; a value that cannot be compared does not conform);
* string based: ``sh:minLength``, ``sh:maxLength``, ``sh:pattern`` with ``sh:flags`` (4.4);
* other: ``sh:in``, ``sh:hasValue`` (4.5);

on predicate paths and inverse paths (2.3.1). A shape that uses anything else is refused when
the checker is built (:class:`UnsupportedShapeError`), never silently skipped. Tests compare the
checker's results with pySHACL's on every fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from govkg.errors import InputError
from govkg.namespaces import SHAPES
from govkg.validation import Finding, show

#: The node shape whose property shapes are compiled.
MAPPING_SHAPE = SHAPES.SubmittedMapping

#: Cached evaluations kept at most (then the cache starts again).
_CACHE = 200_000

#: A path key: a property IRI, or ``^`` + IRI for an inverse path.
PathKey = str

_IGNORED = {
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.flags,
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.deactivated,
}
_NODE_IGNORED = {
    SH.property,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.targetNode,
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
}


class UnsupportedShapeError(InputError):
    """A submission mapping shape uses a constraint the streaming checker cannot evaluate."""


@dataclass(frozen=True)
class _Constraint:
    component: str
    per_value: bool
    test: Callable[[list[Node]], bool] | Callable[[Node], bool]


@dataclass(frozen=True)
class PropertyCheck:
    """One compiled property shape.

    Attributes:
        shape: The property shape's IRI.
        path: Its path key.
        severity: ``Violation``, ``Warning`` or ``Info`` (the local name of its sh:severity).
        message: Its ``sh:message``.
        constraints: Its compiled constraints.
    """

    shape: str
    path: PathKey
    severity: str
    message: str
    constraints: tuple[_Constraint, ...]


class RowChecker:
    """Checks one mapping's values against the compiled property shapes.

    Args:
        shapes: The shapes graph holding ``gks:SubmittedMapping``.
        node_shape: The node shape to compile.

    Raises:
        UnsupportedShapeError: the shape uses a constraint this checker does not implement.
    """

    def __init__(self, shapes: Graph, node_shape: URIRef = MAPPING_SHAPE):
        for predicate, _ in shapes.predicate_objects(node_shape):
            if predicate not in _NODE_IGNORED:
                raise UnsupportedShapeError(
                    f"node shape {node_shape} uses {predicate}, which the "
                    "streaming checker does not implement"
                )
        self._cache: dict[
            tuple[int, tuple[Node, ...]], tuple[tuple[_Constraint, Node | None], ...]
        ] = {}
        self.checks = tuple(
            sorted(
                (
                    _compile(shapes, prop)
                    for prop in shapes.objects(node_shape, SH.property)
                    if (prop, SH.deactivated, Literal(True)) not in shapes
                ),
                key=lambda c: c.shape,
            )
        )

    def check(
        self, focus: str, values: dict[PathKey, list[Node]], line: int | None
    ) -> Iterator[Finding]:
        """Yield a finding for every constraint a mapping's values break."""
        for number, prop in enumerate(self.checks):
            found = tuple(values.get(prop.path, ()))
            key = (number, found)
            failures = self._cache.get(key)
            if failures is None:
                failures = self._evaluate(prop, found)
                if len(self._cache) >= _CACHE:
                    self._cache.clear()
                self._cache[key] = failures
            for constraint, value in failures:
                yield self._finding(prop, constraint, focus, line, value)

    @staticmethod
    def _evaluate(
        prop: PropertyCheck, found: tuple[Node, ...]
    ) -> tuple[tuple[_Constraint, Node | None], ...]:
        """Return the (constraint, value) pairs that fail for these values (a pure function
        of the values, so its results are cached: rows repeat predicates and elements)."""
        failures: list[tuple[_Constraint, Node | None]] = []
        for constraint in prop.constraints:
            if constraint.per_value:
                test = constraint.test
                failures.extend((constraint, value) for value in found if not test(value))  # type: ignore[arg-type]
            elif not constraint.test(list(found)):  # type: ignore[arg-type]
                failures.append((constraint, None))
        return tuple(failures)

    @staticmethod
    def _finding(
        prop: PropertyCheck,
        constraint: _Constraint,
        focus: str,
        line: int | None,
        value: Node | None,
    ) -> Finding:
        return Finding(
            severity=prop.severity,
            check="shape",
            message=prop.message,
            shape=prop.shape,
            focus=focus,
            path=prop.path,
            line=line,
            component=constraint.component,
            value=show(value),
        )


def path_key(shapes: Graph, path: Node) -> PathKey:
    """Return the key of a predicate path or an inverse path (SHACL 2.3.1)."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(path, BNode) and isinstance(inverse, URIRef):
        return "^" + str(inverse)
    raise UnsupportedShapeError(f"path {path!r} is neither a predicate nor an inverse path")


def _compile(shapes: Graph, prop: Node) -> PropertyCheck:
    path = shapes.value(prop, SH.path)
    if path is None:
        raise UnsupportedShapeError(f"property shape {prop} has no sh:path")
    severity = shapes.value(prop, SH.severity) or SH.Violation
    messages = sorted(
        shapes.objects(prop, SH.message),
        key=lambda m: (getattr(m, "language", None) != "en", str(m)),
    )
    constraints = []
    for predicate, value in sorted(shapes.predicate_objects(prop)):
        if predicate in _IGNORED:
            continue
        constraints.append(_constraint(shapes, prop, predicate, value))
    message = str(messages[0]) if messages else f"value does not conform to {prop}"
    return PropertyCheck(
        shape=str(prop),
        path=path_key(shapes, path),
        severity=str(severity).rsplit("#", 1)[-1],
        message=message,
        constraints=tuple(constraints),
    )


def _constraint(shapes: Graph, prop: Node, predicate: Node, value: Node) -> _Constraint:
    name = str(predicate).rsplit("#", 1)[-1]
    component = name[0].upper() + name[1:] + "ConstraintComponent"
    if predicate == SH.minCount:
        bound = int(value)  # type: ignore[call-overload]
        return _Constraint(component, False, lambda values: len(values) >= bound)
    if predicate == SH.maxCount:
        top = int(value)  # type: ignore[call-overload]
        return _Constraint(component, False, lambda values: len(values) <= top)
    if predicate == SH.hasValue:
        return _Constraint(component, False, lambda values: value in values)
    if predicate == SH.nodeKind:
        return _Constraint(component, True, _node_kind(value))
    if predicate == SH.datatype:
        return _Constraint(component, True, _datatype(value))
    if predicate == SH["in"]:
        allowed = frozenset(Collection(shapes, value))
        return _Constraint(component, True, lambda node: node in allowed)
    if predicate in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
        return _Constraint(component, True, _range(predicate, value))
    if predicate in (SH.minLength, SH.maxLength):
        size = int(value)  # type: ignore[call-overload]
        longest = predicate == SH.maxLength
        return _Constraint(
            component,
            True,
            lambda node: (
                not isinstance(node, BNode)
                and (len(str(node)) <= size if longest else len(str(node)) >= size)
            ),
        )
    if predicate == SH.pattern:
        flags = str(shapes.value(prop, SH.flags) or "")
        regex = re.compile(
            str(value),
            (re.IGNORECASE if "i" in flags else 0)
            | (re.MULTILINE if "m" in flags else 0)
            | (re.DOTALL if "s" in flags else 0)
            | (re.VERBOSE if "x" in flags else 0),
        )
        return _Constraint(
            component,
            True,
            lambda node: not isinstance(node, BNode) and regex.search(str(node)) is not None,
        )
    raise UnsupportedShapeError(
        f"property shape {prop} uses {predicate}, which the streaming checker does not implement"
    )


def _node_kind(kind: Node) -> Callable[[Node], bool]:
    allowed: dict[Node, tuple[type, ...]] = {
        SH.IRI: (URIRef,),
        SH.Literal: (Literal,),
        SH.BlankNode: (BNode,),
        SH.BlankNodeOrIRI: (BNode, URIRef),
        SH.IRIOrLiteral: (URIRef, Literal),
        SH.BlankNodeOrLiteral: (BNode, Literal),
    }
    if kind not in allowed:
        raise UnsupportedShapeError(f"unknown sh:nodeKind {kind}")
    types = allowed[kind]
    return lambda node: isinstance(node, types)


def _datatype(datatype: Node) -> Callable[[Node], bool]:
    def test(node: Node) -> bool:
        if not isinstance(node, Literal):
            return False
        if node.language is not None:
            actual = RDF.langString
        else:
            actual = node.datatype or XSD.string
        return actual == datatype and not node.ill_typed

    return test


def _range(predicate: Node, bound: Node) -> Callable[[Node], bool]:
    def test(node: Node) -> bool:
        if not isinstance(node, Literal) or node.ill_typed:
            return False
        try:
            if predicate == SH.minInclusive:
                return bool(node >= bound)
            if predicate == SH.maxInclusive:
                return bool(node <= bound)
            if predicate == SH.minExclusive:
                return bool(node > bound)
            return bool(node < bound)
        except TypeError:
            return False

    return test
