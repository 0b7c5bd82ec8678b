"""Shared fixtures: one build of the shipped graph per test session, and a store over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkg.backends import Store
from govkg.backends.embedded import EmbeddedStore
from govkg.build import DATASET_DUMP, BuildReport, build
from govkg.paths import Layout, bundled_layout

TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def layout() -> Layout:
    return bundled_layout()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, layout: Layout) -> tuple[Path, BuildReport]:
    """Build the shipped graph once into a temporary folder."""
    build_dir = tmp_path_factory.mktemp("session") / "build"
    report = build(layout, build_dir)
    return build_dir, report


@pytest.fixture(scope="session")
def build_dir(built: tuple[Path, BuildReport]) -> Path:
    return built[0]


@pytest.fixture(scope="session")
def store(build_dir: Path) -> Store:
    backend = EmbeddedStore()
    backend.load_dump(build_dir / DATASET_DUMP)
    return backend
