"""``measure()``: B-LT export and batch timestamps per second, each beside unsigned sheets, for ``make bench``.

The setup (a demo workspace with cheap key derivation and a 初审 decision on enough applications, keys unlocked)
is not timed. Timed, end to end, is what ``export-sheets`` does for a batch of applications not exported before:
read the cases, number and audit the sheets, render, sign and add the DSS (PAdES B-LT) in worker processes, write,
register, keep the originals and publish; and what ``timestamp-sheets`` does for that batch (per sheet: read, find
its record, DSS update, document timestamp, write, keep as the stored original; then the 负责人's signed event). The unsigned baseline renders and writes the same number of sheets in the same processes.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from bench.run import Figure
from models.signing.keys import KdfParams
from models.workspace.workspace import Workspace
from sheets.batch import (
    ExportReport, SheetJob, SheetResult, _contents, decided_ids, export_unlocked, run_jobs,
)
from sheets.content import SheetContent, issue_for
from sheets.sign import SignerMaterial
from sheets.timestamps import SheetStamper, timestamp_unlocked

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

SIGNER = "审核员甲"
LEAD = "科长丙"
GOAL_SIGNED_PER_SECOND = 40.0
GOAL_TIMESTAMPED_PER_SECOND = 20.0


@dataclass(frozen=True)
class _Setup:
    workspace: Path
    batches: list[list[str]]  # one batch of applications per pair, none exported yet
    unsigned: list[SheetJob]
    stamper: SheetStamper


def _setup(folder: Path, n: int) -> tuple[list[SheetJob], list[SheetJob], SignerMaterial]:
    """Sheet jobs signed and unsigned over a small demo workspace (for render and sign experiments)."""
    from demo.workspace import DEMO_PASSPHRASE, create_demo
    from models.signing.reviewers import ca_certificate, get_reviewer, unlock
    from models.signing.revocation import require_current_crl
    from models.workspace.workspace import Workspace

    create_demo(folder / "workspace", count=60, kdf=KdfParams.cheap_for_tests())
    with Workspace.open(folder / "workspace", create=False) as ws:
        contents, _ = _contents(ws, decided_ids(ws))
        reviewer = get_reviewer(ws, SIGNER)
        material = SignerMaterial.of(unlock(ws, SIGNER, DEMO_PASSPHRASE), reviewer.certificate, ca_certificate(ws),
                                     require_current_crl(ws).der)
    return (_jobs(contents, n, folder / "signed", reviewer.role, material.organization),
            _jobs(contents, n, folder / "unsigned", reviewer.role, material.organization), material)


def _jobs(contents: list[SheetContent], n: int, folder: Path, role: str, organization: str) -> list[SheetJob]:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for index in range(n):
        content = contents[index % len(contents)]
        issue = issue_for(content, serial=f"2026-{index + 1:06d}", audit_head=f"{index:064x}",
                          exported_at="2026-01-05T09:30:00+08:00", signer=SIGNER, signer_role=role,
                          signer_organization=organization)
        jobs.append(SheetJob(content, issue, str(folder / f"{index:04d}.pdf")))
    return jobs


def _decide_first(ws: Workspace, key: ec.EllipticCurvePrivateKey, wanted: int) -> None:
    """A 初审 decision by the signer on further applications until ``wanted`` can be exported."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide_with_key

    decided = set(decided_ids(ws))
    rows = ws.db.execute("SELECT a.application_id, s.status, s.recommended_yuan FROM applications a "
                         "JOIN assessments s USING (application_id) ORDER BY a.seq").fetchall()
    for application_id, status, recommended in rows:
        if len(decided) >= wanted:
            return
        if application_id in decided or status == "referral":
            continue
        declare_conflict(ws, application_id, SIGNER, has_conflict=False, key=key)
        passed = status == "eligible"
        decide_with_key(ws, DecisionInput(application_id, "初审", "通过" if passed else "不通过", SIGNER,
                                          Decimal(recommended or "0") if passed else None, "材料齐全。"), key)
        decided.add(application_id)


