"""SSSOM slots, the RDF properties govkg stores them as, govkg's extension slots, and prefixes.

The slot names and their slot URIs are those of the SSSOM schema (SSSOM specification,
"Mapping" and "MappingSet" classes; the LinkML schema ``sssom_schema.yaml``); govkg stores a
set's metadata with DCMI terms and its own properties as docs/data-conventions.md says.
Multivalued slots hold their values separated by ``|`` in SSSOM TSV (SSSOM specification,
"SSSOM/TSV": multivalued slots).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from govkg.namespaces import BASE, GK, PAV, PREFIXES, SEMAPV, SSSOM

#: The value kinds a slot can hold.
ENTITY, STRING, DOUBLE, DATE, ENUM = "entity", "string", "double", "date", "enum"


@dataclass(frozen=True)
class Slot:
    """One SSSOM (or govkg extension) slot that govkg reads and stores.

    Attributes:
        name: The slot (column or metadata key) name.
        prop: The RDF property govkg stores it as.
        kind: ``entity`` (CURIE or IRI), ``string``, ``double``, ``date`` or ``enum``.
        multivalued: True when several ``|``-separated values are allowed.
        extension: True for govkg's extension slots (declared in ``extension_definitions``).
    """

    name: str
    prop: URIRef
    kind: str
    multivalued: bool = False
    extension: bool = False


#: Slots of a mapping (one row) that govkg stores, by name.
MAPPING_SLOTS: dict[str, Slot] = {
    s.name: s
    for s in (
        Slot("subject_id", OWL.annotatedSource, ENTITY),
        Slot("predicate_id", OWL.annotatedProperty, ENTITY),
        Slot("object_id", OWL.annotatedTarget, ENTITY),
        Slot("mapping_justification", SSSOM.mapping_justification, ENTITY),
        Slot("confidence", SSSOM.confidence, DOUBLE),
        Slot("predicate_modifier", SSSOM.predicate_modifier, ENUM),
        Slot("author_id", PAV.authoredBy, ENTITY, multivalued=True),
        Slot("mapping_date", PAV.authoredOn, DATE),
        Slot("comment", RDFS.comment, STRING),
        Slot("match_basis", GK.matchBasis, STRING, extension=True),
    )
}

#: Slots of a mapping set that govkg stores, by name.
SET_SLOTS: dict[str, Slot] = {
    s.name: s
    for s in (
        Slot("mapping_set_title", DCTERMS.title, STRING),
        Slot("mapping_set_description", DCTERMS.description, STRING),
        Slot("creator_id", DCTERMS.creator, ENTITY, multivalued=True),
        Slot("license", DCTERMS.license, ENTITY),
        Slot("publication_date", DCTERMS.issued, DATE),
        Slot("subject_source", GK.subjectFramework, ENTITY),
        Slot("object_source", GK.objectFramework, ENTITY),
        Slot("source_document", DCTERMS.source, ENTITY, multivalued=True, extension=True),
        Slot("source_document_title", DCTERMS.title, STRING, extension=True),
        Slot("crosswalk_status", GK.crosswalkStatus, ENUM, extension=True),
        Slot("granularity", GK.granularity, STRING, extension=True),
    )
}

#: Slots that may sit on the set and propagate to every mapping (SSSOM 1.0, "propagatable
#: slots"); govkg uses these three.
PROPAGATED = ("mapping_date", "subject_source", "object_source")

#: Other SSSOM slots: accepted, not stored (no warning).
KNOWN_MAPPING_SLOTS = frozenset(
    {
        "subject_label",
        "subject_category",
        "subject_type",
        "subject_source",
        "subject_source_version",
        "subject_match_field",
        "subject_preprocessing",
        "predicate_label",
        "predicate_type",
        "object_label",
        "object_category",
        "object_type",
        "object_source",
        "object_source_version",
        "object_match_field",
        "object_preprocessing",
        "author_label",
        "reviewer_id",
        "reviewer_label",
        "creator_id",
        "creator_label",
        "license",
        "mapping_provider",
        "mapping_source",
        "mapping_cardinality",
        "mapping_tool",
        "mapping_tool_id",
        "mapping_tool_version",
        "publication_date",
        "curation_rule",
        "curation_rule_text",
        "match_string",
        "semantic_similarity_score",
        "semantic_similarity_measure",
        "similarity_score",
        "similarity_measure",
        "see_also",
        "issue_tracker_item",
        "other",
        "record_id",
        "cardinality_scope",
        "mapping_set_id",
    }
) | frozenset(MAPPING_SLOTS)
KNOWN_SET_SLOTS = frozenset(
    {
        "mapping_set_id",
        "mapping_set_version",
        "mapping_set_source",
        "mapping_set_title",
        "mapping_set_description",
        "creator_id",
        "creator_label",
        "license",
        "subject_type",
        "subject_source",
        "subject_source_version",
        "object_type",
        "object_source",
        "object_source_version",
        "mapping_provider",
        "mapping_tool",
        "mapping_tool_id",
        "mapping_tool_version",
        "mapping_date",
        "publication_date",
        "subject_match_field",
        "object_match_field",
        "subject_preprocessing",
        "object_preprocessing",
        "see_also",
        "issue_tracker",
        "other",
        "comment",
        "extension_definitions",
        "curie_map",
        "sssom_version",
        "cardinality_scope",
        "predicate_type",
        "similarity_measure",
        "curation_rule",
        "curation_rule_text",
        "author_id",
        "author_label",
        "reviewer_id",
        "reviewer_label",
    }
) | frozenset(SET_SLOTS)

#: Values of the crosswalk_status extension slot.
STATUS_VALUES = {"official": GK.Official, "unofficial": GK.Unofficial}

#: The value of predicate_modifier that negates a mapping (SSSOM enum predicate_modifier_enum).
NOT = "Not"

#: Prefixes SSSOM treats as built in; a curie_map may omit them and must not redefine them.
BUILTIN_PREFIXES: dict[str, str] = {
    "owl": str(OWL),
    "rdf": PREFIXES["rdf"],
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "xsd": PREFIXES["xsd"],
}

#: Where a set's own mappings live (docs/data-conventions.md, "IRIs").
MAPPING_SET_BASE = BASE + "id/mapping-set/"
SOURCE_BASE = BASE + "id/source/"
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

_PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]+)>\s*\.\s*$", re.MULTILINE)


def default_prefixes(data_folder: Path) -> dict[str, str]:
    """Return the prefixes a submission may use without declaring them.

    These are govkg's vocabulary prefixes (``govkg.namespaces.PREFIXES``) and the prefixes the
    shipped data files declare for govkg IRIs (``airmf:``, ``aiverify:``, ``mset:``,
    ``source:`` ...), read from their ``@prefix`` lines; a prefix two files bind differently is
    left out.

    >>> from govkg.paths import bundled_layout
    >>> default_prefixes(bundled_layout().data)["skos"]
    'http://www.w3.org/2004/02/skos/core#'
    """
    found: dict[str, set[str]] = {}
    for path in sorted(data_folder.rglob("*.ttl")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name, namespace in _PREFIX_LINE.findall(text):
            if name and namespace.startswith(BASE + "id/"):
                found.setdefault(name, set()).add(namespace)
    prefixes = dict(PREFIXES)
    prefixes.update(
        {
            name: next(iter(spaces))
            for name, spaces in found.items()
            if len(spaces) == 1 and name not in prefixes
        }
    )
    prefixes.update(BUILTIN_PREFIXES)
    return prefixes


def set_key(set_iri: str) -> str | None:
    """Return the key of a govkg mapping-set IRI, or None when it is not one.

    >>> set_key("https://w3id.org/govkg/id/mapping-set/my-crosswalk")
    'my-crosswalk'
    >>> set_key("https://example.org/x") is None
    True
    """
    if not set_iri.startswith(MAPPING_SET_BASE):
        return None
    key = set_iri[len(MAPPING_SET_BASE) :]
    return key if KEY.match(key) else None
