"""How a cell's (or a metadata value's) text becomes an RDF term: the prefix map a submission
may use (SSSOM: the ``curie_map``, whose built-in prefixes cannot be redefined), CURIE
expansion, and the literal types of the SSSOM slots (xsd:double, xsd:date). A value that is
not what its slot needs becomes a syntax finding, never an exception.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import curies
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from govkg.submission.rows import syntax_finding
from govkg.submission.vocabulary import (
    BUILTIN_PREFIXES,
    DATE,
    DOUBLE,
    ENTITY,
    ENUM,
    SPEC_ONLY_BUILTIN_PREFIXES,
    Slot,
)
from govkg.validation import VIOLATION, Finding

_BAD_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: Values that are IRIs, never CURIEs (no curie_map prefix may be called http, https or urn).
_IRI_SCHEMES = ("http://", "https://", "urn:")
#: Expanded CURIEs kept at most (then the cache starts again).
_CACHE = 100_000


class TermReader:
    """Turns the values of one submission into terms, with its prefix map.

    Args:
        defaults: The prefixes a submission may use undeclared.
        curie_map: The file's ``curie_map`` (None when it has none).
        line: The line of the ``curie_map`` (for its findings).
        problems: Where findings go until :attr:`sink` is pointed elsewhere.
        declared_only: Refuse a CURIE whose prefix the ``curie_map`` does not declare (SSSOM
            specification, "SSSOM/TSV": every prefix used must be declared, built-in ones
            aside); False lets a table with ``--metadata`` use govkg's own prefixes undeclared.

    Attributes:
        prefixes: The prefix map in force.
        converter: Expands CURIEs with it.
        sink: Where findings go (the file's list, or the row being read).
    """

    def __init__(
        self,
        defaults: dict[str, str],
        curie_map: object,
        line: int,
        problems: list[Finding],
        declared_only: bool = False,
    ):
        self.defaults = defaults
        self.sink = problems
        self._expanded: dict[str, URIRef] = {}
        self.declared: set[str] = set(BUILTIN_PREFIXES) | set(SPEC_ONLY_BUILTIN_PREFIXES)
        self.prefixes = self._prefixes(curie_map, line)
        self.converter = curies.Converter.from_prefix_map(self.prefixes)
        self.declared_only = declared_only
        self._undeclared: set[str] = set()

    def _prefixes(self, curie_map: object, line: int) -> dict[str, str]:
        """The prefix map in force: the defaults a submission may use undeclared, the file's
        ``curie_map`` where it neither redefines an SSSOM built-in prefix nor maps two prefixes
        to one namespace (a prefix map is a bijection), then the built-in prefixes."""
        declared: dict[str, str] = {}
        if curie_map is not None:
            if not isinstance(curie_map, dict):
                self.problem("curie_map must be a mapping of prefixes to IRIs", line)
            else:
                for prefix, namespace in curie_map.items():
                    if not isinstance(prefix, str) or not isinstance(namespace, str):
                        self.problem(
                            f"curie_map entry {prefix!r} must map a prefix to an IRI", line
                        )
                    elif prefix in BUILTIN_PREFIXES and namespace != BUILTIN_PREFIXES[prefix]:
                        self.problem(
                            f"curie_map redefines the built-in prefix {prefix!r} "
                            f"as <{namespace}> (SSSOM built-in prefixes cannot be "
                            "redefined); the built-in one is used",
                            line,
                            value=namespace,
                        )
                    elif _BAD_IRI.search(namespace) or not _SCHEME.match(namespace):
                        self.problem(
                            f"curie_map prefix {prefix!r} maps to {namespace!r}, "
                            "which is not an IRI",
                            line,
                            value=namespace,
                        )
                    else:
                        declared[prefix] = namespace
                        self.declared.add(prefix)
        prefixes = {
            p: ns
            for p, ns in self.defaults.items()
            if p not in declared and ns not in declared.values()
        }
        for prefix, namespace in declared.items():
            if namespace in prefixes.values() or prefix in prefixes:
                continue
            if namespace in {ns for p, ns in declared.items() if p < prefix}:
                self.problem(
                    f"curie_map maps two prefixes to <{namespace}>; {prefix!r} is "
                    "ignored (a prefix map must be a bijection)",
                    line,
                    value=namespace,
                )
                continue
            prefixes[prefix] = namespace
        for prefix, namespace in SPEC_ONLY_BUILTIN_PREFIXES.items():
            if prefix not in declared:
                prefixes.setdefault(prefix, namespace)
        prefixes.update(BUILTIN_PREFIXES)
        return prefixes

    def term(self, slot: Slot, value: object, line: int, column: int | None = None) -> Node | None:
        """Return the term a slot's value stands for: an IRI for an entity reference, a typed
        literal for a double or a date, a status or modifier term, else a plain literal; None (and a
        finding) for a value that is not text."""
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(
                f"{slot.name} must be text, not {type(value).__name__}", line, column=column
            )
            return None
        text = str(value).strip()
        if slot.kind == ENTITY:
            if slot.name == "license" and not _looks_like_reference(text, self.converter):
                return Literal(text)
            return self.entity(text, line, slot.name, column)
        if slot.kind == DOUBLE:
            return _literal(text, XSD.double)
        if slot.kind == DATE:
            return _literal(text, XSD.date)
        if slot.kind == ENUM:
            return _enum(slot, text)
        return Literal(text)

    def entity(self, value: object, line: int, slot: str, column: int | None = None) -> Node | None:
        """Expand a CURIE (or take an IRI); a value that is neither stays a literal, so that the
        shapes report it, and a syntax finding says why."""
        text = str(value).strip()
        cached = self._expanded.get(text)
        if cached is not None:
            return cached
        if text.startswith(_IRI_SCHEMES):
            iri: str | None = text
        else:
            iri = self.converter.expand(text) if ":" in text else None
            if iri is not None and self.declared_only:
                self._declared(text.split(":", 1)[0], line, slot, column)
        if iri is None or _BAD_IRI.search(iri):
            prefix = text.split(":", 1)[0] if ":" in text else None
            why = (
                f"prefix {prefix!r} is not declared in the curie_map"
                if prefix and iri is None
                else "it holds characters an IRI cannot hold"
                if iri
                else "it is not a CURIE (prefix:local)"
            )
            self.problem(
                f"{slot} {text!r} is not an entity reference: {why}",
                line,
                column=column,
                value=text,
            )
            return Literal(text)
        if len(self._expanded) >= _CACHE:
            self._expanded.clear()
        node = self._expanded[text] = URIRef(iri)
        return node

    def _declared(self, prefix: str, line: int, slot: str, column: int | None) -> None:
        """Record (once a prefix) a CURIE prefix the ``curie_map`` does not declare."""
        if prefix in self.declared or prefix in self._undeclared:
            return
        self._undeclared.add(prefix)
        self.problem(
            f"{slot}: prefix {prefix!r} is not declared in the curie_map (SSSOM/TSV: every "
            f"prefix a CURIE uses is declared; govkg's {prefix!r} is <{self.prefixes[prefix]}>)",
            line,
            column=column,
            value=prefix,
        )

    def as_list(self, value: object, name: str, line: int) -> list[object]:
        """Return a metadata value as a list (a mapping is a finding)."""
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            self.problem(f"{name} must be a value or a list, not a mapping", line)
            return []
        return [] if value is None else [value]

    def problem(
        self,
        message: str,
        line: int,
        severity: str = VIOLATION,
        column: int | None = None,
        value: str | None = None,
    ) -> None:
        """Record a syntax finding."""
        self.sink.append(syntax_finding(message, line, severity, column, value))


@lru_cache(maxsize=4096)
def _literal(text: str, datatype: URIRef) -> Literal:
    """A typed literal (cached: confidences and dates repeat across rows)."""
    return Literal(text, datatype=datatype)


def _enum(slot: Slot, text: str) -> Node:
    """The term an enum slot's value stands for; a value the enum does not know stays a
    literal (the submission shapes' ``sh:in`` report it).

    >>> from govkg.submission.vocabulary import MAPPING_SLOTS
    >>> _enum(MAPPING_SLOTS["subject_type"], "owl class")
    rdflib.term.URIRef('http://www.w3.org/2002/07/owl#Class')
    >>> _enum(MAPPING_SLOTS["mapping_cardinality"], "2:1")
    rdflib.term.Literal('2:1')
    """
    values = slot.values or {}
    key = text.lower() if slot.name == "crosswalk_status" else text
    found = values.get(key)
    return found if found is not None else Literal(text)


def split(text: str) -> list[str]:
    """Split a multivalued cell at ``|`` (SSSOM/TSV).

    >>> split("a:1 | a:2||")
    ['a:1', 'a:2']
    """
    return [part.strip() for part in text.split("|") if part.strip()]


def _looks_like_reference(text: str, converter: curies.Converter) -> bool:
    return bool(converter.expand(text)) or bool(_SCHEME.match(text) and "//" in text[:12])
