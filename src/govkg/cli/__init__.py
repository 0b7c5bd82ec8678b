"""The ``govkg`` command: a thin face over the core modules.

Exit codes (``errors.ExitCode``): 0 success; 1 the data, a submission or a QC query has
violations; 2 unreadable input or bad usage (a damaged build that cannot be rebuilt too);
3 internal error (a bug); 4 the environment refused (a full disk or quota, a read-only or busy
folder, no permission; the message names the path); 5 another govkg build or import holds the
folder (try again when it has finished).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from govkg import __version__, coverage
from govkg.backends import Store, StoreState
from govkg.build import REPORT, BuildReport, build, ensure_built, is_current
from govkg.catalogue import NamedQuery, load_catalogue, read_query, resolve
from govkg.cli import mappings as cli_mappings
from govkg.cli import publish as cli_publish
from govkg.cli import serve as cli_serve
from govkg.cli import workspace as cli_workspace
from govkg.cli.common import (
    add_store_option,
    build_dir_for,
    layout_for,
    progress_for,
    store_for,
    store_spec,
)
from govkg.errors import ExitCode, GovkgError, InputError, QueryError, environment_error
from govkg.formats import RDF_SYNTAXES, syntax_by_name
from govkg.identifiers import Resolver, parameter_kind
from govkg.querying import export_store, run_qc, run_select
from govkg.reasoning import DEFAULT_ENGINE, ENGINES
from govkg.results import RESULT_FORMATS, render_table, write_answer

#: ``govkg export`` formats that write mapping sets (``cli.mappings.export_mappings_command``).
MAPPING_FORMATS = cli_mappings.MAPPING_FORMATS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises, never prints a traceback)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return ExitCode.INPUT_ERROR
    try:
        return int(args.run(args))
    except GovkgError as exc:
        print(f"govkg: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("govkg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return ExitCode.OK
    except OSError as exc:
        error = environment_error(exc)
        if error is None:
            return _internal_error(exc)
        print(f"govkg: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except Exception as exc:  # noqa: BLE001 - the boundary: one line, no traceback
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    if os.environ.get("GOVKG_DEBUG"):
        raise exc
    print(f"govkg: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return ExitCode.INTERNAL_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govkg",
        description="Build, query and serve the govkg AI-governance graph.",
        epilog="Exit codes: 0 ok, 1 violations, 2 bad input or usage, 3 internal error, "
        "4 environment (disk full, read-only, busy, no permission), 5 folder locked by "
        "another govkg run.",
    )
    parser.add_argument("--version", action="version", version=f"govkg {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--build-dir",
        type=Path,
        default=None,
        help="where the build lives (default: $GOVKG_BUILD_DIR, ./build in a "
        "checkout, else ~/.cache/govkg/<version>/build)",
    )
    common.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="the workspace to work on (default: $GOVKG_WORKSPACE, else the nearest folder "
        "from here upwards holding govkg-workspace.toml, else the built-in graph alone)",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "build",
        parents=[common],
        help="build the graph and its dumps",
        description="Load every source file into its own named graph, validate "
        "with SHACL, add OWL 2 RL inferences, write dumps and a report.",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="rebuild everything, even if the build is current (no reuse of the last build)",
    )
    p.add_argument(
        "--reasoner",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help="OWL 2 RL engine: reasonable (fast, the default) or owlrl (the reference)",
    )
    p.set_defaults(run=_build)

    p = sub.add_parser(
        "query",
        parents=[common],
        help="run a named query or a .rq file",
        description="Run a named query (see `govkg queries`), a .rq file, or "
        "- for a query on standard input.",
    )
    p.add_argument("query", help="query name, path of a .rq file, or -")
    p.add_argument(
        "--format",
        choices=RESULT_FORMATS,
        default="table",
        help="result format (csv/tsv/json are the SPARQL 1.1 results formats)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind a query parameter (?_NAME); repeatable. A parameter named for what it "
        "holds (framework, frameworkA, element, set ...) takes an id in any spelling: key "
        "(oecd-ai-principles), id path (framework/oecd-ai-principles), IRI or CURIE "
        "(framework:oecd-ai-principles, id:framework/...), checked against the graph. Any "
        "other takes an IRI, CURIE or id path as an IRI and the rest, or a value in double "
        "quotes, as a string",
    )
    add_store_option(p)
    p.set_defaults(run=_query)

    p = sub.add_parser(
        "queries",
        parents=[common],
        help="list the named queries",
        description="List the named queries with their summaries and parameters, as "
        "`govkg query NAME --param NAME=VALUE` takes them: FRAMEWORK, ELEMENT or SET is an id "
        "in any spelling (key, id path, IRI or CURIE), VALUE an IRI, CURIE, id path or string.",
    )
    p.set_defaults(run=_queries)

    p = sub.add_parser(
        "check", parents=[common], help="run the quality-control queries (each must return no rows)"
    )
    add_store_option(p)
    p.set_defaults(run=_check)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="write the graph in an RDF syntax, or its mapping sets as SSSOM TSV or NIST OLIR",
        description="Write the union graph (Turtle, N-Triples, JSON-LD, RDF/XML) or the whole "
        "dataset (TriG, N-Quads); with --mappings (or a mapping-set format), the mapping sets "
        "as SSSOM TSV or NIST OLIR tables (CSV, XLSX).",
    )
    p.add_argument(
        "--format",
        required=True,
        choices=[s.name for s in RDF_SYNTAXES] + list(MAPPING_FORMATS),
        help="an RDF syntax, or a mapping-set format: sssom-tsv, olir-csv or olir-xlsx "
        "(NIST OLIR relationship tables)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="file (or folder, for several mapping sets) to write; default: stdout",
    )
    p.add_argument(
        "--mappings",
        action="store_true",
        help="write the mapping sets (as `govkg export-mappings` does)",
    )
    p.add_argument(
        "--set",
        action="append",
        dest="sets",
        metavar="SET",
        help="with --mappings: only this mapping set (repeatable), as its key "
        "(xw-ai-rmf-ai-verify-2023), id path (mapping-set/...), IRI or CURIE (mset:...)",
    )
    add_store_option(p)
    p.set_defaults(run=_export)

    p = sub.add_parser(
        "stats",
        parents=[common],
        help="what the store holds: its build, graphs, quads, and resources per class",
        description="Show the store (kind and location, never credentials), the govkg build "
        "it holds (build id, manifest SHA-256, when published), its graphs and quads, and "
        "how many resources of each class the graph holds.",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="text or json")
    add_store_option(p)
    p.set_defaults(run=_stats)

    p = sub.add_parser(
        "report",
        parents=[common],
        help="reports on the graph",
        description="Reports on the graph. `report crosswalk A B` prints the "
        "coverage matrix of framework A by framework B and writes it as CSV and "
        "as an SVG heatmap.",
    )
    p.add_argument("kind", choices=["crosswalk"], help="the report to make")
    p.add_argument(
        "framework_a",
        metavar="A",
        help="a framework, as its key (ai-verify-testing-framework), id path "
        "(framework/ai-verify-testing-framework), IRI or CURIE (framework:...)",
    )
    p.add_argument("framework_b", metavar="B", help="the other framework, spelt the same ways")
    p.add_argument(
        "--output-dir",
        type=Path,
        default=Path("."),
        help="where to write <A>--<B>.csv and .svg (default: current folder)",
    )
    add_store_option(p)
    p.set_defaults(run=_report)

    cli_serve.add_commands(sub, common)
    cli_mappings.add_commands(sub, common)
    cli_workspace.add_commands(sub, common)
    cli_publish.register(sub, common)
    return parser


def _build(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    build_dir = build_dir_for(args, layout)
    report_path = build_dir / REPORT
    if not args.force and report_path.is_file():
        if is_current(layout, build_dir):
            print(f"build is current: {build_dir}")
            return ExitCode.OK
    report: BuildReport = build(
        layout, build_dir, progress_for(args), reasoner=args.reasoner, incremental=not args.force
    )
    print(report.text())
    print(f"written to {build_dir}")
    return ExitCode.OK


def _query(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    if args.query == "-":
        query = NamedQuery("-", "", sys.stdin.read(), Path("-"))
    else:
        query = resolve(layout, args.query)
    values = _parameters(args.param)
    for name in values:  # a misspelt name fails before any build
        query.parameter_key(name)
    store = store_for(args, progress_for(args))
    try:
        text = query.bind(Resolver(store, layout).parameter_values(query, values))
        sys.stdout.flush()
        write_answer(store, text, args.format, sys.stdout.buffer)
    except QueryError as exc:
        raise query_error_in(query, exc) from None
    finally:
        store.close()
    return ExitCode.OK


def query_error_in(query: NamedQuery, error: QueryError) -> QueryError:
    """Name the query's file (and the line the parser reports) in a query error."""
    if error.path is not None or str(query.path) == "-":
        return error
    found = re.search(r"\bat (\d+):(\d+)", error.message)
    return QueryError(error.message, query.path, int(found.group(1)) if found else None)


