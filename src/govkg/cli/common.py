"""What every ``govkg`` command reads from the common options (``--build-dir``, ``--quiet``,
``--workspace``), and the store a command works on (``--store``, ``GOVKG_STORE``)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from govkg.backends import Store, open_store
from govkg.paths import Layout, bundled_layout, default_build_dir
from govkg.progress import Progress
from govkg.querying import open_built
from govkg.workspace import find_workspace


def progress_for(args: argparse.Namespace) -> Progress:
    """Progress on stderr, or none with ``--quiet``."""
    return Progress(stream=None if args.quiet else sys.stderr)


def layout_for(args: argparse.Namespace) -> Layout:
    """The sources of the graph this command works on: the built-in graph, plus the
    workspace ``--workspace``, ``GOVKG_WORKSPACE`` or the current folder upwards names
    (:func:`govkg.workspace.find_workspace`; none found: the built-in graph alone)."""
    workspace = find_workspace(getattr(args, "workspace", None))
    layout = bundled_layout()
    return replace(layout, workspace=workspace) if workspace is not None else layout


def build_dir_for(args: argparse.Namespace, layout: Layout | None = None) -> Path:
    """The ``--build-dir`` given, else the default build folder (see ``govkg.paths``)."""
    return Path(args.build_dir) if args.build_dir else default_build_dir(layout or layout_for(args))


#: The environment variable naming the store when ``--store`` is not given.
STORE_VARIABLE = "GOVKG_STORE"


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store KIND:URL`` to a command that reads or writes the graph."""
    parser.add_argument(
        "--store",
        default=None,
        metavar="KIND:URL",
        help="the SPARQL store holding the graph: oxigraph:, virtuoso:, fuseki: or sparql: "
        "and its URL (credentials in the URL or GOVKG_STORE_USER/GOVKG_STORE_PASSWORD; see "
        f"docs/stores.md); default ${STORE_VARIABLE}, else the embedded store over the "
        "verified build (built first if needed)",
    )


def store_spec(args: argparse.Namespace) -> str | None:
    """The store ``--store`` or ``GOVKG_STORE`` names (None: the embedded store)."""
    spec = getattr(args, "store", None) or os.environ.get(STORE_VARIABLE, "")
    return spec.strip() or None


def store_for(args: argparse.Namespace, progress: Progress | None = None) -> Store:
    """The store a command works on: the one ``--store`` or ``GOVKG_STORE`` names
    (:func:`govkg.backends.open_store`), else the embedded store holding the verified build
    of ``--build-dir`` (built first if needed).

    Raises:
        InputError: an unknown kind or a malformed spec (one line, credentials hidden).
        StoreError: the store cannot be used (one line naming its URL; exit 2).
    """
    spec = store_spec(args)
    if spec is not None:
        return open_store(spec)
    layout = layout_for(args)
    return open_built(layout, build_dir_for(args, layout), progress)
