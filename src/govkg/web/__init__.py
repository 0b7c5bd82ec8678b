"""The govkg web app: a SPARQL 1.1 endpoint, linked-data pages, downloads and VoID.

:func:`create_app` is the Flask application factory (Flask's "application factory" pattern):
it opens the served store once (the embedded store loaded from the build, or a remote store
holding a published build: ``--store``), attaches one :class:`Site` to
``app.extensions["govkg"]``, and registers one blueprint per concern. The app is read-only;
over the embedded store, query evaluation happens in killable evaluator processes
(:mod:`govkg.web.evaluator`); over a remote store, in the request thread under the time limit
(:class:`govkg.web.evaluation.RemoteQueries`). Over a remote store the server holds no state of
its own: replicas on one store answer alike.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

from govkg import __version__
from govkg.backends import Quad, Store, StoreError
from govkg.backends.embedded import EmbeddedStore
from govkg.build import DATASET_DUMP
from govkg.build_cache import read_manifest
from govkg.catalogue import NamedQuery, load_catalogue
from govkg.identifiers import Resolver
from govkg.namespaces import curie
from govkg.progress import Progress
from govkg.web import errors
from govkg.web.browse import Browser
from govkg.web.browse_model import readable
from govkg.web.config import (
    MAX_INCOMING_LINKS,
    PAGE_CACHE_SIZE,
    RESULT_CACHE_BYTES,
    RESULT_CACHE_ENTRY_BYTES,
    WebConfig,
)
from govkg.web.dataset import open_dataset
from govkg.web.describe import Describer, ResourceView, link_href
from govkg.web.evaluation import Evaluation, RemoteQueries, make_task, served_type
from govkg.web.evaluator import EvaluatorPool, Reply
from govkg.web.metadata import DatasetStats, collect_stats
from govkg.web.negotiation import ResultFormat
from govkg.web.protocol import QueryRequest
from govkg.web.serving import StreamGate

EXTENSION = "govkg"
T = TypeVar("T")
_CORS_EXPOSED = "Link, Content-Location, ETag, Last-Modified, Content-Length, Vary"
#: The Content-Security-Policy of every HTML page (CSP Level 3): scripts, styles and images from
#: this server only, no inline script or style anywhere (templates load static files), no
#: framing, no ``<base>``, forms submit here only. The editor and the pages satisfy it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: The policy of every other answer (results, RDF, downloads, SVG): it loads nothing, runs
#: nothing and is never framed, even when a browser opens it as a document.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: Headers every answer carries (RFC 9110 has none of them; see the Fetch standard for nosniff,
#: the Referrer Policy W3C draft, and RFC 7034 for X-Frame-Options, which older browsers read).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Site:
    """What every request handler needs, made once per app (and shared by forked workers).

    Args:
        config: Limits and what to serve.
        store: The opened store (holding a govkg build when remote).
    """

    def __init__(self, config: WebConfig, store: Store):
        from govkg.web.downloads import Artefacts  # the blueprint modules import this one

        self.config = config
        self.store = store
        #: Which build is served (its manifest's id; None: no built-in graph), and the build
        #: folder holding exactly that build's files, if any (downloads, the search index).
        self.build_id, self.build_folder = _served_build(config, store)
        self.catalogue: dict[str, NamedQuery] = load_catalogue(config.layout)
        #: Reads named-query parameters in every id spelling (``govkg.identifiers``), as the
        #: command line does; its caches may be shared (a race only repeats a lookup).
        self.resolver = Resolver(store, config.layout)
        self.stats: DatasetStats = collect_stats(store, config.builtin)
        self.describer = Describer(store, max_incoming=MAX_INCOMING_LINKS)
        self.browser = Browser(store, self.describer)
        #: The killable evaluators of the embedded store (None over a remote store, whose
        #: queries :attr:`remote` sends from the request thread).
        self.pool: EvaluatorPool | None = None
        self.remote: RemoteQueries | None = None
        if store.capabilities.in_process:
            assert isinstance(store, EmbeddedStore)
            self.pool = EvaluatorPool(
                make_task(store),
                size=config.evaluators,
                memory_mb=config.evaluator_memory_mb,
                max_queued=config.max_queued,
                queue_timeout=config.queue_timeout,
            )
        else:
            self.remote = RemoteQueries(
                store, config.evaluators, config.max_queued, config.queue_timeout
            )
        self.streams = StreamGate(config.max_streams, config.send_timeout)
        self.artefacts = Artefacts(self.build_folder)
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._kept: dict[tuple[Any, ...], Any] = {}
        self._results: OrderedDict[bytes, tuple[str, bytes]] = OrderedDict()
        self._result_bytes = 0
        self._cache_lock = threading.Lock()

    def cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Return the cached value of ``key``, made by ``make()`` on a miss (LRU, bounded).

        The store never changes while serving, so rendered pages and documents stay valid.
        """
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = make()
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > PAGE_CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def kept(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Return the value of ``key``, made by ``make()`` once and never evicted: for what the
        graph holds a few of (its frameworks, their trees, mapping sets), which the browsing
        pages read on every request and :meth:`warm` fills before workers fork."""
        with self._cache_lock:
            if key in self._kept:
                return self._kept[key]  # type: ignore[no-any-return]
        value = make()
        with self._cache_lock:
            return self._kept.setdefault(key, value)  # type: ignore[no-any-return]

    def run_query(
        self,
        query: QueryRequest,
        base_iri: str,
        tabular: ResultFormat | None,
        graph: ResultFormat | None,
    ) -> Reply:
        """Evaluate a checked query under the time limit: in an evaluator process over the
        embedded store, from this thread over a remote store.

        A complete answer of at most ``RESULT_CACHE_ENTRY_BYTES`` is kept (LRU,
        ``RESULT_CACHE_BYTES`` in all per worker) and the same request (query, dataset,
        formats, base IRI) on the same build is answered from memory: the embedded store's
        build never changes; a remote store's is the one its publication record names (read
        again every 2 s), so after a publish no answer of the previous build is served.
        """
        evaluation = Evaluation.of(query, base_iri, tabular, graph)
        payload = evaluation.encode()
        key: bytes | None = payload
        if self.remote is not None:
            try:
                key = f"{self.remote.store.held_build()}\0".encode() + payload
            except StoreError:  # the query below fails with the store's own error
                key = None
        with self._cache_lock:
            hit = self._results.get(key) if key is not None else None
            if key is not None and hit is not None:
                self._results.move_to_end(key)
                return Reply(media_type=hit[0], body=hit[1])
        if self.pool is not None:
            reply = self.pool.run(payload, self.config.query_timeout)
            reply.media_type = served_type(reply.media_type)
        else:
            assert self.remote is not None
            reply = self.remote.run(evaluation, self.config.query_timeout)
        if key is not None and reply.spool is None and reply.size <= RESULT_CACHE_ENTRY_BYTES:
            with self._cache_lock:
                self._results[key] = (reply.media_type, reply.body)
                self._result_bytes += len(reply.body) + len(key)
                while self._result_bytes > RESULT_CACHE_BYTES and self._results:
                    old_key, (_, old_body) = self._results.popitem(last=False)
                    self._result_bytes -= len(old_body) + len(old_key)
        return reply

    def view(self, iri: str) -> ResourceView | None:
        """What the page of ``iri`` shows (None: the store knows nothing of it); cached."""
        return self.cached(("view", iri), lambda: self.describer.view(iri))

    def description(self, iri: str) -> list[Quad]:
        """The quads of the RDF description of ``iri``; cached."""
        return self.cached(("quads", iri), lambda: self.describer.description_quads(iri))

    def ontology_views(self) -> tuple[ResourceView | None, list[ResourceView]]:
        """The ontology header and its terms (about 150 views); cached."""
        return self.cached(("ontology-views",), self.describer.ontology_views)

    def warm(self) -> None:
        """Fill caches shared by forked workers (the ontology page, what the framework and
        crosswalk pages read) and pre-compress dumps; then move everything alive out of the
        cyclic garbage collector's reach (``gc.freeze``, as the Python documentation advises
        before forking): a full collection would otherwise walk some 95 000 long-lived objects
        (70-160 ms on the shipped graph) in the middle of some request, and touching them
        would copy the workers' shared pages.

        Over a remote store only the ontology page is made before forking: the browsing
        pages' content (every crosswalk both ways) costs the engine dozens of queries, so each
        worker makes what its readers ask for, when they ask (start-up does not wait for it).
        """
        from govkg.web.crosswalks import warm

        self.ontology_views()
        if self.store.capabilities.in_process:
            warm(self)
        self.artefacts.compress_all()
        gc.collect()
        gc.freeze()

    def close(self) -> None:
        """Let go of what this site holds open (the server switched to another build), and
        give what :meth:`warm` froze back to the collector so that this site can be freed."""
        if self.pool is not None:
            self.pool.close()
        self.artefacts.close()
        if not self.store.capabilities.in_process:
            self.store.close()  # a replaced embedded store is freed with its site
        gc.unfreeze()


def _served_build(config: WebConfig, store: Store) -> tuple[str | None, Path | None]:
    """The build served and the folder of its files, if any.

    Over the embedded store: the versioned build folder whose dump it loaded (downloads, VoID
    and the build id describe exactly that build, even if a new one was swapped in meanwhile).
    Over a remote store: the build its publication record names; ``config.build_dir`` gives
    the downloads only when it holds that same build (same manifest ``build_id``), else there
    are none (the files of another build would not describe what is served).
    """
    if isinstance(store, EmbeddedStore):
        folder = next((p.parent for p in store.loaded if p.name == DATASET_DUMP), None)
        if folder is None or not config.builtin:
            return None, None
        manifest = read_manifest(folder)
        return (manifest.build_id if manifest is not None else None), folder
    build_id = store.state().build_id
    folder = config.build_dir.resolve()
    manifest = read_manifest(folder)
    if manifest is None or manifest.build_id != build_id:
        return build_id, None
    return build_id, folder


def current_site() -> Site:
    """The :class:`Site` of the app handling the current request."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def base_url() -> str:
    """This server's URL as the world sees it (``GOVKG_PUBLIC_URL`` or the request's host)."""
    configured = current_site().config.public_url
    return configured or f"{request.scheme}://{request.host}"


