"""Command-line face of mapping submissions (``govkg validate``, ``govkg import``); registered
by ``cli.py``."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the mapping commands (filled in by the submission work, issue 5)."""
