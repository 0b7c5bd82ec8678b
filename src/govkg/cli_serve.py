"""Command-line face of the SPARQL endpoint (``govkg serve``); registered by ``cli.py``."""

from __future__ import annotations

import argparse
from pathlib import Path

from govkg.cli_common import progress_for
from govkg.errors import InputError


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the ``serve`` command."""
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the graph: SPARQL endpoint and linked data",
        description="Serve the graph over HTTP with gunicorn: a read-only SPARQL 1.1 endpoint "
        "(/sparql), dereferenceable IRIs (/id/...), downloads and VoID. Builds the graph "
        "first when no current build exists. See docs/endpoint.md.",
        epilog="Environment: GOVKG_HOST, GOVKG_PORT, GOVKG_WORKERS, GOVKG_QUERY_TIMEOUT, "
        "GOVKG_MAX_QUERY_BYTES, GOVKG_MAX_NESTING, GOVKG_EVALUATOR_MEMORY_MB, "
        "GOVKG_PUBLIC_URL, GOVKG_ACCESS_LOG, GOVKG_BUILD_DIR (flags win).",
    )
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="TCP port (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default 2 x cores + 1, at most 8)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="hard time limit of one query (default 30)",
    )
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
    p.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    from govkg.server import ServerOptions, serve
    from govkg.web.config import WebConfig

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1")
    config = WebConfig.from_env(
        build_dir=args.build_dir,
        data_files=tuple(args.data) or None,
        builtin=False if args.no_builtin else None,
        query_timeout=args.timeout,
    )
    options = ServerOptions.from_env(host=args.host, port=args.port, workers=args.workers)
    progress = progress_for(args)
    return serve(config, options, progress)
