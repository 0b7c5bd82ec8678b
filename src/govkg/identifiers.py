"""One spelling of govkg ids everywhere (issue 12, item 5).

Every place an id comes in (``govkg query --param``, ``govkg report crosswalk A B``,
``govkg export --mappings --set KEY``, the web's named-query parameters) reads it here, in any
of these spellings, all naming the same resource:

* a bare key: ``oecd-ai-principles`` (a framework), ``govern-1`` (an element of whichever
  framework holds one of that key);
* an id path: ``framework/oecd-ai-principles``, ``framework/nist-ai-rmf-1-0/govern-1``,
  ``nist-ai-rmf-1-0/govern-1`` (the tail of an id path is enough when only one id ends so),
  optionally written ``id/framework/...``;
* the full IRI, bare or in angle brackets: ``https://w3id.org/govkg/id/framework/...``;
* a CURIE with any prefix govkg displays (``id:``, ``gk:``, ``skos:`` ...,
  ``govkg.namespaces.DISPLAY_PREFIXES``) or its data files declare for its ids
  (``framework:``, ``airmf:``, ``mset:`` ...), the workspace's files included.

Ids live below ``https://w3id.org/govkg/id/`` and, with a workspace, below the workspace's own
``<namespace>id/``. A spelling is looked up among the graph's resources of the kind asked for
(a framework is a ``skos:ConceptScheme``, an element a concept ``skos:inScheme`` one, a set a
``sssom:MappingSet``, a plain id any resource below an id namespace), in this order:

1. a full IRI names itself;
2. a CURIE names its expansion under each namespace its prefix is bound to and, when that is
   an id, the same id path under every id namespace (``framework:acme-ai-policy`` finds a
   workspace's framework although govkg binds ``framework:`` to its own);
3. an id path names that path under every id namespace; failing that, a key or partial path
   names every id whose path ends with it.

One match is the answer. Several (a key two frameworks' elements share, a path both govkg and
the workspace hold) are an :class:`AmbiguousIdError` listing them; none is an
:class:`UnknownIdError` naming the close matches (``difflib`` over ids, keys and labels) and
saying when the id is in the graph as another kind. Both are input errors (exit 2).

Named-query parameters (``?_NAME``, see :func:`parameter_kind`): a parameter whose name says
what it holds (``framework``, ``frameworkA``, ``element``, ``set`` ...) is resolved as an id of
that kind and checked. Any other parameter takes a value that is plainly an id (a full IRI, a
CURIE with a known prefix, or an id path under a folder the graph has, such as ``source/...``)
as that IRI, checked when it is a govkg id; anything else, or any value in double quotes, is a
string.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from govkg.errors import InputError
from govkg.namespaces import DISPLAY_PREFIXES, ID, SSSOM
from govkg.paths import Layout, bundled_layout
from govkg.submission.vocabulary import set_key

if TYPE_CHECKING:
    from govkg.backends import Store
    from govkg.catalogue import NamedQuery

_LABEL = f"OPTIONAL {{ ?x <{RDFS.label}>|<{SKOS.prefLabel}> ?label }}"


@dataclass(frozen=True)
class Kind:
    """A kind of resource an id may be asked for.

    Attributes:
        name: Its name (``framework``).
        noun: How messages call it.
        pattern: A SPARQL group pattern true for each resource ``?x`` of the kind (checked
            with ``?x`` given).
        scan: The pattern that lists them all (the same, but for ``resource``: any subject is
            one, but listing every triple's subject is slow, so a listing reads the typed ones,
            which every id is: ``qc/untyped-resource-violation``).
    """

    name: str
    noun: str
    pattern: str
    scan: str = ""

    def __post_init__(self) -> None:
        if not self.scan:
            object.__setattr__(self, "scan", self.pattern)


#: The kinds of id, by name. ``resource`` is any resource below an id namespace.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("framework", "framework", f"?x a <{SKOS.ConceptScheme}> ."),
        Kind("element", "element", f"?x <{SKOS.inScheme}> ?scheme ."),
        Kind("set", "mapping set", f"?x a <{SSSOM}MappingSet> ."),
        Kind("resource", "id", "?x ?p ?o .", "?x a ?type ."),
    )
}

#: Words in a parameter's name that say which kind of id it holds (see :func:`parameter_kind`).
PARAMETER_WORDS: dict[str, str] = {
    "framework": "framework",
    "scheme": "framework",
    "element": "element",
    "concept": "element",
    "set": "set",
    "mappingset": "set",
    "crosswalk": "set",
    "id": "resource",
    "iri": "resource",
    "resource": "resource",
}

#: How many candidates an ambiguity error lists, and how many close matches an unknown id names.
MAX_LISTED = 10
MAX_SUGGESTED = 3
#: difflib's similarity cutoff for a close match (its default).
CLOSE_MATCH = 0.6

_HIERARCHICAL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: IRI schemes without ``//`` that are taken as IRIs, not as CURIE prefixes.
_OPAQUE_SCHEMES = frozenset({"urn", "tag", "mailto", "did"})
_CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)?:([^\s<>\"{}|^`\\]*)$")
_PATH = re.compile(r"^[A-Za-z0-9_.~!$&'()*+,;=:@%-]+(/[A-Za-z0-9_.~!$&'()*+,;=:@%-]+)*$")
_BAD_IRI = re.compile(r'[\s<>"{}|^`\\]')
_PREFIX_LINE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]+)>", re.MULTILINE | re.IGNORECASE
)


class UnknownIdError(InputError):
    """An id the graph does not hold (as the kind asked for)."""


class AmbiguousIdError(InputError):
    """A key or partial id path that names several resources."""


@dataclass(frozen=True)
class Spelling:
    """One way of writing an id, read but not yet checked against the graph.

    Attributes:
        text: The text as given (stripped).
        iri: The IRI, when the spelling names one (a full IRI or a CURIE).
        path: Otherwise the id path or key (``framework/oecd-ai-principles``).
        prefix: A CURIE's prefix.
        local: A CURIE's local part.
    """

    text: str
    iri: str | None = None
    path: str | None = None
    prefix: str | None = None
    local: str | None = None


def parse(text: str, prefixes: Mapping[str, str] = DISPLAY_PREFIXES) -> Spelling:
    """Read one spelling of an id: a full IRI, a CURIE, an id path or a key.

    Raises:
        InputError: the text is empty, a CURIE's prefix is unknown, or an IRI or id path
            holds characters no IRI may hold.

    >>> parse("https://w3id.org/govkg/id/framework/x").iri
    'https://w3id.org/govkg/id/framework/x'
    >>> parse("<urn:example:a>").iri
    'urn:example:a'
    >>> parse("id:framework/oecd-ai-principles").iri
    'https://w3id.org/govkg/id/framework/oecd-ai-principles'
    >>> parse("framework:oecd-ai-principles", {"framework": str(ID) + "framework/"}).iri
    'https://w3id.org/govkg/id/framework/oecd-ai-principles'
    >>> parse("id/framework/oecd-ai-principles").path
    'framework/oecd-ai-principles'
    >>> parse(" oecd-ai-principles ").path
    'oecd-ai-principles'
    >>> parse("framework/x y")
    Traceback (most recent call last):
    govkg.errors.InputError: not a valid IRI: 'framework/x y'
    >>> parse("nope:x", {"id": str(ID), "skos": "http://www.w3.org/2004/02/skos/core#"})
    Traceback (most recent call last):
    govkg.errors.InputError: unknown prefix 'nope:' in 'nope:x' (known: id, skos)
    """
    text = text.strip()
    if not text:
        raise InputError("an empty id")
    spelling = _read(text, prefixes)
    written = spelling.iri if spelling.iri is not None else spelling.path or ""
    if _BAD_IRI.search(written) and (spelling.iri is not None or "/" in written):
        raise InputError(f"not a valid IRI: {text!r}")
    return spelling


def _read(text: str, prefixes: Mapping[str, str]) -> Spelling:
    if text.startswith("<") and text.endswith(">"):
        return Spelling(text, iri=text[1:-1].strip())
    if _HIERARCHICAL.match(text):
        return Spelling(text, iri=text)
    curie = _CURIE.match(text)
    if curie:
        prefix = curie.group(1) or ""
        if prefix in prefixes:
            local = curie.group(2)
            return Spelling(text, iri=prefixes[prefix] + local, prefix=prefix, local=local)
        if prefix.lower() in _OPAQUE_SCHEMES:
            return Spelling(text, iri=text)
        known = ", ".join(sorted(prefixes))
        raise InputError(f"unknown prefix '{prefix}:' in {text!r} (known: {known})")
    return Spelling(text, path=text.strip("/").removeprefix("id/"))


def is_plainly_an_id(text: str, prefixes: Mapping[str, str], folders: Container[str]) -> bool:
    """True when a value of a parameter whose name says nothing is meant as an id: a full IRI
    (bare or in angle brackets), a CURIE with a known prefix, or an id path whose first folder
    is one the graph has. Anything else is a string.

    >>> folders = {"framework", "source"}
    >>> is_plainly_an_id("framework/oecd-ai-principles", DISPLAY_PREFIXES, folders)
    True
    >>> is_plainly_an_id("skos:exactMatch", DISPLAY_PREFIXES, folders)
    True
    >>> is_plainly_an_id("https://example.org/x", DISPLAY_PREFIXES, folders)
    True
    >>> is_plainly_an_id("governance", DISPLAY_PREFIXES, folders)
    False
    >>> is_plainly_an_id("note: 2024/05 draft", DISPLAY_PREFIXES, folders)
    False
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">") or _HIERARCHICAL.match(text):
        return True
    curie = _CURIE.match(text)
    if curie and ((curie.group(1) or "") in prefixes or text.split(":")[0] in _OPAQUE_SCHEMES):
        return True
    if "/" in text and _PATH.match(text):
        return text.strip("/").removeprefix("id/").split("/", 1)[0] in folders
    return False


