"""NIST OLIR relationship tables written from a mapping set (``govkg export --mappings
--format olir-csv|olir-xlsx``): the columns, relationships and cells that
:mod:`govkg.submission.olir` reads, so that a written table reads back as the same mappings
(docs/olir.md).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import URIRef

from govkg.backends import Store
from govkg.errors import InputError
from govkg.namespaces import GK, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.submission.olir import (
    COLUMNS,
    ELEMENT_KEY,
    OLIR_FORMATS,
    RATIONALES,
    RELATIONSHIP_WORDS,
    slug,
)


@dataclass(frozen=True)
class ExportedOlir:
    """One mapping set as an OLIR relationship table.

    Attributes:
        key: The set's key (its file name is ``<key><suffix>``).
        mappings: How many mappings it holds.
        data: The file's bytes.
        suffix: ``.olir.csv`` or ``.olir.xlsx``.
        unstated: Mappings whose predicate has no set theory relationship (written with the
            Relationship empty and the predicate named in Comments).
    """

    key: str
    mappings: int
    data: bytes
    suffix: str
    unstated: int = 0


_EXPORT_SETS = """PREFIX sssom: <https://w3id.org/sssom/>
SELECT DISTINCT ?set ?g WHERE { GRAPH ?g { ?set a sssom:MappingSet ; sssom:mappings ?m } }"""
_EXPORT_SET = "SELECT ?p ?o WHERE { GRAPH <%s> { <%s> ?p ?o } }"
_EXPORT_ROWS = """PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?m ?p ?o WHERE { GRAPH <%s> { <%s> sssom:mappings ?m . ?m ?p ?o } }"""
_EXPORT_ELEMENTS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX gk: <https://w3id.org/govkg/ontology#>
SELECT ?e ?scheme ?notation ?label ?text WHERE { ?e skos:inScheme ?scheme .
  OPTIONAL { ?e skos:notation ?notation }
  OPTIONAL { ?e rdfs:label ?label FILTER (langMatches(lang(?label), "en") || lang(?label) = "") }
  OPTIONAL { ?e gk:text ?text FILTER (langMatches(lang(?text), "en") || lang(?text) = "") } }"""


@dataclass
class _Elements:
    """What the written table says about each element: its framework, id cell, description."""

    scheme: dict[str, str] = field(default_factory=dict)
    cell: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]]) -> _Elements:
        found = cls()
        notations: dict[tuple[str, str], set[str]] = {}
        order = ("e", "scheme", "notation", "label", "text")
        for row in sorted(rows, key=lambda r: tuple(r.get(name, "") for name in order)):
            element, scheme = row["e"], row["scheme"]
            found.scheme.setdefault(element, scheme)
            if row.get("notation"):
                notations.setdefault((scheme, row["notation"]), set()).add(element)
            text = row.get("text") or row.get("label")
            if text:
                found.description.setdefault(element, text)
        unique = {
            next(iter(es)): notation for (_, notation), es in notations.items() if len(es) == 1
        }
        for element, scheme in found.scheme.items():
            key = element[len(scheme.rstrip("/")) + 1 :] if element.startswith(scheme) else ""
            notation = unique.get(element)
            if notation is not None and key and slug(notation) == key:
                found.cell[element] = notation  # read back without the graph (slug = id)
            elif ELEMENT_KEY.match(key):
                found.cell[element] = key
        return found

    def cell_for(self, element: str, framework: str | None) -> str:
        """The element's id cell: its notation or id when the table's framework for that side
        is its own (so that reading it back finds it), else its IRI."""
        if framework is not None and self.scheme.get(element) == framework:
            return self.cell.get(element, element)
        return element


