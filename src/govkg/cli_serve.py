"""Command-line face of the SPARQL endpoint (``govkg serve``); registered by ``cli.py``."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the ``serve`` command (filled in by the endpoint work, issue 4)."""
