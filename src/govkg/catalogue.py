"""Named queries: the ``queries/*.rq`` files (grlc-style ``#+ summary:`` header) and the
quality-control queries ``queries/qc/*-violation.rq``, which must return no rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef

from govkg.errors import InputError, UnknownQueryError
from govkg.namespaces import ID
from govkg.paths import Layout

SUMMARY = "#+ summary:"
#: A query parameter: a variable whose name starts with an underscore (grlc / BASIL style).
_PARAMETER = re.compile(r"[?$](_[A-Za-z][A-Za-z0-9_]*)(?![A-Za-z0-9_])")
_BAD_IRI_CHARACTERS = re.compile(r'[\s<>"{}|^`\\]')


@dataclass(frozen=True)
class NamedQuery:
    """A named query file.

    Attributes:
        name: ``cq01-fact-sheet-principles`` or ``qc/missing-label-violation``.
        summary: Its one-line summary.
        text: The SPARQL text.
        path: The file.
    """

    name: str
    summary: str
    text: str
    path: Path

    @property
    def is_qc(self) -> bool:
        return self.name.startswith("qc/")

    @property
    def parameters(self) -> list[str]:
        """The query's parameters (variables named ``?_name``), in order of appearance."""
        return list(dict.fromkeys(_PARAMETER.findall(self.text)))

    def parameter_key(self, name: str) -> str:
        """The parameter ``name`` stands for (``framework`` or ``_framework``: ``_framework``).

        Raises:
            InputError: the query has no such parameter.
        """
        known = self.parameters
        key = name.strip() if name.strip().startswith("_") else f"_{name.strip()}"
        if key not in known:
            raise InputError(
                f"query {self.name} has no parameter {name!r} "
                f"(it has: {', '.join(p.lstrip('_') for p in known) or 'none'})"
            )
        return key

    def bind(self, values: Mapping[str, str | URIRef | Literal]) -> str:
        """Return the query text with parameters replaced by terms; unbound ones stay
        variables (they then match anything).

        An ``rdflib`` ``URIRef`` or ``Literal`` is written as it is: resolve ids first with
        ``govkg.identifiers.Resolver.parameter_values``, which checks them against the graph.
        A plain string is read without the graph: one that starts with ``http://`` or
        ``https://`` is an IRI; one with a ``/`` is a govkg id below
        ``https://w3id.org/govkg/id/``; anything else is a string.

        Raises:
            InputError: a name is not a parameter of this query, or an IRI is malformed.

        >>> q = NamedQuery("x", "s", "SELECT * { ?_fw ?p ?_o }", Path("x.rq"))
        >>> q.bind({"_fw": "framework/oecd-ai-principles"})
        'SELECT * { <https://w3id.org/govkg/id/framework/oecd-ai-principles> ?p ?_o }'
        >>> print(q.bind({"fw": URIRef("urn:x:a"), "o": Literal('say "hi"')}))
        SELECT * { <urn:x:a> ?p "say \\"hi\\"" }
        """
        terms = {self.parameter_key(name): _term(value) for name, value in values.items()}
        return _PARAMETER.sub(lambda m: terms.get(m.group(1), m.group(0)), self.text)


def _term(value: str | URIRef | Literal) -> str:
    if isinstance(value, Literal):
        return _string(str(value))
    if isinstance(value, URIRef) or value.startswith(("http://", "https://")) or "/" in value:
        iri = str(value)
        if not isinstance(value, URIRef) and not value.startswith(("http://", "https://")):
            iri = str(ID) + value
        if _BAD_IRI_CHARACTERS.search(iri):
            raise InputError(f"not a valid IRI: {str(value)!r}")
        return f"<{iri}>"
    return _string(value)


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "\\r")
    return f'"{escaped}"'


def read_query(path: Path, name: str | None = None) -> NamedQuery:
    """Read one ``.rq`` file; its first line must be the ``#+ summary:`` header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read query: {exc}", path) from None
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    summary = first[len(SUMMARY) :].strip() if first.startswith(SUMMARY) else ""
    return NamedQuery(name=name or path.stem, summary=summary, text=text, path=path)


def load_catalogue(layout: Layout) -> dict[str, NamedQuery]:
    """Return every named query by name, sorted.

    Raises:
        InputError: a query file has no ``#+ summary:`` header.

    >>> from govkg.paths import bundled_layout
    >>> "cq01-fact-sheet-principles" in load_catalogue(bundled_layout())
    True
    """
    queries = {}
    for path in sorted(layout.queries.rglob("*.rq")):
        name = path.relative_to(layout.queries).with_suffix("").as_posix()
        query = read_query(path, name)
        if not query.summary:
            raise InputError(f"named query without a '{SUMMARY}' first line", path, 1)
        queries[name] = query
    return queries


def resolve(layout: Layout, name_or_path: str) -> NamedQuery:
    """Find a query by catalogue name, or read it from a ``.rq`` path."""
    catalogue = load_catalogue(layout)
    if name_or_path in catalogue:
        return catalogue[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".rq" or path.exists():
        return read_query(path)
    close = [n for n in catalogue if name_or_path in n]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else "; see `govkg queries`"
    raise UnknownQueryError(f"no named query {name_or_path!r}{hint}")
