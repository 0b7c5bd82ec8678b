"""One table of the RDF and SPARQL-results syntaxes govkg reads and writes, and content
negotiation as a pure function (RFC 9110 section 12.5.1, q-values).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from govkg.errors import InputError


@dataclass(frozen=True)
class RdfSyntax:
    """An RDF syntax with its names in rdflib and pyoxigraph.

    Attributes:
        name: govkg's name for it (used by ``--format``).
        extension: The file extension govkg writes.
        media_type: Its IANA media type.
        rdflib: rdflib's parser/serialiser name.
        datasets: True when the syntax holds named graphs.
    """

    name: str
    extension: str
    media_type: str
    rdflib: str
    datasets: bool = False


RDF_SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("turtle", "ttl", "text/turtle", "turtle"),
    RdfSyntax("ntriples", "nt", "application/n-triples", "nt"),
    RdfSyntax("jsonld", "jsonld", "application/ld+json", "json-ld"),
    RdfSyntax("rdfxml", "rdf", "application/rdf+xml", "xml"),
    RdfSyntax("trig", "trig", "application/trig", "trig", datasets=True),
    RdfSyntax("nquads", "nq", "application/n-quads", "nquads", datasets=True),
)

#: Extra extensions that name a syntax on input.
_EXTENSION_ALIASES = {"owl": "rdfxml", "xml": "rdfxml", "json": "jsonld", "n3": "turtle"}


def syntax_by_name(name: str) -> RdfSyntax:
    """Return the syntax called ``name`` (its govkg name or its extension).

    >>> syntax_by_name("ttl").name
    'turtle'
    """
    key = name.lower().lstrip(".")
    key = _EXTENSION_ALIASES.get(key, key)
    for syntax in RDF_SYNTAXES:
        if key in (syntax.name, syntax.extension):
            return syntax
    names = ", ".join(s.name for s in RDF_SYNTAXES)
    raise InputError(f"unknown RDF syntax {name!r} (known: {names})")


def syntax_for_path(path: Path) -> RdfSyntax:
    """Return the syntax a file's extension names.

    >>> syntax_for_path(Path("a/b.nq")).media_type
    'application/n-quads'
    """
    if not path.suffix:
        raise InputError("cannot tell the RDF syntax from a file name without extension", path)
    try:
        return syntax_by_name(path.suffix)
    except InputError as exc:
        raise InputError(exc.message, path) from None


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Parse an ``Accept`` header into ``(media range, q)`` pairs, best first.

    Malformed q-values count as 0 (not acceptable), as RFC 9110 allows a recipient to do.

    >>> parse_accept("text/html;q=0.5, text/turtle")
    [('text/turtle', 1.0), ('text/html', 0.5)]
    """
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranges.append((media, q, -specificity * 1000 + index))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(media, q) for media, q, _ in ranges]


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """Pick the offered media type the ``Accept`` header prefers; None if none is acceptable.

    Ties go to the order of ``offered`` (the server's preference). A missing or empty header
    accepts anything.

    >>> negotiate("application/xml;q=0.2, text/turtle;q=0.9", ["application/xml", "text/turtle"])
    'text/turtle'
    >>> negotiate("image/png", ["text/turtle"]) is None
    True
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    choice: str | None = None
    for position, media in enumerate(offered):
        q, specificity = _quality(media.lower(), ranges)
        if q <= 0:
            continue
        rank = (q, specificity, -position)
        if best is None or rank > best:
            best, choice = rank, media
    return choice


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """Return the q-value of the most specific range matching ``media``, and its specificity."""
    kind = media.split("/")[0]
    found: tuple[float, int] | None = None
    for media_range, q in ranges:
        if media_range == media:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if found is None or specificity > found[1]:
            found = (q, specificity)
    return found or (0.0, -1)
