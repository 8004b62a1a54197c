"""Conflict-of-interest declarations: a reviewer declares before seeing an application's evidence."""

from __future__ import annotations

from models import audit
from models.failures import ReviewDeskError
from models.reviewers import get_reviewer
from models.workspace import Workspace


class ConflictRefused(ReviewDeskError):
    """The declaration breaks a rule; nothing was written."""


def declare_conflict(ws: Workspace, application_id: str, reviewer: str, *, has_conflict: bool,
                     reason: str = "") -> None:
    """Record a reviewer's conflict-of-interest declaration; a conflict excludes them."""
    _require_application(ws, application_id)
    get_reviewer(ws, reviewer)
    if has_conflict and not reason.strip():
        raise ConflictRefused("声明存在利益冲突时须写明原因")
    with ws.db.atomic():
        ws.db.execute(
            "INSERT INTO conflicts (application_id, reviewer, has_conflict, reason, declared_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT(application_id, reviewer) DO UPDATE SET has_conflict = excluded.has_conflict, "
            "reason = excluded.reason, declared_at = excluded.declared_at",
            [application_id, reviewer, int(has_conflict), reason.strip(), audit.now_text()],
        )
        audit.append(ws.db, reviewer, "利益冲突声明", application_id,
                     {"has_conflict": has_conflict, "reason": reason.strip()})


def conflict_declared(ws: Workspace, application_id: str, reviewer: str) -> bool | None:
    """None when the reviewer has not declared yet; else whether they have a conflict."""
    row = ws.db.execute("SELECT has_conflict FROM conflicts WHERE application_id = ? AND reviewer = ?",
                        [application_id, reviewer]).fetchone()
    return None if row is None else bool(row[0])



def _require_application(ws: Workspace, application_id: str) -> None:
    if ws.db.execute("SELECT 1 FROM applications WHERE application_id = ?", [application_id]).fetchone() is None:
        raise ConflictRefused(f"工作区中没有申报编号 {application_id}")
