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
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS

from govkg.backends import Store
from govkg.errors import InputError
from govkg.namespaces import GK, SSSOM
from govkg.paths import Layout
from govkg.progress import Progress
from govkg.querying import open_built
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    DOUBLE,
    ENTITY,
    ENUM,
    KEY,
    MAPPING_SLOTS,
    ORIGINAL_SET_ID,
    SET_SLOTS,
    Slot,
    default_prefixes,
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
_DECLARED = """PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?name ?property ?hint WHERE { GRAPH <%s> { <%s> sssom:extension_definitions ?d .
  ?d sssom:slot_name ?name ; sssom:property ?property OPTIONAL { ?d sssom:type_hint ?hint } } }
ORDER BY ?name"""
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


@dataclass(frozen=True)
class ExportContext:
    """What writing any set of one store needs, read once: the prefixes, every element's
    label and scheme, and the workspace whose IRIs get prefixes of its name.

    Attributes:
        converter: The known prefixes (govkg's, the data's, the workspace frameworks').
        labels: Each element's English label.
        schemes: Each element's framework.
        workspace: (prefix, namespace) of the workspace, when there is one.
    """

    converter: curies.Converter
    labels: dict[str, str]
    schemes: dict[str, str]
    workspace: tuple[str, str] | None = None

    @classmethod
    def read(cls, store: Store, layout: Layout) -> ExportContext:
        """Read the labels and schemes of ``store``'s elements; the prefixes from ``layout``."""
        labels: dict[str, str] = {}
        schemes: dict[str, str] = {}
        found = store.select(_LABELS).dicts()  # the first label in text order, on any store
        for row in sorted(found, key=lambda r: (r["e"], r.get("label", ""))):
            schemes[row["e"]] = row["scheme"]
            if "label" in row:
                labels.setdefault(row["e"], row["label"])
        workspace = layout.workspace
        return cls(
            converter=curies.Converter.from_prefix_map(default_prefixes(layout.data)),
            labels=labels,
            schemes=schemes,
            workspace=(
                (workspace_prefix(workspace.name), workspace.namespace)
                if workspace is not None
                else None
            ),
        )


def workspace_prefix(name: str) -> str:
    """The prefix of a workspace's namespace in an exported ``curie_map``: its name, hyphens
    made underscores (sssom-py 0.4 reads no prefix with a hyphen), when that is a prefix
    name, else ``ws``.

    >>> workspace_prefix("acme"), workspace_prefix("acme-labs"), workspace_prefix("2 teams")
    ('acme', 'acme_labs', 'ws')
    """
    name = name.replace("-", "_")
    return name if _PREFIX_NAME.match(name) else "ws"


def export_mapping_sets(
    layout: Layout,
    build_dir: Path,
    keys: list[str] | None = None,
    progress: Progress | None = None,
    store: Store | None = None,
) -> list[ExportedSet]:
    """Write the graph's mapping sets (those with mappings) as SSSOM TSV.

    Args:
        layout: The sources (their prefixes and workspace).
        build_dir: Their build (built first when missing or stale), read when no ``store``
            is given.
        keys: Only these sets (by key, or by IRI); all when None.
        progress: Progress reporting (building).
        store: The store holding the graph (``--store``); default: the build's embedded one.

    Raises:
        InputError: a key names no mapping set with mappings.
    """
    if store is None:
        store = open_built(layout, build_dir, progress)
    context = ExportContext.read(store, layout)
    own = str(layout.workspace.iri("mapping-set/")) if layout.workspace is not None else None
    found = {_key(r["set"], own): (r["set"], r["g"]) for r in store.select(_SETS).dicts()}
    by_iri = {iri: key for key, (iri, _) in found.items()}
    wanted = [by_iri.get(k, k) for k in keys] if keys is not None else sorted(found)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InputError(
            f"no mapping set with mappings called {', '.join(missing)} (known: "
            f"{', '.join(sorted(found))})"
        )
    return [export_set(store, found[key][0], context, found[key][1], key) for key in wanted]


def _key(set_iri: str, own: str | None) -> str:
    """A set's key: govkg's ``mapping-set/{key}`` or the workspace's own, else its IRI.

    >>> _key("https://w3id.org/govkg/id/mapping-set/x", None)
    'x'
    >>> _key("urn:w:id/mapping-set/y", "urn:w:id/mapping-set/"), _key("urn:z", None)
    ('y', 'urn:z')
    """
    key = set_key(set_iri)
    if key is None and own is not None and set_iri.startswith(own):
        rest = set_iri[len(own) :]
        key = rest if KEY.match(rest) else None
    return key or set_iri


