"""Coverage between two frameworks: for each pair of top-level groups (A's functions or areas
against B's), how many elements of A's group are mapped to some element of B's group, in
either direction, leaving out negative (``predicate_modifier Not``) and ``gk:notRelatedTo``
mappings. Rendered as text, CSV and an SVG heatmap.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape
from pathlib import Path

from govkg.backends import Backend
from govkg.catalogue import load_catalogue
from govkg.errors import InputError
from govkg.namespaces import ID
from govkg.paths import Layout
from govkg.querying import run_query
from govkg.results import rows


@dataclass(frozen=True)
class Group:
    """A top-level group of a framework.

    Attributes:
        iri: Its IRI.
        label: Its preferred label.
        elements: How many elements it holds, itself included.
    """

    iri: str
    label: str
    elements: int


@dataclass(frozen=True)
class Coverage:
    """The coverage matrix between frameworks A and B.

    Attributes:
        a: IRI of framework A.
        b: IRI of framework B.
        a_label: Label of framework A.
        b_label: Label of framework B.
        rows: A's groups, in A's order.
        columns: B's groups, in B's order.
        cells: ``(A group IRI, B group IRI)`` → number of A elements mapped into that B group.
    """

    a: str
    b: str
    a_label: str
    b_label: str
    rows: tuple[Group, ...]
    columns: tuple[Group, ...]
    cells: dict[tuple[str, str], int]

    def count(self, row: Group, column: Group) -> int:
        return self.cells.get((row.iri, column.iri), 0)

    def table(self) -> list[list[str]]:
        """The matrix as rows of strings, with a header row and a group-size column."""
        header = ["group of A", "elements"] + [c.label for c in self.columns]
        body = [
            [r.label, str(r.elements)] + [str(self.count(r, c)) for c in self.columns]
            for r in self.rows
        ]
        return [header] + body


def resolve_framework(store: Backend, name: str) -> str:
    """Turn a framework key, govkg id path or IRI into the IRI of a concept scheme.

    Raises:
        InputError: no concept scheme of that name is in the graph.
    """
    if name.startswith(("http://", "https://")):
        candidates = [name]
    elif "/" in name:
        candidates = [str(ID) + name]
    else:
        candidates = [f"{ID}framework/{name}", f"{ID}principle-list/{name}"]
    for iri in candidates:
        if "<" in iri or ">" in iri or " " in iri:
            break
        ask = f"ASK {{ <{iri}> a <http://www.w3.org/2004/02/skos/core#ConceptScheme> }}"
        if bool(run_query(store, ask)):
            return iri
    raise InputError(f"no framework {name!r} in the graph (try a key such as nist-ai-rmf-1-0)")


def compute(layout: Layout, store: Backend, a: str, b: str) -> Coverage:
    """Compute the coverage of framework ``a`` by framework ``b`` (both IRIs)."""
    catalogue = load_catalogue(layout)
    groups = catalogue["list-framework-groups"]

    def groups_of(framework: str) -> tuple[Group, ...]:
        found = rows(run_query(store, groups.bind({"_framework": framework})))
        return tuple(Group(r["group"], r["groupLabel"], int(r["elements"])) for r in found)

    matrix = catalogue["compare-framework-coverage"].bind({"_frameworkA": a, "_frameworkB": b})
    cells = {(r["groupA"], r["groupB"]): int(r["mappedA"]) for r in rows(run_query(store, matrix))}
    return Coverage(
        a=a,
        b=b,
        a_label=_label(store, a),
        b_label=_label(store, b),
        rows=groups_of(a),
        columns=groups_of(b),
        cells=cells,
    )


def _label(store: Backend, iri: str) -> str:
    query = f"SELECT ?label {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    found = sorted(r["label"] for r in rows(run_query(store, query)))
    return found[0] if found else iri


def to_text(coverage: Coverage) -> str:
    """Render the matrix as an aligned text table."""
    table = coverage.table()
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        f"coverage of {coverage.a_label} <{coverage.a}>",
        f"         by {coverage.b_label} <{coverage.b}>",
        "(cells: elements of the A group mapped to some element of the B group)",
    ]
    for index, row in enumerate(table):
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def to_csv(coverage: Coverage) -> str:
    """Render the matrix as CSV: a header row, then one row per group of A."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(coverage.table())
    return out.getvalue()


def to_svg(coverage: Coverage, cell: int = 56) -> str:
    """Render the matrix as an SVG heatmap; a cell's shade grows with its count relative to
    the largest cell, and its tooltip tells the share of the row group covered."""
    left, top, right = 330, 210, 230
    width = left + cell * len(coverage.columns) + right
    height = top + cell * len(coverage.rows) + 70
    largest = max(coverage.cells.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>Coverage of {escape(coverage.a_label)} by {escape(coverage.b_label)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15">Coverage of {escape(coverage.a_label)}</text>',
        f'<text x="10" y="42" font-size="15">by {escape(coverage.b_label)}</text>',
    ]
    for j, column in enumerate(coverage.columns):
        x = left + j * cell + cell // 2
        parts.append(
            f'<text transform="translate({x},{top - 8}) rotate(-45)">'
            f"{escape(_short(column.label))} ({column.elements})</text>"
        )
    for i, row in enumerate(coverage.rows):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell // 2 + 4}" text-anchor="end">'
            f"{escape(_short(row.label))} ({row.elements})</text>"
        )
        for j, column in enumerate(coverage.columns):
            count = coverage.count(row, column)
            intensity = count / largest
            shade = int(235 - 190 * intensity)
            fill = f"rgb({shade},{shade + 10},255)" if count else "rgb(246,246,246)"
            x = left + j * cell
            share = f"{count} of {row.elements}" if row.elements else str(count)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                f"<title>{escape(row.label)} → {escape(column.label)}: {share} elements"
                f"</title></rect>"
            )
            colour = "white" if intensity > 0.55 else "black"
            parts.append(
                f'<text x="{x + cell // 2 - 1}" y="{y + cell // 2 + 4}" '
                f'text-anchor="middle" fill="{colour}">{count}</text>'
            )
    parts.append(
        f'<text x="10" y="{height - 34}">Cells: elements of the row group (size in brackets) '
        "mapped to some element of the column group, in either direction;</text>"
    )
    parts.append(
        f'<text x="10" y="{height - 16}">negative and not-related mappings excluded. '
        f"Darkest cell: {largest}.</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def write_report(coverage: Coverage, folder: Path, stem: str) -> list[Path]:
    """Write ``<stem>.csv`` and ``<stem>.svg`` into ``folder``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for suffix, text in ((".csv", to_csv(coverage)), (".svg", to_svg(coverage))):
            path = folder / f"{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror}", folder) from None
    return written
