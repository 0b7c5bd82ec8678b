"""govkg's SSSOM slot table (``govkg.submission.vocabulary``) held to the SSSOM schema itself:
the LinkML schema ``sssom_schema.yaml`` of the ``sssom-schema`` package (SSSOM specification,
"Mapping" and "MappingSet" classes). Each standard slot govkg stores has the schema's name,
slot URI (unless ``GOVKG_PROPERTIES`` says why not), multivaluedness, range, enumeration
values and bounds; every slot of the two classes is in the table (issue 12: nothing is read
without being stored), and the submission shapes' enumerations are the schema's."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from linkml_runtime.linkml_model.meta import SlotDefinition
from linkml_runtime.utils.schemaview import SchemaView
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from sssom.context import SSSOM_BUILT_IN_PREFIXES

from govkg.namespaces import SHAPES
from govkg.submission.exporting import EXTENSIONS
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    DATE,
    DOUBLE,
    ENTITY,
    ENUM,
    GOVKG_PROPERTIES,
    MAPPING_SLOTS,
    MODIFIER_VALUES,
    NOT,
    PROPAGATED,
    SET_SLOTS,
    STRING,
    STRUCTURAL_SET_SLOTS,
    Slot,
)

SCHEMA = resources.files("sssom_schema") / "schema" / "sssom_schema.yaml"
CONTEXT = resources.files("sssom_schema") / "context" / "sssom_schema.context.jsonld"

#: The schema's range for each kind of value the table records (an ``enum`` kind takes any of
#: the schema's enumerations; which one is checked by name).
RANGES = {
    (ENTITY, False): "EntityReference",
    (ENTITY, True): "NonRelativeURI",
    (STRING, False): "string",
    (DOUBLE, False): "double",
    (DATE, False): "date",
}

#: (class, slot) for every standard slot of the table.
STANDARD = [("mapping", s) for s in MAPPING_SLOTS.values() if not s.extension] + [
    ("mapping set", s) for s in SET_SLOTS.values() if not s.extension
]


@pytest.fixture(scope="module")
def schema() -> SchemaView:
    return SchemaView(str(SCHEMA))


def _slots(schema: SchemaView, cls: str) -> dict[str, SlotDefinition]:
    return {s.name: s for s in schema.class_induced_slots(cls)}


@pytest.mark.parametrize(("cls", "slot"), STANDARD, ids=lambda v: getattr(v, "name", v))
def test_a_standard_slot_is_the_schemas(schema: SchemaView, cls: str, slot: Slot):
    """Name, slot URI, multivalued and range as the schema defines them."""
    found = _slots(schema, cls).get(slot.name)
    assert found is not None, f"{slot.name} is not a slot of the SSSOM {cls} class"
    uri = schema.get_uri(found, expand=True)
    if slot.name in GOVKG_PROPERTIES:
        assert str(slot.prop) != uri, f"{slot.name} is stored as {uri}: drop the deviation"
    else:
        assert str(slot.prop) == uri
    assert slot.multivalued == bool(found.multivalued)
    if slot.kind == ENUM:
        assert found.range in schema.all_enums()
    else:
        assert RANGES[(slot.kind, slot.full_iri)] == found.range


@pytest.mark.parametrize(
    ("cls", "table", "structural"),
    [("mapping", MAPPING_SLOTS, frozenset()), ("mapping set", SET_SLOTS, STRUCTURAL_SET_SLOTS)],
)
def test_every_slot_of_the_class_is_stored(
    schema: SchemaView, cls: str, table: dict[str, Slot], structural: frozenset[str]
):
    """The table (with the propagated slots, read on the set and in rows, and the set's
    structure: its IRI, prefixes, extension definitions and mappings) covers the class
    exactly: no slot is read without being stored (the list of slots "not stored yet" of
    issue 11 is gone)."""
    stored = {name for name, slot in table.items() if not slot.extension} | set(PROPAGATED)
    assert not stored & structural
    assert set(_slots(schema, cls)) == stored | structural


@pytest.mark.parametrize(("cls", "slot"), STANDARD, ids=lambda v: getattr(v, "name", v))
def test_enumerations_and_bounds_are_the_schemas(schema: SchemaView, cls: str, slot: Slot):
    """An enum slot knows exactly the schema's permissible values, each stored as its
    ``meaning`` where the schema gives one (else as the text); a double slot has the schema's
    minimum and maximum value."""
    found = _slots(schema, cls)[slot.name]
    if slot.kind == ENUM:
        enum = schema.get_enum(found.range)
        assert set(slot.values or {}) == set(enum.permissible_values)
        for name, value in enum.permissible_values.items():
            stored = (slot.values or {})[name]
            if value.meaning:
                assert str(stored) == schema.expand_curie(value.meaning)
            else:
                assert str(stored) == name
    if slot.kind == DOUBLE:
        assert slot.bounds == (float(found.minimum_value), float(found.maximum_value))


@pytest.fixture(scope="module")
def shapes(layout) -> Graph:
    return Graph().parse(layout.shapes / "mapping-submission.ttl")


@pytest.mark.parametrize(
    ("shape", "slot"),
    [
        ("SubmittedMapping-subjectType", MAPPING_SLOTS["subject_type"]),
        ("SubmittedMapping-objectType", MAPPING_SLOTS["object_type"]),
        ("SubmittedMapping-predicateType", MAPPING_SLOTS["predicate_type"]),
        ("SubmittedMapping-cardinality", MAPPING_SLOTS["mapping_cardinality"]),
        ("SubmittedMapping-modifier", MAPPING_SLOTS["predicate_modifier"]),
        ("SubmittedMappingSet-subjectType", SET_SLOTS["subject_type"]),
        ("SubmittedMappingSet-objectType", SET_SLOTS["object_type"]),
        ("SubmittedMappingSet-predicateType", SET_SLOTS["predicate_type"]),
        ("SubmittedMappingSet-sssomVersion", SET_SLOTS["sssom_version"]),
    ],
)
def test_the_submission_shapes_enumerate_the_schemas_values(shapes: Graph, shape: str, slot: Slot):
    """Each enum slot's shape (``sh:in``) allows exactly the terms its values are stored as,
    so that a value outside the schema's enumeration is a violation (SSSOM: enumerated
    values)."""
    node = URIRef(SHAPES[shape])
    assert shapes.value(node, SH.path) == slot.prop
    allowed = set(Collection(shapes, shapes.value(node, SH["in"])))
    assert allowed == set((slot.values or {}).values())


@pytest.mark.parametrize(
    ("shape", "slot"),
    [
        ("SubmittedMapping-confidence", MAPPING_SLOTS["confidence"]),
        ("SubmittedMapping-similarityScore", MAPPING_SLOTS["similarity_score"]),
        ("SubmittedMapping-reviewerAgreement", MAPPING_SLOTS["reviewer_agreement"]),
        ("SubmittedMappingSet-confidence", SET_SLOTS["mapping_set_confidence"]),
    ],
)
def test_the_submission_shapes_bound_the_scores(shapes: Graph, shape: str, slot: Slot):
    """Each score's shape has the schema's bounds (SSSOM: scores within their range)."""
    node = URIRef(SHAPES[shape])
    assert shapes.value(node, SH.path) == slot.prop
    low, high = shapes.value(node, SH.minInclusive), shapes.value(node, SH.maxInclusive)
    assert (float(low), float(high)) == slot.bounds


def test_extension_slots_are_not_standard_slots(schema: SchemaView):
    """An extension slot must not shadow a standard one (SSSOM 1.0, "extension_definitions"),
    and the exporter declares exactly the table's extension slots with their properties."""
    standard = set(_slots(schema, "mapping")) | set(_slots(schema, "mapping set"))
    extensions = {
        s.name: str(s.prop) for s in [*MAPPING_SLOTS.values(), *SET_SLOTS.values()] if s.extension
    }
    assert not set(extensions) & standard
    assert {name: prop for name, prop, _ in EXTENSIONS} == extensions


