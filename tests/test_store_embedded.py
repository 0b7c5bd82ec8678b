"""The embedded store (:mod:`govkg.backends.embedded`) as a :class:`govkg.backends.Store`:
typed rows, booleans and triples, native streams in every media type, the 406 refusal, the
dataset rules of SPARQL 1.1 Protocol section 2.1.4 and Query section 13.2, loads, updates,
counts, and the state of a real build."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import Dataset as RdfDataset
from rdflib.compare import isomorphic

from govkg.backends import (
    Accept,
    Dataset,
    NotAcceptableAnswerError,
    Store,
    StoreState,
    open_embedded,
)
from govkg.backends.embedded import RDF_FORMATS, RESULTS_FORMATS, EmbeddedStore
from govkg.build import DATASET_DUMP
from govkg.errors import QueryError

X = "https://example.org/x/"
G1, G2 = X + "g1", X + "g2"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

#: Two graphs sharing one triple (the merged default graph holds it once), with a language
#: literal, a literal of an unknown datatype (lexical form "01" kept), a plain literal, a blank
#: node.
DUMP = f"""\
<{X}a> <{X}p> "shared" <{G1}> .
<{X}a> <{X}p> "shared" <{G2}> .
<{X}a> <{X}label> "Grundsatz"@de <{G1}> .
<{X}a> <{X}rank> "01"^^<{X}code> <{G1}> .
<{X}b> <{X}p> _:n1 <{G2}> .
_:n1 <{X}label> "node" <{G2}> .
"""


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "small.nq"
    path.write_text(DUMP, encoding="utf-8")
    return path


@pytest.fixture
def small(dump: Path) -> Store:
    return open_embedded([dump])


def test_rows_hold_typed_terms_with_lexical_forms_kept(small: Store) -> None:
    rows = small.select(
        f"SELECT ?label ?rank ?plain ?none {{ <{X}a> <{X}label> ?label ; <{X}rank> ?rank ; "
        f"<{X}p> ?plain OPTIONAL {{ <{X}a> <{X}missing> ?none }} }}"
    )
    assert rows.variables == ("label", "rank", "plain", "none")
    [(label, rank, plain, none)] = rows.rows
    assert label == Literal("Grundsatz", lang="de")
    assert isinstance(rank, Literal) and str(rank) == "01" and rank.datatype == URIRef(X + "code")
    assert isinstance(plain, Literal) and plain == Literal("shared")
    assert plain.datatype is None  # xsd:string: a plain literal
    assert none is None
    assert rows.dicts() == [{"label": "Grundsatz", "rank": "01", "plain": "shared"}]
    assert rows.terms() == [{"label": label, "rank": rank, "plain": plain}]


def test_blank_nodes_keep_their_label_within_an_answer(small: Store) -> None:
    rows = small.select(f"SELECT ?n ?label {{ <{X}b> <{X}p> ?n . ?n <{X}label> ?label }}")
    [(node, label)] = rows.rows
    assert isinstance(node, BNode) and label == Literal("node")
    triples = small.construct(f"CONSTRUCT {{ ?n <{X}label> ?l }} WHERE {{ ?n <{X}label> ?l }}")
    [(subject, _, value)] = [t for t in triples if isinstance(t[0], BNode)]
    assert value == Literal("node")
    assert small.select(f"SELECT ?l {{ ?n <{X}label> ?l FILTER(isBlank(?n)) }}").column("l") == [
        value
    ]


def test_default_graph_is_the_rdf_merge_of_the_named_graphs(small: Store) -> None:
    """sd:UnionDefaultGraph: a triple stated in two graphs is one triple of the default."""
    rows = small.select(f"SELECT ?o {{ <{X}a> <{X}p> ?o }}")
    assert rows.column("o") == [Literal("shared")]
    named = small.select(f"SELECT ?g {{ GRAPH ?g {{ <{X}a> <{X}p> ?o }} }} ORDER BY ?g")
    assert named.column("g") == [URIRef(G1), URIRef(G2)]


def test_protocol_dataset_replaces_the_querys_own(small: Store) -> None:
    """Protocol section 2.1.4: default-graph-uri / named-graph-uri override FROM, and an
    absent part of a given dataset is empty."""
    query = f"SELECT ?s {{ ?s <{X}label> ?o }}"
    only_g2 = small.select(query, Dataset(default=(G2,)))
    assert only_g2.column("s") == [r[0] for r in only_g2.rows]
    assert all(isinstance(s, BNode) for s in only_g2.column("s")) and len(only_g2) == 1
    assert len(small.select(query, Dataset(named=(G1, G2)))) == 0  # default part empty
    from_g1 = f"SELECT ?s FROM <{G1}> {{ ?s <{X}label> ?o }}"
    assert small.select(from_g1).column("s") == [URIRef(X + "a")]
    assert len(small.select(from_g1, Dataset(default=(G2,)))) == 1  # the protocol wins
    graphs = "SELECT ?g { GRAPH ?g { ?s ?p ?o } }"
    assert set(small.select(graphs, Dataset(named=(G1,))).column("g")) == {URIRef(G1)}
    unknown = small.select(query, Dataset(default=(X + "absent",)))
    assert len(unknown) == 0  # a graph name only selects a graph of the store


def test_from_named_in_the_query(small: Store) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{G2}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert small.select(query).column("g") == [URIRef(G2)]


def test_ask_and_construct(small: Store) -> None:
    assert small.ask(f"ASK {{ <{X}a> <{X}p> 'shared' }}") is True
    assert small.ask(f"ASK {{ <{X}a> <{X}p> 'other' }}") is False
    triples = small.construct(f"CONSTRUCT {{ <{X}a> ?p ?o }} WHERE {{ <{X}a> ?p ?o }}")
    assert sorted(map(str, (o for _, _, o in triples))) == ["01", "Grundsatz", "shared"]
    described = small.construct(f"DESCRIBE <{X}a>")
    assert {p for _, p, _ in described} == {URIRef(X + n) for n in ("p", "label", "rank")}


def test_wrong_kind_and_malformed_queries_are_query_errors(small: Store) -> None:
    with pytest.raises(QueryError, match="not a SELECT query"):
        small.select("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError, match="not an ASK query"):
        small.ask("SELECT * { ?s ?p ?o }")
    with pytest.raises(QueryError, match="not a CONSTRUCT"):
        small.construct("SELECT * { ?s ?p ?o }")
    with pytest.raises(QueryError, match="malformed query"):
        small.select("SELECT ?s { ?s ?p }")


@pytest.mark.parametrize("media_type", sorted(RESULTS_FORMATS))
def test_rows_stream_in_every_results_media_type(small: Store, media_type: str) -> None:
    query = f"SELECT ?o {{ <{X}a> ?p ?o }} ORDER BY STR(?o)"
    answer = small.stream(query, Accept(rows=("text/html", media_type)))
    assert answer.kind == "rows" and answer.media_type == media_type
    text = b"".join(answer.chunks).decode("utf-8")
    if "json" in media_type:
        values = [b["o"]["value"] for b in json.loads(text)["results"]["bindings"]]
    elif "xml" in media_type:
        literals = ElementTree.fromstring(text).iter(f"{{{RESULTS_NS}}}literal")
        values = [literal.text or "" for literal in literals]
    elif media_type == "text/csv":
        values = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    else:  # TSV writes terms as in SPARQL/Turtle
        assert text.splitlines()[1:] == [f'"01"^^<{X}code>', '"Grundsatz"@de', '"shared"']
        values = [Literal(line).split('"')[1] for line in text.splitlines()[1:]]
    assert values == ["01", "Grundsatz", "shared"]


def test_ask_streams_as_a_boolean(small: Store) -> None:
    answer = small.stream("ASK { ?s ?p ?o }", Accept())
    assert answer.kind == "boolean"
    assert json.loads(b"".join(answer.chunks))["boolean"] is True


@pytest.mark.parametrize("media_type", sorted(RDF_FORMATS))
def test_graphs_stream_in_every_rdf_media_type(small: Store, media_type: str) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}"
    answer = small.stream(query, Accept(graph=(media_type,)))
    assert answer.kind == "graph" and answer.media_type == media_type
    data = b"".join(answer.chunks)
    rdflib_format = {
        "text/xml": "xml",
        "application/xml": "xml",
        "application/json": "json-ld",
        "application/x-turtle": "turtle",
        "application/turtle": "turtle",
    }.get(media_type, media_type)
    parsed = Graph()
    if media_type in ("application/trig", "application/n-quads"):
        quads = RdfDataset()
        quads.parse(data=data, format=rdflib_format)
        for s, p, o, _ in quads.quads():
            parsed.add((s, p, o))
    else:
        parsed.parse(data=data, format=rdflib_format)
    expected = Graph()
    for triple in small.construct(query):
        expected.add(triple)
    assert len(expected) == 3 and isomorphic(expected, parsed)


def test_an_unacceptable_kind_is_refused_before_anything_is_written(small: Store) -> None:
    """The web answers 406 (SPARQL 1.1 Protocol section 2.2.6)."""
    assert isinstance(small, EmbeddedStore)
    with pytest.raises(NotAcceptableAnswerError, match="results table"):
        small.stream("SELECT * { ?s ?p ?o }", Accept(rows=("text/html",)))
    with pytest.raises(NotAcceptableAnswerError, match="is RDF"):
        small.stream("CONSTRUCT WHERE { ?s ?p ?o }", Accept(graph=()))
    sink = _Sink()
    with pytest.raises(NotAcceptableAnswerError):
        small.write("DESCRIBE ?s { ?s ?p ?o }", Accept(graph=()), Dataset(), None, sink)
    assert sink.media_type is None and not sink.data


def test_write_serialises_into_a_sink_with_its_media_type_first(small: Store) -> None:
    assert isinstance(small, EmbeddedStore)
    sink = _Sink()
    accept = Accept(rows=("text/csv; charset=utf-8",))
    small.write("SELECT ?g { GRAPH ?g {} } ORDER BY ?g", accept, Dataset(), None, sink)
    assert sink.media_type == "text/csv; charset=utf-8"
    assert bytes(sink.data).decode().split() == ["g", G1, G2]
    sink = _Sink()
    base = "https://example.org/base/"
    small.write("SELECT ?iri { BIND(<rel> AS ?iri) }", Accept(), Dataset(), base, sink)
    assert json.loads(sink.data)["results"]["bindings"][0]["iri"]["value"] == base + "rel"


def test_graphs_and_counts(small: Store) -> None:
    assert small.graphs() == [G1, G2]
    assert (small.count(G1), small.count(G2), small.count()) == (3, 3, 6)
    assert small.count(X + "absent") == 0
    assert len(small.select("SELECT * { ?s ?p ?o }")) == 5  # the merge: the shared one once


def test_load_adds_a_graph_and_the_default_graph_follows(small: Store, tmp_path: Path) -> None:
    triples = tmp_path / "g3.nt"
    triples.write_text(f'<{X}c> <{X}p> "shared" .\n<{X}a> <{X}p> "shared" .\n', encoding="utf-8")
    small.load(X + "g3", triples)
    assert small.graphs() == [G1, G2, X + "g3"] and small.count(X + "g3") == 2
    found = small.select(f"SELECT ?s {{ ?s <{X}p> 'shared' }} ORDER BY ?s").column("s")
    assert found == [URIRef(X + "a"), URIRef(X + "c")]


def test_update_is_applied_and_the_default_graph_stays_the_merge(small: Store) -> None:
    small.update(f"DROP GRAPH <{G1}>")
    assert small.graphs() == [G2]
    assert not small.ask(f"ASK {{ <{X}a> <{X}label> ?l }}")  # gone from the default graph too
    assert small.ask(f"ASK {{ <{X}a> <{X}p> 'shared' }}")  # still stated in g2
    small.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <{X}d> <{X}p> 'new' }} }}")
    assert small.ask(f"ASK {{ <{X}d> <{X}p> 'new' }}") and small.count() == 4
    with pytest.raises(QueryError, match="malformed update"):
        small.update("INSERT NOTHING")
    assert small.count() == 4


def test_load_of_a_broken_file_names_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(Exception, match="broken.nq") as caught:
        open_embedded([broken])
    assert "\n" not in str(caught.value)


def test_a_store_without_a_build_holds_none(small: Store) -> None:
    state = small.state()
    assert (state.build_id, state.manifest_sha256) == (None, None)
    assert state.graphs == (G1, G2) and state.quads == 6


def test_state_of_a_real_build_comes_from_its_manifest(build_dir: Path) -> None:
    store = open_embedded([build_dir / DATASET_DUMP])
    manifest = (build_dir / "manifest.json").read_bytes()
    recorded = json.loads(manifest)
    assert store.state() == StoreState(
        recorded["build_id"],
        hashlib.sha256(manifest).hexdigest(),
        tuple(sorted(set(recorded["graphs"].values()) | set(store.graphs()))),
        recorded["quads"],
    )
    assert store.kind == "embedded" and store.location.endswith(DATASET_DUMP)
    assert store.capabilities.in_process and store.capabilities.writable
    store.close()
    assert store.count() == 0


class _Sink:
    """Records what :meth:`EmbeddedStore.write` sends (the web evaluator's Sink shape)."""

    def __init__(self) -> None:
        self.media_type: str | None = None
        self.data = bytearray()

    def start(self, media_type: str) -> None:
        assert not self.data, "start comes before any byte"
        self.media_type = media_type

    def write(self, data: bytes) -> int:
        assert self.media_type is not None, "start comes first"
        self.data += data
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes the file it writes."""
