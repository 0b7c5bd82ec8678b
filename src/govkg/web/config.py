"""Configuration of the web endpoint: named limits, command-line values and ``GOVKG_*``
environment variables, in one frozen dataclass.

Precedence is flag, then environment variable, then the default below (documented in
``docs/endpoint.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from govkg.errors import InputError
from govkg.paths import Layout, bundled_layout, default_build_dir
from govkg.sparql_guard import MAX_NESTING, MAX_QUERY_BYTES

#: Default hard time limit of one query, in seconds (issue 4, point 4).
QUERY_TIMEOUT = 30.0
#: Default address space of one evaluator process; a query that needs more crashes its
#: evaluator (answered with 500) instead of the machine.
EVALUATOR_MEMORY_MB = 4096
#: Evaluator processes per web worker (concurrent evaluations of one worker).
EVALUATORS = 2
#: Queries that may wait for a busy evaluator, per worker; one more is answered 503 at once.
MAX_QUEUED = 32
#: Seconds a query waits for a free evaluator at most, then 503 with ``Retry-After``.
QUEUE_TIMEOUT = 10.0
#: Large bodies (over 1 MiB: big answers, dumps) being sent at once per worker; one more → 503.
MAX_STREAMS = 16
#: Seconds one large body may take to send; the connection is cut after (a slow reader).
SEND_TIMEOUT = 120.0
#: Requests whose body is still arriving, per worker; one more → 503 (a slow sender holds a
#: thread until its body is complete).
MAX_UPLOADS = 8
#: Largest number of graph IRIs in ``default-graph-uri`` plus ``named-graph-uri``.
MAX_DATASET_GRAPHS = 256
#: Rows shown in an HTML results table (the machine formats are never cut).
MAX_HTML_ROWS = 1000
#: Largest JSON result turned into an HTML table; larger results ask for a machine format.
MAX_HTML_RESULT_BYTES = 8 * 1024 * 1024
#: Incoming links listed on a resource page (the RDF formats do not list incoming links).
MAX_INCOMING_LINKS = 300
#: Rendered pages and RDF descriptions kept per worker process.
PAGE_CACHE_SIZE = 4096
#: Query answers kept per worker (the dataset is read-only): at most this many bytes in all,
RESULT_CACHE_BYTES = 32 * 1024 * 1024
#: and only answers of at most this size.
RESULT_CACHE_ENTRY_BYTES = 256 * 1024


@dataclass(frozen=True)
class WebConfig:
    """What the web app serves and with which limits.

    Attributes:
        build_dir: The build folder (dumps, ontology, shapes); built first when missing.
        layout: The sources of the built-in graph, with the workspace served, if any
            (``govkg serve`` passes ``cli.common.layout_for``'s).
        data_files: Extra RDF files served beside (or instead of) the built-in graph.
        builtin: Serve the built-in graph (False with ``--no-builtin``).
        query_timeout: Hard time limit of one query evaluation, in seconds.
        max_query_bytes: Largest query text accepted (UTF-8 bytes); larger → 413.
        max_nesting: Deepest nesting of ``{ ( [`` accepted; deeper → 400.
        evaluator_memory_mb: Address-space limit of an evaluator process (0: none).
        public_url: Base URL of the endpoint as the world sees it (for VoID and the service
            description); None uses each request's own host URL.
        evaluators: Evaluator processes per worker.
        max_queued: Queries waiting for an evaluator per worker before 503.
        queue_timeout: Longest wait for an evaluator, in seconds, before 503.
        max_streams: Large bodies being sent at once per worker before 503.
        send_timeout: Longest time to send one large body, in seconds.
        max_uploads: Requests whose body is arriving at once, per worker, before 503.
        store: The store to serve, ``KIND:URL`` (``--store``, ``GOVKG_STORE``); None: the
            embedded store loaded from ``build_dir`` (and ``data_files``). A store must hold a
            govkg build (``govkg publish``); ``build_dir`` then only provides the downloads,
            when its build is the one the store holds.
    """

    build_dir: Path = field(default_factory=lambda: default_build_dir(bundled_layout()))
    layout: Layout = field(default_factory=bundled_layout)
    data_files: tuple[Path, ...] = ()
    builtin: bool = True
    query_timeout: float = QUERY_TIMEOUT
    max_query_bytes: int = MAX_QUERY_BYTES
    max_nesting: int = MAX_NESTING
    evaluator_memory_mb: int = EVALUATOR_MEMORY_MB
    public_url: str | None = None
    evaluators: int = EVALUATORS
    max_queued: int = MAX_QUEUED
    queue_timeout: float = QUEUE_TIMEOUT
    max_streams: int = MAX_STREAMS
    send_timeout: float = SEND_TIMEOUT
    max_uploads: int = MAX_UPLOADS
    store: str | None = field(default=None, repr=False)  # may hold credentials

    def __post_init__(self) -> None:
        if self.query_timeout <= 0:
            raise InputError("the query timeout must be a positive number of seconds")
        if self.max_query_bytes <= 0 or self.max_nesting <= 0:
            raise InputError("query limits must be positive")
        for name in ("evaluators", "max_streams", "max_uploads"):
            if getattr(self, name) < 1:
                raise InputError(f"{name.replace('_', '-')} must be at least 1")
        if self.max_queued < 0:
            raise InputError("max-queued must be 0 or more")
        if self.queue_timeout <= 0 or self.send_timeout <= 0:
            raise InputError("the queue and send timeouts must be positive numbers of seconds")
        if self.store is not None and (self.data_files or not self.builtin):
            raise InputError(
                "--data and --no-builtin cannot be used with --store: the store serves what "
                "was published into it (govkg publish)"
            )
        if not self.builtin and not self.data_files:
            raise InputError("--no-builtin needs at least one --data file to serve")

    @property
    def max_body_bytes(self) -> int:
        """Largest request body read: a form-encoded query may triple in size."""
        return 3 * self.max_query_bytes + 16 * 1024

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> WebConfig:
        """Read ``GOVKG_*`` variables (``GOVKG_STORE`` among them), then apply explicit
        ``overrides`` (not None ones). A ``layout`` with a workspace, given without
        ``build_dir`` or ``GOVKG_BUILD_DIR``, serves the workspace's build.

        >>> WebConfig.from_env({"GOVKG_QUERY_TIMEOUT": "5"}).query_timeout
        5.0
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("GOVKG_BUILD_DIR"):
            values["build_dir"] = Path(env["GOVKG_BUILD_DIR"])
        layout = overrides.get("layout")
        if (
            isinstance(layout, Layout)
            and layout.workspace is not None
            and "build_dir" not in values
        ):
            values["build_dir"] = layout.workspace.build
        for name, key, kind in _ENV_NUMBERS:
            if env.get(key):
                values[name] = _number(env[key], key, kind)
        if env.get("GOVKG_STORE"):
            values["store"] = env["GOVKG_STORE"]
        if env.get("GOVKG_PUBLIC_URL"):
            values["public_url"] = env["GOVKG_PUBLIC_URL"].rstrip("/")
        config = cls(**values)  # type: ignore[arg-type]
        chosen = {k: v for k, v in overrides.items() if v is not None}
        return replace(config, **chosen) if chosen else config  # type: ignore[arg-type]


_ENV_NUMBERS = (
    ("query_timeout", "GOVKG_QUERY_TIMEOUT", float),
    ("max_query_bytes", "GOVKG_MAX_QUERY_BYTES", int),
    ("max_nesting", "GOVKG_MAX_NESTING", int),
    ("evaluator_memory_mb", "GOVKG_EVALUATOR_MEMORY_MB", int),
    ("evaluators", "GOVKG_EVALUATORS", int),
    ("max_queued", "GOVKG_MAX_QUEUED", int),
    ("queue_timeout", "GOVKG_QUEUE_TIMEOUT", float),
    ("max_streams", "GOVKG_MAX_STREAMS", int),
    ("send_timeout", "GOVKG_SEND_TIMEOUT", float),
    ("max_uploads", "GOVKG_MAX_UPLOADS", int),
)


def _number(text: str, key: str, kind: type) -> float | int:
    try:
        return kind(text)  # type: ignore[no-any-return]
    except ValueError:
        raise InputError(f"{key} must be a number, not {text!r}") from None
