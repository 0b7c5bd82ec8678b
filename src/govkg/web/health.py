"""``/healthz``: a liveness and readiness probe, as JSON, never cached.

It answers 200 when the store answers a trivial query within :data:`HEALTH_TIMEOUT` (over the
embedded store: an evaluator process answers it), else 503 with the one-line reason. It names
the build served (its manifest's id), its size, and the store: its kind, its location (a
remote store's URL without credentials; null for the embedded store), whether it answered,
and, over a remote store, the build the store holds now (``storeBuild``; ``stale`` is true
when it differs from ``build``: a new build was published and this server is not yet reloaded
with SIGHUP, the documented switch of ``docs/deployment.md``).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response

from govkg import __version__
from govkg.errors import GovkgError
from govkg.sparql_guard import check_query
from govkg.web import Site, current_site
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
    store = site.store
    state: dict[str, object] = {
        "version": __version__,
        "build": site.build_id,
        "quads": site.stats.quads,
        "graphs": len(site.stats.graphs),
        # a remote store's URL (no credentials); never the embedded store's path on this host
        "store": {
            "kind": store.kind,
            "location": None if store.capabilities.in_process else store.location,
        },
    }
    try:
        store_build = _probe(site)
    except GovkgError as exc:
        state["status"], state["error"], status = "unavailable", exc.message, 503
        state["store"] = {**state["store"], "reachable": False}  # type: ignore[dict-item]
    else:
        state["status"], status = "ok", 200
        state["store"] = {**state["store"], "reachable": True}  # type: ignore[dict-item]
        if not site.store.capabilities.in_process:
            state["storeBuild"] = store_build
            # a new build was published: this server answers queries from it but its pages
            # and caches are the served build's until it is reloaded (SIGHUP)
            state["stale"] = store_build != site.build_id
    response = Response(json.dumps(state) + "\n", status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _probe(site: Site) -> str | None:
    """Ask the store a trivial query under :data:`HEALTH_TIMEOUT`; over a remote store, also
    read which build it holds now (returned; None over the embedded store).

    Raises:
        GovkgError: the store (or its evaluator) did not answer in time or failed.
    """
    timeout = min(HEALTH_TIMEOUT, site.config.query_timeout)
    if site.pool is not None:
        probe = QueryRequest(_PROBE, check_query(_PROBE), None, None)
        site.pool.run(encode(probe, "http://localhost/sparql", TABULAR[0], None), timeout)
        return None
    site.store.ask(_PROBE, timeout=timeout)
    return site.store.state(quads=False).build_id