def test_propagated_slots_are_propagatable(schema: SchemaView):
    """SSSOM 1.0, "Propagation of mapping set slots": only slots annotated as propagatable."""
    for name in PROPAGATED:
        annotations = schema.get_slot(name).annotations
        assert "propagated" in annotations and annotations["propagated"].value, name


def test_every_standard_slot_is_on_its_schema_iri():
    """SSSOM/RDF as the specification writes it (issue 11): no standard slot on another
    property (govkg once stored mapping_date as pav:authoredOn and the sources as
    gk:subjectFramework/gk:objectFramework)."""
    assert GOVKG_PROPERTIES == {}


def test_the_negating_modifier_is_the_enums(schema: SchemaView):
    enum = schema.get_enum(_slots(schema, "mapping")["predicate_modifier"].range)
    assert NOT in enum.permissible_values
    # SSSOM/RDF writes the value as its meaning (sssom-py's write_rdf does the same)
    meaning = enum.permissible_values[NOT].meaning
    assert schema.expand_curie(meaning) == str(MODIFIER_VALUES[NOT])


def test_builtin_prefixes_are_ssssoms():
    """The SSSOM built-in prefixes, with the namespaces of the schema's JSON-LD context."""
    context = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    assert BUILTIN_PREFIXES == {p: context[p] for p in SSSOM_BUILT_IN_PREFIXES}
