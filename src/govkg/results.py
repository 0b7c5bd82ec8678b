"""Rendering query results for the command line.

``csv``, ``tsv`` and ``json`` are the SPARQL 1.1 Query Results CSV/TSV and JSON formats
(W3C Recommendations 2013-03-21), written by the store itself: in CSV, IRIs are written as the
IRI and literals as their lexical form. ``table`` is an aligned plain-text table for people,
with IRIs shortened by :data:`govkg.namespaces.curie` (``id:…``, ``skos:…``).
"""

from __future__ import annotations

import io

import pyoxigraph as ox

from govkg.errors import InputError
from govkg.namespaces import curie

RESULT_FORMATS = ("table", "csv", "tsv", "json")
_NATIVE = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}


def render(results: object, fmt: str) -> str:
    """Render SELECT/ASK results in ``fmt``, or CONSTRUCT/DESCRIBE results as N-Triples
    (``table``/``csv``/``tsv``) or Turtle (``json`` is refused for graphs).

    Raises:
        InputError: the format does not fit the result kind.
    """
    if fmt not in RESULT_FORMATS:
        raise InputError(f"unknown result format {fmt!r} (known: {', '.join(RESULT_FORMATS)})")
    if isinstance(results, ox.QueryTriples):
        if fmt == "json":
            raise InputError("a CONSTRUCT or DESCRIBE result is a graph; use --format table")
        out = io.BytesIO()
        results.serialize(out, ox.RdfFormat.N_TRIPLES)
        return out.getvalue().decode("utf-8")
    if fmt == "table":
        return _table(results)
    out = io.BytesIO()
    results.serialize(out, _NATIVE[fmt])  # type: ignore[attr-defined]
    return out.getvalue().decode("utf-8")


def rows(results: object) -> list[dict[str, str]]:
    """Return SELECT solutions as dicts of variable name to plain value (IRI or lexical form)."""
    if not isinstance(results, ox.QuerySolutions):
        raise InputError("not a SELECT result")
    names = [v.value for v in results.variables]
    return [
        {name: solution[name].value for name in names if solution[name] is not None}
        for solution in results
    ]


def _table(results: object) -> str:
    if isinstance(results, ox.QueryBoolean):
        return "true\n" if bool(results) else "false\n"
    assert isinstance(results, ox.QuerySolutions)
    names = [v.value for v in results.variables]
    body = [[_cell(solution[name]) for name in names] for solution in results]
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


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    return str(getattr(term, "value", term)).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
