"""govkg: a linked-data knowledge graph of AI-governance principles, frameworks and crosswalks."""

from __future__ import annotations

__version__ = "0.1.0"
