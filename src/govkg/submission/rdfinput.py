"""Reading an RDF submission (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) written as
SSSOM/RDF (the SSSOM schema's slot URIs, docs/data-conventions.md, "Mappings"): parsed whole
through :func:`govkg.loading.parse_file` (DOCTYPE and remote JSON-LD contexts refused), then
the set and its mappings read from the graph, each with the line where the file describes it.

Standard SSSOM/RDF from other tools reads as it is (sssom-py writes ``subject_source`` and
``object_source`` on each mapping: a mapping's own value wins over the set's). govkg's form
before SSSOM/RDF (``sssom:Mapping`` records, ``gk:subjectFramework``, ``pav:authoredOn``, a
literal ``"Not"``) is read too, each with a warning naming the standard term.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD
from rdflib.term import Node

from govkg.errors import InputError
from govkg.formats import syntax_by_name
from govkg.loading import parse_file
from govkg.namespaces import SSSOM, Shortener
from govkg.submission import limits
from govkg.submission.minting import set_iri_for
from govkg.submission.rows import Row, Submission, syntax_finding
from govkg.submission.vocabulary import (
    LEGACY_PROPERTIES,
    MAPPING_SLOTS,
    MODIFIER_VALUES,
    ORIGINAL_SET_ID,
)
from govkg.validation import INFO, WARNING, Finding

#: RDF input formats, by name (:mod:`govkg.formats`).
RDF_FORMATS = ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml")


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Keep rdflib from logging tracebacks for ill-typed literals (they become findings)."""
    logger = logging.getLogger("rdflib")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_rdf(path: Path, input_format: str, defaults: dict[str, str]) -> Submission:
    """Read an RDF submission whole (at most :data:`~govkg.submission.limits.MAX_RDF` bytes).

    Raises:
        InputError: the file is too large, nests too deeply or cannot be parsed.
    """
    size = path.stat().st_size
    if size > limits.MAX_RDF:
        raise InputError(f"RDF file larger than the {limits.MAX_RDF // 2**20} MiB limit", path)
    syntax = syntax_by_name(input_format)
    try:
        with quiet_rdflib():
            graph = parse_file(path.resolve(), syntax)
    except (RecursionError, MemoryError):
        raise InputError("the file nests too deeply to parse", path) from None
    text = path.read_bytes().decode("utf-8")
    index = LineIndex(text, graph)
    legacy = _standard_form(graph)
    sets = sorted(set(graph.subjects(RDF.type, SSSOM.MappingSet)), key=str)
    set_node = sets[0] if sets else None
    problems: list[Finding] = []
    if set_node is not None and len(sets) == 1:
        set_node = _govkg_set(graph, set_node, path, index, problems)
        sets = [set_node]
    triples: list[tuple[Node, Node, Node]] = []
    for node in sets:
        triples.append((node, RDF.type, SSSOM.MappingSet))
    values: dict[str, list[Node]] = {}
    lines: dict[str, int] = {}
    titles: dict[str, str] = {}
    if set_node is not None:
        for p, o in graph.predicate_objects(set_node):
            if p == SSSOM.mappings:
                continue
            triples.append((set_node, p, o))
            values.setdefault(str(p), []).append(o)
            lines[str(p)] = index.line(set_node) or 1
        for source in values.get(str(DCTERMS.source), []):
            title = graph.value(source, DCTERMS.title)
            if title is not None:
                titles[str(source)] = str(title)
    nodes = set(graph.subjects(RDF.type, OWL.Axiom)) & set(graph.subjects(OWL.annotatedSource))
    nodes |= set(graph.objects(None, SSSOM.mappings))
    problems += [syntax_finding(message, 1, WARNING) for message in legacy]
    if set_node is not None:
        # Condensation (SSSOM specification, "Propagation of mapping set slots"): sssom-py
        # writes subject_source and object_source on every mapping only; the set states them.
        for prop in (SSSOM.subject_source, SSSOM.object_source):
            if str(prop) not in values:
                found = sorted({o for n in nodes for o in graph.objects(n, prop)}, key=str)
                triples += [(set_node, prop, o) for o in found]
                if found:
                    values[str(prop)] = list(found)
                    lines[str(prop)] = index.line(set_node) or 1
    described = set(sets) | nodes | {URIRef(s) for s in titles}
    others = sum(1 for s in set(graph.subjects()) if s not in described)
    if others:
        problems.append(
            syntax_finding(
                f"{others} resource(s) other than the mapping set, its mappings and its "
                "source documents are described; the import ignores them",
                1,
                WARNING,
            )
        )
    ordered = sorted(nodes, key=lambda n: (index.line(n) or 0, str(n)))
    shape_paths = [str(s.prop) for s in MAPPING_SLOTS.values()] + ["^" + str(SSSOM.mappings)]

    def rows() -> Iterator[Row]:
        for node in ordered:
            found: dict[str, list[Node]] = {}
            for key in shape_paths:
                if key.startswith("^"):
                    found[key] = sorted(graph.subjects(URIRef(key[1:]), node), key=str)
                else:
                    found[key] = sorted(graph.objects(node, URIRef(key)), key=str)
            yield Row(
                line=index.line(node) or 1,
                node=node,
                values={k: v for k, v in found.items() if v},
                subject_source=sorted(graph.objects(node, SSSOM.subject_source), key=str)
                or list(values.get(str(SSSOM.subject_source), [])),
                object_source=sorted(graph.objects(node, SSSOM.object_source), key=str)
                or list(values.get(str(SSSOM.object_source), [])),
            )

    prefixes = dict(defaults)
    prefixes.update({p: str(ns) for p, ns in graph.namespaces() if p})
    return Submission(
        path=path,
        input_format=input_format,
        set_node=set_node,
        set_values=values,
        set_triples=triples,
        set_line=(index.line(set_node) if set_node else 1) or 1,
        slot_lines=lines,
        source_titles=titles,
        prefixes=prefixes,
        problems=problems,
        rows=rows(),
        graph=graph,
    )


