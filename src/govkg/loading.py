"""Reading RDF files into graphs, one named graph per file, with every input guarded before a
parser sees it. The sources of a graph are govkg's bundled ontology and data, then the Turtle
files of the layout's workspace, if any (:mod:`govkg.workspace`): each workspace file goes
into its own named graph ``<namespace>graph/<folder>/<key>`` and is held to the same data
conventions as a file of ``data/``.

Guards (the brief's "guard every input before a parser sees it"):

* bytes must be UTF-8 (RDF 1.1 Turtle section 6.1, N-Triples section 4 require it);
* RDF/XML with a DOCTYPE or entity declaration is refused (rdflib expands or silently drops
  XML entities; external entities could read files or the network);
* JSON-LD whose ``@context`` or ``@import`` names a document (a string) is refused, so that no
  remote or file context is ever fetched (JSON-LD 1.1 API section 4.1.2 "remote contexts").
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import BNode

from govkg.errors import InputError
from govkg.formats import RdfSyntax, syntax_for_path
from govkg.namespaces import GK, GRAPH
from govkg.paths import Layout

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")
_OXIGRAPH_SYNTAXES = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}
_XSD_STRING = str(XSD.string)
_EXPLICIT_STRING = re.compile(rb"\^\^\s*(<[^>]*#string>|[A-Za-z0-9_.-]*:string\b)")


@dataclass(frozen=True)
class SourceFile:
    """A source file and the named graph it is loaded into.

    Attributes:
        path: The file.
        graph_iri: The IRI of its named graph.
        graph: Its triples.
        name: Its path relative to the layout root (``data/…``, ``ontology/…``), or, for a
            workspace file, ``workspace/`` and its path in the workspace
            (``workspace/frameworks/…``).
    """

    path: Path
    graph_iri: URIRef
    graph: Graph
    name: str


def graph_iri_for(path: Path, layout: Layout) -> URIRef:
    """Return the named-graph IRI of a source file (see docs/data-conventions.md), bundled or
    in the layout's workspace.

    >>> from govkg.paths import bundled_layout
    >>> lay = bundled_layout()
    >>> str(graph_iri_for(lay.data / "frameworks" / "x.ttl", lay))
    'https://w3id.org/govkg/graph/frameworks/x'
    """
    if layout.workspace is not None:
        iri = layout.workspace.graph_iri_of(path)
        if iri is not None:
            return iri
    path = path.resolve()
    data = layout.data.resolve()
    if path.is_relative_to(data):
        relative = path.relative_to(data)
    else:
        relative = Path("ontology") / path.relative_to(layout.ontology.resolve())
    return URIRef(GRAPH + relative.with_suffix("").as_posix())


def bundled_source_paths(layout: Layout) -> list[Path]:
    """List the ontology and data files of the graph, in a stable order."""
    ontology = sorted(layout.ontology.glob("*.ttl"))
    data = sorted(layout.data.rglob("*.ttl"))
    return ontology + data


def source_paths(layout: Layout) -> list[Path]:
    """List every source file of the graph in a stable order: the bundled ontology and data,
    then the workspace's files (:meth:`govkg.workspace.Workspace.source_paths`)."""
    found = bundled_source_paths(layout)
    if layout.workspace is not None:
        found += layout.workspace.source_paths()
    return found


def source_name(path: Path, layout: Layout) -> str:
    """The name a source file is known by in the build's manifest and metadata: its path in
    the layout root, or ``workspace/`` and its path in the workspace.

    >>> from govkg.paths import bundled_layout
    >>> source_name(bundled_layout().data / "sources.ttl", bundled_layout())
    'data/sources.ttl'
    """
    if layout.workspace is not None:
        root = Path(os.path.abspath(layout.workspace.root))
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(root):
            return "workspace/" + absolute.relative_to(root).as_posix()
    return path.relative_to(layout.root).as_posix()


def load_sources(layout: Layout) -> list[SourceFile]:
    """Load every source file (bundled, then the workspace's) into its own graph and check
    the data conventions.

    Raises:
        InputError: a file is unreadable, not valid Turtle, holds blank nodes, or (for data
            and workspace files) does not describe its own graph as a ``gk:SourceGraph``.
    """
    sources = []
    data = layout.data.resolve()
    for path in source_paths(layout):
        graph = parse_file(path)
        iri = graph_iri_for(path, layout)
        in_workspace = layout.workspace is not None and (
            layout.workspace.graph_iri_of(path) is not None
        )
        _check_conventions(
            path, iri, graph, is_data=in_workspace or path.resolve().is_relative_to(data)
        )
        sources.append(
            SourceFile(path=path, graph_iri=iri, graph=graph, name=source_name(path, layout))
        )
    return sources


def _check_conventions(path: Path, iri: URIRef, graph: Graph, is_data: bool) -> None:
    """Refuse blank nodes, and data files that do not describe their own named graph."""
    for triple in graph:
        if any(isinstance(term, BNode) for term in triple):
            raise InputError(
                "blank nodes are not allowed in shipped data "
                "(dumps must be deterministic and every resource dereferenceable)",
                path,
            )
    if is_data and (iri, RDF.type, GK.SourceGraph) not in graph:
        raise InputError(f"the file must describe its own graph: <{iri}> a gk:SourceGraph", path)


