"""Command-line face of mapping and framework submissions, registered by ``govkg.cli``:

* ``govkg validate FILE... [--format text|json|turtle] [--strict]``;
* ``govkg import FILE [--replace]``;
* ``govkg export-mappings --format sssom-tsv|olir-csv|olir-xlsx [--set KEY] [-o FILE|DIR]``.

A file :func:`govkg.submission.frameworks.is_framework_submission` recognises is validated
and imported as a framework (into the workspace's ``frameworks/``), any other as a mapping set
(into the workspace's ``crosswalks/``, or a checkout's ``data/imported/``). Each command is a
few lines over :mod:`govkg.submission`; exit codes are those of ``errors.ExitCode`` (0 fit to
accept, 1 violations, 2 unreadable input or bad usage, 4 the data folder cannot be written, 5
another import or build holds it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from govkg.backends import Store
from govkg.cli.common import (
    add_store_option,
    build_dir_for,
    layout_for,
    progress_for,
    store_for,
    store_spec,
)
from govkg.errors import ExitCode, InputError
from govkg.identifiers import Resolver
from govkg.progress import Progress
from govkg.querying import open_built
from govkg.submission.exporting import EXPORT_FORMATS, export_mapping_sets
from govkg.submission.findings import DEFAULT_LIMIT, FileReport
from govkg.submission.frameworks import FRAMEWORK_FORMATS
from govkg.submission.importing import (
    ImportRefused,
    ImportResult,
    import_framework,
    import_submission,
)
from govkg.submission.olir import OLIR_FORMATS
from govkg.submission.olir_export import export_olir
from govkg.submission.readers import INPUT_FORMATS
from govkg.submission.render import OUTPUT_FORMATS, exit_code, render
from govkg.submission.validate import Context, validate_file
from govkg.submission.vocabulary import default_prefixes

#: What ``export-mappings`` (and ``govkg export --mappings``) writes: SSSOM TSV, and NIST OLIR
#: relationship tables.
MAPPING_FORMATS = (*EXPORT_FORMATS, *OLIR_FORMATS)


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register ``validate``, ``import`` and ``export-mappings``."""
    reading = argparse.ArgumentParser(add_help=False)
    reading.add_argument(
        "--input-format",
        choices=(*INPUT_FORMATS, *FRAMEWORK_FORMATS),
        help="the files' format (default: from the extension and, for a table, its header); "
        "framework-csv/-tsv/-xlsx/-skos read a framework submission "
        "(docs/framework-submissions.md)",
    )
    reading.add_argument(
        "--metadata",
        type=Path,
        metavar="YAML",
        help="set metadata (SSSOM MappingSet slots) for a CSV/TSV table without a metadata block",
    )
    reading.add_argument("--strict", action="store_true", help="warnings count as violations")

    p = sub.add_parser(
        "validate",
        parents=[common, reading],
        help="check mapping or framework submissions before they join the graph",
        description="Check SSSOM TSV, CSV/TSV, OLIR or RDF mapping sets, and framework "
        "submissions (a table of elements with YAML metadata, or SKOS Turtle), against the "
        "submission shapes, the built graph (with the workspace's files) and each other. "
        "Exit 0 fit to accept, 1 violations, 2 unreadable input or bad usage.",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="submission files (use -- before a name that starts with -)",
    )
    p.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="text (PATH:LINE: severity: message (focus, path, shape)), json "
        "(docs/mapping-submissions.md) or turtle (a SHACL validation report)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"findings shown per kind, the rest counted (default {DEFAULT_LIMIT}; 0 shows all)",
    )
    add_store_option(p)
    p.set_defaults(run=_validate)

    p = sub.add_parser(
        "import",
        parents=[common, reading],
        help="validate a mapping or framework submission and add it to the graph's sources",
        description="Validate, then write (atomically) a mapping set as "
        "<workspace>/crosswalks/<key>.ttl and a framework as <workspace>/frameworks/<key>.ttl; "
        "in a source checkout (or with --data-dir) a mapping set goes to data/imported/<key>.ttl. "
        "The next `govkg build` includes it. Outside a workspace, an installed govkg asks for "
        "`govkg init`.",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--replace", action="store_true", help="replace a mapping set the graph already holds"
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="the data/ folder of a checkout to write into (needed when govkg runs from an "
        "installed package); the submission is checked against that checkout's own build",
    )
    add_store_option(p)
    p.set_defaults(run=_import)

    p = sub.add_parser(
        "export-mappings",
        parents=[common],
        help="write the graph's mapping sets as SSSOM TSV or NIST OLIR tables",
        description="Write each mapping set that holds mappings as SSSOM TSV "
        "with its YAML metadata block, or as a NIST OLIR relationship table (CSV, or XLSX "
        "with -o).",
    )
    p.add_argument("--format", choices=MAPPING_FORMATS, default="sssom-tsv")
    p.add_argument(
        "--set",
        action="append",
        dest="sets",
        metavar="KEY",
        help="only this set (repeatable; default: every set with mappings)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="file to write (one set), or folder for <key>.sssom.tsv (.olir.csv, .olir.xlsx) "
        "files; default: stdout (one set; not for XLSX)",
    )
    add_store_option(p)
    p.set_defaults(run=export_mappings_command)