def _full_setup(folder: Path, n: int, pairs: int) -> _Setup:
    from demo.workspace import DEMO_PASSPHRASE, create_demo
    from models.signing.reviewers import ca_certificate, get_reviewer, unlock
    from models.signing.revocation import require_current_crl
    from models.signing.tsa import unlock_tsa

    wanted = n * pairs
    create_demo(folder / "workspace", count=max(60, wanted + wanted // 4 + 10), kdf=KdfParams.cheap_for_tests())
    with Workspace.open(folder / "workspace", create=False) as ws:
        key = unlock(ws, SIGNER, DEMO_PASSPHRASE)
        _decide_first(ws, key, wanted)
        ids = decided_ids(ws)[:wanted]
        if len(ids) < wanted:
            raise RuntimeError(f"演示工作区只有 {len(ids)} 件可导出的申报，需要 {wanted} 件")
        contents, _ = _contents(ws, ids[:n])
        reviewer = get_reviewer(ws, SIGNER)
        crl = require_current_crl(ws).der
        ca = ca_certificate(ws)
        organization = SignerMaterial.of(key, reviewer.certificate, ca, crl).organization
        tsa_key, tsa_certificate = unlock_tsa(ws, DEMO_PASSPHRASE)
    return _Setup(folder / "workspace", [ids[i * n:(i + 1) * n] for i in range(pairs)],
                  _jobs(contents, n, folder / "unsigned", reviewer.role, organization),
                  SheetStamper(tsa_key, tsa_certificate, ca, crl))


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process, and of its finished children (NaN where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan"), float("nan")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _timed(action: Callable[[], list[SheetResult] | ExportReport | None]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process, of the worker processes) of ``action``; raises when a sheet
    failed."""
    (own, children), started = _cpu_seconds(), time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    own_after, children_after = _cpu_seconds()
    if isinstance(outcome, ExportReport):
        failures = [reason for _, reason in outcome.failed]
    else:
        failures = [r.error for r in outcome or [] if r.error]
    if failures:
        raise RuntimeError(f"{len(failures)} 份审核表生成失败：{failures[0]}")
    return seconds, own_after - own, children_after - children


def _stamp_all(ws: Workspace, stamper: SheetStamper, lead_key: ec.EllipticCurvePrivateKey, folder: Path) -> None:
    """What ``timestamp-sheets`` does once the keys are unlocked: per sheet, read, find its record, DSS update and
    document timestamp, write, keep it as the stored original; then the 负责人's signed batch event."""
    report = timestamp_unlocked(ws, sorted(folder.glob("*.pdf")), LEAD, lead_key, stamper)
    if report.failed or not all(sheet.stored for sheet in report.stamped):
        raise RuntimeError(f"{len(report.failed)} 份审核表未能加盖时间戳：{report.failed[:1]}")


def measure(n: int = 40, jobs: int | None = None, pairs: int = 3) -> dict[str, float]:
    """B-LT export and batch timestamping, each beside unsigned sheets, in interleaved pairs; medians of the rates.

    Each pair exports one batch of ``n`` applications end to end (``jobs`` processes, default all cores) and renders
    ``n`` unsigned sheets, then timestamps that batch's sheets (in one process, as ``timestamp-sheets`` does) and
    renders the unsigned sheets again, so load on the machine hits both alike. Also the CPU milliseconds per sheet
    (all processes, and the parent and the workers apart), which other load disturbs less, and the load average.
    """
    from demo.workspace import DEMO_PASSPHRASE
    from models.signing.reviewers import get_reviewer, unlock
    from sheets.styles import styles

    workers = jobs or os.cpu_count() or 1
    pairs = max(1, pairs)
    rates: dict[str, list[float]] = {key: [] for key in (
        "signed", "unsigned_beside_signed", "timestamped", "unsigned_beside_timestamped")}
    cpu: dict[str, list[float]] = {key: [] for key in rates}
    parent_cpu: dict[str, list[float]] = {key: [] for key in rates}
    workers_cpu: dict[str, list[float]] = {key: [] for key in rates}
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-") as scratch:
        found = _full_setup(Path(scratch), n, pairs)
        styles(None)  # the export finds its fonts before it starts its workers; the baseline too
        with Workspace.open(found.workspace, create=False) as ws:
            reviewer, key = get_reviewer(ws, SIGNER), unlock(ws, SIGNER, DEMO_PASSPHRASE)
            lead_key = unlock(ws, LEAD, DEMO_PASSPHRASE)
            for pair, batch in enumerate(found.batches):
                out = Path(scratch) / f"export-{pair}"
                for name, action in (
                        ("signed", partial(export_unlocked, ws, out, batch, reviewer, key, workers)),
                        ("unsigned_beside_signed", lambda: run_jobs(found.unsigned, None, None, workers)),
                        ("timestamped", partial(_stamp_all, ws, found.stamper, lead_key, out)),
                        ("unsigned_beside_timestamped", lambda: run_jobs(found.unsigned, None, None, workers))):
                    seconds, own, children = _timed(action)
                    rates[name].append(n / seconds)
                    cpu[name].append(1000 * (own + children) / n)
                    parent_cpu[name].append(1000 * own / n)
                    workers_cpu[name].append(1000 * children / n)
    figures = {"sheets": float(n), "workers": float(workers), "pairs": float(pairs),
               "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")}
    for name in rates:
        figures[f"{name}_per_second"] = statistics.median(rates[name])
        figures[f"{name}_cpu_ms_per_sheet"] = statistics.median(cpu[name])
        figures[f"{name}_parent_cpu_ms_per_sheet"] = statistics.median(parent_cpu[name])
        figures[f"{name}_workers_cpu_ms_per_sheet"] = statistics.median(workers_cpu[name])
    figures["unsigned_per_second"] = figures["unsigned_beside_signed_per_second"]
    figures["goal_signed_per_second"] = GOAL_SIGNED_PER_SECOND
    figures["goal_timestamped_per_second"] = GOAL_TIMESTAMPED_PER_SECOND
    return figures


def bench_sheets(rows: int, repeats: int, workdir: Path) -> Figure:
    """B-LT signed sheets per second, beside unsigned sheets in the same pairs (median of interleaved pairs)."""
    found = _measured(repeats)
    return Figure(
        f"B-LT export per second, {found['sheets']:.0f} × {found['pairs']:.0f} pairs "
        f"({found['signed_cpu_ms_per_sheet']:.0f} ms CPU each: parent {found['signed_parent_cpu_ms_per_sheet']:.0f}, "
        f"workers {found['signed_workers_cpu_ms_per_sheet']:.0f}; unsigned "
        f"{found['unsigned_beside_signed_cpu_ms_per_sheet']:.0f}; load {found['load_average']:.1f})",
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
