"""Command-line face of mapping submissions, registered by ``govkg.cli``:

* ``govkg validate FILE... [--format text|json|turtle] [--strict]``;
* ``govkg import FILE [--replace]``;
* ``govkg export-mappings --format sssom-tsv [--set KEY] [-o FILE|DIR]``.

Each command is a few lines over :mod:`govkg.submission`; exit codes are those of
``errors.ExitCode`` (0 fit to accept, 1 violations, 2 unreadable input or bad usage, 4 the
data folder cannot be written, 5 another import or build holds it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from govkg.cli.common import build_dir_for, layout_for, progress_for
from govkg.errors import ExitCode, InputError
from govkg.progress import Progress
from govkg.submission.exporting import EXPORT_FORMATS, export_mapping_sets
from govkg.submission.findings import DEFAULT_LIMIT, FileReport
from govkg.submission.importing import ImportRefused, import_submission
from govkg.submission.readers import INPUT_FORMATS
from govkg.submission.render import OUTPUT_FORMATS, exit_code, render
from govkg.submission.validate import Context, validate_file
from govkg.submission.vocabulary import default_prefixes


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register ``validate``, ``import`` and ``export-mappings``."""
    reading = argparse.ArgumentParser(add_help=False)
    reading.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help="the files' format (default: from the extension)",
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
        help="check mapping submissions before they join the graph",
        description="Check SSSOM TSV, CSV/TSV or RDF mapping sets against the "
        "submission shapes, the built graph and each other. Exit 0 fit to "
        "accept, 1 violations, 2 unreadable input or bad usage.",
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
    p.set_defaults(run=_validate)

    p = sub.add_parser(
        "import",
        parents=[common, reading],
        help="validate a mapping submission and add it to the graph's sources",
        description="Validate, then write the set as data/imported/<key>.ttl "
        "(atomically); the next build includes it.",
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
    p.set_defaults(run=_import)

    p = sub.add_parser(
        "export-mappings",
        parents=[common],
        help="write the graph's mapping sets as SSSOM TSV",
        description="Write each mapping set that holds mappings as SSSOM TSV "
        "with its YAML metadata block.",
    )
    p.add_argument("--format", choices=EXPORT_FORMATS, default="sssom-tsv")
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
        help="file to write (one set), or folder for <key>.sssom.tsv files; "
        "default: stdout (one set)",
    )
    p.set_defaults(run=export_mappings_command)


def _context(args: argparse.Namespace) -> tuple[Context, Progress]:
    layout = layout_for(args)
    progress = progress_for(args)
    build_dir = build_dir_for(args, layout)
    return Context.load(layout, build_dir, progress), progress


def _validate(args: argparse.Namespace) -> int:
    context, progress = _context(args)
    limit = None if args.limit <= 0 else args.limit
    reports = [
        validate_file(path, context, args.input_format, args.metadata, limit, progress)
        for path in args.files
    ]
    sys.stdout.write(render(reports, args.format, context.prefixes, args.strict))
    return int(exit_code(reports, args.strict))


def _import(args: argparse.Namespace) -> int:
    layout = layout_for(args)
    build_dir = build_dir_for(args, layout)
    progress = progress_for(args)
    try:
        done = import_submission(
            args.file,
            layout,
            build_dir,
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
    print(f"{verb} {done.set_iri} ({done.mappings} mappings) as {done.path}; run `govkg build`")
    return ExitCode.OK


def export_mappings_command(args: argparse.Namespace) -> int:
    """Write mapping sets as SSSOM TSV (``export-mappings``, and ``export --mappings``)."""
    layout = layout_for(args)
    build_dir = build_dir_for(args, layout)
    progress = progress_for(args)
    exported = export_mapping_sets(layout, build_dir, args.sets, progress)
    output: Path | None = args.output
    if output is None:
        if len(exported) != 1:
            raise InputError(
                "several mapping sets: choose one with --set KEY, or write them "
                "into a folder with -o DIR"
            )
        sys.stdout.write(exported[0].text)
    elif len(exported) == 1 and not output.is_dir():
        _write(output, exported[0].text)
    else:
        for item in exported:
            _write(output / f"{item.key}.sssom.tsv", item.text)
            print(f"wrote {output / f'{item.key}.sssom.tsv'} ({item.mappings} mappings)")
    return ExitCode.OK


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path) from None
