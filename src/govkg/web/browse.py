"""What the browsing pages show (frameworks, their trees, elements as documents and the mappings
between two frameworks), read from the store with govkg's own bounded queries.

Nothing here knows which frameworks ship with govkg: every SKOS concept scheme outside the
ontology with at least one element is a framework (a framework a user imported into a workspace
included), and its key is the last segment of its IRI (``.../framework/nist-ai-rmf-1-0`` →
``nist-ai-rmf-1-0``). An element's path below its framework is the rest of its IRI after the
framework's IRI and ``/`` (``.../nist-ai-rmf-1-0/govern-1-1`` → ``govern-1-1``), or its last
segment for an IRI minted elsewhere.

A mapping is an SSSOM record (an ``owl:Axiom`` with ``owl:annotatedSource``, ``Property`` and
``Target`` and the required ``sssom:mapping_justification``, SSSOM specification "Mapping").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDFS, SKOS

from govkg.backends import Store
from govkg.namespaces import GK, PAV, SSSOM, curie
from govkg.submission.vocabulary import negates
from govkg.web.browse_model import (
    Element,
    Framework,
    MappingRow,
    MappingSet,
    Tree,
    last_segment,
    sort_key,
)
from govkg.web.describe import ONTOLOGY, Describer, link_href

#: Properties that name who publishes a framework, best first.
PUBLISHERS = tuple(
    str(p) for p in (DCTERMS.publisher, DCTERMS.creator, GK.developedBy, PROV.wasAttributedTo)
)
#: Properties that state a framework's version or its date, best first.
VERSIONS = tuple(str(p) for p in (OWL.versionInfo, PAV.version, DCTERMS.hasVersion))
DATES = tuple(str(p) for p in (DCTERMS.issued, DCTERMS.modified))
LICENCES = tuple(str(p) for p in (DCTERMS.license, DCTERMS.rights))
#: Text of an element, shown under its label, in this order.
ELEMENT_TEXTS = tuple(str(p) for p in (GK["text"], SKOS.definition, DCTERMS.description))
SHORT_NAMES = (str(SKOS.altLabel),)
FOAF_PAGE = str(FOAF.page)
_FRAMEWORK_FIELDS = (
    *PUBLISHERS,
    *VERSIONS,
    *DATES,
    *LICENCES,
    *SHORT_NAMES,
    FOAF_PAGE,
    str(DCTERMS.description),
)

_G = {
    "gk": str(GK),
    "owl": str(OWL),
    "skos": str(SKOS),
    "sssom": str(SSSOM),
    "rdfs": str(RDFS),
    "dcterms": str(DCTERMS),
}
PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _G.items())


class Browser:
    """Reads the browsing pages' content from a store (:class:`~govkg.backends.Store`).

    Args:
        store: The store serving the graph (a store that is down raises
            :class:`~govkg.backends.StoreUnavailableError`, left to the web's error table).
        describer: Reads labels.
    """

    def __init__(self, store: Store, describer: Describer):
        self.store = store
        self.describer = describer

    def _select(self, text: str) -> list[dict[str, Any]]:
        """Each solution as plain values (an IRI, a literal's lexical form), None if unbound."""
        rows = self.store.select(PREFIXES + text)
        return [{n: row.get(n) for n in rows.variables} for row in rows.dicts()]

    # -- frameworks ------------------------------------------------------------------------------

    def frameworks(self) -> list[Framework]:
        """Every framework in the graph with its size, sorted by label."""
        rows = self._select(
            "SELECT ?f (COUNT(DISTINCT ?e) AS ?n) WHERE { ?f a skos:ConceptScheme . "
            f'?e skos:inScheme ?f . FILTER (!STRSTARTS(STR(?f), "{ONTOLOGY}")) }} GROUP BY ?f'
        )
        iris = sorted(r["f"] for r in rows if _safe(r["f"]))
        sizes = {r["f"]: int(r["n"]) for r in rows}
        values: dict[str, dict[str, list[str]]] = {i: {} for i in iris}
        kinds: dict[str, list[str]] = {i: [] for i in iris}
        if iris:
            listed = " ".join(f"<{i}>" for i in iris)
            fields = " ".join(f"<{p}>" for p in _FRAMEWORK_FIELDS)
            for row in self._select(
                f"SELECT ?f ?p ?o WHERE {{ VALUES ?f {{ {listed} }} VALUES ?p {{ {fields} }} "
                "?f ?p ?o }"
            ):
                values[row["f"]].setdefault(row["p"], []).append(row["o"])
            for row in self._select(
                f"SELECT ?f ?k WHERE {{ VALUES ?f {{ {listed} }} ?f a ?k . "
                "FILTER (STRSTARTS(STR(?k), STR(gk:))) }"
            ):
                kinds[row["f"]].append(row["k"])
        linked = {v for f in values.values() for vs in f.values() for v in vs if _is_iri(v)}
        labels = self.describer.labels(
            set(iris) | linked | {k for ks in kinds.values() for k in ks}
        )
        keys = _unique_keys(iris)
        out = []
        for iri in iris:
            found = values[iri]
            out.append(
                Framework(
                    iri=iri,
                    key=keys[iri],
                    label=labels.get(iri, iri),
                    size=sizes[iri],
                    short=_first(found, SHORT_NAMES),
                    kind=", ".join(sorted(labels.get(k, curie(k)) for k in kinds[iri])) or None,
                    publisher=_linked(_first(found, PUBLISHERS), labels),
                    version=_first(found, VERSIONS) or _first(found, DATES),
                    licence=_linked(_first(found, LICENCES), labels),
                    page=_first(found, (FOAF_PAGE,)),
                    description=_first(found, (str(DCTERMS.description),)),
                )
            )
        return sorted(out, key=lambda f: f.label.lower())

    def tree(self, framework: Framework) -> Tree:
        """The framework's elements as a tree in its own order."""
        f = framework.iri
        rows = self._select(
            f"SELECT ?e ?label ?lang ?notation ?parent ?position WHERE {{ ?e skos:inScheme <{f}> . "
            "OPTIONAL { ?e skos:prefLabel ?label BIND (LANG(?label) AS ?lang) } "
            "OPTIONAL { ?e skos:notation ?notation } "
            f"OPTIONAL {{ ?e skos:broader ?parent . ?parent skos:inScheme <{f}> }} "
            "OPTIONAL { ?e gk:position ?position } }"
        )
        kinds = self._select(
            f"SELECT ?e ?k WHERE {{ ?e skos:inScheme <{f}> ; a ?k . "
            "FILTER (STRSTARTS(STR(?k), STR(gk:)) && ?k != gk:FrameworkElement) "
            "FILTER NOT EXISTS { ?e a ?n . ?n rdfs:subClassOf ?k . FILTER (?n != ?k) } }"
        )
        texts = self._select(
            f"SELECT ?e ?p ?t WHERE {{ ?e skos:inScheme <{f}> . "
            f"VALUES ?p {{ {' '.join(f'<{p}>' for p in ELEMENT_TEXTS)} }} ?e ?p ?t }}"
        )
        counts = self._select(
            f"SELECT ?e (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?e skos:inScheme <{f}> . "
            "?m owl:annotatedSource|owl:annotatedTarget ?e ; sssom:mapping_justification ?j } "
            "GROUP BY ?e"
        )
        kind_of = {r["e"]: r["k"] for r in sorted(kinds, key=lambda r: r["k"])}
        kind_labels = self.describer.labels(set(kind_of.values()))
        elements: dict[str, Element] = {}
        for row in sorted(
            rows, key=lambda r: (r["lang"] not in ("en", "", None), r["label"] or "")
        ):
            iri = row["e"]
            if not _safe(iri):
                continue
            element = elements.get(iri)
            if element is None:
                kind = kind_of.get(iri)
                element = elements[iri] = Element(
                    iri=iri,
                    path=_path_below(f, iri),
                    label=row["label"] or curie(iri),
                    kind=kind_labels.get(kind, curie(kind)) if kind else None,
                    kind_iri=kind or "",
                )
            element.notation = element.notation or row["notation"]
            if row["parent"] and row["parent"] != iri and element.parent is None:
                element.parent = row["parent"]
            if row["position"] is not None and element.position is None:
                element.position = _number(row["position"])
        for row in sorted(texts, key=lambda r: ELEMENT_TEXTS.index(r["p"])):
            if row["e"] in elements and elements[row["e"]].text is None:
                elements[row["e"]].text = row["t"]
        for row in counts:
            if row["e"] in elements:
                elements[row["e"]].mappings = int(row["n"])
        roots = []
        for element in elements.values():
            parent = elements.get(element.parent or "")
            if parent is None or _cycle(elements, element):
                element.parent = None
                roots.append(element)
            else:
                parent.children.append(element)

        def order(e: Element) -> tuple[Any, ...]:
            return sort_key(e.position, e.notation, e.label)

        for element in elements.values():
            element.children.sort(key=order)
        roots.sort(key=lambda e: (e.kind_iri, *order(e)))
        by_path: dict[str, Element] = {}
        for element in sorted(elements.values(), key=lambda e: e.iri):
            if element.path in by_path:
                element.path = f"{element.path}~{len(by_path)}"
            by_path[element.path] = element
        return Tree(framework, roots, elements, by_path)

    def scheme_of(self, iris: Iterable[str]) -> dict[str, str]:
        """The concept scheme of each IRI that belongs to one."""
        wanted = sorted({i for i in iris if _safe(i)})
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 400):
            listed = " ".join(f"<{i}>" for i in wanted[start : start + 400])
            for row in self._select(
                f"SELECT ?e ?s WHERE {{ VALUES ?e {{ {listed} }} ?e skos:inScheme ?s }} ORDER BY ?s"
            ):
                out.setdefault(row["e"], row["s"])
        return out

    # -- mappings --------------------------------------------------------------------------------

    def element_mappings(self, iri: str) -> list[MappingRow]:
        """Every mapping whose subject or object is ``iri``."""
        rows = self._select(
            "SELECT ?m ?other ?dir ?pred ?neg ?set ?just ?conf ?comment ?basis ?source WHERE { "
            f"{{ ?m owl:annotatedSource <{iri}> ; owl:annotatedTarget ?other "
            'BIND ("forward" AS ?dir) } UNION '
            f"{{ ?m owl:annotatedTarget <{iri}> ; owl:annotatedSource ?other "
            'BIND ("backward" AS ?dir) } '
            f"{_MAPPING_DETAILS} }}"
        )
        return _mapping_rows(rows, lambda r: iri, lambda r: r["other"])

    def pairs(self, a: str, b: str) -> list[MappingRow]:
        """Every mapping between an element of ``a`` and one of ``b``, seen from ``a``."""
        rows = self._select(
            "SELECT ?m ?x ?y ?dir ?pred ?neg ?set ?just ?conf ?comment ?basis ?source WHERE { "
            "?m owl:annotatedSource ?s ; owl:annotatedTarget ?t . "
            f"{{ ?s skos:inScheme <{a}> . ?t skos:inScheme <{b}> "
            'BIND (?s AS ?x) BIND (?t AS ?y) BIND ("forward" AS ?dir) } UNION '
            f"{{ ?t skos:inScheme <{a}> . ?s skos:inScheme <{b}> "
            'BIND (?t AS ?x) BIND (?s AS ?y) BIND ("backward" AS ?dir) } '
            f"{_MAPPING_DETAILS} }}"
        )
        return _mapping_rows(rows, lambda r: r["x"], lambda r: r["y"])

    def scheme_pairs(self) -> dict[tuple[str, str], int]:
        """How many mappings link each ordered pair of schemes (subject's, object's)."""
        rows = self._select(
            "SELECT ?a ?b (COUNT(DISTINCT ?m) AS ?n) WHERE { "
            "?m owl:annotatedSource/skos:inScheme ?a ; owl:annotatedTarget/skos:inScheme ?b ; "
            "sssom:mapping_justification ?j . FILTER (?a != ?b) } GROUP BY ?a ?b"
        )
        return {(r["a"], r["b"]): int(r["n"]) for r in rows}

    def mapping_sets(self) -> list[MappingSet]:
        """Every mapping set with its metadata, those with mappings and those without."""
        rows = self._select(
            "SELECT ?set ?g ?p ?o WHERE { GRAPH ?g { ?set a sssom:MappingSet ; ?p ?o } "
            "FILTER (?p != sssom:mappings) }"
        )
        counts = {
            r["set"]: int(r["n"])
            for r in self._select(
                "SELECT ?set (COUNT(DISTINCT ?m) AS ?n) WHERE { ?set a sssom:MappingSet ; "
                "sssom:mappings ?m } GROUP BY ?set"
            )
        }
        by_set: dict[str, dict[str, list[str]]] = {}
        graphs: dict[str, str] = {}
        for row in rows:
            if _safe(row["set"]):
                by_set.setdefault(row["set"], {}).setdefault(row["p"], []).append(row["o"])
                graphs.setdefault(row["set"], row["g"])
        linked = {v for m in by_set.values() for vs in m.values() for v in vs if _is_iri(v)}
        labels = self.describer.labels(set(by_set) | linked | set(_SET_FIELDS))
        out = []
        for iri, meta in by_set.items():
            fields = []
            for prop in _SET_FIELDS:
                shown = [
                    (labels.get(v, v), link_href(v) if v.startswith(("http:", "https:")) else None)
                    for v in sorted(set(meta.get(prop, [])))
                ]
                if shown:
                    fields.append((_SET_FIELDS[prop], shown))
            status: list[str | None] = [*sorted(meta.get(str(GK.crosswalkStatus), [])), None]
            out.append(
                MappingSet(
                    iri=iri,
                    key=last_segment(iri),
                    graph=graphs.get(iri),
                    label=labels.get(iri, curie(iri)),
                    status=status[0],
                    fields=fields,
                    mappings=counts.get(iri, 0),
                    notes=sorted(meta.get(str(SKOS.note), [])),
                    subject_sources=sorted(meta.get(str(SSSOM.subject_source), [])),
                    object_sources=sorted(meta.get(str(SSSOM.object_source), [])),
                    status_label=labels.get(status[0] or "", status[0]),
                )
            )
        return sorted(out, key=lambda s: (not s.official, s.label.lower()))

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """The best label of each IRI that has one (other values are left out)."""
        return self.describer.labels(i for i in iris if _is_iri(i))


_MAPPING_DETAILS = (
    "?m owl:annotatedProperty ?pred ; sssom:mapping_justification ?just . "
    "OPTIONAL { ?m sssom:predicate_modifier ?neg } "
    "OPTIONAL { ?set sssom:mappings ?m } "
    "OPTIONAL { ?m sssom:confidence ?conf } "
    "OPTIONAL { ?m rdfs:comment ?comment } "
    "OPTIONAL { ?m gk:matchBasis ?basis } "
    "OPTIONAL { ?m dcterms:source ?source }"
)
#: Mapping-set metadata shown, with the name a page gives it.
_SET_FIELDS = {
    str(GK.crosswalkStatus): "status",
    str(SSSOM.subject_source): "subject source",
    str(SSSOM.object_source): "object source",
    str(DCTERMS.creator): "creator",
    str(DCTERMS.publisher): "publisher",
    str(DCTERMS.issued): "issued",
    str(DCTERMS.license): "licence",
    str(DCTERMS.source): "source document",
    str(GK.granularity): "granularity",
    str(DCTERMS.relation): "related",
    str(RDFS.comment): "comment",
}


def _mapping_rows(rows: list[dict[str, Any]], subject: Any, other: Any) -> list[MappingRow]:
    found: dict[tuple[str, str, str], MappingRow] = {}
    for row in rows:
        key = (row["m"], subject(row), other(row))
        if key in found:
            continue
        found[key] = MappingRow(
            iri=row["m"],
            subject=subject(row),
            other=other(row),
            predicate=row["pred"],
            forward=row["dir"] == "forward",
            negated=row["neg"] is not None and negates(row["neg"]),
            mapping_set=row["set"],
            justification=row["just"],
            confidence=row["conf"],
            comment=row["comment"],
            match_basis=row["basis"],
            source=row["source"],
        )
    return sorted(found.values(), key=lambda m: (m.mapping_set or "", m.subject, m.other, m.iri))


def _unique_keys(iris: list[str]) -> dict[str, str]:
    """A key per framework IRI: its last segment, numbered when two share it."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for iri in iris:
        key = last_segment(iri)
        if key in taken:
            key = f"{key}-{sum(k.startswith(key) for k in taken) + 1}"
        taken.add(key)
        keys[iri] = key
    return keys


def _path_below(framework: str, iri: str) -> str:
    if iri.startswith(framework + "/") and len(iri) > len(framework) + 1:
        return iri[len(framework) + 1 :]
    return last_segment(iri)


def _cycle(elements: dict[str, Element], element: Element) -> bool:
    seen = {element.iri}
    parent = element.parent
    while parent is not None and parent in elements:
        if parent in seen:
            return True
        seen.add(parent)
        parent = elements[parent].parent
    return False


def _first(values: dict[str, list[str]], props: Iterable[str]) -> str | None:
    for prop in props:
        if values.get(prop):
            return sorted(values[prop])[0]
    return None


def _linked(value: str | None, labels: dict[str, str]) -> tuple[str, str | None] | None:
    if value is None:
        return None
    if value.startswith(("http://", "https://")):
        return labels.get(value, value), link_href(value)
    return value, None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://")) and _safe(value)


def _safe(iri: str | None) -> bool:
    return bool(iri) and not any(c in iri for c in '<>"{}|^`\\ \n')  # type: ignore[operator]
