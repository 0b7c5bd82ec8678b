"""Rendering query answers for the command line.

``csv``, ``tsv`` and ``json`` are the SPARQL 1.1 Query Results CSV/TSV and JSON formats
(W3C Recommendations 2013-03-21), written by the store itself (:meth:`Store.stream`): in CSV,
IRIs are written as the IRI and literals as their lexical form. ``table`` is an aligned
plain-text table for people, with IRIs shortened by :data:`govkg.namespaces.curie`
(``id:…``, ``skos:…``). A CONSTRUCT or DESCRIBE answer is a graph: written as N-Triples by the
store for ``table``, ``csv`` and ``tsv``, and refused for ``json``.
"""

from __future__ import annotations

from typing import BinaryIO

from rdflib import URIRef

from govkg.backends import Accept, NotAcceptableAnswerError, Rows, Store, Term
from govkg.errors import InputError
from govkg.namespaces import curie
from govkg.querying import answer_kind, run_query, stream_query

RESULT_FORMATS = ("table", "csv", "tsv", "json")

#: The media types of the formats the store writes (SPARQL 1.1 Query Results).
RESULT_MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
}

#: What a graph answer is written as (``table``, ``csv``, ``tsv``).
GRAPH_MEDIA_TYPE = "application/n-triples"


def accept_for(fmt: str) -> Accept:
    """What a result format accepts of each kind of answer.

    >>> accept_for("csv")
    Accept(rows=('text/csv',), graph=('application/n-triples',))

    Raises:
        InputError: an unknown format.
    """
    if fmt not in RESULT_FORMATS:
        raise InputError(f"unknown result format {fmt!r} (known: {', '.join(RESULT_FORMATS)})")
    rows = RESULT_MEDIA_TYPES.get(fmt, RESULT_MEDIA_TYPES["json"])
    return Accept(rows=(rows,), graph=() if fmt == "json" else (GRAPH_MEDIA_TYPE,))


def write_answer(store: Store, text: str, fmt: str, out: BinaryIO) -> None:
    """Answer a query from ``store`` and write it to ``out`` in ``fmt``: a table made here, or
    the store's own serialisation.

    Raises:
        InputError: an unknown format, or ``json`` for a graph.
        QueryError: the query is refused, malformed or fails.
    """
    accept = accept_for(fmt)
    if fmt == "table" and answer_kind(text) != "graph":
        answer = run_query(store, text)
        assert not isinstance(answer, list)
        out.write(render_table(answer).encode("utf-8"))
        return
    try:
        stream = stream_query(store, text, accept)
    except NotAcceptableAnswerError:
        raise InputError(
            "a CONSTRUCT or DESCRIBE result is a graph; use --format table (N-Triples)"
        ) from None
    try:
        for chunk in stream.chunks:
            out.write(chunk)
    finally:
        stream.close()


def render_table(answer: Rows | bool) -> str:
    """An aligned plain-text table of a SELECT answer (``true``/``false`` for ASK)."""
    if isinstance(answer, bool):
        return "true\n" if answer else "false\n"
    names = answer.variables
    body = [[_cell(term) for term in row] for row in answer.rows]
    widths = [max([len(name)] + [len(row[i]) for row in body]) for i, name in enumerate(names)]
    widths = [min(w, 80) for w in widths]
    lines = [
        "  ".join(name.ljust(w) for name, w in zip(names, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(_clip(cell, w).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in body
    ]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


def rows(answer: Rows | bool | list[object]) -> list[dict[str, str]]:
    """:meth:`Rows.dicts` of an answer that must be a SELECT's (as tests read
    ``rows(run_query(...))``).

    Raises:
        InputError: not a SELECT answer.
    """
    if not isinstance(answer, Rows):
        raise InputError("not a SELECT result")
    return answer.dicts()


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return curie(str(term))
    return str(term).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
