"""Red team: an insider with ordinary commands (cp, touch, the system clock) against a decided workspace.

Each test does what an insider with write access to the workspace folder can do
without any key but their own, then asks ``audit verify`` to name it.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from models.workspace.evidence import EvidenceStore
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import (PASSPHRASE, approve_both_stages, import_as, intake_row, returned_for, signer_of,
                                     staffed_workspace, write_csv)

SEEN = b"%PDF-1.4\n% the recognition the reviewers saw\n"


@pytest.fixture
def decided(tmp_path: Path) -> Path:
    """T00001 with its 认定文件 approved at 初审 and 复核; T00002, with another file, undecided."""
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "认定文件.pdf").write_bytes(SEEN)
    (tmp_path / "ev" / "另一企业认定文件.pdf").write_bytes(b"%PDF-1.4\n% another enterprise's file\n")
    with staffed_workspace(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="认定文件.pdf"),
                                                     intake_row(2, 附件="另一企业认定文件.pdf")]),
                  evidence=tmp_path / "ev")
        approve_both_stages(ws, "T00001", "300000")
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder) as ws:
        return verify_workspace(ws).problems


def _stored(folder: Path, content: bytes) -> Path:
    with Workspace.open(folder) as ws:
        path = EvidenceStore(ws.evidence_dir).path_of(hashlib.sha256(content).hexdigest())
    assert path.is_file()
    return path


def test_the_untouched_workspace_verifies(decided: Path) -> None:
    assert _problems(decided) == []


def test_a_decided_attachment_overwritten_in_the_evidence_store_is_named(decided: Path) -> None:
    """No row changes: the insider writes other bytes over the stored file the decisions signed."""
    stored = _stored(decided, SEEN)
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.4\n% not what the reviewers saw\n")
    problems = _problems(decided)
    assert any("申报 T00001 的附件 认定文件.pdf" in p and "已被改动" in p for p in problems), problems


def test_a_decided_attachment_deleted_from_the_evidence_store_is_named(decided: Path) -> None:
    _stored(decided, SEEN).unlink()
    problems = _problems(decided)
    assert any("申报 T00001 的附件 认定文件.pdf" in p and "缺失" in p for p in problems), problems


def test_an_export_re_reads_the_stored_files_of_the_applications_it_shows(decided: Path) -> None:
    """The whole-workspace check hashes every decided application's files; an export's, those its sheets show."""
    _stored(decided, SEEN).unlink()
    with Workspace.open(decided) as ws:
        assert any("T00001" in p for p in verify_workspace(ws, evidence_of=["T00001"]).problems)
        assert not any("的附件" in p for p in verify_workspace(ws, evidence_of=["T00002"]).problems)


def _returned_then_late_day_logged(folder: Path, tmp_path: Path) -> date:
    """T00002 returned for 补正 today with a 15-day deadline; 20 days on, 审核员乙 declares no conflict on it.
    Returns the deadline."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide

    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00002", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "初审", "退回补正", "审核员甲", **returned_for("认定文件")),  # type: ignore[arg-type]  # the 补正 keywords
               PASSPHRASE)
    deadline = date.today() + timedelta(days=15)
    with time_machine.travel(datetime.now().astimezone() + timedelta(days=20)), Workspace.open(folder) as ws:
        declare_conflict(ws, "T00002", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
    (tmp_path / "认定文件.pdf").write_bytes(b"%PDF-1.4\n% the missing recognition, scanned late\n")
    return deadline


def test_a_late_resubmission_made_with_the_clock_set_back_is_named(decided: Path, tmp_path: Path) -> None:
    """Past the deadline, the 初审 sets the PC's clock back before it and adds the missing file: on time, it says."""
    from models.review.correction_evidence import add_evidence
    from models.review.corrections import latest_resubmission

    _returned_then_late_day_logged(decided, tmp_path)
    scan = tmp_path / "认定文件.pdf"
    with time_machine.travel(datetime.now().astimezone() + timedelta(days=5)), Workspace.open(decided) as ws:
        add_evidence(ws, "T00002", [scan], signer_of(ws, "审核员甲"))
        back = latest_resubmission(ws.db, "T00002")
    assert back is not None and not back.late  # what the insider wanted the record to say
    problems = _problems(decided)
    assert any("时钟" in p and "早于" in p for p in problems), problems


def test_an_honest_resubmission_after_the_deadline_verifies(decided: Path, tmp_path: Path) -> None:
    from models.review.correction_evidence import add_evidence
    from models.review.corrections import latest_resubmission

    _returned_then_late_day_logged(decided, tmp_path)
    with time_machine.travel(datetime.now().astimezone() + timedelta(days=21)), Workspace.open(decided) as ws:
        add_evidence(ws, "T00002", [tmp_path / "认定文件.pdf"], signer_of(ws, "审核员甲"))
        back = latest_resubmission(ws.db, "T00002")
        assert back is not None and back.late
        assert verify_workspace(ws).problems == []


def _rekeyed_by_code(folder: Path, name: str, passphrase: str, confirmation: dict[str, object] | None = None) -> str:
    """What ``rekey_reviewer`` writes, done by the 系统管理员 with the CA passphrase in Python, with no second
    person's confirmation (or with ``confirmation`` copied in); returns the new certificate's fingerprint."""
    from models.signing.ca import cert_to_pem, fingerprint, issue_reviewer
    from models.signing.reviewers import get_reviewer, store_key, unlock_ca
    from models.signing.revocation import store_crl
    from models.workspace import audit, people_rows
    from models.workspace.people_rows import CertificateRow
    from tests.workspace_support import ADMIN, CA_PASSPHRASE, CHEAP

    with Workspace.open(folder) as ws:
        bundle = unlock_ca(ws, CA_PASSPHRASE)
        person = get_reviewer(ws, name)
        key, certificate = issue_reviewer(bundle, name, person.role)
        blob = store_key(ws, name, key, passphrase, CHEAP)
        minted = fingerprint(certificate)
        now = datetime.now().astimezone().isoformat(timespec="microseconds")
        with ws.db.atomic():
            people_rows.end_certificates(ws.db, name, retired_at=now)
            people_rows.replace_key(ws.db, name, cert_to_pem(certificate), blob, minted)
            people_rows.insert_certificate(ws.db, CertificateRow(minted, name, cert_to_pem(certificate), now))
            crl = store_crl(ws, bundle)
            audit.append(ws.db, ADMIN, "更换审核人员密钥", name, {
                "by": ADMIN, "old_fingerprint": person.fingerprint, "fingerprint": minted,
                "crl_number": crl["crl_number"], **({"confirmation": confirmation} if confirmation else {})})
    return minted


def test_an_administrator_cannot_re_key_a_reviewer_alone_through_the_app(decided: Path) -> None:
    from models.signing.people import Confirmation, rekey_reviewer
    from models.signing.reviewers import ReviewerError
    from tests.workspace_support import ADMIN, AUTH, CHEAP

    with Workspace.open(decided) as ws:
        with pytest.raises(ReviewerError, match="须经审核员乙本人.*或一位负责人确认"):
            rekey_reviewer(ws, "审核员乙", "管理员自定口令-999999", auth=AUTH, confirmation=None, kdf=CHEAP)
        with pytest.raises(ReviewerError, match="正是办理的系统管理员"):
            rekey_reviewer(ws, "审核员乙", "管理员自定口令-999999", auth=AUTH,
                           confirmation=Confirmation(ADMIN, PASSPHRASE), kdf=CHEAP)
        with pytest.raises(ReviewerError, match="角色是初审，不能确认"):
            rekey_reviewer(ws, "审核员乙", "管理员自定口令-999999", auth=AUTH,
                           confirmation=Confirmation("审核员甲", PASSPHRASE), kdf=CHEAP)
        fingerprint = ws.db.execute("SELECT fingerprint FROM reviewers WHERE name = '审核员乙'").fetchone()[0]
    with Workspace.open(decided) as ws:  # nothing of the refused re-keys was written
        assert ws.db.execute("SELECT fingerprint FROM reviewers WHERE name = '审核员乙'").fetchone()[0] == fingerprint


def test_an_administrator_who_re_keys_a_reviewer_by_code_cannot_sign_their_review(decided: Path) -> None:
    """The 系统管理员 re-keys 审核员乙 in Python, with a passphrase of their own choosing, and signs a 复核 as 乙."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide

    chosen = "管理员自定口令-999999"
    with Workspace.open(decided) as ws:
        declare_conflict(ws, "T00002", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    minted = _rekeyed_by_code(decided, "审核员乙", chosen)
    with Workspace.open(decided) as ws:
        declare_conflict(ws, "T00002", "审核员乙", has_conflict=False, passphrase=chosen)
        decide(ws, DecisionInput("T00002", "复核", "通过", "审核员乙", Decimal("300000")), chosen)
    problems = _problems(decided)
    assert any("更换审核人员密钥 审核员乙" in p and "没有本人或负责人的确认签名" in p and minted[:16] in p
               for p in problems), problems
    assert any("T00002 复核" in p and "审核员乙" in p and "未经确认的证书" in p for p in problems), problems
    assert any("审核员乙 对 T00002 的利益冲突声明" in p and "未经确认" in p for p in problems), problems


def test_a_confirmation_copied_from_another_re_key_counts_for_nothing(decided: Path) -> None:
    import json

    from models.signing.people import Confirmation, rekey_reviewer
    from tests.workspace_support import AUTH, CHEAP

    with Workspace.open(decided) as ws:
        rekey_reviewer(ws, "审核员甲", "甲的新口令-20261202", auth=AUTH,
                       confirmation=Confirmation("科长丙", PASSPHRASE), kdf=CHEAP)
        details = json.loads(ws.db.execute("SELECT details FROM audit WHERE action = '更换审核人员密钥' "
                                           "ORDER BY seq DESC LIMIT 1").fetchone()[0])
    _rekeyed_by_code(decided, "审核员乙", "管理员自定口令-999999", details["confirmation"])
    problems = _problems(decided)
    assert any("更换审核人员密钥 审核员乙" in p and "是别的变更的确认" in p for p in problems), problems
    assert not any("更换审核人员密钥 审核员甲" in p for p in problems), problems


def test_a_self_confirmation_signed_with_the_new_key_counts_for_nothing(decided: Path) -> None:
    """The 系统管理员 makes the new key and signs 乙's 'own' confirmation with it."""
    import base64

    from models.signing.key_approvals import CONFIRMATION, REKEY_ACTION
    from models.signing.reviewers import get_reviewer, unlock
    from models.signing.signatures import ALGORITHM, sign_record
    from tests.workspace_support import ADMIN

    chosen = "管理员自定口令-999999"
    with Workspace.open(decided) as ws:
        old = get_reviewer(ws, "审核员乙").fingerprint
    minted = _rekeyed_by_code(decided, "审核员乙", chosen)
    record = {"alg": ALGORITHM, "kind": CONFIRMATION, "action": REKEY_ACTION, "person": "审核员乙", "role": "复核",
              "fingerprint": minted, "old_fingerprint": old, "by": ADMIN, "confirmed_by": "审核员乙",
              "at": datetime.now().astimezone().isoformat(timespec="microseconds")}
    with Workspace.open(decided) as ws:
        signature = base64.b64encode(sign_record(unlock(ws, "审核员乙", chosen), record)).decode()
    second = _rekeyed_by_code(decided, "审核员乙", chosen + "x", {"record": record | {"fingerprint": "x"},
                                                                  "signature": signature})
    problems = _problems(decided)
    assert any(minted[:16] in p and "没有本人或负责人的确认签名" in p for p in problems), problems
    assert any(second[:16] in p and "fingerprint" in p for p in problems), problems


def test_an_administrator_cannot_add_a_second_lead_of_their_own_to_confirm_re_keys(decided: Path) -> None:
    from models.signing.people import Confirmation, add_reviewer
    from models.signing.reviewers import ReviewerError
    from tests.workspace_support import AUTH, CHEAP

    with Workspace.open(decided) as ws:
        with pytest.raises(ReviewerError, match="新增负责人 科长戊须经一位在任的负责人确认"):
            add_reviewer(ws, "科长戊", "负责人", "戊的口令-20261202", auth=AUTH, kdf=CHEAP)
        add_reviewer(ws, "科长戊", "负责人", "戊的口令-20261202", auth=AUTH, kdf=CHEAP,
                     confirmation=Confirmation("科长丙", PASSPHRASE))
        add_reviewer(ws, "审计员庚", "审计员", "庚的口令-20261202", auth=AUTH, kdf=CHEAP)  # no deciding power
    assert _problems(decided) == []


def _added_by_code(folder: Path, name: str, role: str, passphrase: str) -> None:
    """What ``add_reviewer`` writes, done by the 系统管理员 with the CA passphrase in Python, past its checks."""
    from models.signing.ca import cert_to_pem, fingerprint, issue_reviewer
    from models.signing.reviewers import store_key, unlock_ca
    from models.signing.staff import ACTIVE
    from models.workspace import audit, people_rows
    from models.workspace.people_rows import CertificateRow, PersonRow
    from tests.workspace_support import ADMIN, CA_PASSPHRASE, CHEAP

    with Workspace.open(folder) as ws:
        key, certificate = issue_reviewer(unlock_ca(ws, CA_PASSPHRASE), name, role)
        blob = store_key(ws, name, key, passphrase, CHEAP)
        minted, pem, now = fingerprint(certificate), cert_to_pem(certificate), audit.now_text()
        with ws.db.atomic():
            people_rows.insert_person(ws.db, PersonRow(name, role, pem, blob, minted, now, ACTIVE, None))
            people_rows.insert_certificate(ws.db, CertificateRow(minted, name, pem, now))
            audit.append(ws.db, ADMIN, "新增审核人员", name, {"role": role, "fingerprint": minted, "by": ADMIN,
                                                        "first_admin": False})


def test_a_lead_added_by_code_beside_the_one_in_office_is_named(decided: Path) -> None:
    _added_by_code(decided, "科长戊", "负责人", "戊的口令-20261202")
    problems = _problems(decided)
    assert any("新增审核人员 科长戊" in p and "没有本人或负责人的确认签名" in p for p in problems), problems


def _stale_sheet_made_current(folder: Path, tmp_path: Path) -> str:
    """T00002's sheet exported after its 初审; then 审核员乙 refuses it at 复核; then the insider rewrites the
    registered record of the old sheet to list the 复核 too, with a consistent log entry. Returns the code."""
    import json

    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide
    from models.signing.signatures import canonical_bytes
    from sheets.batch import export_sheets
    from tests.insider import forge_logged, row_of

    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00002", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
        export_sheets(ws, tmp_path / "out", ["T00002"], "审核员甲", PASSPHRASE, jobs=1)
        declare_conflict(ws, "T00002", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "复核", "不通过", "审核员乙", Decimal("0"), opinion="材料不实"),
               PASSPHRASE)
    sheet = row_of(folder, "SELECT r.code, r.record FROM sheet_records r JOIN sheets s ON s.code = r.code "
                           "WHERE s.application_id = 'T00002'")
    record = json.loads(sheet["record"])
    review = row_of(folder, "SELECT * FROM decisions WHERE application_id = 'T00002' AND stage = '复核'")
    record["decisions"].append({key: review[key] for key in
                                ("amount_yuan", "decided_at", "outcome", "reviewer", "signature", "stage", "uuid")})
    forge_logged(folder, [("UPDATE sheet_records SET record = ? WHERE code = ?",
                           [canonical_bytes(record).decode("utf-8"), sheet["code"]])],
                 actor="审核员甲", action="导出审核表", subject="T00002")
    return str(sheet["code"])


