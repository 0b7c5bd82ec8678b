"""Command-line face of workspaces (``govkg init``); registered by ``govkg.cli``."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the workspace commands."""
