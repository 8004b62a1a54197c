"""补正告知书: the letter names the enterprise and every item exactly, is signed by the reviewer and audited."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.ca import cert_from_pem
from models.signing.reviewers import ca_certificate
from models.signing.signatures import verify_bytes
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from sheets.correction_notice import DECISION_FILE, NOTICE_ACTION, NoticeRefused, chinese_date, issue_notice
from sheets.verify import embedded_files
from tests.sheets.support import run_tool
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

ITEMS = ("国家级专精特新企业认定文件（加盖公章）", "近三年财务审计报告")
DEADLINE = date.today() + timedelta(days=20)


@pytest.fixture
def returned(tmp_path: Path) -> Iterator[Workspace]:
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 企业名称="聊城䶮堃生物医药有限公司"), intake_row(2)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="认定文件不清晰",
                             missing_items=ITEMS, deadline=DEADLINE), PASSPHRASE)
    yield ws
    ws.close()


def test_the_letter_names_the_enterprise_items_and_deadline(returned: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "补正告知书.pdf"
    issued = issue_notice(returned, "T00001", out, "审核员甲", PASSPHRASE)
    text = run_tool("pdftotext", "-raw", str(out), "-")
    lines = [line.strip() for line in text.splitlines()]
    assert "聊城䶮堃生物医药有限公司：" in lines
    assert [f"{n}．{item}" for n, item in enumerate(ITEMS, start=1)] == [line for line in lines if "．" in line]
    flat = "".join(lines)
    assert f"请于{chinese_date(DEADLINE)}前" in flat and "单位（盖章）" in flat and "聊城市工业和信息化局" in flat
    assert "审核员甲（初审）以数字证书签名" in flat and "不代替单位印章" in flat
    assert issued.pages == 1 and "Pages:           1" in run_tool("pdfinfo", str(out))


def test_the_letter_is_an_a4_page_with_the_gbt9704_text_block(returned: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "n.pdf"
    issue_notice(returned, "T00001", out, "审核员甲", PASSPHRASE)
    boxes = run_tool("pdftotext", "-bbox", str(out), "-")
    words = [(float(part.split('"')[1]), float(part.split('"')[3]), float(part.split('"')[5]))
             for part in boxes.split("<word ")[1:]]
    mm = 72 / 25.4
    assert "595.2" in run_tool("pdfinfo", str(out)) and "841.8" in run_tool("pdfinfo", str(out))
    lefts = [x_min for x_min, _, _ in words]
    rights = [x_max for _, _, x_max in words]
    assert min(lefts) == pytest.approx(28 * mm, abs=1.5)  # 订口 28 mm
    assert max(rights) <= (28 + 156) * mm + 8  # 版心 156 mm wide; a full-width mark may hang half out
    top = min(y for _, y, _ in words)
    assert 37 * mm - 2 <= top <= 37 * mm + 12  # the title opens the 版心 37 mm from the top


def test_the_signature_validates_and_carries_the_signed_decision(returned: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "n.pdf"
    issue_notice(returned, "T00001", out, "审核员甲", PASSPHRASE)
    ca = asn1_x509.Certificate.load(ca_certificate(returned).public_bytes(Encoding.DER))
    reader = PdfFileReader(io.BytesIO(out.read_bytes()))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[ca], allow_fetching=False))
    assert status.intact and status.valid and status.trusted and status.docmdp_ok
    assert "审核员甲" in status.signing_cert.subject.human_friendly
    proof = json.loads(embedded_files(reader)[DECISION_FILE])
    certificate = cert_from_pem(proof["certificate"])
    assert verify_bytes(certificate, proof["record"].encode("utf-8"), base64.b64decode(proof["signature"]))
    correction = json.loads(proof["record"])["decision"]["correction"]
    assert correction == {"items": list(ITEMS), "deadline": DEADLINE.isoformat()}
    poppler = run_tool("pdfsig", str(out))
    assert "Signature Validation: Signature is Valid." in poppler and "Total document signed" in poppler


def test_issuing_is_audited_and_the_log_still_verifies(returned: Workspace, tmp_path: Path) -> None:
    issued = issue_notice(returned, "T00001", tmp_path / "n.pdf", "审核员甲", PASSPHRASE)
    actor, details = returned.db.execute("SELECT actor, details FROM audit WHERE action = ?",
                                         [NOTICE_ACTION]).fetchone()
    assert actor == "审核员甲" and json.loads(details)["sha256"] == issued.sha256
    assert verify_workspace(returned).ok


def test_no_letter_for_an_application_that_does_not_wait_for_materials(returned: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NoticeRefused, match="T00002 没有现行的退回补正决定"):
        issue_notice(returned, "T00002", tmp_path / "n.pdf", "审核员甲", PASSPHRASE)
    with pytest.raises(NoticeRefused, match="系统管理员，不能签发"):
        issue_notice(returned, "T00001", tmp_path / "n.pdf", "管理员丁", PASSPHRASE)
    with pytest.raises(NoticeRefused, match="不存在，未生成补正告知书"):
        issue_notice(returned, "T00001", tmp_path / "没有这个文件夹" / "n.pdf", "审核员甲", PASSPHRASE)
    assert not (tmp_path / "n.pdf").exists()
    assert returned.db.execute("SELECT COUNT(*) FROM audit WHERE action = ?", [NOTICE_ACTION]).fetchone()[0] == 0


def test_verify_notice_tells_a_good_letter_from_a_changed_one(returned: Workspace, tmp_path: Path) -> None:
    from sheets.notice_verify import verify_notice

    out = tmp_path / "n.pdf"
    issue_notice(returned, "T00001", out, "审核员甲", PASSPHRASE)
    ca = ca_certificate(returned)
    good = verify_notice(out, ca, returned)
    assert good.ok, good.reasons
    assert (good.application_id, good.signer, good.items, good.deadline) == (
        "T00001", "审核员甲", ITEMS, DEADLINE.isoformat())
    assert verify_notice(out, ca).ok  # offline, without the workspace
    data = bytearray(out.read_bytes())
    at = data.index(b"/Producer")
    data[at + 12:at + 13] = b"X" if data[at + 12:at + 13] != b"X" else b"Y"
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    verdict = verify_notice(changed, ca, returned)
    assert not verdict.ok and "签名后文件内容被改动（签名摘要与文件不符）" in verdict.reasons
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(out.read_bytes() + b"\n% appended\n")
    assert not verify_notice(appended, ca, returned).ok
    stranger = staffed_workspace(tmp_path / "other")
    try:
        other = verify_notice(out, ca_certificate(stranger), stranger)
        assert not other.ok and any("不是由受信任的 CA 签发的" in r for r in other.reasons)
    finally:
        stranger.close()
    import_as(returned, write_csv(tmp_path / "b.csv", [intake_row(1, 企业名称="聊城䶮堃生物医药有限公司")]), update=True)
    resubmitted = verify_notice(out, ca, returned)
    assert resubmitted.ok and resubmitted.notes == ["该退回补正决定已不是现行决定（申报已补正或已重新决定）"]


def test_no_letter_for_a_return_signed_without_items_by_an_older_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = staffed_workspace(tmp_path / "ws")
    try:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        with monkeypatch.context() as older:  # the rule and the signed fields as they were before 补正 existed
            older.setattr("models.review.decisions.correction_problem", lambda *args: None)
            older.setattr("models.review.decisions.signed_fields", lambda *args: {})
            decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="缺认定文件"), PASSPHRASE)
        with pytest.raises(NoticeRefused, match="没有列明需补正的材料和期限"):
            issue_notice(ws, "T00001", tmp_path / "n.pdf", "审核员甲", PASSPHRASE)
        assert not (tmp_path / "n.pdf").exists()
    finally:
        ws.close()
