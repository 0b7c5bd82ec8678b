"""Linked data: govkg's IRIs dereference on this server (Cool URIs for the Semantic Web, W3C
Interest Group Note 2008-12-03).

* ``/id/PATH`` and ``/graph/PATH`` (the slash IRIs ``https://w3id.org/govkg/id/PATH`` ...)
  answer ``303 See Other`` (section 4.3) to ``/page/id/PATH`` for HTML or to
  ``/data/id/PATH.EXT`` for RDF, chosen by ``Accept`` or the ``_mediatype`` parameter;
* ``/ontology`` (the ontology IRI and, with its fragment, every term IRI ``ontology#Term``,
  section 4.2) answers ``303`` to ``/page/ontology`` (one section per term, ``id="Term"``) or
  ``/data/ontology.EXT``;
* ``/ontology/VERSION`` (a version IRI, ``owl:versionIRI``) answers like ``/ontology`` for the
  version the server serves, ``303`` to ``/page/ontology/VERSION`` or
  ``/data/ontology/VERSION.EXT`` for an archived release (``ontology/releases/VERSION.ttl``, the
  ontology's own version numbers, ``docs/ontology.md``), and 404 naming the known versions for
  any other;
* a superseded identifier (the store holds ``<old> dcterms:isReplacedBy <new>`` and nothing else
  of it but labels and types) answers ``301 Moved Permanently`` (RFC 9110, section 15.4.2) to
  the same form of its successor: ``/id/``, ``/page/id/`` or ``/data/id/....EXT``;
* every response names the alternates in a ``Link`` header (RFC 8288; ``rel="alternate"``)
  and the thing a document describes (RFC 6892; ``rel="describes"``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SKOS

from govkg.backends import Triple
from govkg.errors import InputError
from govkg.namespaces import BASE
from govkg.paths import bundled_layout
from govkg.web import current_site
from govkg.web.describe import ONTOLOGY, iri_for_path, local_href, valid_iri
from govkg.web.errors import NotAcceptableError, NotFoundError
from govkg.web.frameworks import element_hrefs, frameworks
from govkg.web.negotiation import GRAPH, TABULAR, ResultFormat, choose, graph_format_by_extension
from govkg.web.rdfdoc import quad_key, rdf_response, serialise

bp = Blueprint("pages", __name__)
_HTML = next(f for f in TABULAR if f.name == "html")
_DOCUMENT_FORMATS = (_HTML,) + GRAPH


@bp.route("/")
def home() -> Response:
    """The site's front page: what to read (every framework, the linked crosswalks) and how to
    query, all read from the graph."""
    from govkg.web.crosswalks import linked_pairs

    site = current_site()
    return Response(
        render_template(
            "home.html",
            stats=site.stats,
            frameworks=list(frameworks(site).values()),
            crosswalks=linked_pairs(site),
        ),
        content_type=_HTML.media_type,
    )


@bp.route("/id/<path:rest>")
def thing(rest: str) -> Response:
    """Dereference an instance IRI: 303 to its page or its RDF description."""
    return _see_other(f"id/{rest}")


@bp.route("/graph/<path:rest>")
def graph(rest: str) -> Response:
    """Dereference a named-graph IRI: 303 to its page or its RDF description."""
    return _see_other(f"graph/{rest}")


@bp.route("/ontology")
def ontology() -> Response:
    """Dereference the ontology IRI (and so every ``ontology#Term``)."""
    fmt = _document_format()
    if not current_site().ontology_views()[1]:
        raise NotFoundError("this server does not serve the govkg ontology")
    return _redirect("ontology", fmt, ONTOLOGY)


@bp.route("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """Dereference a version IRI of the ontology (``owl:versionIRI``): the version this server
    serves answers like the ontology IRI, an archived release like a document of its own."""
    if version == _current_version():
        return ontology()
    _release_path(version)
    return _redirect(f"ontology/{version}", _document_format(), _version_iri(version))


@bp.route("/shapes")
def shapes() -> Response:
    """Dereference the shapes namespace (``https://w3id.org/govkg/shapes#...``, named in every
    validation report): 303 to the list of downloads, which holds the shapes files."""
    response = Response(
        "See /downloads/ for the shapes files\n",
        status=303,
        content_type="text/plain; charset=utf-8",
    )
    response.headers["Location"] = "/downloads/#shapes"
    return response


@bp.route("/page/<path:rest>")
def page(rest: str) -> Response:
    """The HTML page of a resource (or of the ontology)."""
    site = current_site()
    if rest == "ontology":
        header, terms = site.ontology_views()
        if not terms:
            raise NotFoundError("this server does not serve the govkg ontology")
        html = site.cached(
            ("ontology-page",), lambda: render_template("ontology.html", header=header, terms=terms)
        )
        return _document(html.encode("utf-8"), _HTML, "ontology", ONTOLOGY)
    if rest.startswith("ontology/"):
        version = rest.removeprefix("ontology/")
        triples = _release_quads(version)
        key = ("ontology-release-page", version)
        html = site.cached(key, lambda: _release_page(version, triples))
        return _document(html.encode("utf-8"), _HTML, rest, _version_iri(version))
    _moved(rest, "/page")
    iri = _known(rest)
    view = site.view(iri)
    reading = element_hrefs(site).get(iri)
    html = site.cached(
        ("page", iri), lambda: render_template("resource.html", view=view, reading=reading)
    )
    return _document(html.encode("utf-8"), _HTML, rest, iri)


@bp.route("/resource")
def any_resource() -> Response:
    """The HTML page of any IRI the store knows (``?iri=``), for IRIs this server does not
    answer at a path of their own: those a workspace mints in its own namespace, say."""
    site = current_site()
    iri = request.args.get("iri", "")
    if not iri.startswith(("http://", "https://")) or not valid_iri(iri):
        raise NotFoundError("give the IRI of a resource: /resource?iri=https://...")
    local = local_href(iri)
    if local is not None:
        response = Response(f"See Other: {local}\n", 303, content_type="text/plain; charset=utf-8")
        response.headers["Location"] = local
        return response
    view = site.view(iri)
    if view is None:
        raise NotFoundError(f"nothing is known about <{iri}>")
    reading = element_hrefs(site).get(iri)
    html = site.cached(
        ("page", iri), lambda: render_template("resource.html", view=view, reading=reading)
    )
    response = Response(html, content_type=_HTML.media_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/data/<path:rest>")
def data(rest: str) -> Response:
    """The RDF description of a resource (or the ontology) in the syntax its extension names."""
    site = current_site()
    path, dot, extension = rest.rpartition(".")
    fmt = graph_format_by_extension(extension) if dot else None
    if fmt is None:
        raise NotFoundError("an RDF document ends in .ttl, .nt, .jsonld, .rdf, .trig or .nq")
    if path == "ontology":
        quads = site.cached(("ontology-quads",), site.describer.ontology_quads)
        if not quads:
            raise NotFoundError("this server does not serve the govkg ontology")
        body = site.cached(("data", ONTOLOGY, fmt.name), lambda: serialise(quads, fmt))
        return _document(body, fmt, path, ONTOLOGY)
    if path.startswith("ontology/"):
        version = path.removeprefix("ontology/")
        triples = _release_quads(version)
        iri = _version_iri(version)
        body = site.cached(("data", iri, fmt.name), lambda: serialise(triples, fmt))
        return _document(body, fmt, path, iri)
    _moved(path, "/data", f".{extension}")
    iri = _known(path)
    body = site.cached(("data", iri, fmt.name), lambda: serialise(site.description(iri), fmt))
    return _document(body, fmt, path, iri)


# -- ontology versions ----------------------------------------------------------------------------

_VERSION_INFO = str(OWL.versionInfo)
_DEFINED_BY = str(RDFS.isDefinedBy)
_TERM_STATUS = "http://www.w3.org/2003/06/sw-vocab-status/ns#term_status"
_RELEASE_FIELDS = {
    str(RDFS.label): "label",
    str(SKOS.definition): "definition",
    _TERM_STATUS: "status",
    str(OWL.deprecated): "deprecated",
}


def _version_iri(version: str) -> str:
    return f"{ONTOLOGY}/{version}"


def _current_version() -> str | None:
    """The ``owl:versionInfo`` of the ontology the server serves, if it serves one."""
    header = current_site().ontology_views()[0]
    if header is None:
        return None
    found = (v.term.value for p, vs in header.properties if p.value == _VERSION_INFO for v in vs)
    return next(found, None)


def _releases() -> dict[str, Path]:
    """The archived releases shipped with govkg, by version."""

    def find() -> dict[str, Path]:
        return {p.stem: p for p in sorted(bundled_layout().releases.glob("*.ttl"))}

    return current_site().cached(("ontology-releases",), find)


def _release_path(version: str) -> Path:
    releases = _releases()
    if version not in releases:
        current = _current_version()
        known = sorted(set(releases) | ({current} if current else set()), key=_version_key)
        listed = ", ".join(f"{v} (current)" if v == current else v for v in known)
        raise NotFoundError(f"no govkg ontology version {version}; known versions: {listed}")
    return releases[version]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _release_quads(version: str) -> list[Triple]:
    """The triples of an archived release (404 for a version not archived), in the order of
    their N-Triples lines."""
    path = _release_path(version)

    def parse() -> list[Triple]:
        graph = Graph(bind_namespaces="none")
        try:
            graph.parse(path, format="turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot read the archived ontology release: {exc}", path) from None
        triples: list[Triple] = [
            (s, p, o)
            for s, p, o in graph
            if isinstance(s, URIRef | BNode)
            and isinstance(p, URIRef)
            and isinstance(o, URIRef | BNode | Literal)
        ]
        return sorted(triples, key=quad_key)

    return current_site().cached(("ontology-release", version), parse)


def _release_page(version: str, triples: list[Triple]) -> str:
    """The HTML page of an archived release: one entry per term, ``id="Term"``, so an old term
    IRI ``ontology#Term`` is found at ``/ontology/VERSION#Term``."""
    statements = [(str(s), str(p), o) for s, p, o in triples if isinstance(s, URIRef)]
    fields: dict[str, dict[str, str]] = {
        s: {} for s, p, _ in statements if p == _DEFINED_BY and s.startswith(ONTOLOGY + "#")
    }
    for subject, predicate, value in statements:
        name = _RELEASE_FIELDS.get(predicate)
        if name and subject in fields and isinstance(value, Literal):
            fields[subject].setdefault(name, str(value))
    terms = [
        {"name": iri.split("#", 1)[1], **values}
        for iri, values in sorted(fields.items(), key=lambda item: item[0].lower())
    ]
    current_terms = {view.iri for view in current_site().ontology_views()[1]}
    for term in terms:
        if term.get("deprecated") == "true":
            term["status"] = "deprecated"
        if f"{ONTOLOGY}#{term['name']}" not in current_terms:
            term["gone"] = "yes"
    return render_template(
        "ontology_release.html",
        version=version,
        iri=_version_iri(version),
        current=_current_version(),
        terms=terms,
    )


def _see_other(path: str) -> Response:
    _moved(path)
    fmt = _document_format()
    return _redirect(path, fmt, _known(path))


class MovedPermanentlyError(Exception):
    """Raised for a superseded identifier; answered with ``301`` to ``location``."""

    def __init__(self, location: str):
        super().__init__(location)
        self.location = location


@bp.errorhandler(MovedPermanentlyError)
def _moved_permanently(error: MovedPermanentlyError) -> Response:
    response = Response(
        f"Moved Permanently: {error.location}\n", 301, content_type="text/plain; charset=utf-8"
    )
    response.headers["Location"] = error.location
    return response


def _moved(path: str, prefix: str = "", suffix: str = "") -> None:
    """Raise :class:`MovedPermanentlyError` when ``path`` names a superseded identifier whose
    successor this server answers for, to the successor's path in the same form."""
    iri = iri_for_path(path)
    if iri is None:
        return
    site = current_site()
    new = site.cached(("successor", iri), lambda: site.describer.successor(iri))
    href = local_href(new) if new else None
    if href is not None:
        raise MovedPermanentlyError(f"{prefix}{href}{suffix}")


def _known(path: str) -> str:
    iri = iri_for_path(path)
    if iri is None or current_site().view(iri) is None:
        raise NotFoundError(f"nothing is known about <{BASE}{path}>")
    return iri


def _document_format() -> ResultFormat:
    wanted = request.args.getlist("_mediatype")
    fmt = choose(_DOCUMENT_FORMATS, request.headers.get("Accept"), wanted or None)
    if fmt is None:
        raise NotAcceptableError(
            "this resource is described in HTML (text/html) or RDF: "
            + ", ".join(f.media_type for f in GRAPH)
        )
    return fmt


def _target(path: str, fmt: ResultFormat) -> str:
    return f"/page/{path}" if fmt is _HTML else f"/data/{path}.{fmt.extension}"


def _links(path: str, iri: str | None = None) -> str:
    links = [
        f'<{_target(path, f)}>; rel="alternate"; type="{f.media_type.split(";")[0]}"'
        for f in _DOCUMENT_FORMATS
    ]
    if iri:
        links.append(f'<{iri}>; rel="describes"')
    return ", ".join(links)


def _redirect(path: str, fmt: ResultFormat, iri: str) -> Response:
    target = _target(path, fmt)
    response = Response(f"See Other: {target}\n", 303, content_type="text/plain; charset=utf-8")
    response.headers["Location"] = target
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _links(path)
    return response


def _document(body: bytes, fmt: ResultFormat, path: str, iri: str) -> Response:
    response = rdf_response(body, fmt, {"Link": _links(path, iri)})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
