"""Crosswalk pages: ``/crosswalks/`` (the pairs of frameworks that mappings link, every mapping
set with its status, and a form to compare any two frameworks) and ``/crosswalks/{A}/{B}``:
the coverage matrix of A by B as a heatmap, each cell drilling down to its pairs
(``?row=GROUP&column=GROUP#pairs``), the elements of A with no counterpart in B, and every
mapping set between them with its metadata, status and pairs.

The matrix is :func:`govkg.coverage.compute`, the computation ``govkg report crosswalk`` uses;
the downloads are what the page shows: ``pairs.csv`` (the pairs, of one cell with
``?row=&column=``), ``matrix.csv`` and ``heatmap.svg`` (:func:`govkg.coverage.to_csv`,
:func:`~govkg.coverage.to_svg`) and each mapping set as SSSOM TSV
(:mod:`govkg.submission.exporting`, as ``govkg export-mappings`` writes it).
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import yaml
from flask import Blueprint, Response, redirect, render_template, request

from govkg import coverage
from govkg.submission import exporting
from govkg.web import Site, current_site
from govkg.web.browse_model import Element, Framework, MappingRow, MappingSet, Tree
from govkg.web.errors import NotFoundError
from govkg.web.frameworks import HTML, element_hrefs, framework, frameworks, href, sets, tree

log = logging.getLogger(__name__)

bp = Blueprint("crosswalks", __name__)
#: Shades of a non-empty heatmap cell (CSS classes ``heat-1`` ... ``heat-4``, style.css).
SHADES = 4


@dataclass
class Cell:
    """One cell of the heatmap."""

    count: int
    shade: int
    href: str
    title: str


@dataclass
class Pair:
    """One mapping between A and B with the top-level groups of its two ends."""

    row: MappingRow
    a: Element | None
    b: Element | None
    a_group: Element | None
    b_group: Element | None


@dataclass
class Crosswalk:
    """Everything ``/crosswalks/{A}/{B}`` shows."""

    a: Framework
    b: Framework
    matrix: coverage.Coverage
    rows: list[tuple[Element | None, coverage.Group, list[Cell]]]
    columns: list[tuple[Element | None, coverage.Group]]
    pairs: list[Pair]
    uncovered: list[tuple[Element, list[Element]]]
    sets: list[tuple[MappingSet, int]]
    labels: dict[str, str]


def shade(count: int, largest: int) -> int:
    """The shade class of a cell: 0 when empty, else 1 to :data:`SHADES` by share of the
    largest.

    >>> [shade(n, 8) for n in (0, 1, 2, 5, 8)]
    [0, 1, 1, 3, 4]
    """
    if count <= 0 or largest <= 0:
        return 0
    return max(1, min(SHADES, math.ceil(SHADES * count / largest)))


def crosswalk(site: Site, a_key: str, b_key: str) -> Crosswalk:
    """The content of the crosswalk page of A by B; cached."""
    a, b = framework(site, a_key), framework(site, b_key)
    if a.iri == b.iri:
        raise NotFoundError("a crosswalk needs two different frameworks")
    linked = {(x.key, y.key) for x, y, _ in linked_pairs(site)}
    keep = site.kept if (a.key, b.key) in linked or (b.key, a.key) in linked else site.cached
    return keep(("crosswalk", a.key, b.key), lambda: _crosswalk(site, a, b))


def _crosswalk(site: Site, a: Framework, b: Framework) -> Crosswalk:
    matrix = coverage.compute(site.config.layout, site.store, a.iri, b.iri)
    tree_a, tree_b = tree(site, a.key), tree(site, b.key)
    largest = max(matrix.cells.values(), default=0)
    base = f"/crosswalks/{a.key}/{b.key}"
    columns = [(tree_b.elements.get(c.iri), c) for c in matrix.columns]
    rows = []
    for group in matrix.rows:
        row_element = tree_a.elements.get(group.iri)
        cells = []
        for column_element, column in columns:
            count = matrix.count(group, column)
            query = f"?row={_path(row_element)}&column={_path(column_element)}#pairs"
            title = f"{group.label} → {column.label}: {count} of {group.elements} elements"
            cells.append(Cell(count, shade(count, largest), base + query, title))
        rows.append((row_element, group, cells))
    pairs = [
        Pair(
            row=r,
            a=tree_a.elements.get(r.subject),
            b=tree_b.elements.get(r.other),
            a_group=_group(tree_a, r.subject),
            b_group=_group(tree_b, r.other),
        )
        for r in site.browser.pairs(a.iri, b.iri)
    ]
    covered = {p.row.subject for p in pairs if p.row.counted}
    uncovered: dict[str, tuple[Element, list[Element]]] = {}
    for element in tree_a.walk():
        if element.iri not in covered:
            top = tree_a.group(element.iri)
            uncovered.setdefault(top.iri, (top, []))[1].append(element)
    in_pairs: dict[str, int] = {}
    for pair in pairs:
        key = pair.row.mapping_set or ""
        in_pairs[key] = in_pairs.get(key, 0) + 1
    between = []
    for s in sets(site):
        declared = set(s.subject_sources) | set(s.object_sources)
        if s.iri in in_pairs or {a.iri, b.iri} <= declared:
            between.append((s, in_pairs.get(s.iri, 0)))
    labels = site.browser.labels(
        {p.row.predicate for p in pairs} | {p.row.justification or "" for p in pairs}
    )
    return Crosswalk(
        a=a,
        b=b,
        matrix=matrix,
        rows=rows,
        columns=columns,
        pairs=pairs,
        uncovered=list(uncovered.values()),
        sets=between,
        labels=labels,
    )


def linked_pairs(site: Site) -> list[tuple[Framework, Framework, int]]:
    """The pairs of frameworks that mappings link (subjects' framework first), with how many
    mappings; cached."""

    def make() -> list[tuple[Framework, Framework, int]]:
        known = frameworks(site)
        by_iri = {f.iri: f for f in known.values()}
        counts: dict[tuple[str, str], int] = {}
        for (x, y), n in site.kept(("browse-scheme-pairs",), site.browser.scheme_pairs).items():
            if x in by_iri and y in by_iri:
                key = (by_iri[x].key, by_iri[y].key)
                counts[key] = counts.get(key, 0) + n
        return [(known[x], known[y], n) for (x, y), n in sorted(counts.items())]

    return site.kept(("browse-linked-pairs",), make)


#: Seconds :func:`warm` spends at most on mapping sets' SSSOM and crosswalk matrices: on a
#: large graph (a generated 1M-triple one has 328 linked pairs at about 5 s each) the rest is
#: made on first request, instead of holding the server's start for half an hour.
WARM_SECONDS = 10.0


def warm(site: Site, budget: float = WARM_SECONDS) -> None:
    """Compute what the browsing pages read (frameworks, trees, mapping sets and their SSSOM
    TSV, and the crosswalks the crosswalk list links, both ways: about a second on the shipped
    graph), so that the server's forked workers share it and no reader waits for it; the
    SSSOM files and crosswalks for ``budget`` seconds at most."""
    element_hrefs(site)
    site.kept(("sssom-context",), lambda: _sssom_context(site))
    jobs: list[Callable[[], object]] = []
    for chosen in sets(site):
        if chosen.mappings and chosen.graph:
            make = functools.partial(_sssom, site, chosen)
            jobs.append(functools.partial(site.kept, ("sssom", chosen.key), make))
    for a, b, _ in linked_pairs(site):
        jobs.append(functools.partial(crosswalk, site, a.key, b.key))
        jobs.append(functools.partial(crosswalk, site, b.key, a.key))
    deadline = time.monotonic() + budget
    for done, job in enumerate(jobs):
        if time.monotonic() > deadline:
            log.info(
                "warmed %d of %d mapping-set and crosswalk pages in %g s; the others are made "
                "on first request",
                done,
                len(jobs),
                budget,
            )
            return
        job()


@bp.route("/crosswalks/")
def crosswalk_list() -> Response:
    """The pairs of frameworks that mappings link, every mapping set, and a comparison form."""
    site = current_site()
    a, b = request.args.get("a"), request.args.get("b")
    if a and b:
        framework(site, a)
        framework(site, b)
        return redirect(f"/crosswalks/{a}/{b}", 303)  # type: ignore[return-value]

    def render() -> str:
        return render_template(
            "crosswalks.html",
            pairs=linked_pairs(site),
            sets=sets(site),
            frameworks=sorted(frameworks(site).values(), key=lambda f: f.label.lower()),
            href=lambda iri: href(site, iri),
        )

    return _respond(site.cached(("browse-page", "crosswalks"), render), HTML)


@bp.route("/crosswalks/<a>/<b>")
def crosswalk_page(a: str, b: str) -> Response:
    """The crosswalk of A by B; ``?row=&column=`` drill down to one cell's pairs."""
    site = current_site()
    found = crosswalk(site, a, b)
    row, column = request.args.get("row"), request.args.get("column")
    cell = _cell(found, row, column)

    def render() -> str:
        shown = _pairs_in(found, cell)
        return render_template(
            "crosswalk.html",
            xw=found,
            cell=cell,
            shown=shown,
            href=lambda iri: href(site, iri),
            csv_query=f"?row={row}&column={column}" if cell else "",
        )

    key = (
        "browse-page",
        "crosswalk",
        a,
        b,
        cell[0].iri if cell else "",
        cell[1].iri if cell else "",
    )
    return _respond(site.cached(key, render), HTML)


@bp.route("/crosswalks/<a>/<b>/pairs.csv")
def pairs_csv(a: str, b: str) -> Response:
    """The pairs the page shows (of one cell with ``?row=&column=``) as CSV."""
    site = current_site()
    found = crosswalk(site, a, b)
    cell = _cell(found, request.args.get("row"), request.args.get("column"))
    labels = site.browser.labels(
        {p.row.subject for p in found.pairs}
        | {p.row.other for p in found.pairs}
        | {p.row.mapping_set or "" for p in found.pairs}
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "a_id",
            "a_notation",
            "a_label",
            "a_group",
            "predicate_id",
            "predicate_modifier",
            "direction",
            "b_id",
            "b_notation",
            "b_label",
            "b_group",
            "mapping_justification",
            "confidence",
            "match_basis",
            "comment",
            "mapping_set_id",
            "mapping_set_title",
            "mapping_id",
        ]
    )
    for p in _pairs_in(found, cell):
        r = p.row
        writer.writerow(
            [
                r.subject,
                p.a.notation if p.a else "",
                labels.get(r.subject, ""),
                p.a_group.label if p.a_group else "",
                r.predicate,
                "Not" if r.negated else "",
                "A→B" if r.forward else "B→A",
                r.other,
                p.b.notation if p.b else "",
                labels.get(r.other, ""),
                p.b_group.label if p.b_group else "",
                r.justification or "",
                r.confidence or "",
                r.match_basis or "",
                r.comment or "",
                r.mapping_set or "",
                labels.get(r.mapping_set or "", ""),
                r.iri,
            ]
        )
    suffix = f"-{_path(cell[0])}-{_path(cell[1])}" if cell else ""
    return _download(out.getvalue(), "text/csv", f"{a}--{b}{suffix}.csv")