class LineIndex:
    """Finds the line where an RDF file describes a node: the first line that starts with it
    (Turtle-family syntaxes) or names it as ``"@id"``, ``rdf:about`` or ``rdf:resource``
    (JSON-LD, RDF/XML). Built in one pass, so that looking up every mapping stays linear."""

    _MENTION = re.compile(r'(?:"@id"\s*:\s*"|rdf:about="|rdf:resource=")([^"]+)"')

    def __init__(self, text: str, graph: Graph):
        self.names = [(str(ns), p) for p, ns in graph.namespaces() if p and str(ns)]
        self.first: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.lstrip()
            if stripped:
                self.first.setdefault(stripped.split(None, 1)[0], number)
            for match in self._MENTION.finditer(line):
                self.first.setdefault(match.group(1), number)

    def line(self, node: Node | None) -> int | None:
        """Return the line of ``node``, or None when it is not an IRI the file names."""
        if not isinstance(node, URIRef):
            return None
        iri = str(node)
        forms = [f"<{iri}>", iri] + [
            f"{prefix}:{iri[len(ns) :]}" for ns, prefix in self.names if iri.startswith(ns)
        ]
        found = [self.first[form] for form in forms if form in self.first]
        return min(found) if found else None


def _govkg_set(
    graph: Graph, node: Node, path: Path, index: LineIndex, problems: list[Finding]
) -> Node:
    """Give a set named outside govkg (or a blank node) its govkg IRI in ``graph``, keeping a
    foreign IRI as ``dcterms:identifier`` (:func:`~govkg.submission.minting.set_iri_for`)."""
    original = str(node) if isinstance(node, URIRef) else None
    minted = set_iri_for(original, path.name)
    if original is not None and str(minted) == original:
        return node
    for p, o in list(graph.predicate_objects(node)):
        graph.remove((node, p, o))
        graph.add((minted, p, o))
    for s, p in list(graph.subject_predicates(node)):
        graph.remove((s, p, node))
        graph.add((s, p, minted))
    line = index.line(node) or 1
    if original is not None:
        graph.add((minted, ORIGINAL_SET_ID, Literal(original, datatype=XSD.anyURI)))
        index.first.setdefault(f"<{minted}>", line)
        message = (
            f"mapping_set_id {original} is not a govkg IRI: the set is {minted} in govkg, the "
            "original kept as its dcterms:identifier (and exported as mapping_set_id)"
        )
        problems.append(syntax_finding(message, line, INFO, value=original))
    else:
        problems.append(
            syntax_finding(f"the set has no IRI; govkg calls it {minted}", line, WARNING)
        )
    return minted


def _standard_form(graph: Graph) -> list[str]:
    """Rewrite govkg's form before SSSOM/RDF to the SSSOM schema's terms in ``graph``; return
    one warning per old term found, naming the standard term (never written by govkg).

    >>> from govkg.namespaces import GK
    >>> g = Graph()
    >>> m = URIRef("urn:x:m")
    >>> _ = g.add((m, RDF.type, SSSOM.Mapping))
    >>> _ = g.add((URIRef("urn:x:set"), GK.subjectFramework, URIRef("urn:x:fw")))
    >>> for message in _standard_form(g):
    ...     print(message)
    1 mapping record(s) typed sssom:Mapping (not an SSSOM term): read as owl:Axiom
    1 use(s) of gk:subjectFramework: read as sssom:subject_source
    >>> (m, RDF.type, OWL.Axiom) in g, (None, GK.subjectFramework, None) in g
    (True, False)
    """
    short = Shortener()
    messages = []
    typed = list(graph.subjects(RDF.type, SSSOM.Mapping))
    for node in typed:
        graph.remove((node, RDF.type, SSSOM.Mapping))
        graph.add((node, RDF.type, OWL.Axiom))
    if typed:
        messages.append(
            f"{len(typed)} mapping record(s) typed sssom:Mapping (not an SSSOM term): "
            "read as owl:Axiom"
        )
    for old, new in LEGACY_PROPERTIES.items():
        found = list(graph.subject_objects(old))
        for s, o in found:
            graph.remove((s, old, o))
            graph.add((s, new, o))
        if found:
            messages.append(f"{len(found)} use(s) of {short(old)}: read as {short(new)}")
    literal = [
        (s, o)
        for s, o in graph.subject_objects(SSSOM.predicate_modifier)
        if isinstance(o, Literal) and str(o) in MODIFIER_VALUES
    ]
    for s, o in literal:
        graph.remove((s, SSSOM.predicate_modifier, o))
        graph.add((s, SSSOM.predicate_modifier, MODIFIER_VALUES[str(o)]))
    if literal:
        messages.append(
            f"{len(literal)} literal predicate_modifier value(s): read as "
            "sssom:NegatedPredicate (the SSSOM enum value Not)"
        )
    return messages
