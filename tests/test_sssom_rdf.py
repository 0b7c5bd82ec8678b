"""govkg's crosswalks are SSSOM/RDF as the reference implementation reads and writes it (SSSOM
specification, "SSSOM/RDF"; sssom-py's ``parse_sssom_rdf`` and ``write_rdf``, pinned by
``govkg.submission.vocabulary.SSSOM_SCHEMA_VERSION``): a shipped crosswalk file goes through
sssom-py (RDF -> MappingSetDataFrame -> RDF) and its SSSOM part comes back as the same graph,
up to the changes listed in :data:`SSSOM_PY_CHANGES`; and govkg's RDF reader reads what
sssom-py wrote as it reads the original.

The SSSOM part is the set's ``rdf:type sssom:MappingSet``, ``sssom:mappings`` and standard set
slots, and each record's ``rdf:type owl:Axiom`` and standard mapping slots (the slot table of
``govkg.submission.vocabulary``). govkg's additions (``gk:`` terms, ``rdfs:label``,
``dcterms:source``, ``skos:note`` ...) are outside it: sssom-py ignores them, with a warning.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node
from sssom.parsers import parse_sssom_rdf
from sssom.writers import write_rdf

from govkg.namespaces import SSSOM
from govkg.paths import bundled_layout
from govkg.submission.rdfinput import read_rdf
from govkg.submission.vocabulary import (
    MAPPING_SLOTS,
    PROPAGATED,
    SET_SLOTS,
    SSSOM_SCHEMA_VERSION,
    default_prefixes,
)

LAYOUT = bundled_layout()
CROSSWALKS = sorted(
    p
    for p in (LAYOUT.data / "crosswalks").glob("*.ttl")
    if (None, SSSOM.mappings, None) in Graph().parse(p)
)

#: What sssom-py 0.4.21 changes in the SSSOM part of a govkg crosswalk; each entry is checked
#: to happen (so that the list cannot go stale) and undone before the graphs are compared.
#: Of the SSSOM part it drops only the language tags (1). Outside it, sssom-py drops every
#: govkg addition, extension slots included (its RDF reader does not read extension values
#: yet), so a file it writes lacks govkg's required source_document.
SSSOM_PY_CHANGES = (
    # 1. Language tags: text slots (mapping_set_title, comment) come back as plain strings
    #    (the schema's range is string).
    "language tags",
    # 2. Propagation (SSSOM specification, "Propagation of mapping set slots"): subject_source
    #    and object_source, which govkg states once on the set, come back on every mapping.
    "propagation",
    # 3. record_id: a record's IRI is read as its record_id and written back as
    #    ``sssom:record_id <record>`` beside the IRI itself (a slot govkg stores since issue
    #    12; the shipped records have none).
    "record_id",
)

_SET_PROPS = {s.prop for s in SET_SLOTS.values() if not s.extension}
_MAPPING_PROPS = {s.prop for s in MAPPING_SLOTS.values() if not s.extension}
_PROPAGATED_PROPS = {
    (SET_SLOTS.get(name) or MAPPING_SLOTS[name]).prop for name in PROPAGATED
} & _SET_PROPS


def _sssom_part(graph: Graph) -> Graph:
    """The set and record triples of the standard slots (see the module docstring)."""
    part = Graph()
    for set_node in graph.subjects(RDF.type, SSSOM.MappingSet):
        part.add((set_node, RDF.type, SSSOM.MappingSet))
        for p, o in graph.predicate_objects(set_node):
            if p in _SET_PROPS or p == SSSOM.mappings:
                part.add((set_node, p, o))
        for record in graph.objects(set_node, SSSOM.mappings):
            for p, o in graph.predicate_objects(record):
                if (p, o) == (RDF.type, OWL.Axiom) or p in _MAPPING_PROPS | _PROPAGATED_PROPS:
                    part.add((record, p, o))
    return part


def _plain(node: Node) -> Node:
    """A literal without its language tag, a double in its canonical form."""
    if isinstance(node, Literal):
        if node.language is not None:
            return Literal(str(node))
        if node.datatype == XSD.double:
            return Literal(float(node), datatype=XSD.double)
    return node


def _propagated(graph: Graph) -> Graph:
    """The graph with each propagatable set slot moved to every mapping of the set."""
    out = Graph()
    for s, p, o in graph:
        if p in _PROPAGATED_PROPS and (s, RDF.type, SSSOM.MappingSet) in graph:
            for record in graph.objects(s, SSSOM.mappings):
                out.add((record, p, o))
        else:
            out.add((s, p, o))
    return out


def _round_trip(path: Path, tmp_path: Path) -> Graph:
    """The file read by sssom-py and written back by it, as an rdflib graph."""
    prefixes = default_prefixes(LAYOUT.data)
    prefixes.update({p: str(ns) for p, ns in Graph().parse(path).namespaces() if p})
    logging.getLogger().setLevel(logging.ERROR)  # sssom-py warns on every govkg addition
    msdf = parse_sssom_rdf(str(path), prefix_map=prefixes)
    out = io.StringIO()
    write_rdf(msdf, out)
    written = tmp_path / "written.ttl"
    written.write_text(out.getvalue(), encoding="utf-8")
    return Graph().parse(written)


def test_the_pinned_version_is_the_installed_schema():
    from importlib.metadata import version

    assert version("sssom-schema") == SSSOM_SCHEMA_VERSION


@pytest.mark.parametrize("path", CROSSWALKS, ids=lambda p: p.stem)
def test_sssom_py_round_trip_gives_the_same_sssom_graph(path: Path, tmp_path: Path):
    original = _sssom_part(Graph().parse(path))
    written = _round_trip(path, tmp_path)
    back = _sssom_part(written)
    (set_node,) = set(original.subjects(RDF.type, SSSOM.MappingSet))
    records = set(original.objects(set_node, SSSOM.mappings))
    assert records and set(back.objects(set_node, SSSOM.mappings)) == records
    # 3. record_id: each record's IRI, stated again
    assert not set(original.subject_objects(SSSOM.record_id))
    assert set(written.subject_objects(SSSOM.record_id)) == {(r, r) for r in records}
    # 2. propagation: the set's sources come back on every mapping, not on the set
    sources = {p for p in _PROPAGATED_PROPS if (set_node, p, None) in original}
    assert sources
    for p in sources:
        assert (set_node, p, None) not in back
        assert all((r, p, None) in back for r in records)
    # 1. language tags: the original has some, sssom-py writes none
    assert any(getattr(o, "language", None) for o in original.objects())
    assert not any(getattr(o, "language", None) for o in back.objects())
    # undone, the graphs are the same
    expected = Graph()
    for s, p, o in _propagated(original):
        expected.add((s, p, _plain(o)))
    for record in records:
        expected.add((record, SSSOM.record_id, record))
    found = Graph()
    for s, p, o in back:
        found.add((s, p, _plain(o)))
    missing, extra = set(expected) - set(found), set(found) - set(expected)
    assert isomorphic(expected, found), (sorted(missing)[:5], sorted(extra)[:5])


@pytest.mark.parametrize("path", CROSSWALKS[:2], ids=lambda p: p.stem)
def test_govkg_reads_what_sssom_py_wrote_as_it_reads_the_original(path: Path, tmp_path: Path):
    """Standard SSSOM/RDF from another tool (sources on each mapping, plain strings) reads as
    govkg's own file does: the same mappings with the same standard slot values and sources."""
    _round_trip(path, tmp_path)
    prefixes = default_prefixes(LAYOUT.data)

    def rows(file: Path) -> dict[Node, tuple[object, ...]]:
        submission = read_rdf(file, "turtle", prefixes)
        assert not [p for p in submission.problems if "read as" in p.message]
        return {
            row.node: (
                {
                    k: sorted(str(_plain(v)) for v in vs)
                    for k, vs in row.values.items()
                    if (URIRef(k) in _MAPPING_PROPS and URIRef(k) != SSSOM.record_id)
                    or k.startswith("^")
                },
                sorted(map(str, row.subject_source)),
                sorted(map(str, row.object_source)),
            )
            for row in submission.rows
        }

    original, written = rows(path), rows(tmp_path / "written.ttl")
    assert original and original == written


