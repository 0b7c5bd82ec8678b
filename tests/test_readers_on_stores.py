"""The graph's readers outside the web (issue 13) read whatever store they are given: the
submission checks (:class:`govkg.submission.reference.ReferenceIndex`, OLIR notations,
``validate``), the id resolver, the coverage matrix, the SSSOM and OLIR exports and the
full-text search index give the same answers on an Oxigraph server and on Virtuoso 7 (real
servers on 127.0.0.1 from ``tests/stores.py``, the build published with
:func:`govkg.publish.publish`) as on the embedded store over the same build, so that
``--store`` works for ``validate``, ``import``, ``export`` and ``report``.

Each remote store also holds another dataset (a foreign framework) that none of the readers
may see (the dataset rule of :mod:`govkg.backends`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from stores import oxigraph, virtuoso  # noqa: F401  (session fixtures: one server per kind)

from govkg import coverage
from govkg.backends import Store, open_embedded, open_store
from govkg.build_cache import DATASET_DUMP
from govkg.identifiers import Resolver, UnknownIdError
from govkg.paths import Layout
from govkg.publish import publish
from govkg.search_index import write_search_index
from govkg.submission.exporting import export_mapping_sets
from govkg.submission.findings import FileReport
from govkg.submission.olir import NotationIndex
from govkg.submission.olir_export import export_olir
from govkg.submission.reference import ReferenceIndex
from govkg.submission.validate import Context, validate_file

REMOTE_KINDS = ("oxigraph", "virtuoso")
MAPPINGS = Path(__file__).parent / "data" / "mappings"
CASES = sorted(
    p
    for folder in ("valid", "invalid")
    for p in (MAPPINGS / folder).iterdir()
    if not p.name.endswith((".json", ".meta.yml"))
)
RMF = "https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0"
#: A framework of another dataset in the same store (its own graph): never seen by govkg.
FOREIGN_SCHEME = "https://w3id.org/govkg/id/framework/foreign-dataset-framework"
FOREIGN_INSERT = (
    "INSERT DATA { GRAPH <https://other-dataset.test/graph/frameworks> { "
    f"<{FOREIGN_SCHEME}> a <http://www.w3.org/2004/02/skos/core#ConceptScheme>, "
    "<https://w3id.org/govkg/ontology#GovernanceFramework> ; "
    '<http://www.w3.org/2000/01/rdf-schema#label> "Foreign framework"@en . '
    f"<{FOREIGN_SCHEME}/x-1> <http://www.w3.org/2004/02/skos/core#inScheme> <{FOREIGN_SCHEME}> ;"
    ' <http://www.w3.org/2004/02/skos/core#notation> "1.3" } }'
)


@pytest.fixture(scope="module")
def embedded(build_dir: Path) -> Iterator[Store]:
    """The embedded store over the session's build: the reference answers."""
    store = open_embedded([build_dir / DATASET_DUMP])
    yield store
    store.close()


@pytest.fixture(scope="module", params=REMOTE_KINDS)
def remote(request: pytest.FixtureRequest, build_dir: Path) -> Iterator[Store]:
    """Each kind of remote store, holding the session's build and another dataset."""
    server = request.getfixturevalue(request.param)
    store = open_store(server.spec)
    store.update(FOREIGN_INSERT)
    publish(store, build_dir)
    yield store
    store.close()


def test_reference_index_is_the_same(embedded: Store, remote: Store) -> None:
    """What submissions are checked against: elements, labels, deprecations, schemes,
    sources, described IRIs, other sets' mappings, hierarchies and set graphs."""
    expected, found = ReferenceIndex.read(embedded), ReferenceIndex.read(remote)
    assert len(expected.elements) > 300 and expected.mappings and expected.hierarchy
    assert found == expected
    assert FOREIGN_SCHEME not in found.schemes and FOREIGN_SCHEME not in found.described


def test_olir_notations_are_the_same(embedded: Store, remote: Store) -> None:
    expected = NotationIndex.from_store(embedded)
    assert expected.elements
    assert NotationIndex.from_store(remote) == expected


@pytest.fixture(scope="module")
def embedded_context(layout: Layout, build_dir: Path, embedded: Store) -> Context:
    return Context.load(layout, build_dir, store=embedded)


