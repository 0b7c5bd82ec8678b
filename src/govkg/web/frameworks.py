"""Framework pages: ``/frameworks/`` (every framework with publisher, version, licence and
size), ``/frameworks/{key}`` (the framework as an expandable tree in its own order, HTML
``<details>``/``<summary>`` that works without JavaScript) and ``/frameworks/{key}/{path}`` (an
element as a document: breadcrumb, text, children and its mappings grouped by mapping set).

The linked-data view of the same resources stays at ``/id/...`` (``/page/id/...`` in HTML,
``/data/id/...`` in RDF): these pages are for reading, that one for the raw statements. Both
read the same store; the pages are rendered once and cached (the store never changes while
serving).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template

from govkg.web import Site, current_site
from govkg.web.browse_model import Element, Framework, MappingRow, MappingSet, Tree
from govkg.web.describe import link_href, local_href
from govkg.web.errors import NotFoundError

bp = Blueprint("frameworks", __name__)
HTML = "text/html; charset=utf-8"


@dataclass
class MappingGroup:
    """The mappings of one element that one mapping set holds."""

    set_iri: str | None
    key: str | None
    label: str
    status: str | None
    official: bool
    rows: list[MappingRow]


def frameworks(site: Site) -> dict[str, Framework]:
    """Every framework by key; cached."""
    return site.kept(("browse-frameworks",), lambda: {f.key: f for f in site.browser.frameworks()})


def framework(site: Site, key: str) -> Framework:
    """The framework of ``key`` (404 naming the known keys when there is none)."""
    known = frameworks(site)
    if key not in known:
        raise NotFoundError(f"no framework {key!r}; known: {', '.join(sorted(known))}")
    return known[key]


def tree(site: Site, key: str) -> Tree:
    """The tree of the framework of ``key``; cached."""
    found = framework(site, key)
    return site.kept(("browse-tree", key), lambda: site.browser.tree(found))


def element_hrefs(site: Site) -> dict[str, str]:
    """The browsing page of every element of every framework, by IRI; cached."""

    def make() -> dict[str, str]:
        out: dict[str, str] = {}
        for key, f in frameworks(site).items():
            out[f.iri] = f"/frameworks/{key}"
            for element in tree(site, key).elements.values():
                out.setdefault(element.iri, f"/frameworks/{key}/{element.path}")
        return out

    return site.kept(("browse-hrefs",), make)


def href(site: Site, iri: str) -> str | None:
    """Where a link to ``iri`` goes: its browsing page, else its linked-data page here (a
    govkg IRI's path, or ``/resource?iri=`` for an IRI of the served workspace's namespace),
    else the IRI itself when it is an http(s) IRI."""
    found = element_hrefs(site).get(iri) or local_href(iri)
    if found is not None:
        return found
    workspace = site.config.layout.workspace
    if workspace is not None and iri.startswith(workspace.namespace):
        return "/resource?" + urlencode({"iri": iri})
    return link_href(iri)


def raw_href(site: Site, iri: str) -> str:
    """The linked-data view of ``iri`` on this server: its path, or ``/resource?iri=``."""
    return local_href(iri) or "/resource?" + urlencode({"iri": iri})


@bp.route("/frameworks/")
def framework_list() -> Response:
    """Every framework with its publisher, version, licence and size."""
    site = current_site()

    def render() -> str:
        return render_template("frameworks.html", frameworks=list(frameworks(site).values()))

    return _html(site.cached(("browse-page", "frameworks"), render))


@bp.route("/frameworks/<key>")
def framework_page(key: str) -> Response:
    """One framework as an expandable tree."""
    site = current_site()
    found = tree(site, key)

    def render() -> str:
        return render_template(
            "framework.html",
            framework=found.framework,
            tree=found,
            raw=raw_href(site, found.framework.iri),
            crosswalks=_partners(site, found.framework),
        )

    return _html(site.cached(("browse-page", "framework", key), render))


@bp.route("/frameworks/<key>/<path:path>")
def element_page(key: str, path: str) -> Response:
    """One element as a document."""
    site = current_site()
    found = tree(site, key)
    element = found.by_path.get(path)
    if element is None:
        raise NotFoundError(f"framework {key!r} has no element {path!r}")
    return _html(
        site.cached(("browse-page", "element", key, path), lambda: _element(site, found, element))
    )


def _element(site: Site, found: Tree, element: Element) -> str:
    rows = site.browser.element_mappings(element.iri)
    known_sets = {s.iri: s for s in sets(site)}
    schemes = site.browser.scheme_of(r.other for r in rows)
    labels = site.browser.labels(
        {r.other for r in rows}
        | {r.predicate for r in rows}
        | {r.justification or "" for r in rows}
        | {r.source or "" for r in rows}
        | set(schemes.values())
    )
    keyed = {f.iri: f for f in frameworks(site).values()}
    groups: dict[str | None, MappingGroup] = {}
    for row in rows:
        known = known_sets.get(row.mapping_set or "")
        group = groups.get(row.mapping_set)
        if group is None:
            group = groups[row.mapping_set] = MappingGroup(
                set_iri=row.mapping_set,
                key=known.key if known and known.mappings and known.graph else None,
                label=known.label if known else "mappings in no mapping set",
                status=known.status_label if known else None,
                official=bool(known and known.official),
                rows=[],
            )
        group.rows.append(row)
    ordered = sorted(groups.values(), key=lambda g: (not g.official, g.label.lower()))
    return render_template(
        "element.html",
        framework=found.framework,
        element=element,
        ancestors=found.ancestors(element.iri),
        groups=ordered,
        labels=labels,
        schemes=schemes,
        frameworks=keyed,
        href=lambda iri: href(site, iri),
        raw=raw_href(site, element.iri),
    )


def sets(site: Site) -> list[MappingSet]:
    """Every mapping set with its metadata; cached."""
    return site.kept(("browse-sets",), site.browser.mapping_sets)


def _partners(site: Site, f: Framework) -> list[tuple[Framework, int]]:
    """The frameworks that mappings link to ``f``, with how many mappings."""
    counts = site.kept(("browse-scheme-pairs",), site.browser.scheme_pairs)
    known = {x.iri: x for x in frameworks(site).values()}
    totals: dict[str, int] = {}
    for (a, b), n in counts.items():
        if a == f.iri and b in known:
            totals[b] = totals.get(b, 0) + n
        elif b == f.iri and a in known:
            totals[a] = totals.get(a, 0) + n
    return sorted(((known[i], n) for i, n in totals.items()), key=lambda p: p[0].label.lower())


def _html(text: str) -> Response:
    response = Response(text, content_type=HTML)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