def test_sources_sssom_py_writes_on_each_mapping_are_the_sets(tmp_path: Path):
    """sssom-py writes the propagatable subject_source/object_source on every mapping only;
    govkg reads them as the set's (condensation, SSSOM "Propagation of mapping set slots")."""
    from sssom.parsers import parse_sssom_table

    logging.getLogger().setLevel(logging.ERROR)
    msdf = parse_sssom_table(Path("examples") / "ai-verify-ai-rmf-text-reuse.sssom.tsv")
    out = io.StringIO()
    write_rdf(msdf, out)
    written = tmp_path / "written.ttl"
    written.write_text(out.getvalue(), encoding="utf-8")
    graph = Graph().parse(written)
    (set_node,) = set(graph.subjects(RDF.type, SSSOM.MappingSet))
    assert (set_node, SSSOM.subject_source, None) not in graph
    submission = read_rdf(written, "turtle", default_prefixes(LAYOUT.data))
    framework = "https://w3id.org/govkg/id/framework/"
    assert [str(v) for v in submission.set_values[str(SSSOM.subject_source)]] == [
        framework + "ai-verify-testing-framework"
    ]
    assert [str(v) for v in submission.set_values[str(SSSOM.object_source)]] == [
        framework + "nist-ai-rmf-1-0"
    ]
    assert len(list(submission.rows)) == 6


def test_the_old_govkg_form_reads_with_a_warning_naming_the_standard_term(tmp_path: Path):
    """govkg's RDF before SSSOM/RDF is read as the standard form, with one warning per old term;
    the rows are those of the same file written as SSSOM/RDF."""
    new = Path("tests") / "data" / "mappings" / "valid" / "set.ttl"
    text = new.read_text(encoding="utf-8")
    old = tmp_path / "old.ttl"
    old.write_text(
        text.replace("sssom:subject_source", "gk:subjectFramework")
        .replace("sssom:object_source", "gk:objectFramework")
        .replace("a owl:Axiom", "a sssom:Mapping"),
        encoding="utf-8",
    )
    prefixes = default_prefixes(LAYOUT.data)
    read_new, read_old = read_rdf(new, "turtle", prefixes), read_rdf(old, "turtle", prefixes)
    messages = sorted(p.message for p in read_old.problems)
    assert [m for m in messages if "read as" in m] == [
        "1 mapping record(s) typed sssom:Mapping (not an SSSOM term): read as owl:Axiom",
        "1 use(s) of gk:objectFramework: read as sssom:object_source",
        "1 use(s) of gk:subjectFramework: read as sssom:subject_source",
    ]
    assert not [p for p in read_new.problems if "read as" in p.message]
    assert read_old.set_values == read_new.set_values
    assert [r.values for r in read_old.rows] == [r.values for r in read_new.rows]
