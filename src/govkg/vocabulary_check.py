"""govkg's data closed together with the official vocabularies it reuses, and OWL 2 hygiene.

``ontology/alignments.ttl`` restates only the few axioms of SKOS, ORG and PROV-O that govkg's
own closure needs; an alignment that holds against that partial restatement can still
contradict the full vocabulary (ADR 0016: ``dcterms:source`` declared a sub-property of
``prov:wasDerivedFrom`` made every cited event a ``prov:Entity``, which PROV-O makes disjoint
with ``prov:Activity``). This module loads the pinned official files of ``ontology/imports/``
(PROV-O, W3C Recommendation 2013-04-30; SKOS, W3C Recommendation 2009-08-18; ORG, W3C
Recommendation 2014-01-16; see the README there), never the network, and:

* :func:`vocabulary_findings` computes the OWL 2 RL closure (OWL 2 Profiles, W3C
  Recommendation 2012-12-11, section 4.3) of ontology + data + vocabularies and returns its
  inconsistencies, one line each; :func:`check_official_vocabularies` raises on them, for the
  build;
* :func:`profile_findings` checks three OWL 2 DL rules on govkg's own modules: datatypes in
  the OWL 2 datatype map (OWL 2 Structural Specification, section 4), no object or data
  property under an annotation property (section 5.8 and 10.2: the three kinds of property
  are disjoint), and no two govkg IRIs that differ only in case.

The ``reasonable`` engine (the default) is the fast closure of :mod:`govkg.reasoning_fast`
and its check of the rules whose conclusion is ``false``; it does not apply the rules of
constructs the vocabularies use beyond what govkg's ontology uses (``owl:unionOf`` domains,
property chains, keys, cardinalities), so it can miss a contradiction that needs them.
``owlrl`` applies every OWL 2 RL rule and reports inconsistency as error triples (owlrl
``OWLRL.py``: ``add_error``), which are collected here; it takes seconds instead of tenths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from govkg import reasoning_fast
from govkg.errors import InconsistencyError, InputError
from govkg.namespaces import GK
from govkg.paths import Layout, bundled_layout
from govkg.reasoning import reasoning_input

Triple = tuple[Node, Node, Node]

#: The pinned official vocabularies: file name in ``ontology/imports/`` and its RDF syntax.
VOCABULARIES = (("prov-o.ttl", "turtle"), ("skos.rdf", "xml"), ("org.ttl", "turtle"))
#: The engines :func:`vocabulary_findings` can use (see the module docstring).
ENGINES = ("reasonable", "owlrl")

#: The OWL 2 datatype map (OWL 2 Structural Specification, section 4), with ``rdf:langString``
#: (RDF 1.1's name for language-tagged strings, which OWL 2 calls ``rdf:PlainLiteral``).
OWL2_DATATYPES = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational]
    + [
        XSD[name]
        for name in (
            "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger "
            "negativeInteger long int short byte unsignedLong unsignedInt unsignedShort "
            "unsignedByte double float string normalizedString token language Name NCName "
            "NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
        ).split()
    ]
)
#: The annotation properties OWL 2 builds in (OWL 2 Structural Specification, section 5.5).
BUILT_IN_ANNOTATION_PROPERTIES = frozenset(
    [RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy]
    + [OWL.deprecated, OWL.versionInfo, OWL.priorVersion]
    + [OWL.backwardCompatibleWith, OWL.incompatibleWith]
)
_DATA_RANGE_PREDICATES = (RDFS.range, OWL.onDatatype, OWL.someValuesFrom, OWL.allValuesFrom)
_OWLRL_ERROR_NS = "http://www.daml.org/2002/03/agents/agent-ont#"


def vocabulary_folder(layout: Layout | None = None) -> Path:
    """Return the folder of the pinned official vocabularies.

    >>> sorted(p.name for p in vocabulary_folder().iterdir() if p.suffix != ".md")
    ['org.ttl', 'prov-o.ttl', 'skos.rdf']
    """
    return (layout or bundled_layout()).ontology / "imports"


def load_vocabularies(folder: Path | None = None) -> Graph:
    """Parse the pinned PROV-O, SKOS and ORG files into one graph.

    Raises:
        InputError: a file is missing or does not parse.
    """
    folder = folder or vocabulary_folder()
    graph = Graph()
    for name, syntax in VOCABULARIES:
        path = folder / name
        try:
            graph.parse(path, format=syntax)
        except (OSError, SyntaxError, ValueError) as error:
            raise InputError(f"cannot read the pinned vocabulary: {error}", path) from error
    return graph


def vocabulary_findings(
    asserted: Iterable[Triple],
    ontology: Graph,
    vocabularies: Graph | None = None,
    engine: str = "reasonable",
) -> list[str]:
    """Return the inconsistencies of ontology + data closed with the official vocabularies.

    Args:
        asserted: Every asserted triple of the build, ontology and data.
        ontology: govkg's ontology triples alone (their literals are kept in the closure).
        vocabularies: The official vocabularies; by default :func:`load_vocabularies`.
        engine: ``reasonable`` (fast) or ``owlrl`` (every OWL 2 RL rule).

    Returns:
        One line per contradiction, naming the rule or owlrl's message and the terms, sorted;
        empty when the closure is consistent.

    Raises:
        InputError: ``engine`` is not one of :data:`ENGINES`, or a vocabulary is unreadable.

    >>> from rdflib import Graph, URIRef
    >>> from rdflib.namespace import RDF
    >>> event = URIRef("https://w3id.org/govkg/id/event/x")
    >>> g = Graph()
    >>> _ = g.add((event, RDF.type, URIRef("http://www.w3.org/ns/prov#Activity")))
    >>> _ = g.add((event, RDF.type, URIRef("http://www.w3.org/ns/prov#Entity")))
    >>> [line.split(":")[0] for line in vocabulary_findings(g, Graph())]
    ['cax-dw']
    """
    if engine not in ENGINES:
        raise InputError(f"unknown reasoner {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "reasonable" and not reasoning_fast.AVAILABLE:
        engine = "owlrl"
    vocabularies = load_vocabularies() if vocabularies is None else vocabularies
    known = set(asserted)
    base = reasoning_input(known | set(vocabularies), ontology)
    if engine == "reasonable":
        return reasoning_fast.inconsistencies(reasoning_fast.closure(base))
    closure = Graph()
    for triple in base:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    errors = {str(o) for _, p, o in closure if str(p).startswith(_OWLRL_ERROR_NS)}
    return sorted(" ".join(error.split()) for error in errors)


def check_official_vocabularies(
    asserted: Iterable[Triple],
    ontology: Graph,
    progress: Callable[[str], None] | None = None,
    engine: str = "reasonable",
    vocabularies: Graph | None = None,
) -> None:
    """Fail when ontology + data contradict the official PROV-O, SKOS or ORG.

    The build calls this on its asserted triples and ontology graph, beside
    :func:`govkg.reasoning.materialise` (whose inferences it does not change).

    Raises:
        InconsistencyError: the closure is inconsistent; the message gives the first five
            findings of :func:`vocabulary_findings` and how many there are.
    """
    findings = vocabulary_findings(asserted, ontology, vocabularies, engine)
    if progress:
        progress(f"closed with the official PROV-O, SKOS and ORG: {len(findings)} contradictions")
    if findings:
        raise InconsistencyError(
            f"{len(findings)} contradictions with the official PROV-O, SKOS and ORG "
            "(ontology/imports/): " + "; ".join(findings[:5])
        )


def profile_findings(ontology: Graph, vocabularies: Graph | None = None) -> list[str]:
    """Return the OWL 2 DL hygiene faults of govkg's ontology modules, one line each.

    Three rules (see the module docstring): ``datatype-map`` (a range, restriction or literal
    whose datatype is not in :data:`OWL2_DATATYPES`), ``annotation-super-property`` (an
    object or data property declared a sub-property of an annotation property: built in, or
    declared ``owl:AnnotationProperty`` in ``ontology`` or ``vocabularies``) and ``case-only``
    (two govkg terms whose IRIs differ only in letter case).

    >>> from rdflib import Graph
    >>> g = Graph().parse(data='''
    ...     @prefix gk: <https://w3id.org/govkg/ontology#> .
    ...     @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...     @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ...     gk:text a owl:DatatypeProperty ; rdfs:range xsd:gYear ;
    ...         rdfs:subPropertyOf rdfs:comment .
    ...     @prefix made-up: <https://w3id.org/govkg/ontology#> .
    ...     made-up:Widget a owl:Class . made-up:widget a owl:ObjectProperty .''', format="turtle")
    >>> [line.split(":")[0] for line in profile_findings(g, Graph())]
    ['annotation-super-property', 'case-only', 'datatype-map']
    """
    vocabularies = load_vocabularies() if vocabularies is None else vocabularies
    findings: set[str] = set()
    for s, p, o in ontology:
        if p in _DATA_RANGE_PREDICATES and _outside_map(o):
            findings.add(f"datatype-map: {s} {p} {o}: not in the OWL 2 datatype map")
        if isinstance(o, Literal) and o.datatype is not None and _outside_map(o.datatype):
            findings.add(f"datatype-map: {s} {p} a {o.datatype} literal: not an OWL 2 datatype")
    annotation: set[Node] = set(BUILT_IN_ANNOTATION_PROPERTIES)
    for graph in (ontology, vocabularies):
        annotation.update(graph.subjects(RDF.type, OWL.AnnotationProperty))
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            for parent in ontology.objects(prop, RDFS.subPropertyOf):
                if parent in annotation:
                    findings.add(
                        f"annotation-super-property: {prop} is an {kind} under the "
                        f"annotation property {parent}"
                    )
    for group in case_only_pairs(ontology):
        findings.add("case-only: " + " and ".join(group) + " differ only in case")
    return sorted(findings)


def case_only_pairs(ontology: Graph) -> list[tuple[str, ...]]:
    """Return the groups of govkg term IRIs (subjects of ``ontology``) equal but for case.

    >>> from rdflib import Graph
    >>> g = Graph().parse(data='''@prefix made-up: <https://w3id.org/govkg/ontology#> .
    ...     @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ...     made-up:Widget a owl:Class . made-up:widget a owl:ObjectProperty .
    ...     made-up:Gadget a owl:Class .''', format="turtle")
    >>> [tuple(iri.rsplit("#", 1)[1] for iri in group) for group in case_only_pairs(g)]
    [('Widget', 'widget')]
    """
    by_folded: dict[str, set[str]] = defaultdict(set)
    for subject in set(ontology.subjects()):
        if isinstance(subject, URIRef) and str(subject).startswith(str(GK)):
            by_folded[str(subject).casefold()].add(str(subject))
    return sorted(tuple(sorted(group)) for group in by_folded.values() if len(group) > 1)


def _outside_map(term: Node) -> bool:
    """True for an XSD datatype IRI that the OWL 2 datatype map does not hold."""
    return (
        isinstance(term, URIRef) and str(term).startswith(str(XSD)) and term not in OWL2_DATATYPES
    )
