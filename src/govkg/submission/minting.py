"""Minting the IRI of each mapping of a set: ``{set}/{subject key}--{object key}``
(docs/data-conventions.md, "Mappings").

The one place that knows the pattern: the submission reader mints a table row's node with it,
``govkg import`` mints the mappings of an RDF submission, and ``tools/import_reference.py``
mints the shipped crosswalks' mappings. What it mints is part of govkg's published IRIs: a
change here renames shipped mappings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from rdflib import URIRef
from rdflib.term import Node

from govkg.submission.vocabulary import MAPPING_SET_BASE, MAPPING_SLOTS, SOURCE_BASE, set_key

_SUBJECT, _PREDICATE, _OBJECT, _MODIFIER = (
    str(MAPPING_SLOTS[name].prop)
    for name in ("subject_id", "predicate_id", "object_id", "predicate_modifier")
)


class Minter:
    """Mints the IRI of each mapping of a set: ``{set}/{subject key}--{object key}``, with the
    object's framework key when the objects come from several frameworks, and the predicate
    when a pair is mapped twice; a row without subject or object gets ``row-{line}``. An IRI
    already minted gets ``--2``, ``--3`` ... so that no two mappings share one.

    Args:
        set_iri: The set's IRI.
        include_object_framework: Prefix object keys with their framework key.

    >>> minter = Minter("https://w3id.org/govkg/id/mapping-set/x", include_object_framework=True)
    >>> fw = "https://w3id.org/govkg/id/framework/"
    >>> str(minter.mint_for(fw + "a/a-1", "skos:exactMatch", fw + "b/b-2", fw + "b"))
    'https://w3id.org/govkg/id/mapping-set/x/a-1--b.b-2'
    >>> str(minter.mint_for(fw + "a/a-1", "http://www.w3.org/2004/02/skos/core#broadMatch",
    ...     fw + "b/b-2", fw + "b", negated=True))
    'https://w3id.org/govkg/id/mapping-set/x/a-1--b.b-2--not-broadmatch'
    >>> str(minter.mint_for(None, None, None, line=7))
    'https://w3id.org/govkg/id/mapping-set/x/row-7'
    """

    def __init__(self, set_iri: str, include_object_framework: bool):
        self.base = set_iri.rstrip("/") + "/"
        self.include_object_framework = include_object_framework
        self.used: set[str] = set()

    def mint(self, values: dict[str, list[Node]], object_source: list[Node], line: int) -> URIRef:
        """Mint the IRI of a mapping read as values by property IRI (a reader's row).

        Args:
            values: The mapping's values, by property IRI (``owl:annotatedSource`` ...).
            object_source: The object's framework(s); its key is used when there is one.
            line: The mapping's line, for a mapping without subject or object.
        """

        def one(prop: str) -> str | None:
            found = values.get(prop, [])
            return str(found[0]) if len(found) == 1 and isinstance(found[0], URIRef) else None

        return self.mint_for(
            one(_SUBJECT),
            one(_PREDICATE),
            one(_OBJECT),
            str(object_source[0]) if len(object_source) == 1 else None,
            negated=bool(values.get(_MODIFIER)),
            line=line,
        )

    def mint_for(
        self,
        subject: str | None,
        predicate: str | None,
        obj: str | None,
        object_framework: str | None = None,
        negated: bool = False,
        line: int = 0,
    ) -> URIRef:
        """Mint the IRI of the mapping ``subject predicate obj``.

        Args:
            subject: The subject element's IRI (None when the mapping has no single one).
            predicate: The predicate's IRI (None when it has no single one).
            obj: The object element's IRI (None when it has no single one).
            object_framework: The object's framework IRI (None when not exactly one).
            negated: The mapping has a predicate_modifier (SSSOM ``Not``).
            line: The mapping's line, for a mapping without subject or object.
        """
        if subject is None or obj is None:
            return self._unique(f"row-{line}")
        okey = element_key(obj)
        if self.include_object_framework and object_framework is not None:
            okey = f"{element_key(object_framework)}.{okey}"
        name = f"{element_key(subject)}--{okey}"
        if name in self.used and predicate is not None:
            name = f"{name}--{'not-' if negated else ''}{_slug(_local(predicate))}"
        return self._unique(name)

    def _unique(self, name: str) -> URIRef:
        candidate, n = name, 1
        while candidate in self.used:
            n += 1
            candidate = f"{name}--{n}"
        self.used.add(candidate)
        return URIRef(self.base + candidate)


@lru_cache(maxsize=8192)
def element_key(iri: str) -> str:
    """Return the key of an element (the last segment of its IRI), as an IRI-safe slug.

    >>> element_key("https://w3id.org/govkg/id/framework/nist-ai-rmf-1-0/govern-1-6")
    'govern-1-6'
    >>> element_key("https://example.org/Ctrl_A#Part 2")
    'part-2'
    """
    return _slug(_local(iri))


def _local(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")
    return slug or "x"


def new_source_iri(set_iri: str) -> str:
    """Return the IRI the import gives a new source document: ``source:{set key}``.

    >>> new_source_iri("https://w3id.org/govkg/id/mapping-set/my-set")
    'https://w3id.org/govkg/id/source/my-set'
    """
    key = set_iri.rstrip("/").rsplit("/", 1)[-1]
    return SOURCE_BASE + key


#: Where a foreign set's IRI is minted: govkg's ``mapping-set/``, or, while a workspace's
#: submission is read (:func:`foreign_sets_under`), the workspace's ``<namespace>id/mapping-set/``.
_FOREIGN_SET_BASE: ContextVar[str] = ContextVar("foreign_set_base", default=MAPPING_SET_BASE)


@contextmanager
def foreign_sets_under(base: str | None) -> Iterator[None]:
    """Mint the IRIs of foreign sets (and of sets without ``mapping_set_id``) under ``base``
    while the block runs (None: under govkg's ``mapping-set/``, as outside any block).

    >>> with foreign_sets_under("https://example.org/acme/id/mapping-set/"):
    ...     str(set_iri_for("https://example.org/sets/record-id", "x.sssom.tsv"))
    'https://example.org/acme/id/mapping-set/record-id'
    >>> str(set_iri_for("https://example.org/sets/record-id", "x.sssom.tsv"))
    'https://w3id.org/govkg/id/mapping-set/record-id'
    """
    token = _FOREIGN_SET_BASE.set(base or MAPPING_SET_BASE)
    try:
        yield
    finally:
        _FOREIGN_SET_BASE.reset(token)


def set_iri_for(original: str | None, file_name: str) -> URIRef:
    """Return the govkg IRI of a mapping set whose ``mapping_set_id`` is ``original``.

    A govkg mapping-set IRI is the set's own (one with a bad key too: the submission shapes
    report it), and so is one under the base of :func:`foreign_sets_under` (a workspace's own
    set). Any other identifier is foreign (SSSOM sets are named by their publisher): the
    set gets ``mapping-set/{key}`` (under a workspace, ``<namespace>id/mapping-set/{key}``),
    the key made from the identifier's last path segment without its ``.sssom.tsv``-style
    extension, and the original is kept beside it
    (:data:`~govkg.submission.vocabulary.ORIGINAL_SET_ID`). A set without ``mapping_set_id``
    takes its key from the file's name.

    >>> str(set_iri_for("https://example.org/sets/record-id", "x.sssom.tsv"))
    'https://w3id.org/govkg/id/mapping-set/record-id'
    >>> str(set_iri_for("https://w3id.org/sssom/commons/examples/cxsmiles_pipe.sssom.tsv", "x"))
    'https://w3id.org/govkg/id/mapping-set/cxsmiles-pipe'
    >>> str(set_iri_for(None, "version.sssom.tsv"))
    'https://w3id.org/govkg/id/mapping-set/version'
    >>> str(set_iri_for("https://w3id.org/govkg/id/mapping-set/Bad_Key", "x"))
    'https://w3id.org/govkg/id/mapping-set/Bad_Key'
    """
    base = _FOREIGN_SET_BASE.get()
    if original is not None and (
        original.startswith((MAPPING_SET_BASE, base)) or set_key(original) is not None
    ):
        return URIRef(original)
    name = original.rstrip("/#") if original else file_name
    last = re.split(r"[/#:]", name)[-1]
    last = re.sub(r"(\.sssom)?\.(tsv|csv|ttl|json|jsonld|owl|rdf|ya?ml)$", "", last, flags=re.I)
    key = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-") or "unnamed-submission"
    return URIRef(base + key)
