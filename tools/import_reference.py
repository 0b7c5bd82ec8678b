#!/usr/bin/env python3
"""Regenerate govkg's source, framework and crosswalk Turtle files from the reference facts.

A developer tool, not part of the govkg package: nothing at build or run time imports it or
reads the reference facts. The facts are vendored in ``tools/reference/governance-facts.yaml``
(origin, date and licence terms in ``tools/reference/README.md``). Run the tool from the
repository root after the reference facts change::

    python tools/import_reference.py [FACTS [OUT_DIR]]

``FACTS`` defaults to the vendored copy, ``OUT_DIR`` to the repository's ``data/`` folder.
``tests/test_generator.py`` regenerates into a temporary folder and checks that ``data/`` holds
exactly what the tool writes. The tool writes

* ``sources.ttl``: one ``gk:SourceDocument`` per entry of ``sources``, and one for the
  reference facts themselves (``source:govkg-reference-facts``); publishers are agent IRIs (the
  facts' organisations, else ``agent/{name}`` described here, as is ``agent:govkg-developers``);
  a source without URL, or known only from a reprint (``gk:thirdPartyCopy``), says so in a
  ``gk:uncertaintyNote``;
* ``frameworks/{key}.ttl``: each framework as a ``gk:GovernanceFramework`` with its elements,
  official numbers in ``skos:notation``, and the licence of the text its elements reproduce;
* ``crosswalks/{key}.ttl``: each crosswalk as an SSSOM mapping set (SSSOM/RDF), plus
  the unofficial sets ``ai-verify-ai-rmf-text-reuse`` and ``fact-sheet-principles-lexical``
  (``gk:correspondsTo`` only: a SKOS predicate would read as official).

The parts live in ``tools/reference_import/``, one module per seam: ``core`` (vocabularies,
conventions, helpers, IRIs), ``facts`` (reading the facts), ``elements`` (collecting each
framework's elements), ``output`` (output files and the shared context), ``sources``,
``frameworks`` and ``crosswalks`` (one per kind of file written), ``counts`` (every count the
facts state, checked against what is written) and ``turtle`` (the deterministic writer); this
script puts them together. Every file's first line starts with ``GENERATED_MARK``. Mapping IRIs
come from govkg's one minter (``govkg.submission.minting.Minter``) and the vocabularies from
``govkg.namespaces``, so the tool runs where govkg is installed (``pip install -e .``).

The output is deterministic (sorted subjects, predicates and objects; no blank nodes): two runs
on the same facts give byte-identical files. The tool checks the facts as it goes (every key,
parent, source and organisation resolves; every count the facts state matches what is written;
no field goes unread) and exits with status 1 and the list of problems when a check fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib.namespace import DCTERMS
from reference_import.core import (
    DATA_DIR,
    GENERATED_MARK,
    REFERENCE_FACTS_SOURCE,
    VENDORED_FACTS,
    ReferenceDataError,
    source_iri,
)
from reference_import.counts import check_counts
from reference_import.crosswalks import build_crosswalks
from reference_import.elements import ElementIndex, collect
from reference_import.facts import Facts, load_facts
from reference_import.frameworks import build_framework
from reference_import.output import Context, DataFile
from reference_import.sources import build_sources
from reference_import.turtle import TurtleWriter, all_prefixes

# --- main --------------------------------------------------------------------------------------


def render(facts: Facts, data: DataFile) -> str:
    """Return the Turtle text of one file, with its header comment."""
    header = [
        f"{GENERATED_MARK.removeprefix('# ')}from the govkg reference facts "
        f"(compiled {facts.compiled}).",
        "Do not edit by hand: change the reference facts or the tool, and run the tool again.",
        *data.description,
        f"Named graph: <{data.graph_iri}>.",
    ]
    return TurtleWriter(all_prefixes()).document(data.graph, header)


def check_cited_sources(ctx: Context, files: Iterable[DataFile]) -> None:
    """Record a problem for every dcterms:source that names no source document."""
    ids = [entry["id"] for entry in ctx.facts.sources] + [REFERENCE_FACTS_SOURCE]
    known = {str(source_iri(source_id)) for source_id in ids}
    for data in files:
        for cited in sorted({str(o) for o in data.graph.objects(None, DCTERMS.source)} - known):
            ctx.problems.append(f"{data.relative_path}: cites {cited}, which is not in sources")


def build_all(facts: Facts) -> list[DataFile]:
    """Build every output file; raise ReferenceDataError listing the problems found."""
    ctx = Context(
        facts, ElementIndex({key: collect(key, fw) for key, fw in facts.frameworks.items()})
    )
    files = [build_sources(ctx)]
    files += [build_framework(ctx, key) for key in facts.frameworks]
    files += build_crosswalks(ctx)
    check_cited_sources(ctx, files)
    check_counts(ctx, {data.relative_path: data for data in files})
    if ctx.problems:
        raise ReferenceDataError("\n".join(ctx.problems))
    return files


def write_files(facts: Facts, files: Sequence[DataFile], out_dir: Path) -> None:
    """Write every file below ``out_dir`` and report its triple count."""
    for data in files:
        path = out_dir / f"{data.relative_path}.ttl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(render(facts, data))
        print(f"wrote {path} ({len(data.graph)} triples)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "facts",
        type=Path,
        nargs="?",
        default=VENDORED_FACTS,
        help="path of governance-facts.yaml (default: tools/reference/governance-facts.yaml)",
    )
    parser.add_argument(
        "out_dir",
        type=Path,
        nargs="?",
        default=DATA_DIR,
        help="output folder (default: the repository's data/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the files; return the exit status."""
    args = parse_args(argv)
    try:
        facts = load_facts(args.facts)
        files = build_all(facts)
    except ReferenceDataError as error:
        print(f"import_reference: the reference facts do not check out:\n{error}", file=sys.stderr)
        return 1
    except KeyError as error:
        print(
            f"import_reference: the reference facts lack a field the tool needs: {error}",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        print(f"import_reference: cannot read the reference facts: {error}", file=sys.stderr)
        return 1
    write_files(facts, files, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
