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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from govkg.namespaces import BASE, GK, PAV, PREFIXES, SEMAPV, SSSOM

#: The one SSSOM version govkg writes: the ``sssom-schema`` release whose slot URIs the table
#: below follows (the one sssom-py 0.4.21 needs). SSSOM/RDF records are ``owl:Axiom``
#: nodes in a ``sssom:MappingSet`` (SSSOM specification, "SSSOM/RDF").
SSSOM_SCHEMA_VERSION = "1.1.0a5"

#: The value kinds a slot can hold.
ENTITY, STRING, DOUBLE, DATE, ENUM = "entity", "string", "double", "date", "enum"


#: The values of the SSSOM enumerations and the term govkg stores for each: the enum value's
#: ``meaning`` where the schema gives one (as SSSOM/RDF and sssom-py write it), else the text.
ENTITY_TYPES: dict[str, Node] = {
    "owl class": OWL.Class,
    "owl object property": OWL.ObjectProperty,
    # the schema's meaning, owl:DataProperty (not an OWL term; sssom-py writes it as it is)
    "owl data property": URIRef(str(OWL) + "DataProperty"),
    "owl annotation property": OWL.AnnotationProperty,
    "owl named individual": OWL.NamedIndividual,
    "skos concept": SKOS.Concept,
    "rdfs resource": RDFS.Resource,
    "rdfs class": RDFS.Class,
    "rdfs literal": RDFS.Literal,
    "rdfs datatype": RDFS.Datatype,
    "rdf property": RDF.Property,
    "composed entity expression": SSSOM.ComposedEntityExpression,
}
CARDINALITIES: dict[str, Node] = {
    v: Literal(v) for v in ("1:1", "1:n", "n:1", "n:n", "1:0", "0:1", "0:0")
}
#: The SSSOM versions the specification knows (``sssom_version_enum``), stored as their
#: meanings ``sssom:version1.0`` and ``sssom:version1.1`` (as sssom-py writes them).
SSSOM_VERSIONS: dict[str, Node] = {v: SSSOM["version" + v] for v in ("1.0", "1.1")}

#: The value of predicate_modifier that negates a mapping (SSSOM enum predicate_modifier_enum).
NOT = "Not"

#: The term SSSOM/RDF writes for each predicate_modifier value: the enum's ``meaning``
#: (sssom-schema: ``Not`` means ``sssom:NegatedPredicate``; sssom-py writes that IRI).
MODIFIER_VALUES: dict[str, Node] = {NOT: SSSOM.NegatedPredicate}

