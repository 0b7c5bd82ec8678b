"""SHACL validation of chosen focus nodes only, with pySHACL on their neighbourhood: the basis
of the build's parallel and incremental validation (ADR 0013).

govkg's data shapes are *local*: whether a node conforms depends only on the triples whose
subject it is, the triples of the inverse paths the shapes use (``^sssom:mappings``), and the
``rdf:type`` of the nodes it points to (``sh:class``, with the ontology's class hierarchy).
For local shapes, pySHACL run on the *neighbourhood* of a set of nodes (those triples and
nothing else) gives, for those nodes, exactly the findings it gives on the whole graph (W3C
SHACL section 2.1: the focus nodes are the targets; sections 4.x: every constraint used reads
only value nodes and, for ``sh:class``, their types). Findings about other nodes of the
neighbourhood (the nodes pointed to, typed but otherwise bare) are dropped.

:func:`nonlocal_features` says when the shapes are not local (``sh:sparql``, ``sh:node``,
qualified shapes, paths other than a predicate or the inverse of one, nested shapes reading
paths of value nodes ...); the build then validates the whole graph in one pySHACL run.
``tests/test_validation_local.py`` holds the partitioned and incremental results equal to
one pySHACL run on the shipped data, on generated data and on the invalid fixtures.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import BNode, Literal, Node

from govkg.validation import Finding, ValidationReport, validate

#: Constraint parameters a value node may be checked against inside a property shape's
#: logical constraint (they read the value itself, or its types for ``sh:class``).
_VALUE_PARAMETERS = frozenset(
    {
        SH["class"],
        SH.datatype,
        SH.nodeKind,
        SH.hasValue,
        SH["in"],
        SH.pattern,
        SH.flags,
        SH.minLength,
        SH.maxLength,
        SH.minInclusive,
        SH.maxInclusive,
        SH.minExclusive,
        SH.maxExclusive,
        SH.languageIn,
        SH.message,
        SH.name,
        SH.description,
        SH.severity,
        RDF.type,
    }
)
_NONLOCAL = frozenset(
    {
        SH.sparql,
        SH.node,
        SH.qualifiedValueShape,
        SH.targetObjectsOf,
        SH.targetNode,
        SH.target,
        SH.rule,
        SH.equals,
        SH.disjoint,
        SH.lessThan,
        SH.lessThanOrEquals,
        SH.closed,
    }
)
_LOGICAL = (SH["or"], SH["and"], SH.xone, SH["not"])
#: Below this many data triples, one pySHACL run beats forking workers.
PARALLEL_THRESHOLD = 40_000


def nonlocal_features(shapes: Graph) -> list[str]:
    """Return why ``shapes`` are not local (empty when they are; see the module docstring)."""
    reasons = sorted({f"uses {p.n3()}" for _, p, _ in shapes if p in _NONLOCAL})
    for shape, path in shapes.subject_objects(SH.path):
        if isinstance(path, BNode) and _inverse_of(shapes, path) is None:
            reasons.append(f"path of {shape.n3()} is neither a predicate nor an inverse one")
        for member in _logical_members(shapes, shape):
            extra = {p for p in shapes.predicates(member) if p not in _VALUE_PARAMETERS}
            if extra:
                names = ", ".join(sorted(p.n3() for p in extra))
                reasons.append(f"a value shape of {shape.n3()} reads more than the value: {names}")
    return reasons


def inverse_predicates(shapes: Graph) -> set[URIRef]:
    """Return the predicates the shapes follow backwards (``sh:inversePath``)."""
    found = set()
    for path in shapes.objects(None, SH.path):
        predicate = _inverse_of(shapes, path)
        if predicate is not None:
            found.add(predicate)
    return found


def typed_paths(shapes: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Return the predicates (forwards, backwards) whose values ``sh:class`` checks: only
    the types of those values decide anything."""
    forwards: set[URIRef] = set()
    backwards: set[URIRef] = set()
    for shape, path in shapes.subject_objects(SH.path):
        checked = [shape, *_logical_members(shapes, shape)]
        if not any((member, SH["class"], None) in shapes for member in checked):
            continue
        if isinstance(path, URIRef):
            forwards.add(path)
        elif (inverse := _inverse_of(shapes, path)) is not None:
            backwards.add(inverse)
    return forwards, backwards