def _context(args: argparse.Namespace) -> tuple[Context, Progress]:
    layout = layout_for(args)
    progress = progress_for(args)
    build_dir = build_dir_for(args, layout)
    return Context.load(layout, build_dir, progress, _store(args, progress)), progress


def _store(args: argparse.Namespace, progress: Progress) -> Store | None:
    """The store ``--store`` or ``GOVKG_STORE`` names, to check submissions against (None:
    the embedded store of the build)."""
    return store_for(args, progress) if store_spec(args) is not None else None


def _frameworks() -> ModuleType | None:
    """:mod:`govkg.submission.frameworks` (contract 2), or None in a govkg without it."""
    try:
        from govkg.submission import frameworks
    except ImportError:
        return None
    return frameworks


def _is_framework(args: argparse.Namespace, path: Path) -> bool:
    frameworks = _frameworks()
    if frameworks is None:
        return False
    return bool(frameworks.is_framework_submission(path, args.input_format, args.metadata))


def _validate(args: argparse.Namespace) -> int:
    context, progress = _context(args)
    limit = None if args.limit <= 0 else args.limit
    reports: list[FileReport] = []
    for path in args.files:
        if _is_framework(args, path):
            frameworks = _frameworks()
            assert frameworks is not None
            report = frameworks.validate_framework_file(
                path, context, args.input_format, args.metadata, limit, progress
            )
        else:
            report = validate_file(path, context, args.input_format, args.metadata, limit, progress)
        reports.append(report)
    sys.stdout.write(render(reports, args.format, context.prefixes, args.strict))
    return int(exit_code(reports, args.strict))


def _import(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    build_dir = build_dir_for(args, layout)
    progress = progress_for(args)
    try:
        done: ImportResult
        if _is_framework(args, args.file):
            if args.data_dir is not None:
                raise InputError(
                    "frameworks are imported into a workspace, not a checkout's data folder: "
                    "leave out --data-dir"
                )
            done = import_framework(
                args.file,
                layout,
                build_dir,
                store=_store(args, progress),
                replace=args.replace,
                strict=args.strict,
                input_format=args.input_format,
                metadata=args.metadata,
                progress=progress,
            )
        else:
            done = import_submission(
                args.file,
                layout,
                build_dir,
                store=_store(args, progress),
                replace=args.replace,
                strict=args.strict,
                input_format=args.input_format,
                metadata=args.metadata,
                data_dir=args.data_dir,
                progress=progress,
            )
    except ImportRefused as refused:
        if isinstance(refused.report, FileReport):
            sys.stdout.write(
                render([refused.report], "text", default_prefixes(layout.data), args.strict)
            )
        raise
    verb = "replaced" if done.replaced else "imported"
    count = "elements" if done.what == "framework" else "mappings"
    print(
        f"{verb} {done.what} {done.set_iri} ({done.mappings} {count}) as {done.path}; "
        "run `govkg build`"
    )
    return ExitCode.OK


def export_mappings_command(args: argparse.Namespace) -> int:
    """Write mapping sets as SSSOM TSV (``export-mappings``, and ``export --mappings``), or
    as NIST OLIR tables (``--format olir-csv|olir-xlsx``, :mod:`govkg.submission.olir`)."""
    layout = layout_for(args)
    progress = progress_for(args)
    store = _store(args, progress)
    if args.sets:  # any spelling of a set's id (govkg.identifiers), as `govkg export --set`
        reader = store or open_built(layout, build_dir_for(args, layout), progress)
        args.sets = Resolver(reader, layout).mapping_set_keys(args.sets)
    if args.format in OLIR_FORMATS:
        return _export_olir(args, store)
    build_dir = build_dir_for(args, layout)
    exported = export_mapping_sets(layout, build_dir, args.sets, progress, store=store)
    output: Path | None = args.output
    if output is None:
        if len(exported) != 1:
            raise InputError(
                "several mapping sets: choose one with --set KEY, or write them "
                "into a folder with -o DIR"
            )
        sys.stdout.write(exported[0].text)
    elif len(exported) == 1 and not output.is_dir():
        _write(output, exported[0].text.encode("utf-8"))
    else:
        for item in exported:
            _write(output / f"{item.key}.sssom.tsv", item.text.encode("utf-8"))
            print(f"wrote {output / f'{item.key}.sssom.tsv'} ({item.mappings} mappings)")
    return ExitCode.OK


def _export_olir(args: argparse.Namespace, store: Store | None) -> int:
    """Write mapping sets as OLIR relationship tables (contract 4); XLSX needs ``-o``."""
    output: Path | None = args.output
    if output is None and args.format == "olir-xlsx":
        raise InputError("--format olir-xlsx writes a binary file: name it with -o FILE (or DIR)")
    layout = layout_for(args)
    exported = export_olir(
        layout, build_dir_for(args, layout), args.sets, args.format, progress_for(args), store=store
    )
    if output is None:
        if len(exported) != 1:
            raise InputError(
                "several mapping sets: choose one with --set KEY, or write them "
                "into a folder with -o DIR"
            )
        sys.stdout.buffer.write(exported[0].data)
    elif len(exported) == 1 and not output.is_dir():
        _write(output, exported[0].data)
    else:
        for item in exported:
            target = output / f"{item.key}{item.suffix}"
            _write(target, item.data)
            print(f"wrote {target} ({item.mappings} mappings)")
    return ExitCode.OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None
