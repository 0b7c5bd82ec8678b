"""``govkg import``: a submission that validates becomes a canonical Turtle file of the graph's
sources, ``data/crosswalks/<set key>.ttl``, following docs/data-conventions.md: the file
describes its own named graph as a ``gk:SourceGraph`` derived from the set's source documents,
has no blank nodes, and every resource has a label and a source. A source document that
``data/sources.ttl`` lacks is described as a ``gk:SourceDocument`` in the imported file itself.

The file is checked against the shipped-data shapes (``shapes/data.ttl``) together with the rest
of the graph before it is written, then written atomically (a temporary file in the same folder,
then ``os.replace``): an import that fails or is interrupted leaves the sources as they were.

The submission is always checked against a current build of the data it joins (with
``--data-dir``, that checkout's own build), and the data folder stays locked from that check
to the end of the write (:mod:`govkg.locking`): two imports cannot both pass the consistency
checks against a graph that holds neither of them. Temporary files a killed import left are
removed by the next one; the file written gets the mode the umask gives.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS
from rdflib.term import Node

from govkg import faults
from govkg.build import DATA_SHAPES, GRAPH_ONTOLOGY, ensure_built
from govkg.errors import InputError, ValidationFailed, os_errors
from govkg.locking import data_lock_path, locked
from govkg.namespaces import GK, GRAPH, INFERRED_GRAPH, META_GRAPH, SSSOM
from govkg.paths import Layout, checkout_of
from govkg.progress import Progress
from govkg.submission import consistency as semantics
from govkg.submission.findings import FileReport
from govkg.submission.readers import Minter, Row, Submission
from govkg.submission.reference import ReferenceIndex
from govkg.submission.validate import Context, new_source_iri, read_checked
from govkg.submission.vocabulary import MAPPING_SLOTS, set_key
from govkg.validation import load_shapes, validate

#: How a mapping's label reads each predicate.
PHRASES = {
    semantics.EXACT: "exactly matches",
    semantics.CLOSE: "closely matches",
    semantics.BROAD: "has the broader match",
    semantics.NARROW: "has the narrower match",
    semantics.RELATED: "is related to",
    semantics.EQUAL: "is equal to",
    semantics.SUBSET: "is a subset of",
    semantics.SUPERSET: "is a superset of",
    semantics.INTERSECTS: "intersects with",
    semantics.NOT_RELATED: "is not related to",
    semantics.CORRESPONDS: "corresponds to",
}

_STORED = [str(slot.prop) for slot in MAPPING_SLOTS.values()]


class ImportRefused(ValidationFailed):
    """The submission does not validate (``report`` holds the findings), so nothing is written."""


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote.

    Attributes:
        path: The file written.
        set_iri: The set imported.
        mappings: How many mappings it holds.
        replaced: True when it replaced a set of the graph.
        report: The validation report of the submission.
    """

    path: Path
    set_iri: str
    mappings: int
    replaced: bool
    report: FileReport