#: Values of the crosswalk_status extension slot.
STATUS_VALUES: dict[str, Node] = {"official": GK.Official, "unofficial": GK.Unofficial}


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
        values: For an ``enum`` slot, its permissible values and the term stored for each.
        bounds: For a ``double`` slot, the schema's minimum and maximum value.
    """

    name: str
    prop: URIRef
    kind: str
    multivalued: bool = False
    extension: bool = False
    full_iri: bool = False
    values: Mapping[str, Node] | None = field(default=None, compare=False, hash=False)
    bounds: tuple[float, float] | None = None

    def value_name(self, term: Node) -> str | None:
        """Return the enum value a stored term stands for (None when it is none of them).

        >>> MAPPING_SLOTS["subject_type"].value_name(OWL.Class)
        'owl class'
        """
        for name, stored in (self.values or {}).items():
            if stored == term:
                return name
        return None


def _slots(*slots: Slot) -> dict[str, Slot]:
    return {s.name: s for s in slots}


#: Slots of a mapping (one row) that govkg stores, by name: every slot of the SSSOM Mapping
#: class but the propagated ``subject_source``/``object_source`` (the row's frameworks, see
#: :data:`PROPAGATED`), then govkg's extension. The first four are subject, predicate, object
#: and justification, in that order (``govkg.submission.importing`` relies on it).
MAPPING_SLOTS: dict[str, Slot] = _slots(
    Slot("subject_id", OWL.annotatedSource, ENTITY),
    Slot("predicate_id", OWL.annotatedProperty, ENTITY),
    Slot("object_id", OWL.annotatedTarget, ENTITY),
    Slot("mapping_justification", SSSOM.mapping_justification, ENTITY),
    Slot("record_id", SSSOM.record_id, ENTITY),
    Slot("subject_label", SSSOM.subject_label, STRING),
    Slot("subject_category", SSSOM.subject_category, STRING),
    Slot("subject_type", SSSOM.subject_type, ENUM, values=ENTITY_TYPES),
    Slot("subject_source_version", SSSOM.subject_source_version, STRING),
    Slot("subject_match_field", SSSOM.subject_match_field, ENTITY, multivalued=True),
    Slot("subject_preprocessing", SSSOM.subject_preprocessing, ENTITY, multivalued=True),
    Slot("predicate_label", SSSOM.predicate_label, STRING),
    Slot("predicate_modifier", SSSOM.predicate_modifier, ENUM, values=MODIFIER_VALUES),
    Slot("predicate_type", SSSOM.predicate_type, ENUM, values=ENTITY_TYPES),
    Slot("object_label", SSSOM.object_label, STRING),
    Slot("object_category", SSSOM.object_category, STRING),
    Slot("object_type", SSSOM.object_type, ENUM, values=ENTITY_TYPES),
    Slot("object_source_version", SSSOM.object_source_version, STRING),
    Slot("object_match_field", SSSOM.object_match_field, ENTITY, multivalued=True),
    Slot("object_preprocessing", SSSOM.object_preprocessing, ENTITY, multivalued=True),
    Slot("author_id", PAV.authoredBy, ENTITY, multivalued=True),
    Slot("author_label", SSSOM.author_label, STRING, multivalued=True),
    Slot("reviewer_id", SSSOM.reviewer_id, ENTITY, multivalued=True),
    Slot("reviewer_label", SSSOM.reviewer_label, STRING, multivalued=True),
    Slot("creator_id", DCTERMS.creator, ENTITY, multivalued=True),
    Slot("creator_label", SSSOM.creator_label, STRING, multivalued=True),
    Slot("license", DCTERMS.license, ENTITY, full_iri=True),
    Slot("mapping_provider", SSSOM.mapping_provider, ENTITY, full_iri=True),
    Slot("mapping_source", SSSOM.mapping_source, ENTITY),
    Slot("mapping_cardinality", SSSOM.mapping_cardinality, ENUM, values=CARDINALITIES),
    Slot("cardinality_scope", SSSOM.cardinality_scope, STRING, multivalued=True),
    Slot("mapping_tool", SSSOM.mapping_tool, STRING),
    Slot("mapping_tool_id", SSSOM.mapping_tool_id, ENTITY),
    Slot("mapping_tool_version", SSSOM.mapping_tool_version, STRING),
    Slot("mapping_date", DCTERMS.created, DATE),
    Slot("publication_date", DCTERMS.issued, DATE),
    Slot("review_date", SSSOM.review_date, DATE),
    Slot("confidence", SSSOM.confidence, DOUBLE, bounds=(0.0, 1.0)),
    Slot("reviewer_agreement", SSSOM.reviewer_agreement, DOUBLE, bounds=(-1.0, 1.0)),
    Slot("curation_rule", SSSOM.curation_rule, ENTITY, multivalued=True),
    Slot("curation_rule_text", SSSOM.curation_rule_text, STRING, multivalued=True),
    Slot("match_string", SSSOM.match_string, STRING, multivalued=True),
    Slot("similarity_score", SSSOM.similarity_score, DOUBLE, bounds=(0.0, 1.0)),
    Slot("similarity_measure", SSSOM.similarity_measure, STRING),
    Slot("see_also", RDFS.seeAlso, ENTITY, multivalued=True, full_iri=True),
    Slot("issue_tracker_item", SSSOM.issue_tracker_item, ENTITY),
    Slot("other", SSSOM.other, STRING),
    Slot("comment", RDFS.comment, STRING),
    Slot("match_basis", GK.matchBasis, STRING, extension=True),
)

#: Slots of a mapping set that govkg stores, by name: every slot of the SSSOM MappingSet class
#: but the file's structure (:data:`STRUCTURAL_SET_SLOTS`) and the propagated
#: ``mapping_date`` (:data:`PROPAGATED`), then govkg's extensions.
SET_SLOTS: dict[str, Slot] = _slots(
    Slot("sssom_version", SSSOM.sssom_version, ENUM, values=SSSOM_VERSIONS),
    Slot("mapping_set_version", OWL.versionInfo, STRING),
    Slot("mapping_set_source", PROV.wasDerivedFrom, ENTITY, multivalued=True, full_iri=True),
    Slot("mapping_set_title", DCTERMS.title, STRING),
    Slot("mapping_set_description", DCTERMS.description, STRING),
    Slot("mapping_set_confidence", SSSOM.mapping_set_confidence, DOUBLE, bounds=(0.0, 1.0)),
    Slot("creator_id", DCTERMS.creator, ENTITY, multivalued=True),
    Slot("creator_label", SSSOM.creator_label, STRING, multivalued=True),
    Slot("license", DCTERMS.license, ENTITY, full_iri=True),
    Slot("subject_type", SSSOM.subject_type, ENUM, values=ENTITY_TYPES),
    Slot("subject_source", SSSOM.subject_source, ENTITY),
    Slot("subject_source_version", SSSOM.subject_source_version, STRING),
    Slot("object_type", SSSOM.object_type, ENUM, values=ENTITY_TYPES),
    Slot("object_source", SSSOM.object_source, ENTITY),
    Slot("object_source_version", SSSOM.object_source_version, STRING),
    Slot("predicate_type", SSSOM.predicate_type, ENUM, values=ENTITY_TYPES),
    Slot("mapping_provider", SSSOM.mapping_provider, ENTITY, full_iri=True),
    Slot("cardinality_scope", SSSOM.cardinality_scope, STRING, multivalued=True),
    Slot("mapping_tool", SSSOM.mapping_tool, STRING),
    Slot("mapping_tool_id", SSSOM.mapping_tool_id, ENTITY),
    Slot("mapping_tool_version", SSSOM.mapping_tool_version, STRING),
    Slot("publication_date", DCTERMS.issued, DATE),
    Slot("subject_match_field", SSSOM.subject_match_field, ENTITY, multivalued=True),
    Slot("object_match_field", SSSOM.object_match_field, ENTITY, multivalued=True),
    Slot("subject_preprocessing", SSSOM.subject_preprocessing, ENTITY, multivalued=True),
    Slot("object_preprocessing", SSSOM.object_preprocessing, ENTITY, multivalued=True),
    Slot("similarity_measure", SSSOM.similarity_measure, STRING),
    Slot("curation_rule", SSSOM.curation_rule, ENTITY, multivalued=True),
    Slot("curation_rule_text", SSSOM.curation_rule_text, STRING, multivalued=True),
    Slot("see_also", RDFS.seeAlso, ENTITY, multivalued=True, full_iri=True),
    Slot("issue_tracker", SSSOM.issue_tracker, ENTITY, full_iri=True),
    Slot("other", SSSOM.other, STRING),
    Slot("comment", RDFS.comment, STRING),
    Slot("source_document", DCTERMS.source, ENTITY, multivalued=True, extension=True),
    Slot("source_document_title", DCTERMS.title, STRING, extension=True),
    Slot("crosswalk_status", GK.crosswalkStatus, ENUM, extension=True, values=STATUS_VALUES),
    Slot("granularity", GK.granularity, STRING, extension=True),
)

#: Where govkg keeps a foreign ``mapping_set_id`` (one outside govkg's namespace): the set gets
#: a govkg IRI of its own (``mapping-set/{key}``, :func:`govkg.submission.minting.set_iri_for`)
#: and the original identifier as ``dcterms:identifier`` (an ``xsd:anyURI`` literal), which the
#: export writes back as ``mapping_set_id``. Not ``owl:sameAs`` (OWL 2 RL would copy every
#: statement about the set onto the foreign IRI) nor ``prov:wasDerivedFrom`` (the slot URI of
#: ``mapping_set_source``, which names another set).
ORIGINAL_SET_ID = DCTERMS.identifier

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

#: MappingSet slots that are the file's structure rather than values: the set's IRI, the
#: prefixes, the extension slots' declarations, and the mappings (the table's rows).
STRUCTURAL_SET_SLOTS = frozenset(
    {"mapping_set_id", "curie_map", "extension_definitions", "mappings"}
)

#: Every slot a mapping row may have without a warning; every metadata key a set may have.
KNOWN_MAPPING_SLOTS = frozenset(MAPPING_SLOTS) | frozenset(PROPAGATED)
KNOWN_SET_SLOTS = (STRUCTURAL_SET_SLOTS | frozenset(SET_SLOTS) | frozenset(PROPAGATED)) - {
    "mappings"
}


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

#: Prefixes the SSSOM specification lists beside the built-in ones above as built in too
#: (specification, "IRI prefixes", at the vendored examples' commit): a file may use them
#: undeclared. sssom-py 0.4 does not know them, so govkg's export still declares them.
SPEC_ONLY_BUILTIN_PREFIXES: dict[str, str] = {
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "linkml": "https://w3id.org/linkml/",
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
