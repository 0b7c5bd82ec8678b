"""A deterministic generator of governance graphs of about N triples, in govkg's own source
conventions, for benchmarks (build scaling, issue 14; the HTTP endpoint, issue 8).

What it writes is a govkg source layout (``ontology/``, ``shapes/``, ``data/``) that
``govkg.build.build`` accepts as it is:

* ``ontology/`` and ``shapes/``: copies of the shipped ones (the ontology's triples count
  towards N);
* ``data/sources.ttl``: a few ``gk:SourceDocument``s that every resource names with
  ``dcterms:source``;
* ``data/context/synthetic-organisations.ttl``: publishers, in an ``org:subOrganizationOf``
  tree;
* ``data/frameworks/synthetic-NNNN.ttl``: one ``gk:GovernanceFramework`` (a
  ``skos:ConceptScheme``) per file, with functions, categories and subcategories in
  ``skos:broader`` trees (as NIST AI RMF 1.0 is written), each element with ``rdfs:label``,
  ``skos:prefLabel``, ``skos:notation``, ``gk:position``, ``gk:text``, ``gk:confidence`` (a
  low one with its ``gk:uncertaintyNote``) and ``dcterms:source``;
* ``data/crosswalks/synthetic-NNNN.ttl``: one SSSOM mapping set (``sssom:MappingSet``) per
  framework after the first, from that framework to an earlier one, its mappings reified as
  govkg writes them (``owl:annotatedSource`` / ``owl:annotatedProperty`` /
  ``owl:annotatedTarget``, ``sssom:mapping_justification``, ``sssom:confidence`` ...).

Every data file describes its own named graph as a ``gk:SourceGraph`` derived from a source
document, holds no blank nodes, and passes ``shapes/data.ttl``. The same ``triples`` and
``seed`` give the same bytes. About two thirds of the data triples are framework elements and
one third mappings, roughly the shape of the shipped graph.

Function API::

    from synthetic_graph import generate, write_dataset
    files = generate(Path("/tmp/g100k"), triples=100_000)          # a layout folder
    write_dataset(Path("/tmp/g100k.nq"), triples=100_000)            # one N-Quads file

Command line::

    python benchmarks/synthetic_graph.py --triples 100000 --out DIR [--seed 0]
    python benchmarks/synthetic_graph.py --triples 100000 --nquads FILE.nq   (or --trig FILE)

In the single-file forms each source file becomes one named graph, with the IRI the build
would give it (``https://w3id.org/govkg/graph/...``); ``--no-ontology`` leaves the ontology
graphs out.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from govkg.paths import bundled_layout

BASE = "https://w3id.org/govkg/"
GRAPH = BASE + "graph/"
ID = BASE + "id/"
GK = BASE + "ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
OWL = "http://www.w3.org/2002/07/owl#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
PAV = "http://purl.org/pav/"

#: Prefixes of the Turtle files (longest namespaces first when compacting).
PREFIXES = {
    "dcterms": DCTERMS,
    "framework": ID + "framework/",
    "gk": GK,
    "mset": ID + "mapping-set/",
    "org": ORG,
    "organisation": ID + "organisation/",
    "owl": OWL,
    "pav": PAV,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "semapv": SEMAPV,
    "skos": SKOS,
    "source": ID + "source/",
    "sssom": SSSOM,
    "xsd": XSD,
}

SOURCE_DOCUMENTS = 8
ORGANISATIONS = 24
#: Share of the data triples spent on mappings (the rest on framework elements).
MAPPING_SHARE = 0.35
MAPPING_PREDICATES = (
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
    SKOS + "relatedMatch",
    GK + "equalTo",
    GK + "subsetOf",
    GK + "supersetOf",
    GK + "intersectsWith",
    GK + "correspondsTo",
)
JUSTIFICATIONS = (
    SEMAPV + "ManualMappingCuration",
    SEMAPV + "LexicalMatching",
    SEMAPV + "SemanticSimilarityThresholdMatching",
)
CONFIDENCE = ((GK + "HighConfidence", "0.9"), (GK + "MediumConfidence", "0.6"))
LOW = (GK + "LowConfidence", "0.3")
WORDS = (
    "AI system risks are identified documented and managed across the lifecycle with "
    "policies processes procedures practices roles responsibilities oversight testing "
    "evaluation verification validation monitoring incidents impacts stakeholders "
    "transparency accountability fairness privacy security resilience robustness safety "
    "explainability interpretability data quality provenance model deployment decommissioning "
    "third-party supply chain human oversight feedback mechanisms organisational culture"
).split()

Term = str  # an N-Triples term: <iri>, "literal"@en, "1"^^<datatype>
Triple = tuple[Term, Term, Term]


@dataclass
class SourceFileData:
    """One generated source file: its path below the layout root, graph IRI and triples."""

    name: str
    graph_iri: str
    comment: str
    triples: list[Triple] = field(default_factory=list)

    def add(self, s: str, p: str, o: Term) -> None:
        """Add a triple; ``s`` and ``p`` are plain IRIs, ``o`` an N-Triples term."""
        self.triples.append((f"<{s}>", f"<{p}>", o))


def iri(value: str) -> Term:
    """Return the N-Triples form of an IRI."""
    return f"<{value}>"


def text(value: str, lang: str | None = "en", datatype: str | None = None) -> Term:
    """Return the N-Triples form of a literal (the generator only writes plain ASCII text)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def ontology_triple_count() -> int:
    """Return the number of triples in the shipped ontology (they count towards N)."""
    layout = bundled_layout()
    return sum(len(_parse(path)) for path in sorted(layout.ontology.glob("*.ttl")))