def export_set(
    store: Store,
    set_iri: str,
    context: ExportContext,
    graph: str | None = None,
    key: str | None = None,
) -> ExportedSet:
    """Write one mapping set of ``store`` as SSSOM TSV.

    Args:
        store: The built graph (or any store holding the set in a named graph).
        set_iri: The set.
        context: Prefixes, labels and schemes (:meth:`ExportContext.read`).
        graph: The named graph holding the set (found in ``store`` when None).
        key: Its key (default: its govkg key, else its IRI).

    Raises:
        InputError: the store holds no such set with mappings.
    """
    if graph is None:
        graphs = [r["g"] for r in store.select(_SETS).dicts() if r["set"] == set_iri]
        if not graphs:
            raise InputError(f"no mapping set with mappings called {set_iri}")
        graph = graphs[0]
    used: set[str] = set()
    minted: dict[str, str] = {}  # prefix -> namespace, for IRIs no known prefix covers
    converter, labels, schemes = context.converter, context.labels, context.schemes

    def short(iri: str) -> str:
        compressed = converter.compress(iri) or _minted_curie(
            iri, minted, converter, context.workspace
        )
        if compressed is None:
            return iri
        used.add(compressed.split(":", 1)[0])
        return compressed

    meta: dict[str, list[str]] = defaultdict(list)
    for row in store.select(_SET % (graph, set_iri)).dicts():
        meta[row["p"]].append(row["o"])
    mappings: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in store.select(_ROWS % (graph, set_iri)).dicts():
        mappings[row["m"]][row["p"]].append(row["o"])
    objects = sorted(meta.get(str(SSSOM.object_source), []))
    original = sorted(meta.get(str(ORIGINAL_SET_ID), []))
    header: dict[str, Any] = {"mapping_set_id": original[0] if original else set_iri}
    for name, slot in SET_SLOTS.items():
        if slot.extension or name == "object_source" and len(objects) != 1:
            continue
        texts: list[Any] = _texts(slot, meta.get(str(slot.prop), []), short)
        if slot.kind == DOUBLE:  # a YAML number: sssom-py's JSON schema wants a double
            texts = [float(text) for text in texts]
        if name == "creator_id" or texts:
            header[name] = texts if slot.multivalued else texts[0] if texts else ""
    # govkg's extensions after the standard slots (SSSOM/TSV: extension slots come last)
    header["source_document"] = [short(s) for s in sorted(meta.get(str(DCTERMS.source), []))]
    status = _texts(SET_SLOTS["crosswalk_status"], meta.get(str(GK.crosswalkStatus), []), short)
    if status:
        header["crosswalk_status"] = status[0]
    if meta.get(str(GK.granularity)):
        header["granularity"] = sorted(meta[str(GK.granularity)])[0]
    own = {name for name, _, _ in EXTENSIONS}
    declared = [
        r for r in store.select(_DECLARED % (graph, set_iri)).dicts() if r["name"] not in own
    ]
    for row in declared:  # the set's own extension slots (SSSOM 1.1), after govkg's
        values = sorted(meta.get(row["property"], []))
        if values:
            header[row["name"]] = values[0] if len(values) == 1 else values
    header["extension_definitions"] = [
        {"slot_name": name, "property": short(prop), "type_hint": short(hint)}
        for name, prop, hint in EXTENSIONS
    ] + [
        {"slot_name": r["name"], "property": short(r["property"])}
        | ({"type_hint": short(r["hint"])} if r.get("hint") else {})
        for r in declared
    ]
    extra = {r["name"]: r["property"] for r in declared}
    table = _table(mappings, labels, schemes, short, multi=len(objects) != 1, extra=extra)
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
    return ExportedSet(key=key or set_key(set_iri) or set_iri, text=text, mappings=len(mappings))


