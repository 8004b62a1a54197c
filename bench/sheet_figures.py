"""``measure()``: signed and unsigned sheets per second over the same batch, for ``make bench``.

The setup (a small demo workspace with cheap key derivation) is not timed;
the timed part is what ``export-sheets`` does per sheet: render, sign, write,
in worker processes.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from models.signing.keys import KdfParams
from sheets.batch import SheetJob, _contents, decided_ids, run_jobs
from sheets.content import issue_for
from sheets.sign import SignerMaterial

SIGNER = "审核员甲"
GOAL_SIGNED_PER_SECOND = 40.0


def _setup(folder: Path, n: int) -> tuple[list[SheetJob], list[SheetJob], SignerMaterial]:
    from demo.workspace import DEMO_PASSPHRASE, create_demo
    from models.signing.reviewers import ca_certificate, get_reviewer, unlock
    from models.workspace.workspace import Workspace

    create_demo(folder / "workspace", count=60, kdf=KdfParams.cheap_for_tests())
    with Workspace.open(folder / "workspace", create=False) as ws:
        contents, _ = _contents(ws, decided_ids(ws))
        reviewer = get_reviewer(ws, SIGNER)
        material = SignerMaterial.of(unlock(ws, SIGNER, DEMO_PASSPHRASE), reviewer.certificate, ca_certificate(ws))
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
    return signed, unsigned, material


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (NaN where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(n: int = 200, jobs: int | None = None) -> dict[str, float]:
    """Sheets per second, signed and unsigned, over ``n`` sheets each, with ``jobs`` processes (default: all cores).

    Also the CPU milliseconds per sheet (all processes), which other load on the machine disturbs less.
    """
    workers = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="reviewdesk-bench-") as scratch:
        signed, unsigned, material = _setup(Path(scratch), n)
        cpu, started = _cpu_seconds(), time.perf_counter()
        results = run_jobs(signed, material, None, workers)
        signed_seconds, signed_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        cpu, started = _cpu_seconds(), time.perf_counter()
        plain = run_jobs(unsigned, None, None, workers)
        unsigned_seconds, unsigned_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    failures = [r.error for r in results + plain if r.error]
    if failures:
        raise RuntimeError(f"{len(failures)} 份审核表生成失败：{failures[0]}")
    return {
        "sheets": float(n),
        "workers": float(workers),
        "signed_per_second": n / signed_seconds,
        "unsigned_per_second": n / unsigned_seconds,
        "signed_seconds": signed_seconds,
        "unsigned_seconds": unsigned_seconds,
        "signed_cpu_ms_per_sheet": 1000 * signed_cpu / n,
        "unsigned_cpu_ms_per_sheet": 1000 * unsigned_cpu / n,
        "goal_signed_per_second": GOAL_SIGNED_PER_SECOND,
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:<24} {value:10.2f}")
