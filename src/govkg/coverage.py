"""Coverage between two frameworks: for each pair of top-level groups (A's functions or areas
against B's), how many elements of A's group are mapped to some element of B's group, in
either direction, leaving out negative (``predicate_modifier Not``, ``sssom:NegatedPredicate``
in RDF) and ``gk:notRelatedTo`` mappings. Rendered as text, CSV and an SVG heatmap.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from rdflib import URIRef
from rdflib.namespace import RDFS

from govkg.backends import Store
from govkg.catalogue import load_catalogue
from govkg.errors import InputError
from govkg.identifiers import Resolver
from govkg.paths import Layout


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


def resolve_framework(store: Store, name: str, layout: Layout | None = None) -> str:
    """Turn any spelling of a framework's id (key, id path, IRI, CURIE:
    ``govkg.identifiers``) into the IRI of a concept scheme the graph holds.

    Args:
        store: The graph.
        name: The framework as given.
        layout: The sources, for the workspace's namespace and the declared CURIE prefixes.

    Raises:
        InputError: no concept scheme of that name is in the graph (close matches named), or
            the name is ambiguous (candidates listed).
    """
    return Resolver(store, layout).resolve(name, "framework")


def compute(layout: Layout, store: Store, a: str, b: str) -> Coverage:
    """Compute the coverage of framework ``a`` by framework ``b`` (both IRIs), reading any
    store (the embedded one or a remote SPARQL server)."""
    catalogue = load_catalogue(layout)
    groups = catalogue["list-framework-groups"]

    def groups_of(framework: str) -> tuple[Group, ...]:
        found = store.select(groups.bind({"_framework": URIRef(framework)})).dicts()
        return tuple(Group(r["group"], r["groupLabel"], int(r["elements"])) for r in found)

    matrix = catalogue["compare-framework-coverage"].bind(
        {"_frameworkA": URIRef(a), "_frameworkB": URIRef(b)}
    )
    cells = {(r["groupA"], r["groupB"]): int(r["mappedA"]) for r in store.select(matrix).dicts()}
    return Coverage(
        a=a,
        b=b,
        a_label=_label(store, a),
        b_label=_label(store, b),
        rows=groups_of(a),
        columns=groups_of(b),
        cells=cells,
    )


def _label(store: Store, iri: str) -> str:
    query = f"SELECT ?label {{ <{iri}> <{RDFS.label}> ?label }}"
    found = sorted(str(label) for label in store.select(query).column("label"))
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


@dataclass(frozen=True)
class HeatmapLayout:
    """Sizes (pixels) and colours of the SVG heatmap, as ``templates/heatmap.svg.j2`` uses them.

    Attributes:
        cell: Side of one cell's square, the gap to the next included.
        gap: White space between two cells.
        left: Room for the row labels, left of the grid.
        top: Room for the heading and the rotated column labels, above the grid.
        right: Room right of the grid, where the last column labels run.
        footer: Room below the grid for the two legend lines.
        margin: Left margin of the heading and legend.
        heading_line: Baseline of the first heading line.
        heading_step: Distance to the second heading line.
        heading_size: Font size of the heading.
        font_size: Font size of everything else.
        label_gap: Distance between a label and the grid.
        baseline: Shift that centres a line of text vertically on a cell.
        column_label_angle: Rotation of the column labels (degrees).
        legend_line_1: Height of the first legend line above the bottom edge.
        legend_line_2: Height of the second legend line above the bottom edge.
        label_chars: Longest label shown in full (longer ones are cut with "…"; tooltips
            keep them whole).
        lightest: Grey-blue channel value of the lightest non-empty cell (0-255).
        darkest: Channel value of the darkest cell (the largest count).
        empty_fill: Fill of a cell with no mapped element.
        white_ink_above: Share of the largest count above which a cell's number is white.
    """

    cell: int = 56
    gap: int = 2
    left: int = 330
    top: int = 210
    right: int = 230
    footer: int = 70
    margin: int = 10
    heading_line: int = 22
    heading_step: int = 20
    heading_size: int = 15
    font_size: int = 12
    label_gap: int = 8
    baseline: int = 4
    column_label_angle: int = -45
    legend_line_1: int = 34
    legend_line_2: int = 16
    label_chars: int = 42
    lightest: int = 235
    darkest: int = 45
    empty_fill: str = "rgb(246,246,246)"
    white_ink_above: float = 0.55

    def fill(self, intensity: float) -> str:
        """The fill of a non-empty cell whose count is ``intensity`` of the largest.

        >>> HeatmapLayout().fill(1.0)
        'rgb(45,55,255)'
        """
        shade = int(self.lightest - (self.lightest - self.darkest) * intensity)
        return f"rgb({shade},{shade + 10},255)"


#: The heatmap template, next to the package's code so that the CLI and the web app load it.
HEATMAP_TEMPLATE = "heatmap.svg.j2"


def to_svg(coverage: Coverage, layout: HeatmapLayout | None = None) -> str:
    """Render the matrix as an SVG heatmap (``templates/heatmap.svg.j2``); a cell's shade
    grows with its count relative to the largest cell, and its tooltip tells the share of the
    row group covered."""
    layout = layout or HeatmapLayout()
    largest = max(coverage.cells.values(), default=0) or 1

    def cell(row: Group, column: Group) -> dict[str, object]:
        count = coverage.count(row, column)
        intensity = count / largest
        return {
            "column": column.label,
            "count": count,
            "fill": layout.fill(intensity) if count else layout.empty_fill,
            "ink": "white" if intensity > layout.white_ink_above else "black",
            "share": f"{count} of {row.elements}" if row.elements else str(count),
        }

    def short(label: str) -> str:
        limit = layout.label_chars
        return label if len(label) <= limit else label[: limit - 1] + "…"

    return _heatmap_template().render(
        L=layout,
        a_label=coverage.a_label,
        b_label=coverage.b_label,
        largest=largest,
        columns=[{"label": short(c.label), "elements": c.elements} for c in coverage.columns],
        rows=[
            {
                "label": short(r.label),
                "full_label": r.label,
                "elements": r.elements,
                "cells": [cell(r, c) for c in coverage.columns],
            }
            for r in coverage.rows
        ],
    )


@functools.cache
def _heatmap_template() -> jinja2.Template:
    text = resources.files("govkg").joinpath("templates", HEATMAP_TEMPLATE).read_text("utf-8")
    environment = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return environment.from_string(text)


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