@pytest.fixture(scope="module")
def remote_context(layout: Layout, build_dir: Path, remote: Store) -> Context:
    return Context.load(layout, build_dir, store=remote)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_validate_finds_the_same(
    case: Path, embedded_context: Context, remote_context: Context
) -> None:
    """``govkg validate --store``: every finding of every fixture, as on the embedded store."""
    metadata = case.with_name(case.name + ".meta.yml")
    given = metadata if metadata.exists() else None
    expected = _findings(validate_file(case, embedded_context, metadata=given, limit=None))
    assert expected or case.parent.name == "valid"
    assert _findings(validate_file(case, remote_context, metadata=given, limit=None)) == expected


def test_resolver_reads_the_store(embedded: Store, remote: Store, layout: Layout) -> None:
    """Ids in any spelling, and the message for an unknown one (close matches from the
    store's ids; the other dataset's framework is not among them)."""
    for store in (embedded, remote):
        resolver = Resolver(store, layout)
        assert resolver.resolve("nist-ai-rmf-1-0", "framework") == RMF
        assert resolver.resolve("framework:nist-ai-rmf-1-0", "framework") == RMF
        assert resolver.has_folder("framework") and not resolver.has_folder("no-such-folder")
        assert FOREIGN_SCHEME not in resolver.known("framework")
    messages = []
    for store in (embedded, remote):
        with pytest.raises(UnknownIdError) as caught:
            Resolver(store, layout).resolve("nist-ai-rmf-1", "framework")
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "nist-ai-rmf-1-0" in messages[0]
    with pytest.raises(UnknownIdError):
        Resolver(remote, layout).resolve("foreign-dataset-framework", "framework")


def test_coverage_is_the_same(embedded: Store, remote: Store, layout: Layout) -> None:
    """``govkg report crosswalk --store``: the same matrix, labels and groups."""
    a = coverage.resolve_framework(remote, "nist-ai-rmf-1-0", layout)
    b = coverage.resolve_framework(remote, "ai-verify-testing-framework", layout)
    expected = coverage.compute(layout, embedded, a, b)
    assert expected.cells and expected.rows and expected.columns
    assert coverage.compute(layout, remote, a, b) == expected


def test_sssom_export_is_the_same(
    embedded: Store, remote: Store, layout: Layout, build_dir: Path
) -> None:
    """``govkg export --mappings --store``: every set, byte for byte."""
    expected = export_mapping_sets(layout, build_dir, store=embedded)
    assert len(expected) >= 3 and all(e.mappings for e in expected)
    found = export_mapping_sets(layout, build_dir, store=remote)
    assert [(e.key, e.mappings, e.text) for e in found] == [
        (e.key, e.mappings, e.text) for e in expected
    ]


def test_olir_export_is_the_same(
    embedded: Store, remote: Store, layout: Layout, build_dir: Path
) -> None:
    expected = export_olir(layout, build_dir, None, "olir-csv", store=embedded)
    assert expected
    found = export_olir(layout, build_dir, None, "olir-csv", store=remote)
    assert [(e.key, e.mappings, e.data) for e in found] == [
        (e.key, e.mappings, e.data) for e in expected
    ]


def test_search_index_is_the_same(embedded: Store, remote: Store, tmp_path: Path) -> None:
    """The full-text index written from a remote store holds the same rows."""
    rows = {}
    for name, store in (("embedded", embedded), ("remote", remote)):
        path = tmp_path / f"{name}.sqlite"
        count = write_search_index(store, path)
        with sqlite3.connect(path) as connection:
            rows[name] = (
                count,
                sorted(connection.execute("SELECT * FROM entries")),
                sorted(connection.execute("SELECT * FROM schemes")),
                sorted(connection.execute("SELECT * FROM kinds")),
            )
        connection.close()
    assert rows["embedded"][0] > 300
    assert rows["remote"] == rows["embedded"]
    assert FOREIGN_SCHEME not in {row[4] for row in rows["remote"][1]}


def _findings(report: FileReport) -> list[tuple[str, ...]]:
    assert report.error is None
    return sorted(
        tuple(str(value) for value in (f.severity, f.message, f.focus, f.path))
        for f in report.findings.findings()
    )