def _parameters(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param takes NAME=VALUE, not {pair!r}")
        values[name.strip()] = value.strip()
    return values


def _queries(args: argparse.Namespace) -> int:
    for name, query in load_catalogue(layout_for(args)).items():
        usage = [f"{p.lstrip('_')}={_placeholder(p)}" for p in query.parameters]
        params = f" [{', '.join(usage)}]" if usage else ""
        print(f"{name:<42} {query.summary}{params}")
    return ExitCode.OK


def _placeholder(parameter: str) -> str:
    """What a parameter takes, for ``govkg queries``: ``FRAMEWORK`` (an id of that kind) or
    ``VALUE``."""
    kind = parameter_kind(parameter)
    return {None: "VALUE", "resource": "ID"}.get(kind, (kind or "").upper())


def _check(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    with contextlib.closing(store_for(args, progress_for(args))) as store:
        results = run_qc(layout, store)
    failed = 0
    for result in results:
        status = "ok" if result.passed else f"FAIL ({len(result.rows)} rows)"
        print(f"{status:<16} {result.query.name}: {result.query.summary}")
        for row in result.rows[:10]:
            print("                 " + json.dumps(row, ensure_ascii=False))
        failed += not result.passed
    return ExitCode.VIOLATIONS if failed else ExitCode.OK


def _export(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    if args.mappings or args.format in MAPPING_FORMATS:
        if args.format not in MAPPING_FORMATS:
            raise InputError(
                f"--mappings writes mapping sets: use --format {' or '.join(MAPPING_FORMATS)}"
            )
        return cli_mappings.export_mappings_command(args)
    if args.sets:
        raise InputError("--set chooses mapping sets: use it with --mappings")
    if store_spec(args) is not None:  # the graph the store holds, as it holds it
        store = store_for(args, progress_for(args))
        try:
            if args.output:
                with _written(args.output) as out:
                    export_store(store, syntax_by_name(args.format), out)
            else:
                sys.stdout.flush()
                export_store(store, syntax_by_name(args.format), sys.stdout.buffer)
        finally:
            store.close()
        return ExitCode.OK
    folder = ensure_built(layout, build_dir_for(args, layout), progress_for(args)).parent
    syntax = syntax_by_name(args.format)
    data = (folder / f"govkg.{syntax.extension}").read_bytes()
    if args.output:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", args.output) from None
    else:
        sys.stdout.buffer.write(data)
    return ExitCode.OK


@contextlib.contextmanager
def _written(path: Path) -> Iterator[BinaryIO]:
    """A file opened for writing; a failure is one line naming it (exit 2)."""
    try:
        with path.open("wb") as out:
            yield out
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None


def _report(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    with contextlib.closing(store_for(args, progress_for(args))) as store:
        a = coverage.resolve_framework(store, args.framework_a, layout)
        b = coverage.resolve_framework(store, args.framework_b, layout)
        result = coverage.compute(layout, store, a, b)
    sys.stdout.write(coverage.to_text(result))
    stem = f"{a.rsplit('/', 1)[-1]}--{b.rsplit('/', 1)[-1]}"
    for path in coverage.write_report(result, args.output_dir, stem):
        print(f"written: {path}")
    return ExitCode.OK


def _stats(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    store = store_for(args, progress_for(args))
    try:
        state = store.state()
        query = read_query(layout.queries / "count-instances-per-class.rq")
        classes = run_select(store, query.text)
    finally:
        store.close()
    report = None
    if store_spec(args) is None:  # the embedded store over the build: its report too
        path = build_dir_for(args, layout).resolve() / REPORT
        report = json.loads(path.read_text(encoding="utf-8"))
    if args.format == "json":
        summary = {
            "store": {"kind": store.kind, "location": store.location},
            "build_id": state.build_id,
            "manifest_sha256": state.manifest_sha256,
            "published": state.published,
            "graphs": list(state.graphs),
            "quads": state.quads,
            "classes": {row["class"]: int(row["instances"]) for row in classes.dicts()},
        }
        if report is not None:
            summary["asserted"], summary["inferred"] = report["asserted"], report["inferred"]
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return ExitCode.OK
    _print_state(store, state)
    if report is not None:
        print(
            f"named graphs: {len(report['graphs'])}, asserted triples: {report['asserted']}, "
            f"inferred triples: {report['inferred']}"
        )
    sys.stdout.write(render_table(classes))
    return ExitCode.OK


def _print_state(store: Store, state: StoreState) -> None:
    """The store and the build it holds, as ``govkg stats`` prints them."""
    print(f"store: {store.kind} {store.location}")
    if state.build_id is None:
        print("build: none recorded (no or an unknown govkg build)")
    else:
        print(f"build: {state.build_id}")
        print(f"manifest SHA-256: {state.manifest_sha256}")
        print(f"published: {state.published or 'not recorded'}")
    print(f"graphs: {len(state.graphs)}, quads in store: {state.quads}")