def source_files(triples: int, seed: int = 0) -> Iterator[SourceFileData]:
    """Yield the generated data files of a graph of about ``triples`` triples (ontology
    included), in a stable order."""
    rng = random.Random(seed)
    yield _sources()
    yield _organisations()
    budget = max(triples - ontology_triple_count() - _fixed_triples(), 0)
    element_budget = int(budget * (1 - MAPPING_SHARE))
    mapping_budget = budget - element_budget
    frameworks: list[tuple[str, list[str]]] = []
    spent = 0
    number = 0
    pending: list[SourceFileData] = []
    while spent < element_budget:
        number += 1
        framework = _framework(rng, number, element_budget - spent)
        spent += len(framework.triples)
        frameworks.append((framework.graph_iri.rsplit("/", 1)[1], _elements(framework)))
        pending.append(framework)
    yield from pending
    # Crosswalks: framework n (n > 1) to an earlier one, mappings spread by element count.
    total_elements = sum(len(elements) for _, elements in frameworks[1:]) or 1
    spent = 0
    for position in range(1, len(frameworks)):
        key, elements = frameworks[position]
        share = mapping_budget * len(elements) // total_elements
        if position == len(frameworks) - 1:
            share = mapping_budget - spent
        other_key, other_elements = frameworks[rng.randrange(position)]
        crosswalk = _crosswalk(rng, key, elements, other_key, other_elements, share)
        spent += len(crosswalk.triples)
        yield crosswalk


def generate(out_dir: Path, triples: int, seed: int = 0) -> list[Path]:
    """Write a govkg source layout of about ``triples`` triples into ``out_dir``.

    ``out_dir`` gets ``ontology/`` and ``shapes/`` (copies of the shipped ones) and a
    generated ``data/``; ``govkg.build.build(Layout(out_dir, checkout=True), ...)`` builds it.
    Existing ``ontology/``, ``shapes/`` and ``data/`` folders in ``out_dir`` are replaced.

    Args:
        out_dir: The layout root to write.
        triples: About how many triples the graph should hold, ontology included.
        seed: Seed of the pseudo-random choices; the same arguments give the same bytes.

    Returns:
        Every source file the build will load (ontology modules, then data files), sorted.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = generate(Path(folder), triples=3000)
    ...     [p.relative_to(folder).as_posix() for p in paths][-2:]
    ['data/frameworks/synthetic-0001.ttl', 'data/sources.ttl']
    """
    layout = bundled_layout()
    for folder in ("ontology", "shapes", "data"):
        if (out_dir / folder).exists():
            shutil.rmtree(out_dir / folder)
    for folder in ("ontology", "shapes"):
        (out_dir / folder).mkdir(parents=True)
        for path in sorted((layout.root / folder).glob("*.ttl")):
            shutil.copyfile(path, out_dir / folder / path.name)
    for source in source_files(triples, seed):
        path = out_dir / source.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_turtle(source), encoding="utf-8")
    ontology = sorted((out_dir / "ontology").glob("*.ttl"))
    return ontology + sorted((out_dir / "data").rglob("*.ttl"))


