"""One id spelling everywhere (issue 12, item 5): ``govkg.identifiers`` reads a key, an id
path, a full IRI or a CURIE as the same resource, checks it against the graph, names close
matches for an unknown id and lists the candidates of an ambiguous one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from govkg.backends import Store
from govkg.backends.embedded import EmbeddedStore
from govkg.catalogue import NamedQuery, load_catalogue
from govkg.errors import ExitCode, InputError
from govkg.identifiers import (
    AmbiguousIdError,
    Resolver,
    UnknownIdError,
    declared_prefixes,
    is_plainly_an_id,
    parameter_kind,
    parse,
)
from govkg.namespaces import DISPLAY_PREFIXES, ID
from govkg.paths import Layout
from govkg.workspace import Workspace

OECD = f"{ID}framework/oecd-ai-principles"
GOVERN_1 = f"{ID}framework/nist-ai-rmf-1-0/govern-1"

#: Every spelling of one framework, and of one element (issue 12: all must name the same IRI).
FRAMEWORK_SPELLINGS = [
    "oecd-ai-principles",
    "framework/oecd-ai-principles",
    "id/framework/oecd-ai-principles",
    OECD,
    f"<{OECD}>",
    "id:framework/oecd-ai-principles",
    "framework:oecd-ai-principles",  # the prefix the data files declare
    "  oecd-ai-principles  ",
]
ELEMENT_SPELLINGS = [
    "govern-1",
    "nist-ai-rmf-1-0/govern-1",
    "framework/nist-ai-rmf-1-0/govern-1",
    GOVERN_1,
    f"<{GOVERN_1}>",
    "id:framework/nist-ai-rmf-1-0/govern-1",
    "framework:nist-ai-rmf-1-0/govern-1",
    "airmf:govern-1",
]


@pytest.fixture(scope="module")
def resolver(store: Store, layout: Layout) -> Resolver:
    return Resolver(store, layout)


@pytest.mark.parametrize("spelling", FRAMEWORK_SPELLINGS)
def test_every_spelling_of_a_framework_names_it(resolver: Resolver, spelling: str):
    assert resolver.resolve(spelling, "framework") == OECD
    assert resolver.resolve(spelling) == OECD  # as any resource too: the key is unique


@pytest.mark.parametrize("spelling", ELEMENT_SPELLINGS)
def test_every_spelling_of_an_element_names_it(resolver: Resolver, spelling: str):
    assert resolver.resolve(spelling, "element") == GOVERN_1


def test_a_principle_list_is_a_framework(resolver: Resolver):
    assert resolver.resolve("us-sg-ai-fact-sheet-2024-06-05", "framework") == (
        f"{ID}principle-list/us-sg-ai-fact-sheet-2024-06-05"
    )


@pytest.mark.parametrize(
    ("spelling", "suggested"),
    [
        ("oecd-ai-principle", "framework/oecd-ai-principles"),
        ("framework/oecd-ai-principle", "framework/oecd-ai-principles"),
        (f"{ID}framework/oecd-ai-principle", "framework/oecd-ai-principles"),
        ("framework:nist-ai-rmf", "framework/nist-ai-rmf-1-0"),
        ("OECD AI Principles", "framework/oecd-ai-principles"),  # close to its label
    ],
)
def test_an_unknown_framework_names_the_close_matches(
    resolver: Resolver, spelling: str, suggested: str
):
    with pytest.raises(UnknownIdError) as caught:
        resolver.resolve(spelling, "framework")
    message = str(caught.value)
    assert message.startswith(f"unknown framework {spelling.strip()!r}")
    assert f"did you mean {suggested}" in message
    assert caught.value.exit_code == ExitCode.INPUT_ERROR


def test_the_message_of_the_issue(resolver: Resolver):
    with pytest.raises(UnknownIdError) as caught:
        resolver.resolve("oecd-ai-principle", "framework")
    assert str(caught.value) == (
        "unknown framework 'oecd-ai-principle'; did you mean framework/oecd-ai-principles?"
    )


def test_an_id_of_another_kind_is_named_as_such(resolver: Resolver):
    with pytest.raises(UnknownIdError) as caught:
        resolver.resolve("source/nist-ai-600-1", "framework")
    message = str(caught.value)
    assert "(source/nist-ai-600-1 is not a framework)" in message
    assert "did you mean framework/nist-ai-600-1" in message


def test_nothing_close_lists_the_known_frameworks(resolver: Resolver):
    with pytest.raises(UnknownIdError) as caught:
        resolver.resolve("zzzz", "framework")
    message = str(caught.value)
    assert "no framework of that id in the graph" in message
    assert "framework/oecd-ai-principles" in message and "framework/nist-ai-rmf-1-0" in message


@pytest.mark.parametrize(
    ("spelling", "kind", "candidates"),
    [
        # a framework and a source document share the key
        ("nist-ai-600-1", "resource", ["framework/nist-ai-600-1", "source/nist-ai-600-1"]),
        # two schemes hold an element of that key
        (
            "accountability",
            "element",
            [
                "framework/ai-verify-testing-framework/accountability",
                "principle-list/us-sg-ai-fact-sheet-2024-06-05/accountability",
            ],
        ),
    ],
)
def test_an_ambiguous_key_lists_the_candidates(
    resolver: Resolver, spelling: str, kind: str, candidates: list[str]
):
    with pytest.raises(AmbiguousIdError) as caught:
        resolver.resolve(spelling, kind)
    message = str(caught.value)
    assert message.startswith("ambiguous ")
    assert all(c in message for c in candidates)
    assert caught.value.exit_code == ExitCode.INPUT_ERROR
    # each candidate listed resolves alone
    assert {resolver.resolve(c, kind) for c in candidates} == {f"{ID}{c}" for c in candidates}


def test_asked_for_as_a_framework_the_shared_key_is_not_ambiguous(resolver: Resolver):
    assert resolver.resolve("nist-ai-600-1", "framework") == f"{ID}framework/nist-ai-600-1"


def test_mapping_sets_by_every_spelling(resolver: Resolver):
    key = "xw-ai-rmf-ai-verify-2023"
    iri = f"{ID}mapping-set/{key}"
    for spelling in (key, f"mapping-set/{key}", iri, f"mset:{key}", f"id:mapping-set/{key}"):
        assert resolver.resolve(spelling, "set") == iri


def test_vocabulary_terms_pass_as_given_but_govkg_ids_are_checked(resolver: Resolver):
    assert resolver.resolve("skos:exactMatch") == "http://www.w3.org/2004/02/skos/core#exactMatch"
    assert resolver.resolve("https://example.org/x") == "https://example.org/x"
    with pytest.raises(UnknownIdError, match="unknown id 'framework/nope'"):
        resolver.resolve("framework/nope")
    with pytest.raises(UnknownIdError):
        resolver.resolve("skos:exactMatch", "framework")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "an empty id"),
        ("nope:x", "unknown prefix 'nope:'"),
        ("framework/x y", "not a valid IRI"),
        ("<https://w3id.org/govkg/id/a b>", "not a valid IRI"),
    ],
)
def test_malformed_ids_are_input_errors(resolver: Resolver, text: str, message: str):
    with pytest.raises(InputError, match=message):
        resolver.resolve(text, "framework")


# --- pure parts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iri", "path"),
    [
        ("oecd-ai-principles", None, "oecd-ai-principles"),
        ("/framework/x/", None, "framework/x"),
        ("id/framework/x", None, "framework/x"),
        ("https://w3id.org/govkg/id/framework/x", f"{ID}framework/x", None),
        ("<urn:x:y>", "urn:x:y", None),
        ("urn:x:y", "urn:x:y", None),
        ("id:framework/x", f"{ID}framework/x", None),
        ("gk:Principle", "https://w3id.org/govkg/ontology#Principle", None),
    ],
)
def test_parse(text: str, iri: str | None, path: str | None):
    spelling = parse(text)
    assert (spelling.iri, spelling.path) == (iri, path)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("_framework", "framework"),
        ("framework", "framework"),
        ("_frameworkA", "framework"),
        ("_framework_b", "framework"),
        ("_framework2", "framework"),
        ("_scheme", "framework"),
        ("_element", "element"),
        ("_sourceElement", "element"),
        ("_set", "set"),
        ("_mappingSet", "set"),
        ("_id", "resource"),
        ("_label", None),
        ("_year", None),
        ("_settings", None),  # a word that merely starts with a kind's name
    ],
)
def test_parameter_kind(name: str, kind: str | None):
    assert parameter_kind(name) == kind


def test_every_id_parameter_of_the_catalogue_says_its_kind(layout: Layout):
    """The shipped queries' parameters are all ids: each name must say which kind."""
    names = {p for q in load_catalogue(layout).values() for p in q.parameters}
    assert names and {n: parameter_kind(n) for n in names} == {
        n: ("framework" if n.startswith("_framework") else "element") for n in names
    }


