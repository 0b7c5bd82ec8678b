"""Store backends behind one small protocol, and a registry of them.

A backend loads the build's N-Quads dump and answers SPARQL 1.1 queries over it, with the
default graph as the union of all named graphs. Capability flags tell callers what a backend
can do (rdflib ``Store`` style).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from govkg.errors import InputError


class Backend(Protocol):
    """What govkg needs of a SPARQL store.

    Attributes:
        name: The registry name.
        named_graphs: True when queries can address named graphs.
        native_results: True when results are serialised by the store itself.
        loaded: The files loaded so far, resolved (which build a server serves).
    """

    name: str
    named_graphs: bool
    native_results: bool
    loaded: list[Path]

    def load_dump(self, path: Path) -> None:
        """Load an N-Quads file into the store."""

    def query(
        self,
        text: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> object:
        """Evaluate a (guarded) SPARQL query and return the store's result object.

        Protocol graphs (even empty lists) replace the query's dataset; otherwise the query's
        ``FROM``/``FROM NAMED`` do; without either, the default graph is the RDF merge of all
        named graphs.
        """

    def __len__(self) -> int:
        """Return the number of quads."""


_REGISTRY: dict[str, Callable[[], Backend]] = {}


def register(name: str, factory: Callable[[], Backend]) -> None:
    """Make a backend available under ``name``."""
    _REGISTRY[name] = factory


def create(name: str) -> Backend:
    """Create the backend registered as ``name``.

    >>> create("oxigraph").name
    'oxigraph'
    """
    _register_builtins()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise InputError(
            f"unknown backend {name!r} (known: {', '.join(sorted(_REGISTRY))})"
        ) from None


def _register_builtins() -> None:
    if "oxigraph" not in _REGISTRY:
        from govkg.backends.oxigraph import OxigraphBackend

        register("oxigraph", OxigraphBackend)
