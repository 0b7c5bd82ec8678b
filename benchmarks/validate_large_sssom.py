"""Benchmark: `govkg validate` on a 100,000-row SSSOM TSV against plain pySHACL on the same
mappings converted to RDF, measured in the same run.

The file is generated on the fly from real element IRIs of the built graph: every AI Verify
element mapped to elements of the other frameworks with four compatible predicates, so that
the file is valid and the timing is that of the normal path (the script prints the counts of
findings to show it). The pySHACL baseline runs
`python -m pyshacl` on the submission shapes with the same mappings as Turtle, in a
subprocess capped by --timeout; past it the baseline is reported as ">N s".

    python benchmarks/validate_large_sssom.py [--rows 100000] [--timeout 600]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govkg.build import ensure_built
from govkg.paths import bundled_layout, default_build_dir
from govkg.submission.rdfinput import quiet_rdflib
from govkg.submission.readers import open_submission, to_graph
from govkg.submission.reference import ReferenceIndex
from govkg.submission.validate import SUBMISSION_SHAPES
from govkg.submission.vocabulary import default_prefixes

SUBJECT = "https://w3id.org/govkg/id/framework/ai-verify-testing-framework"
PREDICATES = ("skos:closeMatch", "skos:relatedMatch", "gk:correspondsTo", "gk:intersectsWith")
HEADER = """#curie_map:
#  framework: https://w3id.org/govkg/id/framework/
#  gk: https://w3id.org/govkg/ontology#
#  source: https://w3id.org/govkg/id/source/
#mapping_set_id: https://w3id.org/govkg/id/mapping-set/benchmark-large
#mapping_set_title: Benchmark set generated from real element IRIs
#creator_id: https://orcid.org/0000-0002-1825-0097
#license: https://creativecommons.org/licenses/by/4.0/
#publication_date: 2026-01-01
#subject_source: framework:ai-verify-testing-framework
#source_document: source:govkg-reference-facts
"""


def generate(path: Path, rows: int, index: ReferenceIndex) -> int:
    """Write ``rows`` mappings (fewer if the graph has fewer distinct ones); return the count."""
    subjects = sorted(e for e, s in index.elements.items() if s == SUBJECT)
    objects = sorted(
        (e, s)
        for e, s in index.elements.items()
        if s != SUBJECT and s.startswith("https://w3id.org/govkg/id/framework/")
    )
    written = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER)
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(
            [
                "subject_id",
                "predicate_id",
                "object_id",
                "object_source",
                "mapping_justification",
                "confidence",
                "author_id",
            ]
        )
        for predicate in PREDICATES:
            for subject in subjects:
                for obj, scheme in objects:
                    if written == rows:
                        return written
                    writer.writerow(
                        [
                            subject,
                            predicate,
                            obj,
                            scheme,
                            "semapv:ManualMappingCuration",
                            f"{(written % 100) / 100:.2f}",
                            "https://orcid.org/0000-0002-1825-0097",
                        ]
                    )
                    written += 1
    return written


def timed(command: list[str], timeout: float, stdout: Path) -> tuple[float | None, int]:
    """Run a command; return (seconds or None on timeout, exit code)."""
    started = time.perf_counter()
    with stdout.open("wb") as out:
        try:
            done = subprocess.run(
                command, stdout=out, stderr=subprocess.DEVNULL, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return None, -1
    return time.perf_counter() - started, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds before the pySHACL baseline is stopped",
    )
    args = parser.parse_args(argv)
    layout = bundled_layout()
    build_dir = default_build_dir(layout)
    ensure_built(layout, build_dir)
    index = ReferenceIndex.from_build(layout, build_dir)
    with tempfile.TemporaryDirectory(prefix="govkg-bench-") as folder:
        tsv = Path(folder) / "large.sssom.tsv"
        rows = generate(tsv, args.rows, index)
        size = tsv.stat().st_size / 2**20
        print(f"generated {tsv.name}: {rows} rows, {size:.1f} MiB")
        govkg_seconds, code = timed(
            [
                sys.executable,
                "-m",
                "govkg",
                "validate",
                "-q",
                "--build-dir",
                str(build_dir),
                "--format",
                "json",
                str(tsv),
            ],
            args.timeout,
            Path(folder) / "govkg.json",
        )
        if govkg_seconds is None:
            print(f"govkg validate: >{args.timeout:.0f} s (stopped)")
            return 1
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"govkg validate: {govkg_seconds:.1f} s, exit {code}, peak memory {peak:.0f} MiB")
        (report,) = json.loads((Path(folder) / "govkg.json").read_text(encoding="utf-8"))["files"]
        print(f"  {report['mappings']} mappings read, findings {report['counts']}")
        with quiet_rdflib():
            submission = open_submission(tsv, "sssom-tsv", default_prefixes(layout.data))
            ttl = Path(folder) / "large.ttl"
            to_graph(submission).serialize(ttl, format="turtle")
        print(f"converted to RDF for the baseline: {ttl.stat().st_size / 2**20:.1f} MiB")
        shacl_seconds, code = timed(
            [
                sys.executable,
                "-m",
                "pyshacl",
                "-s",
                str(layout.shapes / SUBMISSION_SHAPES),
                "-i",
                "none",
                str(ttl),
            ],
            args.timeout,
            Path(folder) / "pyshacl.txt",
        )
        if shacl_seconds is None:
            print(f"plain pySHACL: >{args.timeout:.0f} s (stopped)")
            print(f"ratio: pySHACL / govkg > {args.timeout / govkg_seconds:.1f}")
        else:
            print(f"plain pySHACL: {shacl_seconds:.1f} s, exit {code}")
            print(f"ratio: pySHACL / govkg = {shacl_seconds / govkg_seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