def test_a_stale_sheets_registered_record_rewritten_does_not_look_up_as_current(decided: Path, tmp_path: Path) -> None:
    """The paper shows the 初审 only; ``verify --code`` must not call it current because its record was rewritten."""
    from sheets.lookup import lookup_code

    code = _stale_sheet_made_current(decided, tmp_path)
    with Workspace.open(decided) as ws:
        found = lookup_code(ws, code)
    assert not found.ok and "登记的审核表记录与校验码不符" in found.message, found.message


def test_a_stale_sheets_registered_record_rewritten_is_named_by_audit_verify(decided: Path, tmp_path: Path) -> None:
    _stale_sheet_made_current(decided, tmp_path)
    problems = _problems(decided)
    assert any(p.startswith("审核表记录 ") and "导出时记入" in p and "之后又被改动" in p for p in problems), problems


def test_an_undecided_applications_fields_changed_under_the_apps_own_re_assessment_are_named(decided: Path) -> None:
    """The insider lowers nothing the engine would refuse: T00002's 申请金额 is changed with SQL and the app's own
    (unsigned) 重新评估 makes the assessment agree, in one transaction: every row and hash is consistent."""
    from models.review.reassess import reassess_enterprise

    with Workspace.open(decided) as ws:
        uscc = ws.db.execute("SELECT uscc FROM applications WHERE application_id = 'T00002'").fetchone()[0]
        with ws.db.atomic():
            ws.db.execute("UPDATE applications SET requested_yuan = '400000.00' WHERE application_id = 'T00002'")
            assert reassess_enterprise(ws, uscc, "审核员甲", "申请金额更正") == ["T00002"]
        assert ws.db.execute("SELECT recommended_yuan FROM assessments WHERE application_id = 'T00002'"
                             ).fetchone()[0] == "400000.00"  # the engine agrees with the forged field
    problems = _problems(decided)
    assert any("重新评估" in p and "申报 T00002 的申报内容" in p and "未经签名" in p for p in problems), problems