@bp.route("/crosswalks/<a>/<b>/matrix.csv")
def matrix_csv(a: str, b: str) -> Response:
    """The coverage matrix as CSV (``govkg report crosswalk``'s CSV)."""
    found = crosswalk(current_site(), a, b)
    return _download(coverage.to_csv(found.matrix), "text/csv", f"{a}--{b}-coverage.csv")


@bp.route("/crosswalks/<a>/<b>/heatmap.svg")
def heatmap_svg(a: str, b: str) -> Response:
    """The coverage matrix as the SVG heatmap ``govkg report crosswalk`` writes."""
    site = current_site()
    found = crosswalk(site, a, b)
    text = site.cached(("crosswalk-svg", a, b), lambda: coverage.to_svg(found.matrix))
    return _respond(text, "image/svg+xml; charset=utf-8")


@bp.route("/crosswalks/sets/<key>.sssom.tsv")
def set_sssom(key: str) -> Response:
    """A mapping set as SSSOM TSV, as ``govkg export-mappings`` writes it."""
    site = current_site()
    chosen = _exportable(site, key)
    text = site.kept(("sssom", key), lambda: _sssom(site, chosen))
    return _download(text, "text/tab-separated-values", f"{key}.sssom.tsv")


@bp.route("/crosswalks/<a>/<b>/sets/<key>.sssom.tsv")
def pair_sssom(a: str, b: str, key: str) -> Response:
    """The mappings of a set that the crosswalk of A by B shows, as SSSOM TSV: the set's own
    metadata block and those of its rows whose ends are an element of A and one of B (a set
    such as a lexical crosswalk may link more frameworks than these two)."""
    site = current_site()
    found = crosswalk(site, a, b)
    chosen = _exportable(site, key)
    shown = {(p.row.subject, p.row.other) for p in found.pairs if p.row.mapping_set == chosen.iri}

    def make() -> str:
        converter = site.kept(("sssom-context",), lambda: _sssom_context(site)).converter
        whole = site.kept(("sssom", key), lambda: _sssom(site, chosen))
        return sssom_subset(whole, shown, converter.prefix_map)

    text = site.cached(("sssom", key, a, b), make)
    return _download(text, "text/tab-separated-values", f"{key}--{a}--{b}.sssom.tsv")