def parameter_kind(name: str) -> str | None:
    """The kind of id a named-query parameter holds, read from its name, or None (the name
    says nothing: the value may be a string).

    The name's words (split at ``_`` and lower-to-upper case changes, a final one-letter or
    numeric word such as the ``A`` of ``frameworkA`` left out) are looked up in
    :data:`PARAMETER_WORDS`; the last word that names a kind wins.

    >>> parameter_kind("_framework"), parameter_kind("frameworkA"), parameter_kind("_element")
    ('framework', 'framework', 'element')
    >>> parameter_kind("_mapping_set"), parameter_kind("_targetElement"), parameter_kind("_label")
    ('set', 'element', None)
    """
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    while len(words) > 1 and (len(words[-1]) == 1 or words[-1].isdigit()):
        words.pop()
    joined = "".join(words)
    if joined in PARAMETER_WORDS:
        return PARAMETER_WORDS[joined]
    for word in reversed(words):
        if word in PARAMETER_WORDS:
            return PARAMETER_WORDS[word]
    return None


def declared_prefixes(folders: list[Path], bases: list[str]) -> dict[str, list[str]]:
    """The prefixes the Turtle files below ``folders`` declare for ids below ``bases``, each
    with every namespace some file binds it to (sorted).

    >>> import tempfile
    >>> line = "@prefix fw: <https://w3id.org/govkg/id/framework/> ."
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.ttl").write_text(line)
    ...     declared_prefixes([Path(d)], [str(ID)])
    {'fw': ['https://w3id.org/govkg/id/framework/']}
    """
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.ttl")) if folder.is_dir() else []:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for name, namespace in _PREFIX_LINE.findall(text):
                if name and namespace.startswith(tuple(bases)):
                    found.setdefault(name, set()).add(namespace)
    return {name: sorted(spaces) for name, spaces in found.items()}


