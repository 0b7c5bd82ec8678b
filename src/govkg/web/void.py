"""``/.well-known/void``: the VoID description of the served dataset (VoID Note section 7.2,
"Discovery via /.well-known/void"; RFC 8615 well-known URIs), in the RDF syntax ``Accept``
asks for (Turtle by default)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from govkg.void import void_triples
from govkg.web import base_url, current_site
from govkg.web.errors import NotAcceptableError
from govkg.web.metadata import void_description
from govkg.web.negotiation import GRAPH, choose
from govkg.web.rdfdoc import rdf_response, serialise

bp = Blueprint("void", __name__)


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID description: endpoint, dumps, license, counts, class/property partitions."""
    site = current_site()
    fmt = choose(GRAPH, request.headers.get("Accept"), request.args.getlist("_mediatype") or None)
    if fmt is None:
        raise NotAcceptableError("VoID is served as RDF: " + ", ".join(f.media_type for f in GRAPH))
    root = base_url()
    body = site.cached(
        ("void", root, fmt.name),
        lambda: serialise(
            void_triples(void_description(site.stats, root, site.artefacts.dumps())), fmt
        ),
    )
    return rdf_response(body, fmt)
