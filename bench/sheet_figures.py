"""``measure()``: B-LT sheets and batch timestamps per second, each beside unsigned sheets, for ``make bench``.

The setup (a small demo workspace with cheap key derivation, keys unlocked) is not timed; the timed parts are
what ``export-sheets`` does per sheet (render, sign, DSS, write, in worker processes) and what
``timestamp-sheets`` does per sheet (read, DSS update, document timestamp, write).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.run import Figure
from models.signing.keys import KdfParams
from sheets.batch import SheetJob, SheetResult, _contents, decided_ids, run_jobs, write_atomically
from sheets.content import issue_for
from sheets.sign import SignerMaterial
from sheets.timestamps import SheetStamper

SIGNER = "审核员甲"
GOAL_SIGNED_PER_SECOND = 40.0
GOAL_TIMESTAMPED_PER_SECOND = 20.0


@dataclass(frozen=True)
class _Setup:
    signed: list[SheetJob]
    unsigned: list[SheetJob]
    material: SignerMaterial  # with the CA's CRL: PAdES B-LT
    stamper: SheetStamper


def _setup(folder: Path, n: int) -> tuple[list[SheetJob], list[SheetJob], SignerMaterial]:
    found = _full_setup(folder, n)
    return found.signed, found.unsigned, found.material


def _full_setup(folder: Path, n: int) -> _Setup:
    from demo.workspace import DEMO_PASSPHRASE, create_demo
    from models.signing.reviewers import ca_certificate, get_reviewer, unlock
    from models.signing.revocation import require_current_crl
    from models.signing.tsa import unlock_tsa
    from models.workspace.workspace import Workspace

    create_demo(folder / "workspace", count=60, kdf=KdfParams.cheap_for_tests())
    with Workspace.open(folder / "workspace", create=False) as ws:
        contents, _ = _contents(ws, decided_ids(ws))
        reviewer = get_reviewer(ws, SIGNER)
        crl = require_current_crl(ws).der
        ca = ca_certificate(ws)
        material = SignerMaterial.of(unlock(ws, SIGNER, DEMO_PASSPHRASE), reviewer.certificate, ca, crl)
        tsa_key, tsa_certificate = unlock_tsa(ws, DEMO_PASSPHRASE)
    signed, unsigned = [], []
    for index in range(n):
        content = contents[index % len(contents)]
        issue = issue_for(content, serial=f"2026-{index + 1:06d}", audit_head=f"{index:064x}",
                          exported_at="2026-01-05T09:30:00+08:00", signer=SIGNER, signer_role=reviewer.role,
                          signer_organization=material.organization)
        signed.append(SheetJob(content, issue, str(folder / "signed" / f"{index:04d}.pdf")))
        unsigned.append(SheetJob(content, issue, str(folder / "unsigned" / f"{index:04d}.pdf")))
    (folder / "signed").mkdir()
    (folder / "unsigned").mkdir()
    return _Setup(signed, unsigned, material, SheetStamper(tsa_key, tsa_certificate, ca, crl))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (NaN where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action: Callable[[], list[SheetResult] | None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all processes) of ``action``; raises when a sheet failed."""
    cpu, started = _cpu_seconds(), time.perf_counter()
    results = action() or []
    seconds, used = time.perf_counter() - started, _cpu_seconds() - cpu
    failures = [r.error for r in results if r.error]
    if failures:
        raise RuntimeError(f"{len(failures)} 份审核表生成失败：{failures[0]}")
    return seconds, used


def _stamp_all(stamper: SheetStamper, jobs: list[SheetJob]) -> None:
    """What ``timestamp-sheets`` does per sheet: read, DSS update and document timestamp, write."""
    for job in jobs:
        path = Path(job.path)
        write_atomically(path, stamper.stamp(path.read_bytes()))


def measure(n: int = 60, jobs: int | None = None, pairs: int = 3) -> dict[str, float]:
    """B-LT export and batch timestamping, each beside unsigned sheets, in interleaved pairs; medians of the rates.

    Each pair is one batch of ``n`` sheets of each kind, back to back (``jobs`` processes for the exports, default
    all cores; timestamping runs in one process, as ``timestamp-sheets`` does), so load on the machine hits both
    alike. Also the CPU milliseconds per sheet (all processes), which other load disturbs less.
    """
    workers = jobs or os.cpu_count() or 1
    rates: dict[str, list[float]] = {key: [] for key in (
        "signed", "unsigned_beside_signed", "timestamped", "unsigned_beside_timestamped")}
    cpu: dict[str, list[float]] = {key: [] for key in rates}
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-") as scratch:
        found = _full_setup(Path(scratch), n)
        for _ in range(max(1, pairs)):
            for key, action in (
                    ("signed", lambda: run_jobs(found.signed, found.material, None, workers)),
                    ("unsigned_beside_signed", lambda: run_jobs(found.unsigned, None, None, workers)),
                    ("timestamped", lambda: _stamp_all(found.stamper, found.signed)),
                    ("unsigned_beside_timestamped", lambda: run_jobs(found.unsigned, None, None, workers))):
                seconds, used = _timed(action)
                rates[key].append(n / seconds)
                cpu[key].append(1000 * used / n)
    figures = {"sheets": float(n), "workers": float(workers), "pairs": float(max(1, pairs))}
    for key in rates:
        figures[f"{key}_per_second"] = statistics.median(rates[key])
        figures[f"{key}_cpu_ms_per_sheet"] = statistics.median(cpu[key])
    figures["unsigned_per_second"] = figures["unsigned_beside_signed_per_second"]
    figures["goal_signed_per_second"] = GOAL_SIGNED_PER_SECOND
    figures["goal_timestamped_per_second"] = GOAL_TIMESTAMPED_PER_SECOND
    return figures


def bench_sheets(rows: int, repeats: int, workdir: Path) -> Figure:
    """B-LT signed sheets per second, beside unsigned sheets in the same pairs (median of interleaved pairs)."""
    found = _measured(repeats)
    return Figure(
        f"B-LT sheets per second, {found['sheets']:.0f} × {found['pairs']:.0f} pairs "
        f"({found['signed_cpu_ms_per_sheet']:.0f} ms CPU each)",
        found["signed_per_second"], f"≥ {GOAL_SIGNED_PER_SECOND:g} /s",
        found["signed_per_second"] >= GOAL_SIGNED_PER_SECOND, "unsigned", found["unsigned_beside_signed_per_second"],
        unit="/s")


def bench_timestamps(rows: int, repeats: int, workdir: Path) -> Figure:
    """Document timestamps per second over the same batch, beside unsigned sheets (median of interleaved pairs)."""
    found = _measured(repeats)
    return Figure(
        f"timestamped sheets per second, {found['sheets']:.0f} × {found['pairs']:.0f} pairs "
        f"({found['timestamped_cpu_ms_per_sheet']:.0f} ms CPU each)",
        found["timestamped_per_second"], f"≥ {GOAL_TIMESTAMPED_PER_SECOND:g} /s",
        found["timestamped_per_second"] >= GOAL_TIMESTAMPED_PER_SECOND, "unsigned",
        found["unsigned_beside_timestamped_per_second"], unit="/s")


_MEASURED: dict[int, dict[str, float]] = {}


def _measured(repeats: int) -> dict[str, float]:
    """One measurement for both figures of a ``make bench`` run."""
    if repeats not in _MEASURED:
        _MEASURED[repeats] = measure(pairs=max(3, repeats))
    return _MEASURED[repeats]


BENCHMARKS = [bench_sheets, bench_timestamps]


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:<36} {value:10.2f}")
