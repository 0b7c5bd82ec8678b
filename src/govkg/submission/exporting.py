"""``govkg export-mappings``: the graph's mapping sets written back as SSSOM TSV (SSSOM
specification, "SSSOM/TSV"): a YAML metadata block in ``#`` lines with ``curie_map`` and
``extension_definitions`` for govkg's extension slots, then one mapping a row. Sets whose table
was not retrieved hold no mappings and are not written. What ``govkg validate`` and
``govkg import`` read back is the same set (tests/test_submission_import.py, the round trip),
and what sssom-py reads and validates is too (tests/test_sssom_interop.py).

Values of ``EntityReference`` slots are CURIEs (SSSOM specification, "Identifiers"): an IRI no
known prefix covers gets a prefix of its own in the ``curie_map`` (:func:`fallback_prefix`).
Values of ``NonRelativeURI`` slots (``mapping_set_id``, ``license``) are full IRIs.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import curies
import yaml
from rdflib.namespace import DCTERMS, RDFS

from govkg.backends import Backend
from govkg.errors import InputError
from govkg.namespaces import GK, PAV, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.querying import open_backend
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    MAPPING_SLOTS,
    NOT,
    STATUS_VALUES,
    default_prefixes,
    negates,
    set_key,
)

#: Export formats.
EXPORT_FORMATS = ("sssom-tsv",)

#: govkg extension slots, declared in each exported file (SSSOM 1.0 "extension_definitions").
EXTENSIONS = (
    ("source_document", str(DCTERMS.source), "http://www.w3.org/2001/XMLSchema#anyURI"),
    ("source_document_title", str(DCTERMS.title), "http://www.w3.org/2001/XMLSchema#string"),
    ("crosswalk_status", str(GK.crosswalkStatus), "http://www.w3.org/2001/XMLSchema#string"),
    ("granularity", str(GK.granularity), "http://www.w3.org/2001/XMLSchema#string"),
    ("match_basis", str(GK.matchBasis), "http://www.w3.org/2001/XMLSchema#string"),
)

_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "object_source",
    "mapping_justification",
    "confidence",
    "author_id",
    "mapping_date",
    "comment",
    "match_basis",
)

_SETS = """PREFIX sssom: <https://w3id.org/sssom/>
SELECT DISTINCT ?set ?g WHERE { GRAPH ?g { ?set a sssom:MappingSet ; sssom:mappings ?m } }
ORDER BY ?set"""
_SET = "SELECT ?p ?o WHERE { GRAPH <%s> { <%s> ?p ?o } }"
_ROWS = """PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?m ?p ?o WHERE { GRAPH <%s> { <%s> sssom:mappings ?m . ?m ?p ?o } }"""
_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?label ?scheme WHERE { ?e skos:inScheme ?scheme .
  OPTIONAL { ?e rdfs:label ?label FILTER (langMatches(lang(?label), "en")) } }"""


@dataclass(frozen=True)
class ExportedSet:
    """One mapping set as SSSOM TSV.

    Attributes:
        key: The set's key (its file name is ``<key>.sssom.tsv``).
        text: The SSSOM TSV.
        mappings: How many mappings it holds.
    """

    key: str
    text: str
    mappings: int


def export_mapping_sets(
    layout: Layout, build_dir: Path, keys: list[str] | None = None, progress: Progress | None = None
) -> list[ExportedSet]:
    """Write the graph's mapping sets (those with mappings) as SSSOM TSV.

    Args:
        layout: The sources.
        build_dir: Their build (built first when missing or stale).
        keys: Only these sets (by key); all when None.

    Raises:
        InputError: a key names no mapping set with mappings.
    """
    store = open_backend(layout, build_dir, progress)
    converter = curies.Converter.from_prefix_map(default_prefixes(layout.data))
    labels: dict[str, str] = {}
    schemes: dict[str, str] = {}
    for row in _rows(store, _LABELS):
        schemes[row["e"]] = row["scheme"]
        if row["label"] is not None:
            labels.setdefault(row["e"], row["label"])
    found = {set_key(r["set"]) or r["set"]: (r["set"], r["g"]) for r in _rows(store, _SETS)}
    wanted = keys if keys is not None else sorted(found)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InputError(
            f"no mapping set with mappings called {', '.join(missing)} (known: "
            f"{', '.join(sorted(found))})"
        )
    return [_export(store, converter, labels, schemes, key, *found[key]) for key in wanted]


def _rows(store: Backend, query: str) -> list[dict[str, Any]]:
    result = store.query(query)
    names = [v.value for v in result.variables]  # type: ignore[attr-defined]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]  # type: ignore[attr-defined]