def sssom_subset(text: str, pairs: set[tuple[str, str]], prefixes: Mapping[str, str]) -> str:
    r"""The rows of an SSSOM TSV whose (subject, object), or (object, subject), is one of
    ``pairs`` (full IRIs), under the same metadata block. CURIEs are expanded with the file's
    ``curie_map`` over ``prefixes``.

    >>> text = "#curie_map:\n#  ex: http://ex.org/\nsubject_id\tobject_id\nex:a\tex:b\nex:c\tex:d\n"
    >>> kept = sssom_subset(text, {("http://ex.org/b", "http://ex.org/a")}, {})
    >>> kept.splitlines()[2:]
    ['subject_id\tobject_id', 'ex:a\tex:b']
    """
    lines = text.splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    table = [line for line in lines if not line.startswith("#")]
    block = yaml.safe_load("".join(line[1:] for line in header)) or {}
    namespaces = {**prefixes, **(block.get("curie_map") or {})}

    def expand(value: str) -> str:
        prefix, colon, local = value.partition(":")
        return namespaces[prefix] + local if colon and prefix in namespaces else value

    reader = csv.reader(io.StringIO("".join(table)), delimiter="\t")
    columns = next(reader)
    subject, obj = columns.index("subject_id"), columns.index("object_id")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for row in reader:
        ends = (expand(row[subject]), expand(row[obj]))
        if ends in pairs or ends[::-1] in pairs:
            writer.writerow(row)
    return "".join(header) + out.getvalue()