@pytest.mark.parametrize(
    ("value", "is_id"),
    [
        ("framework/oecd-ai-principles", True),
        ("id/source/x", True),
        ("<https://example.org/x>", True),
        ("https://example.org/x", True),
        ("skos:exactMatch", True),
        ("urn:isbn:123", True),
        ("oecd-ai-principles", False),  # a bare word: a string unless the name says "id"
        ("2024/05", False),  # no such id folder
        ("and/or", False),
        ("a: b", False),
        ("hello world", False),
    ],
)
def test_a_value_plainly_an_id(value: str, is_id: bool):
    assert is_plainly_an_id(value, DISPLAY_PREFIXES, {"framework", "source"}) is is_id


def test_declared_prefixes_keep_every_binding_of_ids_only(tmp_path: Path):
    (tmp_path / "a.ttl").write_text(
        f"@prefix fw: <{ID}framework/> .\n@prefix two: <{ID}a/> .\n"
        "@prefix ex: <https://example.org/> .\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ttl").write_text(
        f"PREFIX two: <{ID}b/>\nPREFIX src: <{ID}source/>\n", encoding="utf-8"
    )
    assert declared_prefixes([tmp_path, tmp_path / "missing"], [str(ID)]) == {
        "fw": [f"{ID}framework/"],
        "two": [f"{ID}a/", f"{ID}b/"],
        "src": [f"{ID}source/"],
    }


