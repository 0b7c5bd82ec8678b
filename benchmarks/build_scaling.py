"""Benchmark: `govkg build` on generated governance graphs of growing size, the reference
engines against the fast ones in the same run (issue 14).

For each size, a graph is generated with ``benchmarks/synthetic_graph.py`` and built:

* **reference**: owlrl for OWL 2 RL and one pySHACL run on the whole data (``--reasoner
  owlrl``, one validation worker), a clean build;
* **fast**: reasonable (with govkg's completion) and pySHACL on whole files in forked
  workers, a clean build;
* **one-file rebuild**: after the fast build, one crosswalk edited (one mapping's
  justification changed) and built again incrementally.

The shipped graph is measured the same way. Each build runs in its own process; the table
gives each step's seconds, the wall time, the peak resident memory of the largest process
(``os.wait4``'s ``ru_maxrss``) and the peak of the summed proportional set sizes of the build
and its validation workers (sampled), then the ratios reference / fast and the targets of issue 14
(shipped graph < 5 s clean and < 2 s for a one-file rebuild; 100k triples < 15 s; 1M triples
< 3 min and < 4 GB). Above ``--reference-max`` triples the reference build is skipped
(owlrl needs minutes per 100k triples).

    python benchmarks/build_scaling.py [--sizes 10000 100000 1000000] [--reference-max 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic_graph import generate  # noqa: E402

from govkg.paths import Layout, bundled_layout  # noqa: E402

STEPS = ("load sources", "validate with SHACL", "materialise OWL 2 RL inferences", "write dumps")
SHORT = {
    "load sources": "load",
    "validate with SHACL": "SHACL",
    "materialise OWL 2 RL inferences": "OWL RL",
    "write dumps": "dumps",
}


@dataclass
class Run:
    """One build, measured in its own process."""

    label: str
    wall: float
    peak_mb: float
    tree_mb: float
    timings: dict[str, float] = field(default_factory=dict)
    inferred: int = 0
    asserted: int = 0
    validation: str = ""


def child(args: argparse.Namespace) -> int:
    """Build once (in this process) and print the report as JSON."""
    from govkg.build import build

    layout = Layout(root=Path(args.layout), checkout=True)
    report = build(
        layout,
        Path(args.build_dir),
        reasoner=args.reasoner,
        incremental=args.incremental,
        workers=args.workers,
    )
    print(
        json.dumps(
            {
                "timings": report.timings,
                "inferred": report.inferred,
                "asserted": report.asserted,
                "validation": report.validation,
            }
        )
    )
    return 0


def measure(
    label: str, layout: Path, build_dir: Path, reasoner: str, workers: int, incremental: bool
) -> Run:
    """Run one build in a child process; return its timings, wall time and peak memory."""
    command = [
        sys.executable,
        __file__,
        "--child",
        "--layout",
        str(layout),
        "--build-dir",
        str(build_dir),
        "--reasoner",
        reasoner,
        "--workers",
        str(workers),
    ]
    if incremental:
        command.append("--incremental")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        sampler = TreeMemory(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        sampler.stop = True
        sampler.join()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        assert process.stderr is not None
        errors = process.stderr.read().decode()
        process.stderr.close()
        if process.returncode != 0:
            raise SystemExit(f"{label}: build failed:\n{errors}")
        out.seek(0)
        result = json.loads(out.read().decode().strip().splitlines()[-1])
    # ru_maxrss is the peak of the child and of its own (forked) children, in KiB on Linux.
    return Run(
        label=label,
        wall=wall,
        peak_mb=usage.ru_maxrss / 1024,
        tree_mb=sampler.peak_kb / 1024,
        timings=result["timings"],
        inferred=result["inferred"],
        asserted=result["asserted"],
        validation=result["validation"],
    )


class TreeMemory(threading.Thread):
    """Samples, every 50 ms, the memory of a process and its descendants: the sum of their
    proportional set sizes (``/proc/PID/smaps_rollup``)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree(self.pid)))
            time.sleep(0.05)


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                stack.extend(int(c) for c in task.read_text().split())
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared by forked workers are split between them, so the
    sum over the tree is the memory the build really holds."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def edit_one_crosswalk(layout: Path) -> Path:
    """Change the justification of the first mapping of one crosswalk file."""
    crosswalks = sorted((layout / "data" / "crosswalks").glob("*.ttl"))
    target = crosswalks[len(crosswalks) // 2]
    text = target.read_text(encoding="utf-8")
    for old, new in (
        ("semapv:LexicalMatching", "semapv:ManualMappingCuration"),
        ("semapv:ManualMappingCuration", "semapv:LexicalMatching"),
    ):
        if old in text:
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
            return target
    raise SystemExit(f"no justification to edit in {target}")


def copy_shipped(target: Path) -> Path:
    """Copy the shipped sources, so that one of them can be edited."""
    layout = bundled_layout()
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(layout.root / folder, target / folder)
    return target


def row(run: Run) -> str:
    steps = "".join(f"{run.timings.get(step, 0.0):>8.2f}" for step in STEPS)
    return (
        f"  {run.label:<22}{steps}{run.wall:>9.2f}{run.peak_mb:>9.0f}{run.tree_mb:>9.0f}"
        f"  {run.asserted:>8} asserted, {run.inferred:>7} inferred, SHACL {run.validation}"
    )


def header() -> str:
    steps = "".join(f"{SHORT[step]:>8}" for step in STEPS)
    return f"  {'build':<22}{steps}{'wall s':>9}{'peak MB':>9}{'all MB':>9}"


def ratio(reference: float, fast: float) -> str:
    return f"{reference / fast:.1f}x" if fast > 0 else "-"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench(name: str, layout: Path, work: Path, reference: bool, workers: int) -> dict[str, Run]:
    """Reference clean build, fast clean build and fast one-file rebuild of ``layout``."""
    runs: dict[str, Run] = {}
    print(f"\n{name}")
    print(header())
    if reference:
        runs["reference"] = measure(
            "reference (owlrl, 1 run)", layout, work / "ref", "owlrl", 1, False
        )
        print(row(runs["reference"]), flush=True)
    runs["fast"] = measure("fast (clean)", layout, work / "fast", "reasonable", workers, False)
    print(row(runs["fast"]), flush=True)
    edited = edit_one_crosswalk(layout)
    runs["rebuild"] = measure(
        "fast, 1 file edited", layout, work / "fast", "reasonable", workers, True
    )
    print(row(runs["rebuild"]), f"({edited.name})", flush=True)
    if reference:
        ref, fast = runs["reference"], runs["fast"]
        parts = [f"{SHORT[s]} {ratio(ref.timings[s], fast.timings[s])}" for s in STEPS]
        print(f"  reference / fast: wall {ratio(ref.wall, fast.wall)} ({', '.join(parts)})")
        if ref.inferred != fast.inferred:
            print(f"  NOTE: inferred triples differ: {ref.inferred} vs {fast.inferred}")
    print(f"  clean / one-file rebuild: {ratio(runs['fast'].wall, runs['rebuild'].wall)}")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--reference-max", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-shipped", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--layout", help=argparse.SUPPRESS)
    parser.add_argument("--build-dir", help=argparse.SUPPRESS)
    parser.add_argument("--reasoner", default="reasonable", help=argparse.SUPPRESS)
    parser.add_argument("--incremental", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    print(f"govkg build scaling, {os.cpu_count()} cores, validation workers {args.workers}")
    print(
        "seconds per step; peak MB = largest resident set of the build process or one of its"
        " workers (ru_maxrss); all MB = sampled sum of the proportional set sizes of the"
        " process and its workers (shared pages counted once)"
    )
    targets: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="govkg-scaling-") as folder:
        work = Path(folder)
        if not args.no_shipped:
            layout = copy_shipped(work / "shipped-src")
            runs = bench("shipped graph", layout, work / "shipped", True, args.workers)
            targets.append(
                (f"shipped clean {runs['fast'].wall:.1f} s < 5 s", runs["fast"].wall < 5)
            )
            targets.append(
                (
                    f"shipped one-file rebuild {runs['rebuild'].wall:.1f} s < 2 s",
                    runs["rebuild"].wall < 2,
                )
            )
        for size in args.sizes:
            layout = work / f"g{size}-src"
            started = time.perf_counter()
            generate(layout, triples=size, seed=args.seed)
            print(f"\n(generated {size} triples in {time.perf_counter() - started:.1f} s)")
            runs = bench(
                f"generated, {size} triples",
                layout,
                work / f"g{size}",
                size <= args.reference_max,
                args.workers,
            )
            shutil.rmtree(work / f"g{size}", ignore_errors=True)
            fast = runs["fast"]
            if size == 100_000:
                targets.append((f"100k clean {fast.wall:.1f} s < 15 s", fast.wall < 15))
            if size == 1_000_000:
                targets.append((f"1M clean {fast.wall:.0f} s < 180 s", fast.wall < 180))
                targets.append(
                    (f"1M peak {fast.peak_mb / 1024:.2f} GB < 4 GB", fast.peak_mb < 4096)
                )
    print("\ntargets (issue 14)")
    for text, ok in targets:
        print(f"  {verdict(ok)}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
