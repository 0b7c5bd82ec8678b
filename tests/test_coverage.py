"""govkg.coverage: the framework it is given is found in every spelling of its id, and an IRI
is bound as an IRI whatever its scheme (a workspace namespace may be a ``urn:``)."""

from __future__ import annotations

import pytest

from govkg import coverage
from govkg.backends import Store
from govkg.errors import InputError
from govkg.identifiers import UnknownIdError
from govkg.paths import Layout

VERIFY = "https://w3id.org/govkg/id/framework/ai-verify-testing-framework"


@pytest.mark.parametrize(
    "spelling",
    [
        "ai-verify-testing-framework",
        "framework/ai-verify-testing-framework",
        VERIFY,
        f"<{VERIFY}>",
        "framework:ai-verify-testing-framework",
        "id:framework/ai-verify-testing-framework",
    ],
)
def test_resolve_framework_takes_every_spelling(store: Store, layout: Layout, spelling: str):
    assert coverage.resolve_framework(store, spelling, layout) == VERIFY
    assert coverage.resolve_framework(store, spelling) == VERIFY  # without a layout too


def test_resolve_framework_errors_are_input_errors(store: Store, layout: Layout):
    with pytest.raises(UnknownIdError, match="did you mean framework/ai-verify-testing-framework"):
        coverage.resolve_framework(store, "ai-verify-testing-frame", layout)
    with pytest.raises(InputError, match="no framework of that id in the graph"):
        coverage.resolve_framework(store, "zzzz", layout)
    with pytest.raises(
        UnknownIdError, match=r"\(principle-list/.*/accountability is not a framework\)"
    ):
        coverage.resolve_framework(store, "us-sg-ai-fact-sheet-2024-06-05/accountability")


def test_compute_binds_any_iri_as_an_iri(store: Store, layout: Layout):
    """A ``urn:`` framework (no such one here) gives an empty matrix, not govkg's id path."""
    result = coverage.compute(layout, store, "urn:acme:id/framework/x", VERIFY)
    assert result.rows == () and result.cells == {}
    assert len(result.columns) > 0
