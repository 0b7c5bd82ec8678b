"""Deterministic serialisation of the built dataset (same input, byte-identical files).

Line-based syntaxes (N-Triples, N-Quads) are written with their lines sorted. For the others,
triples are added to a fresh rdflib graph in sorted order: rdflib's memory store iterates in
insertion order, so its serialisers then write the same bytes every time (checked by
``tests/test_build.py::test_dumps_are_byte_identical``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from govkg.formats import RDF_SYNTAXES, RdfSyntax
from govkg.namespaces import PREFIXES

Triple = tuple[Node, Node, Node]


def _key(triple: Triple) -> tuple[str, str, str]:
    return (triple[0].n3(), triple[1].n3(), triple[2].n3())


def sorted_graph(triples: Iterable[Triple]) -> Graph:
    """Return a graph holding ``triples``, inserted in a stable order, with govkg's prefixes."""
    graph = Graph(bind_namespaces="none")
    _bind(graph)
    for triple in sorted(triples, key=_key):
        graph.add(triple)
    return graph


def sorted_dataset(graphs: dict[URIRef, Graph]) -> Dataset:
    """Return a dataset of named graphs, graphs and triples inserted in a stable order."""
    dataset = Dataset()
    _bind(dataset)
    for iri in sorted(graphs):
        named = dataset.graph(iri)
        for triple in sorted(graphs[iri], key=_key):
            named.add(triple)
    return dataset


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)


def serialise(graph: Graph, syntax: RdfSyntax) -> bytes:
    """Serialise a graph or dataset deterministically in ``syntax``."""
    data = graph.serialize(format=syntax.rdflib, encoding="utf-8")
    if syntax.name in ("ntriples", "nquads"):
        lines = sorted(set(data.decode("utf-8").splitlines()) - {""})
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return data


def write_dumps(graphs: dict[URIRef, Graph], folder: Path, stem: str = "govkg") -> list[Path]:
    """Write the dataset (TriG, N-Quads) and its union graph (Turtle, N-Triples, JSON-LD,
    RDF/XML) into ``folder`` as ``<stem>.<extension>``.

    Returns:
        The files written, in a stable order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    dataset = sorted_dataset(graphs)
    union = sorted_graph({t for g in graphs.values() for t in g})
    written = []
    for syntax in RDF_SYNTAXES:
        target = folder / f"{stem}.{syntax.extension}"
        target.write_bytes(serialise(dataset if syntax.datasets else union, syntax))
        written.append(target)
    return written