def export_olir(
    layout: Layout,
    build_dir: Path,
    sets: list[str] | None,
    fmt: str,
    progress: Progress | None = None,
    store: Store | None = None,
) -> list[ExportedOlir]:
    """Write the graph's mapping sets (those with mappings) as OLIR relationship tables.

    Each mapping is a row (NIST IR 8278A r1, Tables 4 and 5): the object is the Focal Document
    Element, the subject the Reference Document Element, the set theory predicate the
    Relationship, ``gk:matchBasis`` the Rationale when it is one, ``sssom:similarity_score``
    times 10 the Strength of Relationship when it is a whole number, ``rdfs:comment`` the
    Comments. A CSV starts with the set's metadata as ``#`` YAML lines (which
    :func:`read_olir` reads back; strip them for a tool that wants the bare template); an XLSX
    workbook has the sheets ``Relationships`` and ``General Information`` (Table 1 fields
    govkg knows).

    Args:
        layout: The sources.
        build_dir: Their build (built first when missing or stale).
        sets: Only these sets (by key); all when None.
        fmt: ``olir-csv`` or ``olir-xlsx``.
        progress: Progress reporting (building).
        store: The store holding the graph (``--store``); default: the build's embedded one.

    Raises:
        InputError: an unknown format, or a key naming no mapping set with mappings.
    """
    from govkg.querying import open_built
    from govkg.submission.vocabulary import set_key

    if fmt not in OLIR_FORMATS:
        raise InputError(f"unknown OLIR format {fmt!r} (known: {', '.join(OLIR_FORMATS)})")
    if store is None:
        store = open_built(layout, build_dir, progress)
    elements = _Elements.from_rows(store.select(_EXPORT_ELEMENTS).dicts())
    found = {
        set_key(r["set"]) or r["set"]: (r["set"], r["g"])
        for r in store.select(_EXPORT_SETS).dicts()
    }
    wanted = sets if sets is not None else sorted(found)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InputError(
            f"no mapping set with mappings called {', '.join(missing)} (known: "
            f"{', '.join(sorted(found))})"
        )
    exported = []
    for key in wanted:
        set_iri, graph = found[key]
        meta: dict[str, list[str]] = {}
        for row in store.select(_EXPORT_SET % (graph, set_iri)).dicts():
            meta.setdefault(row["p"], []).append(row["o"])
        mappings: dict[str, dict[str, list[str]]] = {}
        for row in store.select(_EXPORT_ROWS % (graph, set_iri)).dicts():
            mappings.setdefault(row["m"], {}).setdefault(row["p"], []).append(row["o"])
        table, unstated = olir_rows(meta, mappings, elements)
        if fmt == "olir-csv":
            data = (_metadata_block(set_iri, meta) + _csv([list(COLUMNS), *table])).encode()
        else:
            data = _workbook(set_iri, meta, table)
        exported.append(
            ExportedOlir(key, len(mappings), data, "." + fmt.replace("-", "."), unstated)
        )
    return exported


def olir_rows(
    meta: dict[str, list[str]],
    mappings: dict[str, dict[str, list[str]]],
    elements: _Elements,
) -> tuple[list[list[str]], int]:
    """The rows (in :data:`COLUMNS` order) of a set's mappings, sorted by Focal Document
    Element, and how many state no set theory relationship."""
    from govkg.submission.vocabulary import MAPPING_SLOTS, negates

    slot = {name: str(s.prop) for name, s in MAPPING_SLOTS.items()}
    subject_fw = min(meta.get(str(SSSOM.subject_source), [""])) or None
    object_fw = min(meta.get(str(SSSOM.object_source), [""])) or None
    rows: list[list[str]] = []
    unstated = 0
    for values in mappings.values():

        def one(prop: str, values: dict[str, list[str]] = values) -> str:
            found = sorted(values.get(prop, []))
            return found[0] if found else ""

        subject, obj = one(slot["subject_id"]), one(slot["object_id"])
        predicate = one(slot["predicate_id"])
        negated = negates(one(slot["predicate_modifier"]))
        word = "" if negated else RELATIONSHIP_WORDS.get(URIRef(predicate), "")
        comment = one(slot["comment"])
        if not word:
            unstated += 1
            said = ("Not " if negated else "") + _short(predicate)
            comment = f"govkg predicate {said}: no NIST IR 8477 set relationship" + (
                f". {comment}" if comment else ""
            )
        basis = one(slot["match_basis"]).lower()
        rows.append(
            [
                elements.cell_for(obj, object_fw),
                elements.description.get(obj, ""),
                basis if basis in RATIONALES else "",
                word,
                elements.cell_for(subject, subject_fw),
                elements.description.get(subject, ""),
                comment,
                _strength_cell(one(str(SSSOM.similarity_score))),
            ]
        )
    rows.sort(key=lambda r: (r[0], r[4], r[3]))
    return rows, unstated