def _export(
    store: Backend,
    converter: curies.Converter,
    labels: dict[str, str],
    schemes: dict[str, str],
    key: str,
    set_iri: str,
    graph: str,
) -> ExportedSet:
    used: set[str] = set()
    minted: dict[str, str] = {}  # prefix -> namespace, for IRIs no known prefix covers

    def short(iri: str) -> str:
        compressed = converter.compress(iri) or _minted_curie(iri, minted, converter)
        if compressed is None:
            return iri
        used.add(compressed.split(":", 1)[0])
        return compressed

    meta: dict[str, list[str]] = defaultdict(list)
    for row in _rows(store, _SET % (graph, set_iri)):
        meta[row["p"]].append(row["o"])
    mappings: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in _rows(store, _ROWS % (graph, set_iri)):
        mappings[row["m"]][row["p"]].append(row["o"])
    objects = sorted(meta.get(str(SSSOM.object_source), []))
    header: dict[str, Any] = {"mapping_set_id": set_iri}
    for name, prop in (
        ("mapping_set_title", DCTERMS.title),
        ("mapping_set_description", DCTERMS.description),
    ):
        if meta.get(str(prop)):
            header[name] = sorted(meta[str(prop)])[0]
    header["creator_id"] = [short(c) for c in sorted(meta.get(str(DCTERMS.creator), []))]
    licenses = sorted(meta.get(str(DCTERMS.license), []))
    if licenses:  # a NonRelativeURI (SET_SLOTS["license"].full_iri): never shortened
        header["license"] = licenses[0]
    issued = sorted(meta.get(str(DCTERMS.issued), []))
    if issued:
        header["publication_date"] = issued[0]
    header["subject_source"] = short(sorted(meta.get(str(SSSOM.subject_source), [""]))[0])
    if len(objects) == 1:
        header["object_source"] = short(objects[0])
    header["source_document"] = [short(s) for s in sorted(meta.get(str(DCTERMS.source), []))]
    status = {str(v): k for k, v in STATUS_VALUES.items()}
    for value in meta.get(str(GK.crosswalkStatus), []):
        if value in status:
            header["crosswalk_status"] = status[value]
    if meta.get(str(GK.granularity)):
        header["granularity"] = sorted(meta[str(GK.granularity)])[0]
    header["extension_definitions"] = [
        {"slot_name": name, "property": short(prop), "type_hint": short(hint)}
        for name, prop, hint in EXTENSIONS
    ]
    table = _table(mappings, labels, schemes, short, multi=len(objects) != 1)
    curie_map = {
        p: ns
        for p, ns in sorted({**converter.prefix_map, **minted}.items())
        if p in used and p not in BUILTIN_PREFIXES
    }
    block = yaml.safe_dump(
        {"curie_map": curie_map, **header},
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
        default_flow_style=False,
    )
    text = "".join(f"#{line}\n" for line in block.splitlines()) + table
    return ExportedSet(key=key, text=text, mappings=len(mappings))


def _table(
    mappings: dict[str, dict[str, list[str]]],
    labels: dict[str, str],
    schemes: dict[str, str],
    short: Any,
    multi: bool,
) -> str:
    slots = {name: str(slot.prop) for name, slot in MAPPING_SLOTS.items()}
    records = []
    for values in mappings.values():

        def one(name: str, values: dict[str, list[str]] = values) -> str:
            found = sorted(values.get(slots[name], []))
            return found[0] if found else ""

        subject, obj = one("subject_id"), one("object_id")
        record = {
            "subject_id": short(subject),
            "subject_label": labels.get(subject, ""),
            "predicate_id": short(one("predicate_id")),
            "predicate_modifier": NOT if negates(one("predicate_modifier")) else "",
            "object_id": short(obj),
            "object_label": labels.get(obj, ""),
            "object_source": short(schemes[obj]) if multi and obj in schemes else "",
            "mapping_justification": short(one("mapping_justification")),
            "confidence": one("confidence"),
            "author_id": "|".join(short(a) for a in sorted(values.get(str(PAV.authoredBy), []))),
            "mapping_date": one("mapping_date"),
            "comment": one("comment") if str(RDFS.comment) in values else "",
            "match_basis": one("match_basis"),
        }
        records.append(record)
    records.sort(key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"]))
    columns = [
        c
        for c in _COLUMNS
        if c in ("subject_id", "predicate_id", "object_id", "mapping_justification")
        or any(r[c] for r in records)
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([record[c] for c in columns])
    return out.getvalue()


_PREFIX_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~-]*$")


def fallback_prefix(iri: str, taken: set[str]) -> tuple[str, str] | None:
    """Return a (prefix, namespace) that makes a CURIE of an IRI no known prefix covers.

    The namespace is the IRI up to its last ``/`` or ``#``; the prefix is the path segment
    before the local name when that is a free prefix name (govkg's ``.../id/agent/x`` gives
    ``agent``), else ``ns1``, ``ns2``, ... None when the local name would not be a plain one.

    >>> fallback_prefix("https://w3id.org/govkg/id/agent/govkg-developers", {"gk"})
    ('agent', 'https://w3id.org/govkg/id/agent/')
    >>> fallback_prefix("https://orcid.org/0000-0002-1825-0097", {"orcid.org"})
    ('ns1', 'https://orcid.org/')
    >>> fallback_prefix("https://example.org/folder/", set()) is None
    True
    """
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    namespace, local = iri[:cut], iri[cut:]
    if not local or not _LOCAL_NAME.match(local) or "://" not in namespace:
        return None
    segment = namespace.rstrip("/#").rsplit("/", 1)[-1]
    if _PREFIX_NAME.match(segment) and segment not in taken:
        return segment, namespace
    number = 1
    while f"ns{number}" in taken:
        number += 1
    return f"ns{number}", namespace


def _minted_curie(iri: str, minted: dict[str, str], converter: curies.Converter) -> str | None:
    """A CURIE for an IRI no known prefix covers, with a prefix minted for its namespace (and
    recorded in ``minted``) unless one was already; None when it cannot be one."""
    found = fallback_prefix(iri, set(converter.prefix_map) | set(minted))
    if found is None:
        return None
    namespace = found[1]
    prefix = next((p for p, ns in minted.items() if ns == namespace), found[0])
    minted[prefix] = namespace
    return f"{prefix}:{iri[len(namespace) :]}"
