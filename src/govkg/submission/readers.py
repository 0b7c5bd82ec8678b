"""Reading a submission: SSSOM TSV (a YAML metadata block in ``#`` lines, then a table), a
CSV/TSV table with SSSOM column names, RDF, or a NIST OLIR relationship table (CSV or XLSX,
:mod:`~govkg.submission.olir`), into the set's metadata and a stream of rows.

Formats follow the SSSOM specification, section "SSSOM/TSV": the metadata block is YAML whose
keys are MappingSet slots (with ``curie_map``), each line starting with ``#``; then a header of
Mapping slot names and one mapping a row; multivalued slots separate values with ``|``; entity
references are CURIEs expanded with the ``curie_map``. Propagatable slots on the set apply to
every row that does not give its own value (SSSOM 1.0, "propagation").

Every input is guarded before a parser sees it (:mod:`~govkg.submission.limits`): bytes must
be UTF-8 with no NUL byte, lines and cells have a size limit, the YAML block may use no anchors,
aliases or tags and nests only so deep, and RDF goes through :func:`govkg.loading.parse_file`
(DOCTYPE and remote JSON-LD contexts refused). Nothing the file says makes govkg open another
file or the network.

This module is the entry point; the work is done by one module per seam:
:mod:`~govkg.submission.lines` (guarded lines, the metadata block),
:mod:`~govkg.submission.yamlblock` (safe YAML), :mod:`~govkg.submission.terms` (prefix policy,
CURIEs, literal types), :mod:`~govkg.submission.tables` (set metadata, header, rows),
:mod:`~govkg.submission.minting` (the mappings' IRIs) and :mod:`~govkg.submission.rdfinput`
(RDF); what they give is :mod:`~govkg.submission.rows`.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from govkg.errors import InputError
from govkg.formats import syntax_by_name
from govkg.namespaces import SSSOM
from govkg.submission.olir import OLIR_FORMATS, NotationIndex, read_olir
from govkg.submission.rdfinput import RDF_FORMATS, read_rdf
from govkg.submission.rows import Submission, row_triples
from govkg.submission.tables import TABLE_FORMATS, TableReader

#: Input formats, by name.
INPUT_FORMATS = (*TABLE_FORMATS, *RDF_FORMATS, *OLIR_FORMATS)


def detect_format(path: Path, given: str | None = None) -> str:
    """Return the input format named by ``given`` or by the file's extension (the file must
    exist).

    >>> [detect_format(Path(name)) for name in ("a.sssom.tsv", "b.CSV", "c.ttl")]
    ['sssom-tsv', 'csv', 'turtle']
    >>> [detect_format(Path(name)) for name in ("x.olir.csv", "y.OLIR.xlsx")]
    ['olir-csv', 'olir-xlsx']
    """
    if path.exists():
        require_file(path)
    if given:
        if given not in INPUT_FORMATS:
            raise InputError(f"unknown input format {given!r} (known: {', '.join(INPUT_FORMATS)})")
        return given
    name = path.name.lower()
    if name.endswith(".sssom.tsv"):
        return "sssom-tsv"
    if name.endswith((".olir.csv", ".olir.xlsx")):
        return "olir-" + name.rsplit(".", 1)[1]
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("tsv", "csv"):
        return suffix
    if not suffix:
        raise InputError(
            "cannot tell the format of a file without extension; use --input-format", path
        )
    try:
        return syntax_by_name(suffix).name
    except InputError:
        raise InputError(
            f"unknown file extension .{suffix} (use --input-format: {', '.join(INPUT_FORMATS)})",
            path,
        ) from None


def require_file(path: Path) -> None:
    """Refuse a path that is not a readable regular file (missing, a folder, a device)."""
    if not path.is_file():
        what = (
            "is a folder"
            if path.is_dir()
            else "does not exist"
            if not path.exists()
            else "is not a regular file"
        )
        raise InputError(f"cannot read: {what}", path)


def open_submission(
    path: Path,
    input_format: str,
    defaults: dict[str, str],
    metadata: Path | None = None,
    notations: NotationIndex | None = None,
) -> Submission:
    """Open a submission file for reading.

    Args:
        path: The file.
        input_format: One of :data:`INPUT_FORMATS`.
        defaults: The prefixes a submission may use undeclared.
        metadata: A YAML file with the set's metadata, for a table without a metadata block.
        notations: The built graph's element notations, for an OLIR table whose element
            cells are notations (:mod:`~govkg.submission.olir`).

    Raises:
        InputError: the file cannot be read (missing, not UTF-8, binary, too large, broken
            RDF or YAML), naming the line where known.
    """
    require_file(path)
    if input_format in RDF_FORMATS:
        if metadata is not None:
            raise InputError("--metadata applies to CSV/TSV tables only", metadata)
        return read_rdf(path, input_format, defaults)
    if input_format in OLIR_FORMATS:
        return read_olir(path, input_format, defaults, metadata, notations)
    return TableReader(path, input_format, defaults, metadata).open()


def to_graph(submission: Submission) -> Graph:
    """Return the whole submission as one RDF graph (set and every mapping), as govkg reads it.

    ``govkg validate`` never builds this for a large file; tests use it to run pySHACL on every
    mapping and compare, and the benchmark uses it as the plain-pySHACL baseline.
    """
    graph = Graph()
    for triple in submission.set_triples:
        graph.add(triple)
    set_node = submission.set_node
    for row in submission.rows:
        for prop, declared, wanted in (
            (SSSOM.subject_source, row.subject_source, submission.frameworks_from_rows[0]),
            (SSSOM.object_source, row.object_source, submission.frameworks_from_rows[1]),
        ):
            if submission.graph is None and set_node is not None and wanted:
                for framework in declared:
                    graph.add((set_node, prop, framework))
        for triple in row_triples(row, submission.graph):
            graph.add(triple)
    return graph
