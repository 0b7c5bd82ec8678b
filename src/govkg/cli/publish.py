"""Command-line face of publishing (``govkg publish --store KIND:URL``); registered by
``govkg.cli``. The work is :func:`govkg.publish.publish`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from govkg.backends import Store, open_store
from govkg.build import ensure_built
from govkg.cli import common as cli_common
from govkg.errors import InputError
from govkg.progress import Progress
from govkg.publication import LEASE_SECONDS
from govkg.publish import publish

#: The environment variable naming the store when ``--store`` is not given.
STORE_VARIABLE = "GOVKG_STORE"


def register(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser | None = None,
) -> None:
    """Register the ``publish`` command.

    Args:
        subparsers: The ``govkg`` command's subcommands.
        common: The parser of the common options (``--build-dir``, ``--workspace``,
            ``--quiet``, and ``--store`` once every command has it); without it the command
            defines them itself.
    """
    parents = [common] if common is not None else []
    p = subparsers.add_parser(
        "publish",
        parents=parents,
        help="publish the build into a SPARQL store (all graphs switched at once)",
        description="Load the build into the store named by --store (or GOVKG_STORE): every "
        "graph is staged under a temporary name, its count checked, then all are switched in "
        "one update with the record of the build. Publishing the build the store already "
        "holds changes nothing; a publish that fails or is killed leaves the previous build "
        "answering. One publish at a time per store: a publish takes the store's lease "
        "first and fails at once while another publish holds it. Builds first when no current "
        "build exists (unless --build-dir is given). See docs/stores.md.",
        epilog="Exit codes: 0 published or unchanged; 2 no store given, a damaged build, or "
        "the store refused or failed, wrong credentials included (one line naming its URL); "
        "5 another publish holds the store's lease (its host, pid and expiry named), or this "
        "publish lost it before switching.",
    )
    p.add_argument(
        "--break-lease",
        action="store_true",
        help="take the store's publish lease over even while another publish holds it "
        "(only when that publish is known to be dead: killed, or its host gone)",
    )
    p.add_argument(
        "--lease-seconds",
        type=_seconds,
        default=LEASE_SECONDS,
        metavar="SECONDS",
        help=f"how long the lease lasts unless renewed (renewed while publishing; a killed "
        f"publish's lease expires after this; default {LEASE_SECONDS:.0f})",
    )
    known = {o for action in (common._actions if common else []) for o in action.option_strings}
    if "--store" not in known:
        p.add_argument(
            "--store",
            default=None,
            metavar="KIND:URL",
            help="the store (oxigraph:, virtuoso:, fuseki: or sparql: and its URL; "
            "default $GOVKG_STORE)",
        )
    if common is None:
        p.add_argument("--build-dir", type=Path, default=None, help="the build to publish")
        p.add_argument("--workspace", type=Path, default=None, help="the workspace to build")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=_publish)


def _seconds(text: str) -> float:
    """A positive number of seconds (``--lease-seconds``)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def _store(args: argparse.Namespace) -> Store:
    """The store ``--store`` or ``GOVKG_STORE`` names (a remote one: publish never writes
    into the embedded store)."""
    spec = getattr(args, "store", None) or os.environ.get(STORE_VARIABLE)
    if not spec:
        raise InputError("publish needs --store KIND:URL (or GOVKG_STORE)")
    return open_store(spec)


def _publish(args: argparse.Namespace) -> int:
    progress = cli_common.progress_for(args)
    store = _store(args)
    try:
        if args.build_dir:
            build_dir = Path(args.build_dir)
        else:
            layout = cli_common.layout_for(args)
            build_dir = ensure_built(
                layout, cli_common.build_dir_for(args, layout), progress
            ).parent
        result = publish(
            store,
            build_dir,
            Progress(stream=progress.stream),
            lease_seconds=args.lease_seconds,
            break_lease=args.break_lease,
        )
    finally:
        store.close()
    outcome = "unchanged" if not result.changed else "published"
    print(
        f"{outcome}: build {result.build_id[:12]} in {store.location}: "
        f"{len(result.graphs)} graphs, {result.quads} quads, {result.seconds:.1f} s",
        file=sys.stdout,
    )
    return 0


__all__ = ["register"]
