"""Naming a remote store: ``KIND:URL`` specs, each kind's URL layout, media types and
capabilities.

Each kind's endpoints, relative to the spec's URL (for ``sparql``: the URL itself, and the
update and Graph Store Protocol URLs from the environment):

* ``oxigraph:URL`` (Oxigraph server): ``/query``, ``/update``, ``/store?graph=``;
* ``virtuoso:URL`` (Virtuoso 7): ``/sparql``, ``/sparql-auth`` (digest),
  ``/sparql-graph-crud-auth?graph-uri=`` (digest);
* ``fuseki:URL/DATASET`` (Apache Jena Fuseki): ``/query``, ``/update``, ``/data?graph=``;
* ``sparql:URL`` (any SPARQL 1.1 server): queries to ``URL``, updates to
  ``GOVKG_STORE_UPDATE_URL``, graphs to ``GOVKG_STORE_GSP_URL`` (``?graph=``); without them
  the store is read-only for govkg.

Credentials come from the URL's user part (``virtuoso:http://dba:secret@host:8890``) or from
``GOVKG_STORE_USER`` / ``GOVKG_STORE_PASSWORD`` (the URL's win). They are sent as HTTP basic
credentials, except to Virtuoso's ``-auth`` endpoints, which take digest (RFC 7616). They are
never part of :attr:`StoreSpec.location`, a message, a log line or a repr.

Dataset quirks each kind is known for (the remote store sends every query an explicit
protocol dataset, SPARQL 1.1 Protocol section 2.1.4, so none of them shows through):
Oxigraph keeps a separate default graph; Virtuoso queries every graph of the store without a
dataset and *adds* a query's FROM graphs to protocol ``default-graph-uri`` ones (so the remote
store strips FROM / FROM NAMED from the text before sending it); Fuseki may serve the union
of its graphs (``unionDefaultGraph``) as default graph. Oxigraph and Virtuoso both count a
triple held by two default graphs twice; the record's merged graph
(:data:`govkg.backends.remote.MERGED_GRAPH_PROPERTY`) keeps the default graph an RDF merge.

Known deviations of Virtuoso 7.2.5 (Debian's ``virtuoso-opensource``), measured on the named
queries of the shipped graph (44 of 47 answer as on the embedded store):

* typed literals keep their value, not their lexical form (``"01"^^xsd:integer`` reads
  ``"1"``), and an integer above 2^31 reads back as ``xsd:decimal`` (``cq08``);
* a boolean from ``EXISTS`` in ``BIND`` comes back as ``0`` / ``1`` of ``xsd:integer``
  (``list-direct-mappings``);
* its cost estimator refuses queries estimated over ``MaxQueryCostEstimationTime``
  (``list-framework-elements``, estimated at 1692 s, runs in 0.3 s: set it to 0 in the
  ``[SPARQL]`` section), and its compiler fails on one named query
  (``qc/non-sssom-mapping-type-violation``: "sparp_gp_deprecate(): equiv replaces filter");
* ``ResultSetMaxRows`` (10 000 in the package's ini) cuts longer answers without saying
  so: raise it for govkg;
* ``INSERT DATA`` refuses blank nodes (``INSERT { … } WHERE {}`` takes them), one update
  request is not one transaction (``capabilities.atomic_update`` False), and the Graph
  Store endpoint misreads chunked request bodies (loads send a ``Content-Length``);
* an unset parameter's ``BIND (?_p AS ?v)`` joins nothing there (the remote store takes it
  out of the text, :func:`govkg.backends.wire.drop_unbound_binds`); ``DEFINE`` pragmas and
  the ``bif:`` / ``sql:`` built-ins are refused (they could reach past the dataset).
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field

from govkg.backends import REMOTE_KINDS, Capabilities
from govkg.errors import InputError

#: Environment: the store spec, its user and password, and the generic kind's other URLs.
ENV_STORE = "GOVKG_STORE"
ENV_USER = "GOVKG_STORE_USER"
ENV_PASSWORD = "GOVKG_STORE_PASSWORD"
ENV_UPDATE_URL = "GOVKG_STORE_UPDATE_URL"
ENV_GSP_URL = "GOVKG_STORE_GSP_URL"

#: Media types of SELECT/ASK answers every kind serves (as asked for: aliases map to these).
_RESULTS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")
#: Media types of CONSTRUCT/DESCRIBE answers every kind serves.
_GRAPHS = ("application/n-triples", "text/turtle", "application/rdf+xml")
#: Media type aliases callers may accept, and the type asked of the engine.
ROWS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
}


@dataclass(frozen=True)
class KindLayout:
    """How one kind of store is reached and what it can do.

    Attributes:
        query: Path of the query endpoint, relative to the store's URL.
        update: Path of the update endpoint (None: the kind has no fixed one).
        gsp: Path of the Graph Store Protocol endpoint (None: no fixed one).
        graph_parameter: The Graph Store Protocol parameter naming the graph.
        digest: Writes authenticate with digest rather than basic credentials.
        server: A word the engine's ``Server`` header holds (None: not checked).
        rows: SELECT/ASK media types the engine serves.
        graph: CONSTRUCT/DESCRIBE media types the engine serves.
        capabilities: What the store can do (``writable`` and ``graph_store`` only where
            the update / Graph Store URL is known).
        load_parameters: Extra Graph Store Protocol parameters of a load (Oxigraph's
            ``no_transaction``: its bulk loader, about 4 times faster for 1M triples
            measured on two cores; a load is into a staging graph whose count is checked).
    """

    query: str
    update: str | None
    gsp: str | None
    graph_parameter: str
    digest: bool
    server: str | None
    rows: tuple[str, ...]
    graph: tuple[str, ...]
    capabilities: Capabilities
    load_parameters: tuple[tuple[str, str], ...] = ()


def _capabilities(atomic_update: bool, quad_loads: bool = False) -> Capabilities:
    return Capabilities(
        in_process=False,
        native_streaming=True,
        cancellation=False,
        atomic_update=atomic_update,
        graph_store=True,
        writable=True,
        quad_loads=quad_loads,
    )


#: The kinds (:data:`govkg.backends.REMOTE_KINDS`). ``atomic_update``: Oxigraph applies one
#: update request in one transaction, as Fuseki (TDB2) does; Virtuoso applies the operations
#: of a request one by one (an INSERT stays when a later LOAD fails: measured with 7.2.5,
#: ``tests/test_store_remote.py``); the generic kind promises nothing.
KINDS: dict[str, KindLayout] = {
    "oxigraph": KindLayout(
        "/query",
        "/update",
        "/store",
        "graph",
        False,
        "oxigraph",
        (*_RESULTS, "text/tab-separated-values"),
        (*_GRAPHS, "application/n-quads", "application/trig", "application/ld+json"),
        _capabilities(atomic_update=True, quad_loads=True),
        (("no_transaction", ""),),
    ),
    "virtuoso": KindLayout(
        "/sparql",
        "/sparql-auth",
        "/sparql-graph-crud-auth",
        "graph-uri",
        True,
        "virtuoso",
        _RESULTS,
        _GRAPHS,
        _capabilities(atomic_update=False),
    ),
    "fuseki": KindLayout(
        "/query",
        "/update",
        "/data",
        "graph",
        False,
        "fuseki",
        (*_RESULTS, "text/tab-separated-values"),
        (*_GRAPHS, "application/n-quads", "application/trig", "application/ld+json"),
        _capabilities(atomic_update=True),
    ),
    "sparql": KindLayout(
        "", None, None, "graph", False, None, _RESULTS, _GRAPHS, _capabilities(False)
    ),
}
assert tuple(KINDS) == REMOTE_KINDS


@dataclass(frozen=True)
class StoreSpec:
    """A parsed ``KIND:URL`` spec.

    Attributes:
        kind: One of :data:`KINDS`.
        location: The store's URL without credentials (for every message).
        query_url: The SPARQL query endpoint.
        update_url: The SPARQL update endpoint (None: the store is read-only for govkg).
        gsp_url: The Graph Store Protocol endpoint (None: graphs are loaded by update).
        user: The user to authenticate as (None: none).
        password: That user's password (never shown).
    """

    kind: str
    location: str
    query_url: str
    update_url: str | None
    gsp_url: str | None
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def layout(self) -> KindLayout:
        return KINDS[self.kind]

    @property
    def capabilities(self) -> Capabilities:
        """The kind's capabilities, writable only where an update URL is known."""
        base = self.layout.capabilities
        return Capabilities(
            in_process=base.in_process,
            native_streaming=base.native_streaming,
            cancellation=base.cancellation,
            atomic_update=base.atomic_update,
            graph_store=self.gsp_url is not None,
            writable=self.update_url is not None,
            quad_loads=base.quad_loads and self.gsp_url is not None,
        )