def _exportable(site: Site, key: str) -> MappingSet:
    """The mapping set of ``key`` that has a table in the graph (404 otherwise)."""
    found = {s.key: s for s in sets(site) if s.mappings and s.graph}
    if key not in found:
        raise NotFoundError(
            f"no mapping set with mappings called {key!r}; known: {', '.join(sorted(found))}"
        )
    return found[key]


def _sssom(site: Site, chosen: MappingSet) -> str:
    context = site.kept(("sssom-context",), lambda: _sssom_context(site))
    assert chosen.graph is not None
    return exporting.export_set(site.store, chosen.iri, context, chosen.graph, chosen.key).text


def _sssom_context(site: Site) -> exporting.ExportContext:
    """What the export reads once for all sets (prefixes, labels, schemes), on the served
    store."""
    return exporting.ExportContext.read(site.store, site.config.layout)


def _group(found: Tree, iri: str) -> Element | None:
    return found.group(iri) if iri in found.elements else None


def _path(element: Element | None) -> str:
    return element.path if element is not None else ""


def _cell(found: Crosswalk, row: str | None, column: str | None) -> tuple[Element, Element] | None:
    """The (A group, B group) that ``?row=&column=`` name, None without them (404 if unknown)."""
    if not row and not column:
        return None
    rows = {e.path: e for e, _, _ in found.rows if e is not None}
    columns = {e.path: e for e, _ in found.columns if e is not None}
    if row is None or column is None or row not in rows or column not in columns:
        raise NotFoundError(
            f"no cell row={row!r} column={column!r} in the crosswalk of "
            f"{found.a.key} by {found.b.key}"
        )
    return rows[row], columns[column]


def _pairs_in(found: Crosswalk, cell: tuple[Element, Element] | None) -> list[Pair]:
    if cell is None:
        return found.pairs
    return [
        p for p in found.pairs if p.row.counted and p.a_group is cell[0] and p.b_group is cell[1]
    ]


def _respond(text: str, media_type: str) -> Response:
    response = Response(text, content_type=media_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _download(text: str, media_type: str, name: str) -> Response:
    response = _respond(text, f"{media_type}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
