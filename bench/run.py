"""Run every benchmark and print one line per figure.

Each line: name, measured value, the baseline measured in the same run (where
there is one), their ratio, the goal, and PASS or MISS. Every figure is the
best of a few repeats. A MISS is information, not a failure: the exit code is
non-zero only when a figure could not be measured at all.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Figure:
    name: str
    seconds: float
    goal: str
    passed: bool
    baseline_name: str = ""
    baseline_seconds: float | None = None
    unit: str = "s"
    """What ``seconds`` and ``baseline_seconds`` count: seconds unless a figure says otherwise (/s, MB)."""

    @property
    def ratio(self) -> float | None:
        if self.baseline_seconds:
            return self.seconds / self.baseline_seconds
        return None

    def line(self) -> str:
        baseline = (f"baseline {self.baseline_name} {self.baseline_seconds:.3f} {self.unit}"
                    if self.baseline_seconds is not None else "baseline —")
        ratio = f"ratio {self.ratio:.2f}×" if self.ratio is not None else "ratio —"
        verdict = "PASS" if self.passed else "MISS"
        return f"{self.name:<52} {self.seconds:8.3f} {self.unit:<3} {baseline:<38} {ratio:<13} goal {self.goal:<18} {verdict}"


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeats`` runs, in seconds, with the garbage collector quiet."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            action()
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best


def bench_engine(rows: int, repeats: int, workdir: Path) -> Figure:
    """(a) the engine alone over generated applications, all items; goal ≤ 0.5 s per 100,000."""
    from bench.generate import applications
    from policy.catalog import load_policy
    from policy.engine import assess_batch

    policy = load_policy()
    apps = applications(policy, rows)
    results = assess_batch(apps, policy)  # warm caches; check it did the work
    if len(results) != rows:
        raise RuntimeError(f"assess_batch returned {len(results)} results for {rows} applications")
    seconds = best_of(repeats, lambda: assess_batch(apps, policy))
    goal = 0.5 * rows / 100_000
    return Figure(f"engine assess_batch, {rows:,} applications", seconds, f"≤ {goal:g} s", seconds <= goal)


def bench_import(rows: int, repeats: int, workdir: Path) -> Figure:
    """(b) read + validate a GB18030 CSV vs plain pandas.read_csv; goal ≤ 1.5× baseline."""
    import pandas

    from bench.generate import records, write_csv
    from models.intake.validate import read_applications
    from policy.catalog import load_policy

    policy = load_policy()
    path = write_csv(workdir / f"applications-{rows}.csv", records(policy, rows), encoding="gb18030")
    apps = read_applications(path)  # warm up; check it read every row
    if len(apps) != rows:
        raise RuntimeError(f"read_applications returned {len(apps)} applications for {rows} rows")
    baseline = best_of(repeats, lambda: pandas.read_csv(path, encoding="gb18030"))
    seconds = best_of(repeats, lambda: read_applications(path))
    return Figure(
        f"importer read_applications, {rows:,}-row GB18030 CSV", seconds, "≤ 1.5× baseline",
        seconds <= 1.5 * baseline, "pandas.read_csv", baseline,
    )


def _all_benchmarks() -> list[Callable[[int, int, Path], Figure]]:
    from bench import audit_verify, product, workspace_import

    return [bench_engine, bench_import, workspace_import.bench_workspace_import_csv,
            workspace_import.bench_workspace_import_xlsx, *product.BENCHMARKS, *audit_verify.BENCHMARKS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="applications per figure (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts (default 3)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only the benchmarks with these function names")
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")

    errors = 0
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-") as tmp:
        for bench in _all_benchmarks():
            if args.only and bench.__name__ not in args.only:
                continue
            try:
                figure = bench(args.rows, args.repeat, Path(tmp))
            except Exception as exc:  # noqa: BLE001 - report and go on with the next figure
                errors += 1
                print(f"{bench.__name__:<52} ERROR {type(exc).__name__}: {exc}", flush=True)
                traceback.print_exc(file=sys.stderr)
                continue
            print(figure.line(), flush=True)
    return 1 if errors else 0
