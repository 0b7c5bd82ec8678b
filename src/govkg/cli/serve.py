"""Command-line face of the SPARQL endpoint (``govkg serve``); registered by ``govkg.cli``."""

from __future__ import annotations

import argparse
from pathlib import Path

from govkg.cli.common import build_dir_for, layout_for, progress_for
from govkg.errors import InputError


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the ``serve`` command."""
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the graph: SPARQL endpoint and linked data",
        description="Serve the graph over HTTP with granian: a read-only SPARQL 1.1 endpoint "
        "(/sparql), dereferenceable IRIs (/id/...), downloads and VoID. Builds the graph "
        "(with the workspace's files, in a workspace) first when no current build exists; "
        "with --store, serves the build published into that store instead (govkg publish). "
        "See docs/endpoint.md and docs/stores.md.",
        epilog="Every limit also has an environment variable (flags win): GOVKG_HOST, "
        "GOVKG_PORT, GOVKG_WORKERS, GOVKG_THREADS, GOVKG_EVALUATORS, GOVKG_QUERY_TIMEOUT, "
        "GOVKG_MAX_QUEUED, GOVKG_QUEUE_TIMEOUT, GOVKG_MAX_STREAMS, GOVKG_SEND_TIMEOUT, "
        "GOVKG_MAX_UPLOADS, "
        "GOVKG_HEADER_TIMEOUT, GOVKG_SHUTDOWN_TIMEOUT, GOVKG_BACKLOG, GOVKG_MAX_CONNECTIONS, "
        "GOVKG_MAX_QUERY_BYTES, "
        "GOVKG_MAX_NESTING, GOVKG_EVALUATOR_MEMORY_MB, GOVKG_PUBLIC_URL, GOVKG_ACCESS_LOG, "
        "GOVKG_BUILD_DIR, GOVKG_STORE.",
    )
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 8000)")
    for flag, kind, metavar, text in _LIMITS:
        p.add_argument(flag, type=kind, default=None, metavar=metavar, help=text)
    p.add_argument(
        "--data",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="extra RDF files to serve (any syntax govkg reads; "
        "TriG and N-Quads keep their graphs)",
    )
    p.add_argument(
        "--no-builtin",
        action="store_true",
        help="serve only the --data files, not the built-in graph",
    )
    if "--store" not in p._option_string_actions:  # unless the common options have it
        p.add_argument(
            "--store",
            default=None,
            metavar="KIND:URL",
            help="serve the govkg build published into this store (oxigraph:, virtuoso:, "
            "fuseki:, sparql:; default GOVKG_STORE); the build folder then only gives the "
            "downloads, when it holds the same build",
        )
    p.set_defaults(run=_serve)


#: The serving limits: flag, type, metavar, help (defaults in web/config.py and web/server.py).
_LIMITS: tuple[tuple[str, type, str, str], ...] = (
    ("--workers", int, "N", "worker processes (default: one per core, at most 8)"),
    ("--threads", int, "N", "request threads per worker (default: enough for the limits below)"),
    ("--evaluators", int, "N", "query evaluator processes per worker (default 2)"),
    ("--timeout", float, "SECONDS", "hard time limit of one query (default 30)"),
    ("--max-queued", int, "N", "queries waiting for an evaluator per worker before 503 (32)"),
    ("--queue-timeout", float, "SECONDS", "longest wait for an evaluator before 503 (10)"),
    ("--max-streams", int, "N", "bodies over 1 MiB being sent at once per worker (16)"),
    ("--send-timeout", float, "SECONDS", "longest time to send one body over 1 MiB (120)"),
    (
        "--max-uploads",
        int,
        "N",
        "requests whose body is still arriving, per worker, before 503 (8)",
    ),
    ("--header-timeout", float, "SECONDS", "time to receive headers; keep-alive idle time (10)"),
    ("--shutdown-timeout", float, "SECONDS", "grace for requests in flight on SIGTERM"),
    ("--backlog", int, "N", "connections the kernel queues before they are accepted (1024)"),
    ("--max-connections", int, "N", "open connections per worker; more wait in the backlog (4096)"),
)


def _serve(args: argparse.Namespace) -> int:
    from govkg.web.config import WebConfig
    from govkg.web.server import ServerOptions, serve

    for name in ("workers", "threads", "evaluators", "backlog", "max_connections"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    layout = layout_for(args)
    config = WebConfig.from_env(
        layout=layout,
        build_dir=build_dir_for(args, layout),
        data_files=tuple(args.data) or None,
        builtin=False if args.no_builtin else None,
        query_timeout=args.timeout,
        evaluators=args.evaluators,
        max_queued=args.max_queued,
        queue_timeout=args.queue_timeout,
        max_streams=args.max_streams,
        send_timeout=args.send_timeout,
        max_uploads=args.max_uploads,
        store=getattr(args, "store", None),
    )
    options = ServerOptions.from_env(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        header_timeout=args.header_timeout,
        shutdown_timeout=args.shutdown_timeout,
        backlog=args.backlog,
        max_connections=args.max_connections,
    )
    progress = progress_for(args)
    return serve(config, options, progress)