def test_an_attachment_list_changed_under_an_unsigned_entry_is_named(decided: Path) -> None:
    from tests.insider import forge_logged

    forge_logged(decided, ["DELETE FROM application_evidence WHERE application_id = 'T00002'",
                           "UPDATE applications SET attachments = '[]' WHERE application_id = 'T00002'"],
                 actor="审核员甲", action="修改设置", subject="demo")
    problems = _problems(decided)
    assert any("修改设置" in p and "申报 T00002 的申报内容；申报 T00002 的附件清单" in p for p in problems), problems


def test_a_late_resubmission_marked_on_time_with_sql_under_an_unsigned_entry_is_named(decided: Path,
                                                                                      tmp_path: Path) -> None:
    from models.review.correction_evidence import add_evidence
    from models.review.corrections import latest_resubmission
    from tests.insider import forge_logged

    _returned_then_late_day_logged(decided, tmp_path)
    with time_machine.travel(datetime.now().astimezone() + timedelta(days=21)), Workspace.open(decided) as ws:
        add_evidence(ws, "T00002", [tmp_path / "认定文件.pdf"], signer_of(ws, "审核员甲"))
    with time_machine.travel(datetime.now().astimezone() + timedelta(days=21, minutes=5)):
        forge_logged(decided, ["UPDATE resubmissions SET late = 0 WHERE application_id = 'T00002'"],
                     actor="审核员甲", action="重新评估", subject="T00002")
    with Workspace.open(decided) as ws:
        back = latest_resubmission(ws.db, "T00002")
    assert back is not None and not back.late
    problems = _problems(decided)
    assert any("重新评估" in p and "申报 T00002 的补正记录" in p for p in problems), problems


