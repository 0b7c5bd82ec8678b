"""pySHACL on a framework submission's graph with the build's data shapes, in time that does not
grow with the framework's size beyond what reading it costs.

A small framework (at most :data:`SAMPLE_ABOVE` elements) is validated whole. A larger one is
validated one element per *profile*: govkg's data shapes are local (``govkg.validation_local``,
ADR 0013: whether a node conforms depends only on its own triples, the triples of the inverse
paths the shapes use and the types of the nodes ``sh:class`` checks), so two elements whose
triples the shapes cannot tell apart get the same findings. An element's profile is what the
shapes can read of it: each predicate with the count of its values; for a literal its datatype,
language, whether it is empty, which of the shapes' ``sh:pattern`` it matches, how it compares
with the shapes' ``sh:minLength``/``sh:maxLength``, and its value when it is not a string; for an
element it points to, that element's types; for any other IRI, the IRI; and the same for the
triples of the inverse paths. pySHACL checks the framework, its sources and one element of
each profile (``validation_local.validate_nodes``); the findings of that element are then
those of every element of its profile. Shapes that read more (not local, ``sh:flags``, literals
in ``sh:in`` or ``sh:hasValue``) are validated whole.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from govkg.validation import Finding, show, validate
from govkg.validation_local import inverse_predicates, nonlocal_features, validate_nodes

#: Elements up to which the whole graph goes to pySHACL (measured: 18 elements 1.2 s, 2,000
#: elements 17 s whole, on a shared 2-core machine; docs/framework-submissions.md).
SAMPLE_ABOVE = 200

_STRINGS = {None, XSD.string, RDF.langString}


def shacl_findings(
    graph: Graph, elements: list[URIRef], shapes: Graph, ontology: Graph
) -> list[Finding]:
    """The findings of the data shapes on ``graph`` (see the module docstring)."""
    if len(elements) <= SAMPLE_ABOVE or not _samplable(shapes):
        return list(validate(graph, shapes, ontology).findings)
    profiler = _Profiler(graph, set(elements), shapes)
    groups: dict[tuple[object, ...], list[URIRef]] = defaultdict(list)
    for element in elements:
        groups[profiler.profile(element)].append(element)
    members = {str(group[0]): group for group in groups.values()}
    others = {s for s in graph.subjects() if isinstance(s, URIRef)} - set(elements)
    chosen: list[Node] = [*sorted(others, key=str), *(group[0] for group in groups.values())]
    report = validate_nodes(graph, shapes, ontology, chosen)
    found: list[Finding] = []
    for finding in report.findings:
        group = members.get(finding.focus or "")
        if group is None:
            found.append(finding)
            continue
        found.extend(_moved(finding, group[0], element, graph) for element in group)
    return found


def _samplable(shapes: Graph) -> bool:
    if nonlocal_features(shapes) or (None, SH.flags, None) in shapes:
        return False
    if any(isinstance(v, Literal) for v in shapes.objects(None, SH.hasValue)):
        return False
    listed = (shapes.objects(node, RDF.first) for node in shapes.subjects(RDF.first, None))
    return not any(isinstance(v, Literal) for values in listed for v in values)


class _Profiler:
    """What the shapes can read of an element (see the module docstring)."""

    def __init__(self, graph: Graph, elements: set[URIRef], shapes: Graph):
        self.graph = graph
        self.elements = elements
        self.patterns = sorted({str(p) for p in shapes.objects(None, SH.pattern)})
        self.lengths = sorted(
            {int(str(n)) for p in (SH.minLength, SH.maxLength) for n in shapes.objects(None, p)}
        )
        self.inverse = sorted(inverse_predicates(shapes), key=str)

    def profile(self, element: URIRef) -> tuple[object, ...]:
        parts: Counter[tuple[object, ...]] = Counter()
        for p, o in self.graph.predicate_objects(element):
            parts[("out", p, self._value(o))] += 1
        for p in self.inverse:
            for s in self.graph.subjects(p, element):
                parts[("in", p, self._value(s))] += 1
        return tuple(sorted(parts.items(), key=repr))

    def _value(self, node: Node) -> tuple[object, ...]:
        if isinstance(node, Literal):
            text = str(node)
            value = text if node.datatype not in _STRINGS else None
            return (
                "literal",
                node.datatype,
                node.language,
                value,
                tuple(bool(re.search(p, text)) for p in self.patterns),
                tuple(len(text) >= n for n in self.lengths),
                tuple(len(text) <= n for n in self.lengths),
            )
        if node in self.elements:
            types = sorted(str(t) for t in self.graph.objects(node, RDF.type))
            return ("element", *types)
        return ("node", node)


def _moved(finding: Finding, sample: URIRef, element: URIRef, graph: Graph) -> Finding:
    """The finding of ``sample`` as the finding of ``element``, of the same profile."""
    if element == sample:
        return finding
    value = finding.value
    if value == str(sample):
        value = str(element)
    elif value is not None and finding.path and not finding.path.startswith("^"):
        values = list(graph.objects(element, URIRef(finding.path)))
        value = show(values[0]) if len(values) == 1 else value
    return replace(
        finding,
        focus=str(element),
        message=finding.message.replace(str(sample), str(element)),
        value=value,
    )