def import_submission(
    path: Path,
    layout: Layout,
    build_dir: Path,
    *,
    replace: bool = False,
    strict: bool = False,
    input_format: str | None = None,
    metadata: Path | None = None,
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate a submission and write it into the graph's sources.

    Args:
        path: The submission.
        layout: The sources it joins (a source checkout).
        build_dir: The build of those sources (built first when missing or stale).
        replace: Replace a set the graph already holds.
        strict: Refuse warnings too.
        input_format: The file's format, when its extension does not say.
        metadata: Set metadata for a table without a metadata block.
        data_dir: Write into this data folder, the ``data/`` of a source checkout, instead of
            the layout's; the submission is then checked against that checkout's sources
            and its own build (``CHECKOUT/build``, built or rebuilt first).
        progress: Progress reporting.

    Raises:
        ImportRefused: the submission has violations (or warnings, with ``strict``).
        InputError: unreadable input; the set exists and ``replace`` is off; the sources are
            not writable (an installed package without ``data_dir``); ``data_dir`` is not
            the data folder of a checkout.
        FolderLockedError: another govkg import or build holds the data folder.
        ResourceError: the data folder cannot be written (full, read-only, no permission).
    """
    if data_dir is not None:
        target = checkout_of(data_dir)
        if target is None:
            raise InputError(
                "--data-dir must be the data folder of a govkg checkout (beside its "
                "ontology/ and shapes/), so that the submission is checked against the "
                "data it joins",
                data_dir,
            )
        if target.root.resolve() != layout.root.resolve():
            layout, build_dir = target, target.root / "build"
    writable = data_dir is not None or layout.checkout
    hold = locked(data_lock_path(layout.data), layout.data) if writable else None
    with hold or contextlib.nullcontext():
        return _import_locked(
            path, layout, build_dir, replace, strict, input_format, metadata, writable, progress
        )


def _import_locked(
    path: Path,
    layout: Layout,
    build_dir: Path,
    replace: bool,
    strict: bool,
    input_format: str | None,
    metadata: Path | None,
    writable: bool,
    progress: Progress | None,
) -> ImportResult:
    """The steps of :func:`import_submission`, the data folder's lock held."""
    if writable:
        _remove_temporaries(layout.data / "crosswalks")
    context = Context.load(layout, build_dir, progress)
    report, submission, rows = read_checked(path, context, input_format, metadata)
    if report.exit_code(strict) != 0:
        raise ImportRefused(
            f"{path} is not fit to accept: {report.findings.count('violation')}"
            f" violation(s), {report.findings.count('warning')} warning(s); "
            "nothing was imported",
            report,
        )
    if not writable:
        raise InputError(
            "govkg runs from an installed package, whose data folder is not a "
            "source tree; import into a checkout with --data-dir CHECKOUT/data "
            "(then run `govkg build` there)"
        )
    set_iri = submission.set_iri()
    key = set_key(set_iri or "")
    if set_iri is None or key is None:  # the shapes refuse this already
        raise InputError("the submission has no usable mapping_set_id", path)
    target = layout.data / "crosswalks" / f"{key}.ttl"
    graph_iri = URIRef(GRAPH + f"crosswalks/{key}")
    existing = context.index.set_graphs.get(set_iri)
    if (existing is not None or target.exists()) and not replace:
        raise InputError(
            f"the graph already holds mapping set {key} "
            f"({existing or target}); use --replace to replace it",
            path,
        )
    if existing is not None and existing != str(graph_iri):
        raise InputError(
            f"mapping set {key} is defined in graph <{existing}>, not in "
            f"data/crosswalks/{key}.ttl; change that file instead",
            path,
        )
    graph = canonical_graph(submission, rows, context, key)
    _check_against_data_shapes(graph, graph_iri, layout, build_dir)
    text = _header(path, key, graph_iri) + canonical_turtle(graph, context.prefixes)
    faults.point("import:after-validate")
    write_atomically(target, text)
    faults.point("import:after-write")
    return ImportResult(
        path=target,
        set_iri=set_iri,
        mappings=len(rows),
        replaced=existing is not None or replace and target.exists(),
        report=report,
    )


def _remove_temporaries(folder: Path) -> None:
    """Remove the temporary files of imports that were killed before their rename."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def canonical_graph(submission: Submission, rows: list[Row], context: Context, key: str) -> Graph:
    """Return the set, its mappings and any new source document as govkg's RDF."""
    index = context.index
    set_node = URIRef(str(submission.set_node))
    values = submission.set_values
    graph_iri = URIRef(GRAPH + f"crosswalks/{key}")
    graph = Graph()
    title = _en(values.get(str(DCTERMS.title), [Literal(key)])[0])
    sources: list[URIRef] = []
    new_sources = 0
    for source in values.get(str(DCTERMS.source), []):
        if str(source) in index.sources:
            sources.append(URIRef(str(source)))
            continue
        new_sources += 1
        iri = URIRef(
            new_source_iri(str(set_node)) + ("" if new_sources == 1 else f"-{new_sources}")
        )
        source_title = _en(Literal(submission.source_titles[str(source)]))
        graph.add((iri, RDF.type, GK.SourceDocument))
        graph.add((iri, DCTERMS.title, source_title))
        graph.add((iri, RDFS.label, source_title))
        graph.add((iri, DCAT.landingPage, URIRef(str(source))))
        sources.append(iri)
    graph.add((graph_iri, RDF.type, GK.SourceGraph))
    graph.add((graph_iri, RDFS.label, Literal(f"Mapping set {key}: {title}", lang="en")))
    for source in sources:
        graph.add((graph_iri, PROV.wasDerivedFrom, source))
        graph.add((set_node, DCTERMS.source, source))
    graph.add((set_node, RDF.type, GK.Crosswalk))
    graph.add((set_node, RDF.type, SSSOM.MappingSet))
    graph.add((set_node, DCTERMS.title, title))
    graph.add((set_node, RDFS.label, title))
    for prop in (DCTERMS.description, GK.granularity):
        for value in values.get(str(prop), []):
            graph.add((set_node, prop, _en(value)))
    for prop in (
        DCTERMS.creator,
        DCTERMS.license,
        DCTERMS.issued,
        GK.subjectFramework,
        GK.objectFramework,
        GK.crosswalkStatus,
    ):
        for value in values.get(str(prop), []):
            graph.add((set_node, prop, value))
    if not values.get(str(GK.crosswalkStatus)):
        graph.add((set_node, GK.crosswalkStatus, GK.Unofficial))
    object_frameworks = {str(v) for v in values.get(str(GK.objectFramework), [])}
    minter = Minter(str(set_node), include_object_framework=len(object_frameworks) > 1)
    for row in rows:
        node: Node = row.node
        if submission.graph is not None:  # RDF input: mint govkg's mapping IRIs
            scheme = index.elements.get(str(row.one(URIRef(_STORED[2]))))
            node = minter.mint(row.values, [URIRef(scheme)] if scheme else [], row.line)
        graph.add((set_node, SSSOM.mappings, node))
        graph.add((node, RDF.type, SSSOM.Mapping))
        for key in _STORED:
            for value in row.values.get(key, []):
                graph.add(
                    (
                        node,
                        URIRef(key),
                        _en(value) if key in (str(RDFS.comment), str(GK.matchBasis)) else value,
                    )
                )
        for source in sources:
            graph.add((node, DCTERMS.source, source))
        graph.add((node, RDFS.label, Literal(_mapping_label(row, index), lang="en")))
    return graph


def canonical_turtle(graph: Graph, prefixes: dict[str, str]) -> str:
    """Write a graph as deterministic Turtle: the prefixes it uses, then one block a subject,
    subjects, predicates and objects sorted (``rdf:type`` first), literals in full
    (``"0.6"^^xsd:double``) so that their lexical form is kept.

    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph().add((URIRef("urn:x:a"), RDFS.label, Literal("a", lang="en")))
    >>> print(canonical_turtle(g, {"rdfs": str(RDFS)}).strip())
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <BLANKLINE>
    <urn:x:a>
        rdfs:label "a"@en .
    """
    spaces = sorted(((ns, p) for p, ns in prefixes.items()), key=lambda item: -len(item[0]))
    used: set[str] = set()

    def term(node: Node) -> str:
        if isinstance(node, URIRef):
            iri = str(node)
            for namespace, prefix in spaces:
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and local and _LOCAL.match(local):
                    used.add(prefix)
                    return f"{prefix}:{local}"
            return f"<{iri}>"
        if isinstance(node, Literal) and node.datatype is not None:
            return f"{Literal(str(node)).n3()}^^{term(node.datatype)}"
        return node.n3()

    blocks = []
    for subject in sorted({s for s in graph.subjects()}, key=str):
        predicates = sorted(
            {p for p in graph.predicates(subject)}, key=lambda p: (p != RDF.type, str(p))
        )
        lines = []
        for predicate in predicates:
            objects = sorted(term(o) for o in graph.objects(subject, predicate))
            verb = "a" if predicate == RDF.type else term(predicate)
            lines.append(f"    {verb} " + " ,\n        ".join(objects))
        blocks.append(f"{term(subject)}\n" + " ;\n".join(lines) + " .\n")
    header = [f"@prefix {p}: <{prefixes[p]}> ." for p in sorted(used)]
    return "\n".join(header) + "\n\n" + "\n".join(blocks)


_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")


def _mapping_label(row: Row, index: ReferenceIndex) -> str:
    subject = str(row.one(URIRef(_STORED[0])))
    predicate = str(row.one(URIRef(_STORED[1])))
    obj = str(row.one(URIRef(_STORED[2])))
    phrase = PHRASES.get(predicate, semantics.curie(predicate))
    text = f"{index.label(subject)} {phrase} {index.label(obj)}"
    negated = any(str(v) == "Not" for v in row.values.get(str(SSSOM.predicate_modifier), []))
    return f"not: {text}" if negated else text


def _en(value: Node) -> Node:
    """Tag plain text as English (the data conventions' language-tagged labels)."""
    if isinstance(value, Literal) and value.language is None and value.datatype is None:
        return Literal(str(value), lang="en")
    return value


def _header(path: Path, key: str, graph_iri: URIRef) -> str:
    return (
        f"# Imported by `govkg import` from a validated mapping submission ({path.name}).\n"
        "# Change the submission and import it again (`govkg import --replace`), or edit "
        "this file\n# and run `govkg build`.\n"
        f"# Mapping set {key}. Named graph: <{graph_iri}>.\n\n"
    )


def _check_against_data_shapes(
    graph: Graph, graph_iri: URIRef, layout: Layout, build_dir: Path
) -> None:
    """Refuse a file the build would refuse: no blank nodes, and the shipped-data shapes pass
    on the graph's data with this file in place of any earlier version."""
    dataset = Dataset()
    dataset.parse(ensure_built(layout, build_dir), format="nquads")
    data, ontology = Graph(), Graph()
    for context in dataset.graphs():
        name = str(context.identifier)
        if name in (str(INFERRED_GRAPH), str(META_GRAPH), str(graph_iri)):
            continue
        target = ontology if name.startswith(GRAPH_ONTOLOGY) else data
        for triple in context:
            target.add(triple)
    data += graph
    shapes = load_shapes([layout.shapes / name for name in DATA_SHAPES])
    report = validate(data, shapes, ontology)
    if not report.conforms:
        raise ImportRefused(
            "the imported set would not pass the shipped-data shapes "
            f"(shapes/data.ttl):\n{report.text()}",
            report,
        )


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and ``os.replace``; the file gets
    the mode the umask gives a new file (not the 0600 of a temporary file).

    Raises:
        ResourceError: the folder is full, read-only or not permitted (naming ``target``).
        InputError: another failure to write.
    """
    try:
        with os_errors(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", target) from None
    try:
        with os_errors(target):
            os.fchmod(handle, 0o666 & ~_umask())
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            faults.point("import:before-rename")
            os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", target) from None
        raise


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