def write_dataset(
    out_file: Path,
    triples: int,
    seed: int = 0,
    syntax: str = "nquads",
    include_ontology: bool = True,
) -> int:
    """Write the graph of :func:`generate` as one N-Quads or TriG file, one named graph per
    source file (with the IRI the build gives it).

    Args:
        out_file: The file to write.
        triples: As in :func:`generate`.
        seed: As in :func:`generate`.
        syntax: ``nquads`` or ``trig``.
        include_ontology: Also write the ontology modules' graphs.

    Returns:
        The number of quads written.
    """
    if syntax not in ("nquads", "trig"):
        raise ValueError(f"syntax must be nquads or trig, not {syntax!r}")
    graphs: list[tuple[str, list[str]]] = []
    if include_ontology:
        layout = bundled_layout()
        for path in sorted(layout.ontology.glob("*.ttl")):
            # rdflib's N-Triples writer escapes newlines in literals (Term.n3() would not).
            written = _parse(path).serialize(format="nt", encoding="utf-8").decode("utf-8")
            lines = sorted(line[:-2] for line in written.splitlines() if line.strip())
            graphs.append((f"{GRAPH}ontology/{path.stem}", lines))
    for source in source_files(triples, seed):
        graphs.append((source.graph_iri, [f"{s} {p} {o}" for s, p, o in source.triples]))
    count = 0
    with out_file.open("w", encoding="utf-8", newline="\n") as stream:
        for graph_iri, lines in graphs:
            if syntax == "nquads":
                stream.writelines(f"{line} <{graph_iri}> .\n" for line in lines)
            else:
                stream.write(f"<{graph_iri}> {{\n")
                stream.writelines(f"  {line} .\n" for line in lines)
                stream.write("}\n")
            count += len(lines)
    return count


# --- the parts of the graph -----------------------------------------------------------------


def _source_iri(number: int) -> str:
    return f"{ID}source/synthetic-{number:02d}"


def _sources() -> SourceFileData:
    data = SourceFileData("data/sources.ttl", GRAPH + "sources", "Synthetic source documents.")
    data.add(data.graph_iri, RDF + "type", iri(GK + "SourceGraph"))
    data.add(data.graph_iri, RDFS + "label", text("Synthetic source documents"))
    data.add(data.graph_iri, PROV + "wasDerivedFrom", iri(_source_iri(0)))
    for number in range(SOURCE_DOCUMENTS):
        source = _source_iri(number)
        title = f"Synthetic governance source document {number}"
        data.add(source, RDF + "type", iri(GK + "SourceDocument"))
        data.add(source, DCTERMS + "title", text(title))
        data.add(source, RDFS + "label", text(title))
        data.add(source, DCTERMS + "issued", text(f"2024-0{1 + number % 9}-15", None, XSD + "date"))
        data.add(source, DCTERMS + "source", iri(_source_iri(0)))
    return data


def _organisation_iri(number: int) -> str:
    return f"{ID}organisation/synthetic-{number:02d}"


