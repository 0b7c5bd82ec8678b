"""The one place that knows where govkg's bundled files and its build folder live.

Bundled sources (``ontology/``, ``data/``, ``shapes/``, ``queries/``) come from the wheel
(``govkg/_resources/``, put there by hatchling's force-include) or, in a source checkout or
editable install, from the repository root. The build folder is, in this order: the
``--build-dir`` flag, the ``GOVKG_BUILD_DIR`` environment variable, ``build/`` in a source
checkout, ``build/`` in the workspace (:mod:`govkg.workspace`) when there is one, or a per-user
cache folder (``$XDG_CACHE_HOME/govkg/<version>/build``, by default
``~/.cache/govkg/<version>/build``) when govkg runs from an installed wheel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from govkg import __version__
from govkg.workspace import Workspace


@dataclass(frozen=True)
class Layout:
    """Where the sources of one govkg graph are.

    Attributes:
        root: The folder holding ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.
        checkout: True when ``root`` is a source checkout (not an installed wheel).
        workspace: The workspace whose files the graph adds to the built-in sources, if any.
    """

    root: Path
    checkout: bool
    workspace: Workspace | None = None

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def releases(self) -> Path:
        """The archived ontology releases, one ``<version>.ttl`` each (``docs/ontology.md``):
        a subfolder of ``ontology/``, so the build (which globs ``ontology/*.ttl``) never
        loads them."""
        return self.ontology / "releases"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def imported(self) -> Path:
        """Where ``govkg import`` writes mapping sets: a folder of ``data/`` of its own, which
        the generator (``tools/import_reference.py``, writing ``data/crosswalks/``) never
        touches; the build loads it like every folder of ``data/``."""
        return self.data / "imported"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def queries(self) -> Path:
        return self.root / "queries"


def bundled_layout() -> Layout:
    """Return the layout of the sources shipped with this govkg.

    >>> (bundled_layout().ontology / "govkg.ttl").is_file()
    True
    """
    packaged = Path(str(resources.files("govkg"))) / "_resources"
    if (packaged / "ontology").is_dir():
        return Layout(root=packaged, checkout=False)
    checkout = Path(__file__).resolve().parents[2]
    return Layout(root=checkout, checkout=True)


def default_build_dir(layout: Layout | None = None) -> Path:
    """Return the build folder to use when none is given on the command line."""
    env = os.environ.get("GOVKG_BUILD_DIR")
    if env:
        return Path(env)
    layout = layout or bundled_layout()
    if layout.workspace is not None:
        return layout.workspace.build
    if layout.checkout:
        return layout.root / "build"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "govkg" / __version__ / "build"


def checkout_of(data_dir: Path) -> Layout | None:
    """Return the source checkout whose data folder is ``data_dir`` (a folder named ``data``
    beside ``ontology/`` and ``shapes/``), or None.

    >>> checkout_of(bundled_layout().data).root == bundled_layout().root.absolute()
    True
    """
    data_dir = Path(os.path.abspath(data_dir))
    root = data_dir.parent
    if data_dir.name != "data" or not all((root / f).is_dir() for f in ("ontology", "shapes")):
        return None
    return Layout(root=root, checkout=True)