class Resolver:
    """Resolves ids in any spelling against one graph (any :class:`govkg.backends.Store`),
    for govkg's id namespace and the layout's workspace's.

    Args:
        store: The graph the ids are checked against.
        layout: The sources (its data files and workspace declare CURIE prefixes; its
            workspace adds an id namespace). None: the built-in sources, no workspace.
    """

    def __init__(self, store: Store, layout: Layout | None = None):
        self.store = store
        self.layout = layout = layout or bundled_layout()
        workspace = layout.workspace
        self.bases = [str(ID)]
        #: Folders whose Turtle files declare prefixes: govkg's data, then the workspace's.
        self._folders: list[list[Path]] = [[layout.data]]
        if workspace is not None:
            self.bases.append(str(workspace.namespace) + "id/")
            self._folders.append([workspace.frameworks, workspace.crosswalks, workspace.sources])
        self._known: dict[str, dict[str, list[str]]] = {}
        self._folders_seen: dict[str, bool] = {}
        self._bindings: dict[str, list[str]] | None = None

    @property
    def bindings(self) -> dict[str, list[str]]:
        """Every CURIE prefix understood with its namespaces, the first winning when a CURIE is
        read: govkg's display prefixes, then those govkg's data files declare for ids, then
        the workspace's. A CURIE names an id under any of its prefix's namespaces, and an id
        path under every id namespace (so ``framework:acme-ai-policy`` finds a workspace's
        framework though govkg binds ``framework:`` to its own namespace)."""
        if self._bindings is None:
            found = {p: [ns] for p, ns in DISPLAY_PREFIXES.items()}
            for folders in self._folders:
                for prefix, spaces in declared_prefixes(folders, self.bases).items():
                    listed = found.setdefault(prefix, [])
                    listed += [ns for ns in spaces if ns not in listed]
            self._bindings = found
        return self._bindings

    @property
    def prefixes(self) -> dict[str, str]:
        """Each prefix understood with its first namespace (see :attr:`bindings`)."""
        return {prefix: spaces[0] for prefix, spaces in self.bindings.items()}

    def resolve(self, text: str, kind: str = "resource") -> str:
        """Return the IRI ``text`` names, checked to be a resource of ``kind`` in the graph.

        A full IRI or CURIE outside the id namespaces, asked for as a plain ``resource``, is
        taken as given (a vocabulary term such as ``skos:exactMatch``).

        Raises:
            UnknownIdError: no resource of that kind has that id (close matches named).
            AmbiguousIdError: a key or partial path that names several (all listed).
            InputError: an unknown CURIE prefix or an empty id.
        """
        spelling = parse(text, self.prefixes)
        if spelling.iri is not None:
            if kind == "resource" and self.path_of(spelling.iri) is None:
                return spelling.iri  # a term of some vocabulary, taken as given
        matches = self.matches(spelling, kind)
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousIdError(
                f"ambiguous {KINDS[kind].noun} {text!r}: it names {self._listing(matches)}; "
                "give one of these instead"
            )
        raise self._unknown(spelling, kind)

    def matches(self, spelling: Spelling, kind: str) -> list[str]:
        """The resources of ``kind`` a spelling may name, sorted: the IRI it spells; else the
        id path under each id namespace; else every id whose path ends with it. Only the last
        reads more of the graph than the few IRIs asked about."""
        if spelling.iri is not None and spelling.prefix is None:
            return self._present([spelling.iri], kind)
        if spelling.iri is not None:  # a CURIE: under each namespace its prefix is bound to,
            # and, for an id, at the same id path in every id namespace (framework:x = framework/x)
            spaces = self.bindings.get(spelling.prefix or "", [])
            iris = [spelling.iri] + [ns + (spelling.local or "") for ns in spaces]
            paths = [path for iri in iris if (path := self.path_of(iri)) is not None]
            return self._present(iris + [b + path for path in paths for b in self.bases], kind)
        path = spelling.path or ""
        exact = self._present([base + path for base in self.bases], kind)
        return exact or self._ending("/" + path, kind)

    def known(self, kind: str) -> dict[str, list[str]]:
        """Every resource of ``kind`` in the graph (a ``resource`` only below an id namespace),
        with its labels; queried once per kind (for close matches: the slowest question here,
        about 5 s for every id of a 1M-triple graph)."""
        if kind not in self._known:
            pattern = KINDS[kind].scan
            if kind == "resource":  # only ids: the ontology's and vocabularies' terms are not
                pattern += f" FILTER ({self._below_bases()})"
            query = f"SELECT DISTINCT ?x ?label WHERE {{ {pattern} {_LABEL} }}"
            found: dict[str, list[str]] = {}
            for row in self.store.select(query).dicts():
                iri = row.get("x")
                if iri is None or (kind == "resource" and self.path_of(iri) is None):
                    continue
                labels = found.setdefault(iri, [])
                label = row.get("label")
                if label is not None and label not in labels:
                    labels.append(label)
            self._known[kind] = found
        return self._known[kind]

    def has_folder(self, folder: str) -> bool:
        """True when some id's path starts with ``folder/`` (``framework``, ``source`` ...)."""
        if folder not in self._folders_seen:
            starts = " || ".join(
                f"STRSTARTS(STR(?x), {_string(base + folder + '/')})" for base in self.bases
            )
            query = f"ASK {{ {KINDS['resource'].scan} FILTER ({starts}) }}"
            self._folders_seen[folder] = self.store.ask(query)
        return self._folders_seen[folder]

    def path_of(self, iri: str) -> str | None:
        """The id path of an IRI below an id namespace, else None.

        >>> Resolver(None).path_of("https://w3id.org/govkg/id/framework/x")
        'framework/x'
        """
        for base in self.bases:
            if iri.startswith(base) and len(iri) > len(base):
                return iri[len(base) :]
        return None

    def spell(self, iri: str) -> str:
        """The shortest spelling that names ``iri`` alone: its id path, or (outside the id
        namespaces, or when two namespaces hold the same path) the IRI in angle brackets."""
        path = self.path_of(iri)
        if path is None:
            return f"<{iri}>"
        if len(self.bases) > 1 and len(self._present([b + path for b in self.bases])) > 1:
            return f"<{iri}>"
        return path

    def _present(self, iris: list[str], kind: str = "resource") -> list[str]:
        """Those of ``iris`` the graph holds as resources of ``kind``, sorted."""
        wanted = [iri for iri in dict.fromkeys(iris) if not _BAD_IRI.search(iri)]
        if not wanted:
            return []
        if kind in self._known:
            return sorted(iri for iri in wanted if iri in self._known[kind])
        values = " ".join(f"<{iri}>" for iri in wanted)
        query = f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {values} }} {KINDS[kind].pattern} }}"
        return sorted(self._column(query))

    def _ending(self, ending: str, kind: str) -> list[str]:
        """Every id of ``kind`` whose path ends with ``ending``, sorted."""
        if kind in self._known:
            found = list(self._known[kind])
        else:
            test = f"STRENDS(STR(?x), {_string(ending)}) && ({self._below_bases()})"
            found = self._column(
                f"SELECT DISTINCT ?x WHERE {{ {KINDS[kind].scan} FILTER ({test}) }}"
            )
        return sorted(iri for iri in found if (self.path_of(iri) or "").endswith(ending))

    def _below_bases(self) -> str:
        return " || ".join(f"STRSTARTS(STR(?x), {_string(base)})" for base in self.bases)

    def _column(self, query: str) -> list[str]:
        return [str(term) for term in self.store.select(query).column("x")]

    def _listing(self, iris: list[str]) -> str:
        shown = [self.spell(i) for i in iris[:MAX_LISTED]]
        more = f" and {len(iris) - MAX_LISTED} more" if len(iris) > MAX_LISTED else ""
        return ", ".join(shown) + more

    def _unknown(self, spelling: Spelling, kind: str) -> UnknownIdError:
        noun = KINDS[kind].noun
        message = f"unknown {noun} {spelling.text!r}"
        if kind != "resource":
            elsewhere = self.matches(spelling, "resource")
            if elsewhere:
                verb = "is" if len(elsewhere) == 1 else "are"
                message += f" ({self._listing(elsewhere)} {verb} not a {noun})"
        close = self.suggest(spelling, kind)
        if close:
            return UnknownIdError(f"{message}; did you mean {' or '.join(map(self.spell, close))}?")
        known = sorted(self.known(kind))
        listed = f" (known: {self._listing(known)})" if len(known) <= MAX_LISTED else ""
        return UnknownIdError(f"{message}: no {noun} of that id in the graph{listed}")

    def suggest(self, spelling: Spelling, kind: str) -> list[str]:
        """The known ids of ``kind`` closest to a spelling (by id path, key or label); for a
        path whose folder holds ids, among that folder's ids only."""
        wanted = spelling.path or self.path_of(spelling.iri or "") or spelling.iri or ""
        known = self.known(kind)
        parent = wanted.rsplit("/", 1)[0] + "/" if "/" in wanted else None
        pool = [i for i in known if parent and (self.path_of(i) or "").startswith(parent)]
        names: dict[str, list[str]] = {}
        for iri in pool or known:
            path = self.path_of(iri) or iri
            whole = (path,) if parent else ()  # a bare key is compared with keys and labels
            for name in (*whole, path.rsplit("/", 1)[-1], *known[iri]):
                names.setdefault(name.casefold(), []).append(iri)
        tries = dict.fromkeys(
            t.casefold() for t in (wanted, wanted.rsplit("/", 1)[-1], spelling.text) if t
        )
        found: list[str] = []
        for attempt in tries:
            for name in difflib.get_close_matches(attempt, names, MAX_SUGGESTED, CLOSE_MATCH):
                found += [i for i in names[name] if i not in found]
        return found[:MAX_SUGGESTED]

    def mapping_set_keys(self, spellings: Iterable[str]) -> list[str]:
        """Resolve mapping sets in any spelling to the keys
        ``govkg.submission.exporting.export_mapping_sets`` knows them by: govkg's key
        (``xw-ai-rmf-ai-verify-2023``), else the set's IRI.

        Raises:
            UnknownIdError: a set the graph does not hold (close matches named).
            AmbiguousIdError: a key that names several sets.
        """
        return [set_key(iri) or iri for iri in (self.resolve(s, "set") for s in spellings)]

    def parameter_values(
        self, query: NamedQuery, values: Mapping[str, str]
    ) -> dict[str, URIRef | Literal]:
        """Read the values of a named query's parameters (``--param NAME=VALUE``) as terms:
        ids resolved and checked where the parameter's name says what it holds
        (:func:`parameter_kind`), plain ids as IRIs, anything else (or a value in double
        quotes) as a string.

        Raises:
            InputError: a name is not a parameter of the query, or an id is unknown or ambiguous.
        """
        terms: dict[str, URIRef | Literal] = {}
        for name, value in values.items():
            key = query.parameter_key(name)
            stripped = value.strip()
            kind = parameter_kind(key)
            if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
                terms[key] = Literal(stripped[1:-1])
            elif kind is not None:
                terms[key] = URIRef(self.resolve(stripped, kind))
            elif is_plainly_an_id(stripped, self.prefixes, _Folders(self)):
                terms[key] = URIRef(self.resolve(stripped))
            else:
                terms[key] = Literal(value)
        return terms


class _Folders:
    """The id folders of a resolver's graph, as a container asked one folder at a time."""

    def __init__(self, resolver: Resolver):
        self.resolver = resolver

    def __contains__(self, folder: object) -> bool:
        return isinstance(folder, str) and self.resolver.has_folder(folder)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
