"""What every ``govkg`` command reads from the common options (``--build-dir``, ``--quiet``)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from govkg.paths import Layout, bundled_layout, default_build_dir
from govkg.progress import Progress
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
