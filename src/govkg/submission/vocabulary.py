"""SSSOM slots, the RDF properties govkg stores them as, govkg's extension slots, and prefixes.

The slot names, slot URIs, ranges and multivaluedness are those of the SSSOM schema (SSSOM
specification, "Mapping" and "MappingSet" classes; the LinkML schema ``sssom_schema.yaml`` of
the ``sssom-schema`` package, pinned at :data:`SSSOM_SCHEMA_VERSION`, which
tests/test_sssom_schema.py holds this table to): every standard slot is stored on its schema
slot URI, and govkg's own additions on ``gk:`` terms only (docs/data-conventions.md,
"Mappings"). Multivalued slots hold their values separated
by ``|`` in SSSOM TSV (SSSOM specification, "SSSOM/TSV": multivalued slots).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from govkg.namespaces import BASE, GK, PAV, PREFIXES, SEMAPV, SSSOM

#: The one SSSOM version govkg writes: the ``sssom-schema`` release whose slot URIs the table
#: below follows (the one sssom-py 0.4.21 needs). SSSOM/RDF records are ``owl:Axiom``
#: nodes in a ``sssom:MappingSet`` (SSSOM specification, "SSSOM/RDF").
SSSOM_SCHEMA_VERSION = "1.1.0a5"

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
        full_iri: True for an entity slot whose SSSOM range is ``NonRelativeURI``: written as a
            full IRI, never as a CURIE (SSSOM ``EntityReference`` slots are written as CURIEs).
    """

    name: str
    prop: URIRef
    kind: str
    multivalued: bool = False
    extension: bool = False
    full_iri: bool = False


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
        Slot("mapping_date", DCTERMS.created, DATE),
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
        Slot("license", DCTERMS.license, ENTITY, full_iri=True),
        Slot("publication_date", DCTERMS.issued, DATE),
        Slot("subject_source", SSSOM.subject_source, ENTITY),
        Slot("object_source", SSSOM.object_source, ENTITY),
        Slot("source_document", DCTERMS.source, ENTITY, multivalued=True, extension=True),
        Slot("source_document_title", DCTERMS.title, STRING, extension=True),
        Slot("crosswalk_status", GK.crosswalkStatus, ENUM, extension=True),
        Slot("granularity", GK.granularity, STRING, extension=True),
    )
}

#: Standard slots govkg stores with a property other than the schema's slot URI, and why: none
#: since SSSOM/RDF as the specification writes it (issue 11, item 3).
GOVKG_PROPERTIES: dict[str, str] = {}

#: Properties of govkg's form before SSSOM/RDF, accepted on input with a warning that names
#: the standard property, never written: old property -> the slot's property now.
LEGACY_PROPERTIES: dict[URIRef, URIRef] = {
    GK.subjectFramework: SSSOM.subject_source,
    GK.objectFramework: SSSOM.object_source,
    PAV.authoredOn: DCTERMS.created,
}

#: Slots that may sit on the set and propagate to every mapping (SSSOM 1.0, "propagatable
#: slots"); govkg uses these three.
PROPAGATED = ("mapping_date", "subject_source", "object_source")

#: Slots of the SSSOM Mapping class that govkg reads without storing them: accepted without a
#: warning, dropped on import. Issue 12 adds them to the table. (The PROPAGATED slots are
#: read in a row too: ``mapping_date`` is stored, ``subject_source`` and ``object_source``
#: name the row's frameworks.)
UNSUPPORTED_MAPPING_SLOTS = frozenset(
    {
        "record_id",
        "subject_label",
        "subject_category",
        "subject_type",
        "subject_source_version",
        "subject_match_field",
        "subject_preprocessing",
        "predicate_label",
        "predicate_type",
        "object_label",
        "object_category",
        "object_type",
        "object_source_version",
        "object_match_field",
        "object_preprocessing",
        "author_label",
        "reviewer_id",
        "reviewer_label",
        "review_date",
        "reviewer_agreement",
        "creator_id",
        "creator_label",
        "license",
        "mapping_provider",
        "mapping_source",
        "mapping_cardinality",
        "cardinality_scope",
        "mapping_tool",
        "mapping_tool_id",
        "mapping_tool_version",
        "publication_date",
        "curation_rule",
        "curation_rule_text",
        "match_string",
        "similarity_score",
        "similarity_measure",
        "see_also",
        "issue_tracker_item",
        "other",
    }
)

#: Slots of the SSSOM MappingSet class that govkg reads without storing them (see above; the
#: PROPAGATED slots are read on the set too).
UNSUPPORTED_SET_SLOTS = frozenset(
    {
        "sssom_version",
        "mapping_set_version",
        "mapping_set_source",
        "mapping_set_confidence",
        "creator_label",
        "subject_type",
        "subject_source_version",
        "object_type",
        "object_source_version",
        "predicate_type",
        "mapping_provider",
        "cardinality_scope",
        "mapping_tool",
        "mapping_tool_id",
        "mapping_tool_version",
        "subject_match_field",
        "object_match_field",
        "subject_preprocessing",
        "object_preprocessing",
        "similarity_measure",
        "curation_rule",
        "curation_rule_text",
        "see_also",
        "issue_tracker",
        "other",
        "comment",
    }
)

#: MappingSet slots that are the file's structure rather than values: the set's IRI, the
#: prefixes, the extension slots' declarations, and the mappings (the table's rows).
STRUCTURAL_SET_SLOTS = frozenset(
    {"mapping_set_id", "curie_map", "extension_definitions", "mappings"}
)

#: Every slot a mapping row may have without a warning; every metadata key a set may have.
KNOWN_MAPPING_SLOTS = UNSUPPORTED_MAPPING_SLOTS | frozenset(MAPPING_SLOTS) | frozenset(PROPAGATED)
KNOWN_SET_SLOTS = (
    UNSUPPORTED_SET_SLOTS | STRUCTURAL_SET_SLOTS | frozenset(SET_SLOTS) | frozenset(PROPAGATED)
) - {"mappings"}

#: Values of the crosswalk_status extension slot.
STATUS_VALUES = {"official": GK.Official, "unofficial": GK.Unofficial}

#: The value of predicate_modifier that negates a mapping (SSSOM enum predicate_modifier_enum).
NOT = "Not"

#: The term SSSOM/RDF writes for each predicate_modifier value: the enum's ``meaning``
#: (sssom-schema: ``Not`` means ``sssom:NegatedPredicate``; sssom-py writes that IRI).
MODIFIER_VALUES: dict[str, URIRef] = {NOT: SSSOM.NegatedPredicate}


def negates(modifier: object) -> bool:
    """Return True for a predicate_modifier value that negates the mapping: the SSSOM/RDF term
    ``sssom:NegatedPredicate``, or ``Not`` as SSSOM/TSV (and govkg's form before SSSOM/RDF)
    writes it.

    >>> negates(SSSOM.NegatedPredicate), negates("Not"), negates("Maybe")
    (True, True, False)
    """
    return str(modifier) in (NOT, str(SSSOM.NegatedPredicate))


#: Prefixes SSSOM treats as built in (SSSOM specification, "Built-in prefixes"; sssom-py's
#: ``SSSOM_BUILT_IN_PREFIXES``); a curie_map may omit them and must not redefine them. ``xsd``
#: is not one of them: a file that uses it declares it.
BUILTIN_PREFIXES: dict[str, str] = {
    "owl": str(OWL),
    "rdf": PREFIXES["rdf"],
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
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