def test_one_entry_written_with_the_clock_set_forward_is_one_problem_however_many_follow(decided: Path) -> None:
    from models.review.conflicts import declare_conflict

    with time_machine.travel(datetime.now().astimezone() + timedelta(days=2)), Workspace.open(decided) as ws:
        declare_conflict(ws, "T00002", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    with Workspace.open(decided) as ws:
        declare_conflict(ws, "T00002", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        declare_conflict(ws, "T00002", "科长丙", has_conflict=False, passphrase=PASSPHRASE)
    problems = [p for p in _problems(decided) if "时钟" in p]
    assert len(problems) == 1 and "调快" in problems[0] and "此后另有 1 条" in problems[0], problems


def test_a_second_certificate_minted_for_a_reviewer_with_the_ca_key_is_named(decided: Path) -> None:
    """The 系统管理员 issues 审核员乙 another certificate outside the app (the key stays with the administrator) and
    lists it with a consistent entry; 乙's own key keeps working, so 乙 would never notice."""
    from models.signing.ca import cert_to_pem, fingerprint, issue_reviewer
    from models.signing.reviewers import unlock_ca
    from tests.insider import forge_logged, insert_row, row_of
    from tests.workspace_support import CA_PASSPHRASE

    with Workspace.open(decided) as ws:
        _, certificate = issue_reviewer(unlock_ca(ws, CA_PASSPHRASE), "审核员乙", "复核")
    listed = row_of(decided, "SELECT * FROM reviewer_certificates WHERE name = '审核员乙'")
    minted = listed | {"fingerprint": fingerprint(certificate), "certificate_pem": cert_to_pem(certificate),
                       "issued_at": datetime.now().astimezone().isoformat()}
    forge_logged(decided, [insert_row("reviewer_certificates", minted)], actor="管理员丁", action="新增审核人员",
                 subject="审核员乙")
    problems = _problems(decided)
    assert any(fingerprint(certificate)[:16] in p and "同时持有两张有效证书" in p for p in problems), problems


def test_a_re_key_retires_the_old_certificate_and_verifies(decided: Path) -> None:
    from models.signing.people import Confirmation, rekey_reviewer
    from tests.workspace_support import AUTH, CHEAP

    with Workspace.open(decided) as ws:
        rekey_reviewer(ws, "审核员乙", "新口令-20261202", auth=AUTH, confirmation=Confirmation("科长丙", PASSPHRASE),
                       kdf=CHEAP)
        rekey_reviewer(ws, "审核员乙", "又一新口令-20261202", auth=AUTH,
                       confirmation=Confirmation("审核员乙", "新口令-20261202"), kdf=CHEAP)
    assert _problems(decided) == []


def test_a_decision_signed_with_an_earlier_date_and_logged_now_is_named(tmp_path: Path) -> None:
    """People certified 60 days ago; today the 初审 signs a decision dated 30 days back in a scratch copy (its
    clock set back) and logs it, with its declaration, in the real workspace: the certificate was valid then."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide
    from tests.insider import forge_logged, insert_row, row_of, scratch_copy

    folder = tmp_path / "ws"
    with time_machine.travel(datetime.now().astimezone() - timedelta(days=60)), staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    scratch = scratch_copy(folder, tmp_path / "scratch")
    with time_machine.travel(datetime.now().astimezone() - timedelta(days=30)), \
            Workspace.open(scratch, lock=False, check_anchors=False) as ws:
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")), PASSPHRASE)
    forge_logged(folder, [insert_row("conflicts", row_of(scratch, "SELECT * FROM conflicts"))],
                 actor="审核员甲", action="利益冲突声明", subject="T00001")
    forge_logged(folder, [insert_row("decisions", row_of(scratch, "SELECT * FROM decisions"))],
                 actor="审核员甲", action="初审决定", subject="T00001")
    problems = _problems(folder)
    assert any("T00001 初审" in p and "早 30 天" in p and "签名时间" in p for p in problems), problems


def test_a_registered_sheets_signer_changed_is_named_and_does_not_look_up(decided: Path, tmp_path: Path) -> None:
    """The insider writes the 负责人 as the signer of the registered sheet, so a code lookup would name them."""
    from sheets.batch import export_sheets
    from sheets.lookup import lookup_code
    from tests.insider import forge_logged, row_of

    with Workspace.open(decided) as ws:
        export_sheets(ws, tmp_path / "out", ["T00001"], "审核员甲", PASSPHRASE, jobs=1)
        code = str(row_of(decided, "SELECT code FROM sheets WHERE application_id = 'T00001'")["code"])
        assert lookup_code(ws, code).ok
    forge_logged(decided, [("UPDATE sheets SET signer = '科长丙' WHERE code = ?", [code])],
                 actor="审核员甲", action="导出审核表", subject="T00001")
    with Workspace.open(decided) as ws:
        found = lookup_code(ws, code)
    assert not found.ok and "签名人" in found.message and "与审核表记录不符" in found.message, found.message
    problems = _problems(decided)
    assert any(f"审核表登记 {code}：签名人与导出时的审核表记录不符" in p for p in problems), problems


def test_a_lookalike_name_in_traditional_characters_is_refused(decided: Path) -> None:
    from models.signing.people import add_reviewer
    from models.signing.reviewers import ReviewerError
    from tests.workspace_support import AUTH, CHEAP

    with Workspace.open(decided) as ws:
        for lookalike in ("审核員甲", "審核員甲", "审核员甲 "):
            with pytest.raises(ReviewerError, match="已有名为 审核员甲 的人员.*繁简"):
                add_reviewer(ws, lookalike, "复核", PASSPHRASE, auth=AUTH, kdf=CHEAP)
        add_reviewer(ws, "审核员钟", "复核", PASSPHRASE, auth=AUTH, kdf=CHEAP)
        with pytest.raises(ReviewerError, match="已有名为 审核员钟 的人员"):
            add_reviewer(ws, "审核员鍾", "复核", PASSPHRASE, auth=AUTH, kdf=CHEAP)


def test_one_person_listed_again_under_a_lookalike_name_cannot_review_their_own_first_decision(decided: Path) -> None:
    """The 系统管理员 lists 审核员甲 (初审) a second time as 审核員甲, a 复核, by code past add_reviewer's check:
    one person, both stages of T00002."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide

    _added_by_code(decided, "审核員甲", "复核", PASSPHRASE)
    with Workspace.open(decided) as ws:
        for stage, name in (("初审", "审核员甲"), ("复核", "审核員甲")):
            declare_conflict(ws, "T00002", name, has_conflict=False, passphrase=PASSPHRASE)
            decide(ws, DecisionInput("T00002", stage, "通过", name, Decimal("300000")), PASSPHRASE)
    problems = _problems(decided)
    assert any("审核员甲 与 审核員甲" in p and "同一个名字" in p for p in problems), problems
    assert any("T00002" in p and "审核员甲（初审）、审核員甲（复核）" in p and "一个阶段" in p for p in problems), problems
