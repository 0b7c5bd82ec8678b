"""Linked data: govkg's IRIs dereference on this server (Cool URIs for the Semantic Web, W3C
Interest Group Note 2008-12-03).

* ``/id/PATH`` and ``/graph/PATH`` (the slash IRIs ``https://w3id.org/govkg/id/PATH`` ...)
  answer ``303 See Other`` (section 4.3) to ``/page/id/PATH`` for HTML or to
  ``/data/id/PATH.EXT`` for RDF, chosen by ``Accept`` or the ``_mediatype`` parameter;
* ``/ontology`` (the ontology IRI and, with its fragment, every term IRI ``ontology#Term``,
  section 4.2) answers ``303`` to ``/page/ontology`` (one section per term, ``id="Term"``) or
  ``/data/ontology.EXT``;
* every response names the alternates in a ``Link`` header (RFC 8288; ``rel="alternate"``)
  and the thing a document describes (RFC 6892; ``rel="describes"``).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from govkg import __version__
from govkg.namespaces import BASE
from govkg.web import current_site
from govkg.web.describe import ONTOLOGY, iri_for_path
from govkg.web.errors import NotAcceptableError, NotFoundError
from govkg.web.negotiation import GRAPH, TABULAR, ResultFormat, choose, graph_format_by_extension
from govkg.web.rdfdoc import rdf_response, serialise

bp = Blueprint("pages", __name__)
_HTML = next(f for f in TABULAR if f.name == "html")
_DOCUMENT_FORMATS = (_HTML,) + GRAPH


@bp.route("/")
def home() -> Response:
    """The site's front page."""
    site = current_site()
    return Response(
        render_template(
            "home.html",
            stats=site.stats,
            builtin=site.config.builtin,
            examples=_EXAMPLES if site.config.builtin else (),
        ),
        content_type=_HTML.media_type,
    )


_EXAMPLES = (
    ("US-Singapore AI fact sheet principles", "/id/principle-list/us-sg-ai-fact-sheet-2024-06-05"),
    ("NIST AI RMF 1.0", "/id/framework/nist-ai-rmf-1-0"),
    ("AI Verify testing framework", "/id/framework/ai-verify-testing-framework"),
    ("OECD AI Principles", "/id/framework/oecd-ai-principles"),
    ("Principle: accountability", "/id/principle/accountability"),
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
    """Dereference the ontology's version IRI (``owl:versionIRI``): this server serves the
    version it was built with, so the current version IRI answers like the ontology IRI."""
    if version != __version__:
        raise NotFoundError(f"this server serves ontology version {__version__}, not {version}")
    return ontology()


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
    iri = _known(rest)
    view = site.view(iri)
    html = site.cached(("page", iri), lambda: render_template("resource.html", view=view))
    return _document(html.encode("utf-8"), _HTML, rest, iri)


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
    iri = _known(path)
    body = site.cached(("data", iri, fmt.name), lambda: serialise(site.description(iri), fmt))
    return _document(body, fmt, path, iri)


def _see_other(path: str) -> Response:
    fmt = _document_format()
    return _redirect(path, fmt, _known(path))


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