def neighbourhood(data: Graph, nodes: Iterable[Node], shapes: Graph) -> Graph:
    """Return the triples that decide whether ``nodes`` conform to the local ``shapes``: their
    own triples, the triples of the inverse paths to them, the types of the values that
    ``sh:class`` checks, and the data's ``rdfs:subClassOf`` triples.

    Other nodes get only the types ``sh:class`` needs, so that few of them become focus
    nodes of the run (their findings are dropped anyway).
    """
    inverse = inverse_predicates(shapes)
    forwards, backwards = typed_paths(shapes)
    graph = Graph()
    pointed: set[Node] = set()
    for node in nodes:
        for p, o in data.predicate_objects(node):
            graph.add((node, p, o))
            if p in forwards and not isinstance(o, Literal):
                pointed.add(o)
        for p in inverse:
            for s in data.subjects(p, node):
                graph.add((s, p, node))
                if p in backwards:
                    pointed.add(s)
    for node in pointed:
        for cls in data.objects(node, RDF.type):
            graph.add((node, RDF.type, cls))
    for triple in data.triples((None, RDFS.subClassOf, None)):
        graph.add(triple)
    return graph


def validate_nodes(
    data: Graph, shapes: Graph, ontology: Graph | None, nodes: Iterable[Node]
) -> ValidationReport:
    """Validate only ``nodes`` of ``data`` (local shapes only): pySHACL on their
    neighbourhood, keeping the findings about them."""
    chosen = set(nodes)
    sub = neighbourhood(data, chosen, shapes)
    report = validate(sub, shapes, ontology, inplace=True)  # sub is ours: no copy
    wanted = {_shown(n) for n in chosen}
    return _report([f for f in report.findings if f.focus in wanted])


def validate_parallel(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None,
    parts: Sequence[Graph],
    workers: int | None = None,
) -> ValidationReport:
    """Validate every node of ``data`` (the union of ``parts``, one graph per source file)
    in ``workers`` forked processes, each taking whole files, so that few nodes a worker
    points to belong to another worker. One pySHACL run on ``data`` when the graph is small,
    the shapes are not local, or forking is not available.
    """
    workers = workers or min(os.cpu_count() or 1, 4)
    if (
        workers < 2
        or len(data) < PARALLEL_THRESHOLD
        or not _can_fork()
        or nonlocal_features(shapes)
    ):
        return validate(data, shapes, ontology)
    bins: list[set[Node]] = [set() for _ in range(workers)]
    sizes = [0] * workers
    for part in sorted(parts, key=len, reverse=True):
        smallest = sizes.index(min(sizes))
        bins[smallest].update(part.subjects())
        sizes[smallest] += len(part)
    global _SHARED
    _SHARED = (data, shapes, ontology)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            reports = pool.map(_validate_group, [sorted(b, key=str) for b in bins if b])
    finally:
        _SHARED = None
    return merge(reports)


def merge(reports: Sequence[ValidationReport]) -> ValidationReport:
    """Return one report holding the findings of ``reports``."""
    return _report([f for r in reports for f in r.findings])


_SHARED: tuple[Graph, Graph, Graph | None] | None = None


def _validate_group(nodes: list[Node]) -> ValidationReport:
    assert _SHARED is not None
    data, shapes, ontology = _SHARED
    return validate_nodes(data, shapes, ontology, nodes)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _report(findings: Iterable[Finding]) -> ValidationReport:
    unique = sorted(
        set(findings),
        key=lambda f: (f.severity != "Violation", f.focus, f.path or "", f.shape, f.message),
    )
    conforms = not any(f.severity == "Violation" for f in unique)
    return ValidationReport(conforms=conforms, findings=tuple(unique))


def _shown(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else node.n3()


def _inverse_of(shapes: Graph, path: Node) -> URIRef | None:
    inverse = shapes.value(path, SH.inversePath)
    return inverse if isinstance(inverse, URIRef) else None


def _logical_members(shapes: Graph, shape: Node) -> list[Node]:
    """The shapes a property shape's logical constraints check its value nodes against."""
    members: list[Node] = []
    for predicate in _LOGICAL:
        for value in shapes.objects(shape, predicate):
            if predicate == SH["not"]:
                members.append(value)
            else:
                members.extend(shapes.items(value))
    return members