def _organisations() -> SourceFileData:
    data = SourceFileData(
        "data/context/synthetic-organisations.ttl",
        GRAPH + "context/synthetic-organisations",
        "Synthetic publishers of the synthetic frameworks.",
    )
    data.add(data.graph_iri, RDF + "type", iri(GK + "SourceGraph"))
    data.add(data.graph_iri, RDFS + "label", text("Synthetic organisations"))
    data.add(data.graph_iri, PROV + "wasDerivedFrom", iri(_source_iri(1)))
    for number in range(ORGANISATIONS):
        organisation = _organisation_iri(number)
        data.add(organisation, RDF + "type", iri(ORG + "Organization"))
        data.add(organisation, RDFS + "label", text(f"Synthetic organisation {number}"))
        data.add(organisation, DCTERMS + "source", iri(_source_iri(1)))
        if number:
            parent = _organisation_iri((number - 1) // 3)
            data.add(organisation, ORG + "subOrganizationOf", iri(parent))
    return data


def _fixed_triples() -> int:
    return len(_sources().triples) + len(_organisations().triples)


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _framework(rng: random.Random, number: int, budget: int) -> SourceFileData:
    """One framework: functions → categories → subcategories, stopping at ``budget`` triples."""
    key = f"synthetic-{number:04d}"
    scheme = f"{ID}framework/{key}"
    source = _source_iri(2 + number % (SOURCE_DOCUMENTS - 2))
    data = SourceFileData(
        f"data/frameworks/{key}.ttl", f"{GRAPH}frameworks/{key}", f"Synthetic framework {key}."
    )
    title = f"Synthetic AI governance framework {number}"
    data.add(data.graph_iri, RDF + "type", iri(GK + "SourceGraph"))
    data.add(data.graph_iri, RDFS + "label", text(f"{title}: functions, categories"))
    data.add(data.graph_iri, PROV + "wasDerivedFrom", iri(source))
    data.add(scheme, RDF + "type", iri(GK + "GovernanceFramework"))
    data.add(scheme, RDF + "type", iri(SKOS + "ConceptScheme"))
    data.add(scheme, RDFS + "label", text(title))
    data.add(scheme, SKOS + "prefLabel", text(title))
    data.add(scheme, DCTERMS + "title", text(title))
    data.add(scheme, DCTERMS + "source", iri(source))
    data.add(scheme, DCTERMS + "issued", text(f"{2019 + number % 7}", None, XSD + "gYear"))
    data.add(scheme, DCTERMS + "publisher", iri(_organisation_iri(number % ORGANISATIONS)))
    functions = rng.randint(3, 6)
    for f in range(1, functions + 1):
        name = f"F{f}"
        function = f"{scheme}/f-{f}"
        _element(rng, data, function, "Function", name, f, scheme, source, None)
        data.add(function, SKOS + "topConceptOf", iri(scheme))
        data.add(scheme, SKOS + "hasTopConcept", iri(function))
        for c in range(1, rng.randint(3, 8) + 1):
            category = f"{function}-{c}"
            _element(rng, data, category, "Category", f"{name} {c}", c, scheme, source, function)
            for s in range(1, rng.randint(2, 10) + 1):
                if len(data.triples) >= budget:
                    return data
                subcategory = f"{category}-{s}"
                notation = f"{name} {c}.{s}"
                _element(
                    rng, data, subcategory, "Subcategory", notation, s, scheme, source, category
                )
    return data


def _element(
    rng: random.Random,
    data: SourceFileData,
    element: str,
    kind: str,
    notation: str,
    position: int,
    scheme: str,
    source: str,
    parent: str | None,
) -> None:
    label = f"{notation} {' '.join(rng.choice(WORDS) for _ in range(3))}"
    data.add(element, RDF + "type", iri(GK + kind))
    data.add(element, RDF + "type", iri(SKOS + "Concept"))
    data.add(element, DCTERMS + "source", iri(source))
    data.add(element, RDFS + "label", text(label))
    data.add(element, SKOS + "prefLabel", text(label))
    data.add(element, SKOS + "inScheme", iri(scheme))
    data.add(element, SKOS + "notation", text(notation, None))
    data.add(element, GK + "position", text(str(position), None, XSD + "integer"))
    data.add(element, GK + "text", text(_sentence(rng, rng.randint(8, 24))))
    if parent is not None:
        data.add(element, SKOS + "broader", iri(parent))
    if rng.random() < 0.05:
        data.add(element, GK + "confidence", iri(LOW[0]))
        data.add(element, GK + "uncertaintyNote", text(_sentence(rng, 10)))
    else:
        data.add(element, GK + "confidence", iri(rng.choice(CONFIDENCE)[0]))


def _elements(framework: SourceFileData) -> list[str]:
    """The element IRIs of a generated framework, in the order they were written."""
    concept = iri(SKOS + "Concept")
    return [s[1:-1] for s, p, o in framework.triples if o == concept]


def _crosswalk(
    rng: random.Random,
    key: str,
    subjects: list[str],
    other_key: str,
    objects: list[str],
    budget: int,
) -> SourceFileData:
    """One mapping set from framework ``key`` to ``other_key``, about ``budget`` triples."""
    set_key = f"{key}--{other_key}"
    mapping_set = f"{ID}mapping-set/{set_key}"
    source = _source_iri(7)
    data = SourceFileData(
        f"data/crosswalks/{key}.ttl",
        f"{GRAPH}crosswalks/{key}",
        f"Synthetic crosswalk from {key} to {other_key}.",
    )
    title = f"Synthetic crosswalk from {key} to {other_key}"
    subject_scheme = f"{ID}framework/{key}"
    object_scheme = f"{ID}framework/{other_key}"
    data.add(data.graph_iri, RDF + "type", iri(GK + "SourceGraph"))
    data.add(data.graph_iri, RDFS + "label", text(title))
    data.add(data.graph_iri, PROV + "wasDerivedFrom", iri(source))
    data.add(mapping_set, RDF + "type", iri(SSSOM + "MappingSet"))
    data.add(mapping_set, DCTERMS + "title", text(title))
    data.add(mapping_set, RDFS + "label", text(title))
    data.add(mapping_set, DCTERMS + "source", iri(source))
    data.add(mapping_set, DCTERMS + "creator", iri(_organisation_iri(0)))
    data.add(mapping_set, DCTERMS + "issued", text("2026-01-15", None, XSD + "date"))
    data.add(mapping_set, DCTERMS + "license", iri("https://creativecommons.org/licenses/by/4.0/"))
    data.add(mapping_set, GK + "crosswalkStatus", iri(GK + "Unofficial"))
    data.add(mapping_set, SSSOM + "subject_source", iri(subject_scheme))
    data.add(mapping_set, SSSOM + "object_source", iri(object_scheme))
    seen: set[tuple[str, str]] = set()
    limit = len(subjects) * len(objects)
    while len(data.triples) < budget and len(seen) < limit:
        subject, obj = rng.choice(subjects), rng.choice(objects)
        if (subject, obj) in seen:
            continue
        seen.add((subject, obj))
        mapping = f"{mapping_set}/{subject.rsplit('/', 1)[1]}--{obj.rsplit('/', 1)[1]}"
        predicate = rng.choice(MAPPING_PREDICATES)
        level, score = LOW if rng.random() < 0.05 else rng.choice(CONFIDENCE)
        data.add(mapping_set, SSSOM + "mappings", iri(mapping))
        data.add(mapping, RDF + "type", iri(OWL + "Axiom"))
        data.add(mapping, DCTERMS + "source", iri(source))
        data.add(mapping, PAV + "authoredBy", iri(_organisation_iri(0)))
        data.add(mapping, DCTERMS + "created", text("2026-01-15", None, XSD + "date"))
        data.add(mapping, RDFS + "label", text(f"{mapping.rsplit('/', 1)[1]} mapping"))
        data.add(mapping, OWL + "annotatedSource", iri(subject))
        data.add(mapping, OWL + "annotatedProperty", iri(predicate))
        data.add(mapping, OWL + "annotatedTarget", iri(obj))
        data.add(mapping, SSSOM + "mapping_justification", iri(rng.choice(JUSTIFICATIONS)))
        data.add(mapping, SSSOM + "confidence", text(score, None, XSD + "double"))
        data.add(mapping, GK + "confidence", iri(level))
        if level == LOW[0]:
            data.add(mapping, GK + "uncertaintyNote", text("Synthetic low-confidence mapping."))
    return data


# --- writing --------------------------------------------------------------------------------


def _compact(term: Term) -> str:
    """Write an IRI term with a prefix where the local part is a plain Turtle name."""
    if not term.startswith("<"):
        if "^^<" in term:
            lexical, datatype = term.split("^^", 1)
            return f"{lexical}^^{_compact(datatype)}"
        return term
    value = term[1:-1]
    for prefix, namespace in PREFIXES.items():
        if value.startswith(namespace):
            local = value[len(namespace) :]
            if local and all(c.isalnum() or c in "-_" for c in local) and local[0].isalpha():
                return f"{prefix}:{local}"
    return term


def _turtle(source: SourceFileData) -> str:
    """Serialise one generated file as Turtle, subjects in order of first appearance."""
    by_subject: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in source.triples:
        by_subject.setdefault(s, []).append((p, o))
    lines = [
        "# Generated by benchmarks/synthetic_graph.py: synthetic data for benchmarks only.",
        f"# {source.comment}",
        f"# Named graph: <{source.graph_iri}>.",
        "",
    ]
    lines += [f"@prefix {prefix}: <{namespace}> ." for prefix, namespace in PREFIXES.items()]
    for subject, pairs in by_subject.items():
        lines.append("")
        lines.append(_compact(subject))
        body = []
        for p, o in pairs:
            predicate = "a" if p == f"<{RDF}type>" else _compact(p)
            body.append(f"    {predicate} {_compact(o)}")
        lines.append(" ;\n".join(body) + " .")
    return "\n".join(lines) + "\n"


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000, help="about how many triples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write a source layout into this folder")
    parser.add_argument("--nquads", type=Path, help="write the dataset as one N-Quads file")
    parser.add_argument("--trig", type=Path, help="write the dataset as one TriG file")
    parser.add_argument(
        "--no-ontology", action="store_true", help="leave the ontology out of --nquads/--trig"
    )
    args = parser.parse_args(argv)
    if not (args.out or args.nquads or args.trig):
        parser.error("give --out, --nquads or --trig")
    if args.out:
        paths = generate(args.out, args.triples, args.seed)
        print(f"{args.out}: {len(paths)} source files", file=sys.stderr)
    for target, syntax in ((args.nquads, "nquads"), (args.trig, "trig")):
        if target:
            count = write_dataset(target, args.triples, args.seed, syntax, not args.no_ontology)
            print(f"{target}: {count} quads", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
