"""Command-line face of workspaces (``govkg init``); registered by ``govkg.cli``."""

from __future__ import annotations

import argparse
from pathlib import Path

from govkg.errors import ExitCode
from govkg.workspace import CONFIG_NAME, init_workspace, is_workspace, load_workspace


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the workspace commands."""
    p = sub.add_parser(
        "init",
        help="make a workspace for your own frameworks and mappings",
        description=f"Make DIR a govkg workspace: {CONFIG_NAME}, the folders frameworks/, "
        "crosswalks/ and sources/, a README and a .gitignore for build/. Commands run in it "
        "(or given --workspace DIR, or GOVKG_WORKSPACE=DIR) build, validate, query and serve "
        "the built-in graph plus its files. A folder that is already a workspace is left as "
        "it is; a non-empty folder that is not one is refused (exit 2).",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="the folder (created if missing)")
    p.add_argument("--name", help="the workspace's short name (default: the folder's name)")
    p.add_argument(
        "--namespace",
        metavar="IRI",
        help="base IRI of the workspace's resources, ending in '/', '#' or ':' "
        "(default: https://example.org/NAME/; choose one you control before publishing)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(run=_init)


def _init(args: argparse.Namespace) -> int:
    if is_workspace(args.dir):
        workspace = load_workspace(args.dir)
        if not args.quiet:
            print(
                f"{workspace.root} is already a govkg workspace ({workspace.name}, "
                f"namespace {workspace.namespace}); nothing changed"
            )
        return ExitCode.OK
    workspace = init_workspace(args.dir, args.name, args.namespace)
    if not args.quiet:
        print(f"made workspace {workspace.name} in {workspace.root}")
        print(f"  namespace {workspace.namespace} (edit {CONFIG_NAME} to change it)")
        print("next: cd into it, then `govkg validate FILE`, `govkg import FILE`, `govkg build`,")
        print("      `govkg serve` (see its README.md)")
    return ExitCode.OK