def _short(iri: str) -> str:
    """A predicate as a CURIE where govkg's or SKOS's prefix fits.

    >>> _short("http://www.w3.org/2004/02/skos/core#relatedMatch")
    'skos:relatedMatch'
    """
    for prefix, namespace in (("gk", str(GK)), ("skos", "http://www.w3.org/2004/02/skos/core#")):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _strength_cell(score: str) -> str:
    """The Strength of Relationship a similarity score stands for, when it is a whole 0 to 10.

    >>> _strength_cell("0.7"), _strength_cell("0.75"), _strength_cell("")
    ('7', '', '')
    """
    try:
        value = float(score) * 10
    except ValueError:
        return ""
    return str(round(value)) if abs(value - round(value)) < 1e-9 and 0 <= value <= 10 else ""


def _metadata_block(set_iri: str, meta: dict[str, list[str]]) -> str:
    """The set's metadata as ``#`` YAML lines (full IRIs, so no ``curie_map`` is needed)."""
    import yaml
    from rdflib.namespace import DCTERMS

    first = {p: sorted(v)[0] for p, v in meta.items() if v}
    header: dict[str, Any] = {"mapping_set_id": set_iri}
    for name, prop in (
        ("mapping_set_title", DCTERMS.title),
        ("mapping_set_description", DCTERMS.description),
    ):
        if str(prop) in first:
            header[name] = first[str(prop)]
    header["creator_id"] = sorted(meta.get(str(DCTERMS.creator), []))
    for name, prop in (
        ("license", DCTERMS.license),
        ("publication_date", DCTERMS.issued),
        ("subject_source", SSSOM.subject_source),
        ("object_source", SSSOM.object_source),
    ):
        if str(prop) in first:
            header[name] = first[str(prop)]
    header["source_document"] = sorted(meta.get(str(DCTERMS.source), []))
    status = {str(GK.Official): "official", str(GK.Unofficial): "unofficial"}
    for value in meta.get(str(GK.crosswalkStatus), []):
        if value in status:
            header["crosswalk_status"] = status[value]
    if str(GK.granularity) in first:
        header["granularity"] = first[str(GK.granularity)]
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=10_000)
    return "".join(f"#{line}\n" for line in text.splitlines())


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _workbook(set_iri: str, meta: dict[str, list[str]], table: list[list[str]]) -> bytes:
    """The XLSX workbook: the relationships, then the General Information fields (NIST IR
    8278A r1, Table 1) govkg can fill."""
    from rdflib.namespace import DCTERMS

    from govkg.spreadsheets import sheet_bytes

    def first(prop: URIRef) -> str:
        values = sorted(meta.get(str(prop), []))
        return values[0] if values else ""

    reference = first(SSSOM.subject_source)
    general = [
        ["Field Name", "Value"],
        ["Reference Document", reference],
        ["Informative Reference Name", first(DCTERMS.title)],
        ["Informative Reference Developer", ", ".join(sorted(meta.get(str(DCTERMS.creator), [])))],
        ["Summary", first(DCTERMS.description)],
        [
            "Comments",
            f"Written by govkg from the mapping set {set_iri} (licence {first(DCTERMS.license)}).",
        ],
    ]
    return sheet_bytes({"Relationships": [list(COLUMNS), *table], "General Information": general})