# --- parameters of named queries --------------------------------------------------------------


def test_parameter_values(resolver: Resolver):
    query = NamedQuery("q", "s", "SELECT * { ?_framework ?_id ?_label . ?x ?p ?_note }", Path("q"))
    terms = resolver.parameter_values(
        query,
        {
            "framework": "framework:oecd-ai-principles",
            "id": "skos:prefLabel",
            "label": "framework/oecd-ai-principles",  # plainly an id
            "_note": "oecd-ai-principles",  # plainly a string
        },
    )
    assert terms == {
        "_framework": URIRef(OECD),
        "_id": URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
        "_label": URIRef(OECD),
        "_note": Literal("oecd-ai-principles"),
    }
    quoted = resolver.parameter_values(query, {"label": '"framework/oecd-ai-principles"'})
    assert quoted == {"_label": Literal("framework/oecd-ai-principles")}
    with pytest.raises(InputError, match="has no parameter 'nope'"):
        resolver.parameter_values(query, {"nope": "x"})
    with pytest.raises(UnknownIdError, match="did you mean framework/oecd-ai-principles"):
        resolver.parameter_values(query, {"framework": "oecd-ai-principle"})


# --- workspace namespaces ---------------------------------------------------------------------

ACME = "https://example.org/acme/"
ACME_TTL = f"""@prefix acmepol: <{ACME}id/framework/acme-ai-policy/> .
@prefix framework: <{ACME}id/framework/> .
"""
ACME_TRIG = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix acme: <{ACME}id/framework/> .
<{ACME}graph/frameworks/acme-ai-policy> {{
    acme:acme-ai-policy a skos:ConceptScheme ; rdfs:label "Acme Robotics AI use policy" .
    <{ACME}id/framework/acme-ai-policy/ap-1> skos:inScheme acme:acme-ai-policy .
    acme:oecd-ai-principles a skos:ConceptScheme .
}}
<https://w3id.org/govkg/graph/frameworks/oecd-ai-principles> {{ <{OECD}> a skos:ConceptScheme . }}
"""


@pytest.fixture()
def workspace_resolver(tmp_path: Path, layout: Layout) -> Resolver:
    workspace = Workspace(tmp_path / "ws", "acme", ACME)
    workspace.frameworks.mkdir(parents=True)
    (workspace.frameworks / "acme-ai-policy.ttl").write_text(ACME_TTL, encoding="utf-8")
    dump = tmp_path / "ws.nq"
    Dataset().parse(data=ACME_TRIG, format="trig").serialize(dump, format="nquads")
    store = EmbeddedStore()
    store.load_dump(dump)
    return Resolver(store, replace(layout, workspace=workspace))


def test_workspace_ids_in_every_spelling(workspace_resolver: Resolver):
    policy = f"{ACME}id/framework/acme-ai-policy"
    spellings = [
        "acme-ai-policy",
        "framework/acme-ai-policy",
        policy,
        f"<{policy}>",
        "framework:acme-ai-policy",  # govkg's prefix, the path found in the workspace
        "id:framework/acme-ai-policy",
    ]
    for spelling in spellings:
        assert workspace_resolver.resolve(spelling, "framework") == policy
    element = f"{policy}/ap-1"
    for spelling in ("ap-1", "acme-ai-policy/ap-1", "acmepol:ap-1", element):
        assert workspace_resolver.resolve(spelling, "element") == element


def test_a_prefix_both_bind_finds_ids_in_either_namespace(workspace_resolver: Resolver):
    # "framework:" is bound to govkg's namespace by the shipped data (first) and to the
    # workspace's by its files
    assert workspace_resolver.bindings["framework"] == [f"{ID}framework/", f"{ACME}id/framework/"]
    policy = f"{ACME}id/framework/acme-ai-policy"
    assert workspace_resolver.resolve("framework:acme-ai-policy", "framework") == policy


@pytest.mark.parametrize("spelling", ["oecd-ai-principles", "framework:oecd-ai-principles"])
def test_the_same_path_in_two_namespaces_is_ambiguous(workspace_resolver: Resolver, spelling: str):
    with pytest.raises(AmbiguousIdError) as caught:
        workspace_resolver.resolve(spelling, "framework")
    assert f"<{OECD}>" in str(caught.value)
    assert f"<{ACME}id/framework/oecd-ai-principles>" in str(caught.value)
    assert workspace_resolver.resolve(OECD, "framework") == OECD


def test_unknown_in_a_workspace_suggests_its_ids(workspace_resolver: Resolver):
    with pytest.raises(UnknownIdError, match="did you mean framework/acme-ai-policy"):
        workspace_resolver.resolve("acme-ai-polcy", "framework")
