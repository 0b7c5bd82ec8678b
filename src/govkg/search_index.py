"""The full-text search index: every framework element, framework and principle of the built
dataset in one SQLite FTS5 table (SQLite's FTS5 extension, https://sqlite.org/fts5.html),
written at build time beside the dumps and read by the web app's ``/search``.

One row per resource: its labels, notation, alternative labels and text in four indexed
columns (ranked by bm25 with the label weighted highest, FTS5 section 5.1.1), and the
resource's IRI, scheme (framework or principle list) and kind in unindexed columns used as
filters. The tokenizer is ``porter unicode61 remove_diacritics 2``: case and accents are
folded and English words are stemmed, so "explainable" finds "explainability".

:func:`search` turns what a person types into an FTS5 query that cannot be a syntax error:
each word or ``"quoted phrase"`` becomes a quoted FTS5 string (section 3.1), joined by
implicit AND; the last word is a prefix query.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from govkg.backends import Store, Term

#: File name of the index in a build folder.
SEARCH_INDEX = "search.sqlite"
#: Written into the index's ``meta`` table; a reader refuses another version.
SCHEMA_VERSION = "2"
#: Longest search text accepted (characters): a label or a sentence, never a document.
MAX_QUERY_CHARS = 256
#: Most words (or phrases) in one search; each one is an FTS5 phrase to intersect.
MAX_TERMS = 16
#: Largest page of hits, and the deepest hit reachable by paging (bm25 over every match is
#: computed before LIMIT/OFFSET, so deeper pages cost the same; the cap keeps URLs sane).
MAX_PAGE_SIZE = 100
MAX_OFFSET = 2000
#: bm25 weights of the indexed columns label, notation, alt, text (FTS5 section 5.1.1).
_WEIGHTS = (10.0, 8.0, 4.0, 1.0)
#: Marks put around matched words in snippets (private-use characters, stripped from input).
MARK_START, MARK_END = "\ue000", "\ue001"
_SNIPPET_TOKENS = 24
_SHORT_CHARS = 32

_GK = "https://w3id.org/govkg/ontology#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_DCT = "http://purl.org/dc/terms/"
_SCHEME_CLASSES = (f"{_GK}GovernanceFramework", f"{_GK}PrincipleList")
_LABEL = (f"{_SKOS}prefLabel", f"{_RDFS}label", f"{_DCT}title")
_ALT = (f"{_SKOS}altLabel", f"{_SKOS}hiddenLabel")
_TEXT = (f"{_GK}text", f"{_SKOS}definition", f"{_DCT}description")
_NOTATION = f"{_SKOS}notation"

_PREFIXES = f"PREFIX gk: <{_GK}>\nPREFIX skos: <{_SKOS}>\nPREFIX rdfs: <{_RDFS}>\n"
_SCHEMES = (
    _PREFIXES
    + """SELECT DISTINCT ?scheme ?class WHERE {
  VALUES ?class { gk:GovernanceFramework gk:PrincipleList }
  ?scheme a ?class .
}"""
)
_MEMBERS = (
    _PREFIXES
    + """SELECT DISTINCT ?s ?scheme WHERE {
  VALUES ?class { gk:GovernanceFramework gk:PrincipleList }
  ?scheme a ?class .
  ?s skos:inScheme ?scheme .
}"""
)
_PROPERTIES = (
    _PREFIXES
    + """SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?class { gk:GovernanceFramework gk:PrincipleList }
  { ?scheme a ?class . ?s skos:inScheme ?scheme } UNION { ?s a ?class }
  VALUES ?p { skos:prefLabel rdfs:label <http://purl.org/dc/terms/title> skos:notation
              skos:altLabel skos:hiddenLabel gk:text skos:definition
              <http://purl.org/dc/terms/description> }
  ?s ?p ?o .
  FILTER (isLiteral(?o) && (LANG(?o) = "" || LANGMATCHES(LANG(?o), "en")))
}"""
)
# The most specific govkg class of each resource (a subcategory is also a framework element).
_KINDS = (
    _PREFIXES
    + """SELECT DISTINCT ?s ?kind ?kindLabel WHERE {
  VALUES ?class { gk:GovernanceFramework gk:PrincipleList }
  { ?scheme a ?class . ?s skos:inScheme ?scheme } UNION { ?s a ?class }
  ?s a ?kind .
  FILTER (STRSTARTS(STR(?kind), STR(gk:)) && ?kind != gk:FrameworkElement)
  FILTER NOT EXISTS {
    ?s a ?narrower . ?narrower rdfs:subClassOf ?kind . FILTER (?narrower != ?kind)
  }
  OPTIONAL { ?kind rdfs:label ?kindLabel }
}"""
)


@dataclass
class _Entry:
    iri: str
    scheme: str = ""
    labels: list[str] = field(default_factory=list)
    notations: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    kind: str = ""
    kind_label: str = ""


def write_search_index(store: Store, path: Path) -> int:
    """Index every framework, principle list and element of ``store`` into ``path``.

    The file is written beside ``path`` and renamed over it (readers never see half an
    index). The store's default graph is read (on every govkg store it is the union of
    govkg's named graphs), so asserted and inferred types both count. Any store will do: the
    embedded one of a build, or a remote SPARQL server holding a published build.

    Args:
        store: The finished dataset.
        path: Where the SQLite file goes (``build/<version>/search.sqlite``).

    Returns:
        The number of resources indexed.

    Example::

        rows = write_search_index(open_embedded([build_dir / "govkg.nq"]), build_dir / SEARCH_INDEX)
    """
    entries = _collect(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        connection = sqlite3.connect(temporary)
        try:
            _write(connection, entries)
        finally:
            connection.close()
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(entries)


def _collect(store: Store) -> list[_Entry]:
    entries: dict[str, _Entry] = {}

    def entry(term: Term) -> _Entry | None:
        if not isinstance(term, URIRef):
            return None
        return entries.setdefault(str(term), _Entry(str(term)))

    for row in store.select(_SCHEMES).terms():
        found = entry(row["scheme"])
        if found is not None:
            found.scheme = found.iri
    for row in store.select(_MEMBERS).terms():
        found = entry(row["s"])
        if found is not None and not found.scheme:
            found.scheme = str(row["scheme"])
    columns = {p: "labels" for p in _LABEL} | {p: "alts" for p in _ALT}
    columns |= {p: "texts" for p in _TEXT} | {_NOTATION: "notations"}
    # In the order of the property tuples, then of the text: the same index from every
    # store (engines give solutions in their own order), the label first a preferred one.
    rank = {p: i for group in (_LABEL, _ALT, _TEXT) for i, p in enumerate(group)}
    found_values = store.select(_PROPERTIES).dicts()
    found_values.sort(key=lambda r: (rank.get(r["p"], 0), r["o"]))
    for plain in found_values:
        found = entries.get(plain["s"])
        if found is not None:
            values: list[str] = getattr(found, columns[plain["p"]])
            text = _clean(plain["o"])
            if text and text not in values:
                values.append(text)
    for plain in store.select(_KINDS).dicts():
        found = entries.get(plain["s"])
        kind = plain["kind"].removeprefix(_GK)
        if found is not None and (not found.kind or kind < found.kind):
            found.kind = kind
            found.kind_label = plain.get("kindLabel", kind)
    return sorted(entries.values(), key=lambda e: e.iri)


def _write(connection: sqlite3.Connection, entries: list[_Entry]) -> None:
    connection.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE schemes (
            iri TEXT PRIMARY KEY, key TEXT NOT NULL, label TEXT NOT NULL, short TEXT NOT NULL,
            kind TEXT NOT NULL);
        CREATE TABLE kinds (kind TEXT PRIMARY KEY, label TEXT NOT NULL);
        CREATE VIRTUAL TABLE entries USING fts5(
            label, notation, alt, text,
            iri UNINDEXED, scheme UNINDEXED, kind UNINDEXED, title UNINDEXED,
            tokenize = 'porter unicode61 remove_diacritics 2');
        """
    )
    keys: dict[str, str] = {}
    for e in entries:
        if e.scheme == e.iri:
            keys[e.iri] = _scheme_key(e.iri, set(keys.values()))
    connection.executemany(
        "INSERT INTO schemes VALUES (?, ?, ?, ?, ?)",
        [
            (e.iri, keys[e.iri], e.labels[0] if e.labels else keys[e.iri], _short(e), e.kind)
            for e in entries
            if e.iri in keys
        ],
    )
    connection.executemany(
        "INSERT OR IGNORE INTO kinds VALUES (?, ?)",
        sorted({(e.kind, e.kind_label) for e in entries if e.kind}),
    )
    connection.executemany(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                "\n".join(e.labels),
                "\n".join(e.notations),
                "\n".join(e.alts),
                "\n".join(e.texts),
                e.iri,
                keys.get(e.scheme, ""),
                e.kind,
                _title(e),
            )
            for e in entries
        ],
    )
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema", SCHEMA_VERSION), ("rows", str(len(entries)))],
    )
    connection.execute("INSERT INTO entries(entries) VALUES ('optimize')")
    connection.commit()


