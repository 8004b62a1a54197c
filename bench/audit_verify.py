"""``audit verify`` on a workspace of 10,000 events: replay the log and compare every table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bench.run import Figure, best_of

EVENTS = 10_000


def _workspace_with_events(folder: Path, workdir: Path) -> int:
    """Imports, conflict declarations and signed decisions until the log holds :data:`EVENTS` entries."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide_with_key
    from models.intake.importing import import_file
    from models.signing.reviewers import unlock
    from models.signing.signed_entries import ActingSigner
    from tests.workspace_support import PASSPHRASE, intake_row, staffed_workspace, write_csv

    ws = staffed_workspace(folder)
    count = EVENTS // 2
    key = unlock(ws, "审核员甲", PASSPHRASE)
    import_file(ws, write_csv(workdir / "audit-bench.csv", [intake_row(n) for n in range(1, count + 1)]),
                signer=ActingSigner("审核员甲", key))
    n = 0
    while ws.db.execute("SELECT MAX(seq) FROM audit").fetchone()[0] < EVENTS:
        n += 1
        application_id = f"T{n:05d}"
        declare_conflict(ws, application_id, "审核员甲", has_conflict=False, key=key)
        decide_with_key(ws, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal("300000")), key)
    events = int(ws.db.execute("SELECT MAX(seq) FROM audit").fetchone()[0])
    ws.close()
    return events


def bench_audit_verify(rows: int, repeats: int, workdir: Path) -> Figure:
    from models.workspace.verification import verify_workspace
    from models.workspace.workspace import Workspace

    folder = workdir / "audit-verify"
    events = _workspace_with_events(folder, workdir)
    with Workspace.open(folder) as ws:
        report = verify_workspace(ws)
        if not report.ok:
            raise RuntimeError(f"audit verify failed on the bench workspace: {report.problems[:3]}")

        def read_everything() -> None:
            for table in ("audit", "audit_changes", "applications", "assessments", "decisions", "conflicts"):
                ws.db.execute(f"SELECT * FROM {table}").fetchall()

        baseline = best_of(repeats, read_everything)
        seconds = best_of(repeats, lambda: verify_workspace(ws))
    return Figure(f"audit verify, {events:,} events (replay + compare)", seconds, "≤ 2 s", seconds <= 2.0,
                  "read log and tables", baseline)


BENCHMARKS = [bench_audit_verify]