def create_app(
    config: WebConfig | None = None,
    store: Store | None = None,
    progress: Progress | None = None,
) -> Flask:
    """Create the web app.

    Args:
        config: What to serve and the limits; by default from ``GOVKG_*`` variables.
        store: An opened store to serve (tests); by default the store ``config`` names
            (``config.store``: it must hold a govkg build), or else the embedded store loaded
            with the dataset ``config`` names (building the built-in graph first when missing).
        progress: Where build progress goes when a build is needed.

    Raises:
        StoreError: ``config.store`` is unreachable or holds no govkg build (one line).

    Example (Flask's test client)::

        app = create_app(WebConfig(build_dir=Path("build")))
        assert app.test_client().get("/healthz").status_code == 200
    """
    config = config or WebConfig.from_env()
    if store is None:
        store = open_dataset(config, progress)
    here = Path(__file__).parent
    app = Flask(
        __name__,
        template_folder=str(here / "templates"),
        static_folder=str(here / "static"),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = config.max_body_bytes
    app.extensions[EXTENSION] = Site(config, store)
    app.jinja_env.globals.update(version=__version__)
    app.jinja_env.filters["curie"] = curie
    app.jinja_env.filters["local_href"] = link_href
    app.jinja_env.filters["readable"] = readable

    from govkg.web import (
        crosswalks,
        downloads,
        frameworks,
        health,
        pages,
        queries,
        search,
        sparql,
        void,
    )

    for module in (sparql, queries, pages, frameworks, crosswalks, search, downloads, void, health):
        app.register_blueprint(module.bp)
    errors.register(app)
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)  # compiled once, before the server forks workers
    app.after_request(_cors)
    app.after_request(security_headers)
    return app


def security_headers(response: Response) -> Response:
    """Add :data:`SECURITY_HEADERS` to every answer, and :data:`PAGE_POLICY` to HTML pages or
    :data:`DOCUMENT_POLICY` to anything else (an answer that sets its own policy keeps it)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    html = (response.mimetype or "") in ("text/html", "application/xhtml+xml")
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else DOCUMENT_POLICY)
    return response


def _cors(response: Response) -> Response:
    """CORS for a read-only public API: any origin, no credentials (Fetch standard, CORS
    protocol); preflight answers allow the methods and headers a SPARQL client sends."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = _CORS_EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
