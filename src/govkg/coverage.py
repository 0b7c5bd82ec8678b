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
        rows: A's groups, in A's order.
        columns: B's groups, in B's order.
        cells: ``(A group IRI, B group IRI)`` → number of A elements mapped into that B group.
    """

    a: str
    b: str
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
    return Coverage(a=a, b=b, rows=groups_of(a), columns=groups_of(b), cells=cells)


def to_text(coverage: Coverage) -> str:
    """Render the matrix as an aligned text table."""
    table = coverage.table()
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        f"coverage of {coverage.a}\n         by {coverage.b}",
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
    """Render the matrix as an SVG heatmap: darker cells cover more of the A group."""
    left, top = 320, 200
    width = left + cell * len(coverage.columns) + 40
    height = top + cell * len(coverage.rows) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>Coverage of {escape(coverage.a)} by {escape(coverage.b)}</title>",
        f'<text x="10" y="20" font-size="14">Coverage of {escape(coverage.a)}</text>',
        f'<text x="10" y="38" font-size="14">by {escape(coverage.b)}</text>',
    ]
    for j, column in enumerate(coverage.columns):
        x = left + j * cell + cell // 2
        parts.append(
            f'<text transform="translate({x},{top - 8}) rotate(-50)">'
            f"{escape(_short(column.label))}</text>"
        )
    for i, row in enumerate(coverage.rows):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell // 2 + 4}" text-anchor="end">'
            f"{escape(_short(row.label))} ({row.elements})</text>"
        )
        for j, column in enumerate(coverage.columns):
            count = coverage.count(row, column)
            share = count / row.elements if row.elements else 0.0
            shade = int(255 - 200 * min(1.0, share))
            fill = f"rgb({shade},{shade},255)" if count else "rgb(245,245,245)"
            x = left + j * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}"><title>{escape(row.label)} → {escape(column.label)}: '
                f"{count} of {row.elements}</title></rect>"
            )
            colour = "white" if share > 0.5 else "black"
            parts.append(
                f'<text x="{x + cell // 2 - 1}" y="{y + cell // 2 + 4}" '
                f'text-anchor="middle" fill="{colour}">{count}</text>'
            )
    parts.append(
        f'<text x="10" y="{height - 20}">Cells: elements of the row group mapped to '
        "some element of the column group (either direction).</text>"
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