def _texts(slot: Slot, values: list[str], short: Any) -> list[str]:
    """A slot's values as SSSOM/TSV writes them: CURIEs for entity references (full IRIs for a
    ``NonRelativeURI``), an enum's value name for its stored term, else the literal's text."""
    found = []
    for value in sorted(values):
        if slot.kind == ENUM:
            name = slot.value_name(URIRef(value)) or slot.value_name(Literal(value))
            if name is not None:
                found.append(name)
        elif slot.kind == ENTITY and not slot.full_iri:
            found.append(short(value))
        else:
            found.append(value)
    return found if slot.multivalued else found[:1]


def _table(
    mappings: dict[str, dict[str, list[str]]],
    labels: dict[str, str],
    schemes: dict[str, str],
    short: Any,
    multi: bool,
    extra: dict[str, str],
) -> str:
    """The mappings as SSSOM/TSV rows; ``extra``: the set's declared extension slots (name to
    property), written as the last columns."""
    records = []
    for values in mappings.values():
        record = {
            name: "|".join(_texts(slot, values.get(str(slot.prop), []), short))
            for name, slot in MAPPING_SLOTS.items()
        }
        record |= {name: "|".join(sorted(values.get(prop, []))) for name, prop in extra.items()}
        subject = _first(values, MAPPING_SLOTS["subject_id"])
        obj = _first(values, MAPPING_SLOTS["object_id"])
        record["subject_label"] = record["subject_label"] or labels.get(subject, "")
        record["object_label"] = record["object_label"] or labels.get(obj, "")
        record["object_source"] = short(schemes[obj]) if multi and obj in schemes else ""
        records.append(record)
    records.sort(key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"], r["record_id"]))
    order = [*_COLUMNS, *(n for n in MAPPING_SLOTS if n not in _COLUMNS)]
    order = [c for c in order if not (c in MAPPING_SLOTS and MAPPING_SLOTS[c].extension)] + [
        c for c in order if c in MAPPING_SLOTS and MAPPING_SLOTS[c].extension
    ]
    order += sorted(extra)
    columns = [
        c
        for c in order
        if c in ("subject_id", "predicate_id", "object_id", "mapping_justification")
        or any(r[c] for r in records)
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([record[c] for c in columns])
    return out.getvalue()


def _first(values: dict[str, list[str]], slot: Slot) -> str:
    found = sorted(values.get(str(slot.prop), []))
    return found[0] if found else ""


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


def _minted_curie(
    iri: str,
    minted: dict[str, str],
    converter: curies.Converter,
    workspace: tuple[str, str] | None = None,
) -> str | None:
    """A CURIE for an IRI no known prefix covers, with a prefix minted for its namespace (and
    recorded in ``minted``) unless one was already; None when it cannot be one. Under a
    workspace's namespace the prefix is the workspace's (``acme``), with the path after
    ``id/`` (``acme_agent`` for ``<namespace>id/agent/``).

    >>> conv = curies.Converter.from_prefix_map({})
    >>> ws = ("acme", "https://example.org/acme/")
    >>> minted = {}
    >>> _minted_curie("https://example.org/acme/id/agent/acme-robotics", minted, conv, ws)
    'acme_agent:acme-robotics'
    >>> minted
    {'acme_agent': 'https://example.org/acme/id/agent/'}
    """
    found = fallback_prefix(iri, set(converter.prefix_map) | set(minted))
    if found is None:
        return None
    namespace = found[1]
    prefix = next((p for p, ns in minted.items() if ns == namespace), None)
    if prefix is None:
        prefix = _workspace_prefix(namespace, workspace, converter, minted) or found[0]
    minted[prefix] = namespace
    return f"{prefix}:{iri[len(namespace) :]}"


def _workspace_prefix(
    namespace: str,
    workspace: tuple[str, str] | None,
    converter: curies.Converter,
    minted: dict[str, str],
) -> str | None:
    """The prefix of a namespace under the workspace's: its name, then the path after ``id/``
    joined with ``_``; None outside the workspace or when that prefix is taken."""
    if workspace is None or not namespace.startswith(workspace[1]):
        return None
    rest = namespace[len(workspace[1]) :].strip("/#")
    rest = rest[3:] if rest.startswith("id/") else "" if rest == "id" else rest
    parts = [workspace[0], *(p.replace("-", "_") for p in re.split(r"[/#]+", rest) if rest)]
    prefix = "_".join(parts)
    taken = set(converter.prefix_map) | set(minted)
    return prefix if _PREFIX_NAME.match(prefix) and prefix not in taken else None
