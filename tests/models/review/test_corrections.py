"""补正: a 退回补正 names what is missing and by when, the application waits, and its resubmission comes back."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.corrections import (
    RESUBMITTED, latest_resubmission, overdue_ids, pending_correction, pending_corrections,
)
from models.review.decisions import DecisionInput, DecisionRefused, decide
from models.review.queue import queue_rows
from models.review.queue_index import load_queue_index
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, signer_of, write_csv

IN_TWO_WEEKS = date.today() + timedelta(days=14)


@pytest.fixture
def imported(ws: Workspace, tmp_path: Path) -> Workspace:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    return ws


def _return(ws: Workspace, items: tuple[str, ...] = ("认定文件", "营业执照副本"),
            deadline: date | None = IN_TWO_WEEKS, **extra: object) -> None:
    decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="请补正", missing_items=items,
                             deadline=deadline, **extra), PASSPHRASE)  # type: ignore[arg-type]  # extra carries the override fields a test varies


def _stage(ws: Workspace, application_id: str = "T00001") -> str:
    return {r.application_id: r for r in queue_rows(ws.db, {})}[application_id].stage


@pytest.mark.parametrize(("items", "deadline", "message"), [
    ((), IN_TWO_WEEKS, "须列明需补正的材料"),
    (("  ", ""), IN_TWO_WEEKS, "须列明需补正的材料"),
    (("认定文件",), None, "须填写补正期限"),
    (("认定文件",), date.today(), "须晚于今天"),
    (("认定文件",), date.today() - timedelta(days=3), "须晚于今天"),
    (("认定文件",), date.today() + timedelta(days=400), "不能晚于一年之后"),
    (("认定文件\n营业执照",), IN_TWO_WEEKS, "换行或控制字符"),
    (("材" * 201,), IN_TWO_WEEKS, "超过 200 个字符"),
])
def test_a_return_without_items_or_a_fitting_deadline_is_refused(
        imported: Workspace, items: tuple[str, ...], deadline: date | None, message: str) -> None:
    with pytest.raises(DecisionRefused, match=message):
        _return(imported, items, deadline)
    assert imported.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_items_and_deadline_belong_to_a_return_only(imported: Workspace) -> None:
    with pytest.raises(DecisionRefused, match="只有结论为退回补正时"):
        decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000"),
                                       missing_items=("认定文件",)), PASSPHRASE)


def test_the_signed_record_carries_the_items_and_the_deadline(imported: Workspace) -> None:
    _return(imported, ("认定文件", " 营业执照副本 ", "认定文件"))
    record = json.loads(imported.db.execute("SELECT record FROM decisions").fetchone()[0])
    assert record["decision"]["correction"] == {"items": ["认定文件", "营业执照副本"],
                                                "deadline": IN_TWO_WEEKS.isoformat()}
    assert verify_workspace(imported).ok
    # Editing the deadline behind the app's back breaks the reviewer's signature.
    forged = json.dumps(record | {"decision": record["decision"] | {
        "correction": {"items": ["认定文件"], "deadline": (IN_TWO_WEEKS + timedelta(days=90)).isoformat()}}},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    imported.db.execute("DROP TRIGGER capture_decisions_update")
    imported.db.execute("UPDATE decisions SET record = ?", [forged])
    imported.db.conn.commit()
    report = verify_workspace(imported)
    assert not report.ok and any("签名无效" in p for p in report.problems)


def test_a_returned_application_waits_as_awaiting_materials(imported: Workspace) -> None:
    _return(imported)
    assert _stage(imported) == "待补正"
    assert _stage(imported, "T00002") == "待初审"
    waiting = pending_correction(imported.db, "T00001")
    assert waiting is not None and waiting.items == ("认定文件", "营业执照副本")
    assert (waiting.deadline, waiting.reviewer, waiting.stage) == (IN_TWO_WEEKS, "审核员甲", "初审")
    assert set(pending_corrections(imported.db)) == {"T00001"}


def test_an_overdue_correction_is_marked_in_the_queue(imported: Workspace,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _return(imported)
    assert overdue_ids(imported.db) == set()
    assert overdue_ids(imported.db, today=IN_TWO_WEEKS) == set()
    assert overdue_ids(imported.db, today=IN_TWO_WEEKS + timedelta(days=1)) == {"T00001"}
    monkeypatch.setattr("models.review.corrections.local_today", lambda: IN_TWO_WEEKS + timedelta(days=1))
    assert _stage(imported) == "待补正·逾期"
    index = load_queue_index(imported.db)
    assert index.stages[index.position_of["T00001"]] == "待补正·逾期"
    assert index.stages[index.position_of["T00002"]] == "待初审"


def test_a_resubmission_is_audited_and_returns_the_application_with_what_changed(
        imported: Workspace, tmp_path: Path) -> None:
    _return(imported)
    returned_uuid = imported.db.execute("SELECT uuid FROM decisions").fetchone()[0]
    evidence = tmp_path / "附件"
    (evidence / "T00001").mkdir(parents=True)
    (evidence / "T00001" / "认定文件.pdf").write_bytes(b"%PDF-1.4\n%resubmitted\n")
    changed = intake_row(1, **{"申请金额(万元)": "40", "认定日期": "2023-10-08", "附件": "认定文件.pdf"})
    import_as(imported, write_csv(tmp_path / "b.csv", [changed, intake_row(2)]), evidence=evidence,
              update=True)
    assert _stage(imported) == "待初审"
    assert pending_correction(imported.db, "T00001") is None
    assert imported.db.execute("SELECT COUNT(*) FROM decisions WHERE current = 1").fetchone()[0] == 0
    back = latest_resubmission(imported.db, "T00001")
    assert back is not None and (back.returned_uuid, back.actor, back.late) == (returned_uuid, "审核员甲", False)
    assert [(c.label, c.before, c.after) for c in back.changed] == [
        ("认定日期", "2023-09-15", "2023-10-08"), ("申请金额", "50.00万元", "40.00万元")]
    assert back.evidence_added == ("认定文件.pdf",) and back.evidence_removed == ()
    assert latest_resubmission(imported.db, "T00002") is None
    actor, details = imported.db.execute("SELECT actor, details FROM audit WHERE action = ? AND subject = ?",
                                         [RESUBMITTED, "T00001"]).fetchone()
    details = json.loads(details)
    assert actor == "审核员甲" and details["superseded"] == [returned_uuid]
    assert details["changed_fields"] == ["recognised_on", "requested_yuan"]
    assert details["evidence_added"] == ["认定文件.pdf"]
    assert verify_workspace(imported).ok


def test_the_changes_stop_showing_once_the_application_is_decided_again(imported: Workspace, tmp_path: Path) -> None:
    _return(imported)
    import_as(imported, write_csv(tmp_path / "b.csv", [intake_row(1, **{"申请金额(万元)": "40"})]), update=True)
    assert latest_resubmission(imported.db, "T00001") is not None
    decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("400000")), PASSPHRASE)
    assert latest_resubmission(imported.db, "T00001") is None
    assert verify_workspace(imported).ok


def test_a_late_resubmission_is_recorded_as_late(imported: Workspace, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _return(imported)
    monkeypatch.setattr("models.review.corrections.local_today", lambda: IN_TWO_WEEKS + timedelta(days=2))
    import_as(imported, write_csv(tmp_path / "b.csv", [intake_row(1)]), update=True)
    back = latest_resubmission(imported.db, "T00001")
    assert back is not None and back.late and back.lines() == ["申报内容与附件均未改变"]
    reason = json.loads(imported.db.execute("SELECT details FROM audit WHERE action = ?", [RESUBMITTED])
                        .fetchone()[0])["reason"]
    assert "已过补正期限" in reason


def test_a_supersede_reason_on_a_returned_application_is_no_resubmission(imported: Workspace, tmp_path: Path) -> None:
    _return(imported)
    import_as(imported, write_csv(tmp_path / "b.csv", [intake_row(1)]), update=True,
                supersede_reason="申报编号录入错误")
    assert latest_resubmission(imported.db, "T00001") is None
    actions = [a for (a,) in imported.db.execute("SELECT action FROM audit WHERE subject = 'T00001'")]
    assert "撤销决定并退回重审" in actions and RESUBMITTED not in actions
    assert verify_workspace(imported).ok


def test_a_draft_keeps_the_items_and_deadline_typed(tmp_path: Path) -> None:
    from models.review.drafts import Draft, DraftStore

    with DraftStore(tmp_path / "ws", tmp_path / "drafts.sqlite") as store:
        store.put("T00001", "审核员甲", Draft("初审", "退回补正", missing_items=("认定文件", "审计报告"),
                                             deadline=IN_TWO_WEEKS.isoformat()))
        kept = store.get("T00001", "审核员甲")
    assert kept is not None and kept.missing_items == ("认定文件", "审计报告")
    assert kept.deadline == IN_TWO_WEEKS.isoformat()


def test_files_added_to_a_returned_application_are_its_resubmission(imported: Workspace, tmp_path: Path) -> None:
    from models.review.correction_evidence import EvidenceRefused, add_evidence

    scan = tmp_path / "认定文件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%scan\n")
    with pytest.raises(EvidenceRefused, match="T00001 不是待补正的申报"):
        add_evidence(imported, "T00001", [scan], signer_of(imported, "科长丙"))
    _return(imported)
    with pytest.raises(EvidenceRefused, match="不存在或不是普通文件"):
        add_evidence(imported, "T00001", [tmp_path / "没有这个文件.pdf"], signer_of(imported, "科长丙"))
    assert pending_correction(imported.db, "T00001") is not None
    back = add_evidence(imported, "T00001", [scan], signer_of(imported, "科长丙"))
    assert back.evidence_added == ("认定文件.pdf",) and back.changed == ()
    assert back.source == "由科长丙补充附件"
    assert _stage(imported) == "待初审" and latest_resubmission(imported.db, "T00001") == back
    names = [n for (n,) in imported.db.execute("SELECT name FROM application_evidence WHERE application_id = 'T00001'")]
    assert names == ["认定文件.pdf"]
    assert json.loads(imported.db.execute("SELECT attachments FROM applications WHERE application_id = 'T00001'")
                      .fetchone()[0]) == ["认定文件.pdf"]
    assert verify_workspace(imported).ok


def test_looking_up_more_applications_than_sqlite_binds_at_once(imported: Workspace) -> None:
    _return(imported)
    asked = [f"X{n:05d}" for n in range(1500)] + ["T00001", "T00002"]
    assert set(pending_corrections(imported.db, asked)) == {"T00001"}
    assert overdue_ids(imported.db, today=IN_TWO_WEEKS + timedelta(days=1), ids=asked) == {"T00001"}
