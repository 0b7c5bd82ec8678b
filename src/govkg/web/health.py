"""``/healthz``: a liveness and readiness probe. It answers 200 when an evaluator process
answers a trivial query within :data:`HEALTH_TIMEOUT`, else 503, and names the build served
(the SHA-256 of its dataset dump) with its size."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from govkg import __version__
from govkg.errors import GovkgError
from govkg.sparql_guard import check_query
from govkg.web import current_site
from govkg.web.evaluation import encode
from govkg.web.negotiation import TABULAR
from govkg.web.protocol import QueryRequest

bp = Blueprint("health", __name__)
#: Seconds the probe query may take.
HEALTH_TIMEOUT = 5.0
_PROBE = "ASK {}"


@bp.route("/healthz")
def healthz() -> Response:
    """Report the server's state as JSON (never cached)."""
    site = current_site()
    probe = QueryRequest(_PROBE, check_query(_PROBE), None, None)
    state: dict[str, object] = {
        "version": __version__,
        "build": site.build_id,
        "quads": site.stats.quads,
        "graphs": len(site.stats.graphs),
    }
    try:
        site.pool.run(
            encode(probe, "http://localhost/sparql", TABULAR[0], None),
            min(HEALTH_TIMEOUT, site.config.query_timeout),
        )
        state["status"], status = "ok", 200
    except GovkgError as exc:
        state["status"], state["error"], status = "unavailable", exc.message, 503
    response = Response(json.dumps(state) + "\n", status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