def parse_file(path: Path, syntax: RdfSyntax | None = None, public_id: str | None = None) -> Graph:
    """Parse one RDF file into a graph (a dataset for TriG and N-Quads), after guarding it.

    Args:
        path: The file to read.
        syntax: Its syntax; guessed from the extension when None.
        public_id: Base IRI for relative references.

    Raises:
        InputError: naming the file (and the line where the parser reports one).
    """
    syntax = syntax or syntax_for_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None
    text = decode_utf8(raw, path)
    guard_rdf_text(text, raw, syntax, path)
    base = public_id or path.resolve().as_uri()
    if syntax.name in _OXIGRAPH_SYNTAXES:
        fast = _parse_with_oxigraph(raw, _OXIGRAPH_SYNTAXES[syntax.name], base)
        if fast is not None:
            return fast
    graph: Graph = Dataset(default_union=True) if syntax.datasets else Graph()
    try:
        graph.parse(data=text, format=syntax.rdflib, publicID=base)
    except Exception as exc:  # noqa: BLE001 - every parser failure becomes one input error
        raise _parse_error(exc, path) from None
    return graph


def _parse_with_oxigraph(raw: bytes, syntax: ox.RdfFormat, base: str) -> Graph | None:
    """Parse Turtle or N-Triples with pyoxigraph (about twice as fast as rdflib's parser,
    terms built as rdflib builds them); None when pyoxigraph refuses the input, so that
    rdflib parses it and its message names the line."""
    if _EXPLICIT_STRING.search(raw):
        return None  # rdflib keeps "a"^^xsd:string apart from "a"; pyoxigraph cannot tell
    graph = Graph()
    add = graph.add
    names: dict[str, URIRef] = {}
    blanks: dict[str, BNode] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
        if isinstance(node, ox.NamedNode):
            value = node.value
            found = names.get(value)
            if found is None:
                found = names[value] = URIRef(value)
            return found
        if isinstance(node, ox.Literal):
            if node.language:
                return Literal(node.value, lang=node.language)
            datatype = node.datatype.value
            if datatype == _XSD_STRING:
                return Literal(node.value)
            return Literal(node.value, datatype=names.get(datatype) or URIRef(datatype))
        blank = blanks.get(node.value)
        if blank is None:
            blank = blanks[node.value] = BNode()
        return blank

    parser = ox.parse(raw, format=syntax, base_iri=base)
    try:
        for triple in parser:
            add((term(triple.subject), term(triple.predicate), term(triple.object)))
    except (SyntaxError, ValueError, AttributeError):  # AttributeError: an RDF-star triple term
        return None
    for prefix, namespace in parser.prefixes.items():  # as rdflib's Turtle parser binds them
        graph.bind(prefix, namespace)
    return graph


def decode_utf8(raw: bytes, path: Path) -> str:
    """Decode bytes as UTF-8, naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", path, line
        ) from None


def guard_rdf_text(text: str, raw: bytes, syntax: RdfSyntax, path: Path) -> None:
    """Refuse input that would make a parser fetch or expand something outside the file."""
    if "\x00" in text:
        raise InputError(
            "binary content (NUL byte) in an RDF file",
            path,
            text[: text.index("\x00")].count("\n") + 1,
        )
    if syntax.name == "rdfxml":
        match = _DOCTYPE.search(raw)
        if match:
            line = raw[: match.start()].count(b"\n") + 1
            raise InputError("RDF/XML with a DOCTYPE or entity declaration is refused", path, line)
    if syntax.name == "jsonld":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
        for key, value in _json_items(document):
            if key in ("@context", "@import") and _names_document(value):
                raise InputError(
                    f"JSON-LD {key} that names a document is refused "
                    "(no context is fetched); inline the context instead",
                    path,
                )


def _names_document(value: object) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(isinstance(item, str) for item in value)
    return False


def _json_items(node: object, depth: int = 0) -> Iterator[tuple[str, object]]:
    """Yield every (key, value) of a JSON document, iteratively deep-first (bounded depth)."""
    stack: list[tuple[object, int]] = [(node, depth)]
    while stack:
        current, level = stack.pop()
        if level > 512:
            raise InputError("JSON nested deeper than 512 levels")
        if isinstance(current, dict):
            for key, value in current.items():
                yield key, value
                stack.append((value, level + 1))
        elif isinstance(current, list):
            stack.extend((item, level + 1) for item in current)


def _parse_error(exc: Exception, path: Path) -> InputError:
    """Turn a parser exception into a one-line input error with the line when known."""
    line = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)  # rdflib's BadSyntax keeps the reason here
    text = str(exc).strip()
    message = why if isinstance(why, str) else (text.splitlines()[0] if text else "")
    message = message or type(exc).__name__
    if isinstance(line, int):
        line += 1
    else:
        found = _LINE_IN_MESSAGE.search(str(exc))
        line = int(found.group(1)) if found else None
    message = re.sub(r"^at line \d+ of <[^>]*>:\s*", "", message)
    return InputError(f"syntax error: {message}", path, line)


def union(sources: list[SourceFile]) -> Graph:
    """Return one graph holding the triples of every source file."""
    graph = Graph()
    for source in sources:
        graph += source.graph
    return graph
