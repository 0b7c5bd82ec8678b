"""A small deterministic Turtle writer for graphs without blank nodes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from reference_import.core import (
    BASE_PREFIXES,
    FRAMEWORK_NS,
    FRAMEWORK_PREFIXES,
    ReferenceDataError,
    natural_key,
)

_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def all_prefixes() -> dict[str, str]:
    """Return every prefix the tool may use, by prefix name."""
    prefixes = dict(BASE_PREFIXES)
    prefixes.update({name: f"{FRAMEWORK_NS}{key}/" for key, name in FRAMEWORK_PREFIXES.items()})
    return prefixes


def escape(text: str) -> str:
    """Escape text for a Turtle string in double quotes."""
    return "".join(
        _ESCAPES.get(ch, f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch)
        for ch in text
    )


class TurtleWriter:
    """A small deterministic Turtle writer for graphs without blank nodes."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        """Use the prefixes where the rest of an IRI is a plain local name."""
        # Longest namespace first, so that airmf: wins over framework: for element IRIs.
        self._prefixes = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self._used: set[str] = set()

    def iri(self, iri: URIRef) -> str:
        """Return an IRI as a prefixed name, or in angle brackets."""
        text = str(iri)
        if _IRI_FORBIDDEN.search(text):
            raise ReferenceDataError(f"not a valid IRI: {text!r}")
        for name, namespace in self._prefixes:
            if text.startswith(namespace) and _LOCAL_NAME.fullmatch(text[len(namespace) :]):
                self._used.add(name)
                return f"{name}:{text[len(namespace) :]}"
        return f"<{text}>"

    def literal(self, literal: Literal) -> str:
        """Return a literal, with its language tag or datatype."""
        if literal.datatype == XSD.integer:
            return str(int(literal))
        if literal.datatype == XSD.boolean:
            return "true" if literal.value else "false"
        text = f'"{escape(str(literal))}"'
        if literal.language:
            return f"{text}@{literal.language}"
        if literal.datatype and literal.datatype != XSD.string:
            return f"{text}^^{self.iri(URIRef(literal.datatype))}"
        return text

    def term(self, term: object) -> str:
        """Return a subject, predicate or object; only IRIs and literals can be written."""
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, Literal):
            return self.literal(term)
        raise ReferenceDataError(f"only IRIs and literals can be written, not {term!r}")

    def block(self, graph: Graph, subject: URIRef) -> str:
        """Return the statements about one subject, predicates and objects sorted."""
        predicates = sorted(
            {cast(URIRef, p) for p in graph.predicates(subject)},
            key=lambda p: (p != RDF.type, natural_key(str(p))),
        )
        lines = []
        for predicate in predicates:
            objects = sorted(
                (self.term(o) for o in graph.objects(subject, predicate)), key=natural_key
            )
            verb = "a" if predicate == RDF.type else self.term(predicate)
            lines.append(f"    {verb} " + " ,\n        ".join(objects))
        return f"{self.term(subject)}\n" + " ;\n".join(lines) + " .\n"

    def document(self, graph: Graph, header: Sequence[str]) -> str:
        """Return the whole file: header comment, the prefixes used, and the sorted statements."""
        subjects = sorted(
            {cast(URIRef, s) for s in graph.subjects()}, key=lambda s: natural_key(str(s))
        )
        body = "\n".join(self.block(graph, subject) for subject in subjects)
        namespaces = dict(self._prefixes)
        prefixes = [f"@prefix {name}: <{namespaces[name]}> ." for name in sorted(self._used)]
        return "\n".join([*(f"# {line}" for line in header), "", *prefixes, "", body])