def _hidden(spec: str) -> str:
    """A spec with anything that may be credentials masked, for messages: everything between
    the kind and the last ``@`` (parsed or not: a malformed URL must not print a password).

    >>> _hidden("virtuoso:http://dba:se/cret@h:8890")
    'virtuoso:http://***@h:8890'
    >>> _hidden("virtuoso:dba:secret@h:8890")
    'virtuoso:***@h:8890'
    """
    kind, sep, rest = spec.partition(":")
    if "@" not in rest:
        return spec
    scheme = rest.split("//", 1)[0] + "//" if "//" in rest.split("@", 1)[0] else ""
    return f"{kind}{sep}{scheme}***@{rest.rsplit('@', 1)[1]}"


def parse_spec(spec: str, environ: dict[str, str] | None = None) -> StoreSpec:
    """Parse a ``KIND:URL`` store spec.

    Args:
        spec: ``oxigraph:URL``, ``virtuoso:URL``, ``fuseki:URL/DATASET`` or ``sparql:URL``.
        environ: Where the ``GOVKG_STORE_*`` variables are read (default: the process's).

    Returns:
        The spec, with each endpoint's URL and the credentials.

    Raises:
        InputError: an unknown kind or a malformed URL (one line, credentials masked).

    >>> s = parse_spec("virtuoso:http://dba:dba@127.0.0.1:8890/", {})
    >>> (s.location, s.update_url, s.user)
    ('http://127.0.0.1:8890', 'http://127.0.0.1:8890/sparql-auth', 'dba')
    >>> parse_spec("fuseki:http://h:3030/ds", {}).gsp_url
    'http://h:3030/ds/data'
    """
    env = os.environ if environ is None else environ
    kind, sep, url = spec.strip().partition(":")
    shown = _hidden(spec.strip())
    if not sep or kind not in KINDS:
        raise InputError(
            f"store {shown!r}: unknown kind {kind!r} (known: {', '.join(KINDS)}; written KIND:URL)"
        )
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError(f"store {shown!r}: malformed URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"store {shown!r}: the URL must be http:// or https:// with a host")
    if parts.query or parts.fragment:
        raise InputError(f"store {shown!r}: the URL takes no query or fragment")
    user = urllib.parse.unquote(parts.username) if parts.username else env.get(ENV_USER)
    password = urllib.parse.unquote(parts.password) if parts.password else env.get(ENV_PASSWORD)
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    path = parts.path.rstrip("/")
    location = urllib.parse.urlunsplit((parts.scheme, netloc, path, "", ""))
    layout = KINDS[kind]
    if kind == "fuseki" and not path:
        raise InputError(f"store {shown!r}: a Fuseki URL names its dataset (URL/DATASET)")
    if kind == "sparql":
        query_url = location if path else location + "/"
        update_url, gsp_url = env.get(ENV_UPDATE_URL) or None, env.get(ENV_GSP_URL) or None
        for name, value in ((ENV_UPDATE_URL, update_url), (ENV_GSP_URL, gsp_url)):
            if value is not None and urllib.parse.urlsplit(value).scheme not in ("http", "https"):
                raise InputError(f"{name}: not an http:// or https:// URL")
    else:
        query_url = location + layout.query
        update_url = location + layout.update if layout.update else None
        gsp_url = location + layout.gsp if layout.gsp else None
    return StoreSpec(kind, location, query_url, update_url, gsp_url, user or None, password)
