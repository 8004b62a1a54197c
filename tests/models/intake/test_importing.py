"""Importing into a workspace: all or nothing, evidence stored by hash, updates keep history."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from models.review.casefile import load_case, verify_evidence
from models.intake.problems import ImportRejected
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv


def _count(ws: Workspace) -> int:
    return ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]


def test_import_stores_applications_assessments_and_an_audit_entry(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "申报.csv", [intake_row(1), intake_row(2, 申报事项="技术改造项目", 产业="纺织服装",
                                                                       **{"总投资额(万元)": "800", "设备购置额(万元)": "600"})])
    result = import_as(ws, path)
    assert (result.imported, result.updated) == (2, 0)
    assert _count(ws) == 2
    caps = dict(ws.db.execute("SELECT application_id, cap_yuan FROM assessments"))
    assert caps == {"T00001": "500000.00", "T00002": "600000.00"}
    entry = ws.db.execute("SELECT actor, action, subject, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert entry[:3] == ("审核员甲", "导入申报文件", "申报.csv")
    details = json.loads(entry[3])
    assert details["rows"] == 2 and len(details["sha256"]) == 64


def test_rejected_file_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    audit_rows = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    bad = write_csv(tmp_path / "b.csv", [intake_row(2), intake_row(3, 统一社会信用代码="913715000000000001")])
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, bad)
    assert caught.value.lines()[0] == "文件 b.csv 未导入，共 1 处问题"
    assert _count(ws) == 1
    assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audit_rows


def test_existing_application_id_needs_update_flag_and_keeps_history(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    again = write_csv(tmp_path / "b.csv", [intake_row(1, **{"申请金额(万元)": "40"})])
    with pytest.raises(ImportRejected, match="已在工作区中"):
        import_as(ws, again)
    result = import_as(ws, again, update=True)
    assert (result.imported, result.updated) == (0, 1)
    row = ws.db.execute("SELECT requested_yuan, version FROM applications").fetchone()
    assert row == ("400000.00", 2)
    snapshot = json.loads(ws.db.execute("SELECT snapshot FROM application_versions").fetchone()[0])
    assert snapshot["requested_yuan"] == "500000.00"


def test_evidence_folder_files_are_stored_by_hash_and_checked_on_open(ws: Workspace, tmp_path: Path) -> None:
    evidence = tmp_path / "附件"
    evidence.mkdir()
    (evidence / "证书.pdf").write_bytes(b"%PDF-1.4 demo")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")]), evidence=evidence)
    case = load_case(ws, "T00001")
    assert [f.name for f in case.evidence] == ["证书.pdf"]
    assert verify_evidence(ws, case.evidence[0]).ok
    stored = ws.evidence_dir / case.evidence[0].sha256[:2] / case.evidence[0].sha256
    stored.write_bytes(b"%PDF-1.4 altered")
    integrity = verify_evidence(ws, case.evidence[0])
    assert not integrity.ok and "改动" in integrity.message


def test_missing_attachment_is_an_import_error(ws: Workspace, tmp_path: Path) -> None:
    evidence = tmp_path / "附件"
    evidence.mkdir()
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf；发票.pdf")])
    (evidence / "证书.pdf").write_bytes(b"x")
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, path, evidence=evidence)
    assert caught.value.lines()[1] == "第2行 附件: 附件目录中找不到“发票.pdf”"
    assert _count(ws) == 0


def test_evidence_zip_with_gbk_names_is_accepted(ws: Workspace, tmp_path: Path) -> None:
    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("证书.pdf", b"%PDF-1.4 zip")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")]), evidence=archive)
    assert load_case(ws, "T00001").evidence[0].name == "证书.pdf"


@pytest.mark.parametrize("bad_name", ["../逃逸.pdf", "/abs.pdf", "C:/win.pdf", "dir\\back.pdf"])
def test_crafted_zip_is_rejected_and_nothing_is_written_outside(ws: Workspace, tmp_path: Path, bad_name: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("证书.pdf", b"%PDF-1.4 ok")
        out.writestr(zipfile.ZipInfo(bad_name), b"payload")
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(ImportRejected) as caught:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")]), evidence=archive)
    assert "未导入" in str(caught.value)
    after = sorted(p for p in tmp_path.rglob("*") if p.name != "a.csv")
    assert [p for p in after if p not in before] == []
    assert _count(ws) == 0


def test_engine_history_reads_final_approvals(ws: Workspace, tmp_path: Path) -> None:
    from models.review.decisions import DecisionInput, decide
    from models.review.conflicts import declare_conflict
    from tests.workspace_support import PASSPHRASE

    tech = {"申报事项": "技术改造项目", "产业": "纺织服装", "总投资额(万元)": "3000", "设备购置额(万元)": "1500",
            "统一社会信用代码": intake_row(9)["统一社会信用代码"]}
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, **tech)]))
    for name, stage in (("审核员甲", "初审"), ("审核员乙", "复核")):
        declare_conflict(ws, "T00001", name, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", stage, "通过", name, amount_yuan=__import__("decimal").Decimal("1500000")),
               PASSPHRASE)
    import_as(ws, write_csv(tmp_path / "b.csv", [intake_row(2, **tech)]))
    cap, trace = ws.db.execute("SELECT cap_yuan, trace FROM assessments WHERE application_id = 'T00002'").fetchone()
    assert cap == "500000.00"
    assert "已占用 150.00万元" in trace