def _scheme_key(iri: str, taken: set[str]) -> str:
    """The short name of a framework or list: its IRI's last segment (the whole IRI when
    another scheme took that name, as two workspaces' namespaces might)."""
    key = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
    return key if key and key not in taken else iri


def _short(e: _Entry) -> str:
    """A name that fits a phone-width filter list: the shortest alternative label, else the
    label without its bracketed part, cut at :data:`_SHORT_CHARS`."""
    if e.alts:
        name = min(e.alts, key=len)
    else:
        name = (e.labels[0] if e.labels else e.iri).split(" (", 1)[0]
    return name if len(name) <= _SHORT_CHARS else name[: _SHORT_CHARS - 1].rstrip() + "…"


def _title(e: _Entry) -> str:
    label = e.labels[0] if e.labels else e.iri
    return f"{e.notations[0]} {label}" if e.notations and e.notations[0] not in label else label


def _clean(text: str) -> str:
    """Text as indexed: control characters and the snippet marks removed, spaces collapsed."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\ue000\ue001]", " ", text).split())


# == Reading =====================================================================================


class SearchError(ValueError):
    """The search text cannot be searched (too long, too many words); the message says why."""


@dataclass(frozen=True)
class Hit:
    """One search result."""

    iri: str
    title: str
    label: str
    notation: str
    scheme: str
    kind: str
    #: A passage of the element's text (else of its alternative labels), matched words
    #: between :data:`MARK_START` and :data:`MARK_END`.
    snippet: str
    score: float


@dataclass(frozen=True)
class Results:
    """One page of hits and what the page needs around them."""

    query: str
    hits: list[Hit]
    total: int
    offset: int
    #: Matches per scheme key for this search text (before the scheme filter).
    by_scheme: dict[str, int]


def fts_query(text: str) -> str | None:
    """The FTS5 query for what a person typed: each word or ``"phrase"`` quoted, the last a
    prefix; None when nothing searchable is left.

    Raises:
        SearchError: More than :data:`MAX_QUERY_CHARS` characters or :data:`MAX_TERMS` words.

    >>> fts_query('explain')
    '"explain"*'
    >>> fts_query('GOVERN 1.1 "human oversight"')
    '"GOVERN" "1.1" "human oversight"'
    >>> fts_query('a" OR b NEAR(c) *') is not None
    True
    >>> fts_query('  -- () ') is None
    True
    """
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(f"the search text is longer than {MAX_QUERY_CHARS} characters")
    text = _clean(text)
    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|([^\s"]+)', text):
        words = re.findall(r"\w+(?:[.\-']\w+)*", phrase or word)
        if words:
            terms.append((" ".join(words), bool(word)))
    if len(terms) > MAX_TERMS:
        raise SearchError(f"the search text has more than {MAX_TERMS} words")
    if not terms:
        return None
    quoted = [f'"{t}"' for t, _ in terms]
    if terms[-1][1] and len(terms[-1][0]) >= 2:
        quoted[-1] += "*"
    return " ".join(quoted)


def open_index(path: Path) -> sqlite3.Connection:
    """Open an index read-only (``mode=ro``); the caller closes it.

    Raises:
        sqlite3.Error: Not an index of this schema version.
    """
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"{path}: not a govkg search index v{SCHEMA_VERSION}")
    except BaseException:
        connection.close()
        raise
    return connection


def search(
    connection: sqlite3.Connection,
    text: str,
    scheme: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Results:
    """Search the index: hits ranked by bm25 (best first), with snippets.

    Args:
        connection: From :func:`open_index`.
        text: What the person typed (see :func:`fts_query`).
        scheme: Only this framework or principle list (its key, e.g. ``nist-ai-rmf-1-0``).
        kind: Only this kind (a govkg class's local name, e.g. ``Subcategory``; any case).
        limit: Hits per page (1 to :data:`MAX_PAGE_SIZE`).
        offset: Hits to skip (0 to :data:`MAX_OFFSET`).

    Raises:
        SearchError: The text is too long or has too many words.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, min(offset, MAX_OFFSET))
    match = fts_query(text)
    if match is None:
        return Results(text, [], 0, offset, {})
    where = "entries MATCH ?"
    params: list[object] = [match]
    by_scheme = {
        key: count
        for key, count in connection.execute(
            f"SELECT scheme, count(*) FROM entries WHERE {where} GROUP BY scheme", params
        )
    }
    if kind:
        where += " AND kind = ? COLLATE NOCASE"
        params.append(kind)
    if scheme:
        where += " AND scheme = ?"
        params.append(scheme)
    (total,) = connection.execute(f"SELECT count(*) FROM entries WHERE {where}", params).fetchone()
    weights = ", ".join(str(w) for w in _WEIGHTS)
    rows = connection.execute(
        f"""SELECT iri, title, label, notation, scheme, kind,
                   snippet(entries, 3, ?, ?, '…', {_SNIPPET_TOKENS}),
                   snippet(entries, 2, ?, ?, '…', {_SNIPPET_TOKENS}),
                   bm25(entries, {weights}) AS score
            FROM entries WHERE {where}
            ORDER BY score, iri LIMIT ? OFFSET ?""",
        [MARK_START, MARK_END, MARK_START, MARK_END, *params, limit, offset],
    ).fetchall()
    hits = [
        Hit(
            iri=r[0],
            title=r[1],
            label=r[2].split("\n", 1)[0],
            notation=r[3].split("\n", 1)[0],
            scheme=r[4],
            kind=r[5],
            snippet=r[6] or r[7],
            score=-float(r[8]),
        )
        for r in rows
    ]
    return Results(text, hits, int(total), offset, by_scheme)


def schemes(connection: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Every framework and principle list in the index: (key, label, short label), by kind
    (frameworks first) and label."""
    return [
        (key, label, short)
        for key, label, short in connection.execute(
            "SELECT key, label, short FROM schemes ORDER BY kind, label"
        )
    ]


def kinds(connection: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every kind in the index: (local name, label), by label."""
    return list(connection.execute("SELECT kind, label FROM kinds ORDER BY label"))
