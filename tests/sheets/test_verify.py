"""verify_pdf: a fresh sheet passes; any change after signing, or a foreign CA, fails with its reason."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from models.signing.ca import create_ca, issue_reviewer
from models.review.casefile import load_case
from models.review.decisions import DecisionInput, decide_with_key
from demo.workspace import DEMO_PASSPHRASE
from models.signing.reviewers import ca_certificate, unlock
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.codes import BadCode, verification_code
from sheets.content import attachments, content_from_case, issue_for
from sheets.layout import render
from sheets.registry import EXPORT_ACTION
from sheets.sign import SheetSigner, SignerMaterial
from sheets.verify import embedded_files, lookup_code, verify_pdf
from tests.sheets.support import FIRST_REVIEWER, Exported, pick_ids, run_tool


def _ca(exported: Exported):
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        return ca_certificate(ws)


def _verify(exported: Exported, path: Path, with_workspace: bool = True):
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        return verify_pdf(path, ca_certificate(ws), ws if with_workspace else None)


def test_an_exported_sheet_verifies_with_and_without_the_workspace(exported: Exported) -> None:
    path = exported.out / f"{exported.both_stages}.pdf"
    online = _verify(exported, path)
    assert online.ok, online.reasons
    assert online.signer == FIRST_REVIEWER
    # PAdES B-LT: the DSS is a revision after the signature, allowed and shown, not a change of content
    assert not online.covers_whole_file and not online.modified_after_signing
    assert online.later_updates == "验证数据（证书链和吊销列表）" and online.kind == "有效"
    assert online.content_matches is True
    assert [(c.stage, c.ok) for c in online.decision_checks] == [("初审", True), ("复核", True)]
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        at = ws.db.execute("SELECT at FROM audit WHERE action = ? AND subject = ?",
                           [EXPORT_ACTION, exported.both_stages]).fetchone()[0]
    assert (online.signed_at, online.signed_at_source) == (at, "审计日志")
    offline = _verify(exported, path, with_workspace=False)
    assert offline.ok, offline.reasons
    assert offline.content_matches is None and offline.signed_at_source == "签名声称"
    assert datetime.fromisoformat(offline.signed_at) == datetime.fromisoformat(at)
    assert offline.code == online.code


def test_poppler_pdfsig_finds_the_signature_valid(exported: Exported) -> None:
    output = run_tool("pdfsig", str(exported.out / f"{exported.both_stages}.pdf"))
    assert "Signature Validation: Signature is Valid." in output
    assert "Signature Validation: Signature is Valid." in output  # the DSS revision (B-LT) follows the signed range
    assert f"Signer Certificate Common Name: {FIRST_REVIEWER}" in output


def test_flipping_one_byte_fails(exported: Exported, sheet_copy: Path) -> None:
    data = bytearray(sheet_copy.read_bytes())
    data[len(data) // 3] ^= 0x01
    sheet_copy.write_bytes(bytes(data))
    verdict = _verify(exported, sheet_copy)
    assert not verdict.ok
    assert verdict.reasons


@pytest.mark.parametrize("where", [200, 0.25, 0.5, 0.75, -40])
def test_flipping_a_byte_anywhere_fails(exported: Exported, sheet_copy: Path, where: float) -> None:
    data = bytearray(sheet_copy.read_bytes())
    index = int(where * len(data)) if isinstance(where, float) else where % len(data)
    data[index] = (data[index] + 1) % 256
    sheet_copy.write_bytes(bytes(data))
    assert not _verify(exported, sheet_copy).ok


def test_a_byte_flipped_at_any_of_forty_places_is_a_verdict_not_a_crash(exported: Exported, sheet_copy: Path) -> None:
    original = sheet_copy.read_bytes()
    for n in range(40):
        data = bytearray(original)
        index = (n * len(data)) // 40 + 7
        data[index] = (data[index] + 1) % 256
        sheet_copy.write_bytes(bytes(data))
        verdict = _verify(exported, sheet_copy)
        assert not verdict.ok and verdict.reasons, index


def test_appended_bytes_fail(exported: Exported, sheet_copy: Path) -> None:
    sheet_copy.write_bytes(sheet_copy.read_bytes() + b"\n% appended after signing\n")
    verdict = _verify(exported, sheet_copy, with_workspace=False)
    assert not verdict.ok and not verdict.covers_whole_file
    assert any("追加" in reason for reason in verdict.reasons), verdict.reasons


def test_an_incremental_update_that_changes_page_text_fails(exported: Exported, sheet_copy: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sheet_copy.read_bytes()))
    font = generic.DictionaryObject({generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                                     generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                                     generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")})
    resources = generic.DictionaryObject({generic.pdf_name("/Font"): generic.DictionaryObject(
        {generic.pdf_name("/Fx"): writer.add_object(font)})})
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /Fx 24 Tf 100 400 Td (AMOUNT 9999999) Tj ET"))
    writer.add_stream_to_page(0, stream, resources=resources)
    out = io.BytesIO()
    writer.write(out)
    sheet_copy.write_bytes(out.getvalue())
    assert "AMOUNT 9999999" in run_tool("pdftotext", str(sheet_copy), "-")
    verdict = _verify(exported, sheet_copy)
    assert not verdict.ok and verdict.modified_after_signing and not verdict.covers_whole_file
    assert any("增量更新" in reason for reason in verdict.reasons), verdict.reasons


def test_a_sheet_signed_with_a_certificate_from_another_ca_fails(exported: Exported, tmp_path: Path) -> None:
    foreign = create_ca("另一个 CA", "别处")
    key, certificate = issue_reviewer(foreign, FIRST_REVIEWER, "初审")
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        content = content_from_case(load_case(ws, exported.both_stages),
                                    dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall()))
    issue = issue_for(content, serial="2026-999999", audit_head="0" * 64, exported_at="2026-03-01T10:00:00+08:00",
                      signer=FIRST_REVIEWER, signer_role="初审")
    material = SignerMaterial.of(key, certificate, foreign.certificate)
    rendered = render(content, issue)
    pdf = SheetSigner(material).sign(rendered.pdf, attachments(content, issue), rendered.stamp_page,
                                     rendered.stamp_box, datetime.fromisoformat(issue.exported_at))
    path = tmp_path / "foreign.pdf"
    path.write_bytes(pdf)
    verdict = _verify(exported, path)
    assert not verdict.ok
    assert any("不是由受信任的 CA 签发" in reason for reason in verdict.reasons), verdict.reasons
    assert any("没有校验码" in reason for reason in verdict.reasons)


def test_a_foreign_ca_given_with_ca_does_not_trust_the_workspace_sheets(exported: Exported) -> None:
    verdict = verify_pdf(exported.out / f"{exported.both_stages}.pdf", create_ca().certificate)
    assert not verdict.ok
    assert any("不是由受信任的 CA 签发" in reason for reason in verdict.reasons)
    assert any("初审决定" in reason for reason in verdict.reasons)


def test_a_decision_changed_after_export_makes_the_sheet_outdated(demo_ws: Path, tmp_path: Path) -> None:
    _, first_only = pick_ids(demo_ws)
    report = export_sheets(demo_ws, tmp_path / "out", [first_only], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert report.ok
    path = tmp_path / "out" / f"{first_only}.pdf"
    with Workspace.open(demo_ws, create=False) as ws:
        assert verify_pdf(path, ca_certificate(ws), ws).ok
        code = verify_pdf(path, ca_certificate(ws), ws).code
        key = unlock(ws, FIRST_REVIEWER, DEMO_PASSPHRASE)
        decide_with_key(ws, DecisionInput(first_only, "初审", "不通过", FIRST_REVIEWER, None, "重新核查后不符合条件。"), key)
        verdict = verify_pdf(path, ca_certificate(ws), ws)
        lookup = lookup_code(ws, code)
    assert not verdict.ok and verdict.content_matches is False and verdict.outdated
    assert any("已被新的决定取代" in reason for reason in verdict.currency.reasons), verdict.currency
    assert lookup.decisions_current is False and not lookup.ok


def test_codes_are_looked_up_in_the_workspace(exported: Exported) -> None:
    verdict = _verify(exported, exported.out / f"{exported.first_only}.pdf")
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        found = lookup_code(ws, verdict.code.lower().replace("-", " "))
        with pytest.raises(BadCode):
            lookup_code(ws, verdict.code[:-1] + ("0" if verdict.code[-1] != "0" else "2"))
        unknown = lookup_code(ws, verification_code({"application_id": "别处的审核表"}))
    assert unknown.row is None and not unknown.ok and "未在本工作区登记" in unknown.message
    assert found.ok and found.row is not None and found.decisions_current
    assert (found.row.application_id, found.row.serial) == (exported.first_only, verdict.serial)


def test_embedded_decision_records_are_the_signed_ones(exported: Exported) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO((exported.out / f"{exported.both_stages}.pdf").read_bytes()))
    files = embedded_files(reader)
    assert set(files) == {"sheet.json", "decision-1-first.json", "decision-2-second.json"}
    proof = json.loads(files["decision-1-first.json"])
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        stored = ws.db.execute("SELECT record, signature, note FROM decisions WHERE uuid = ?",
                               [json.loads(proof["record"])["decision"]["uuid"]]).fetchone()
    assert (proof["record"], proof["signature"]) == (stored[0], stored[1])
    assert "BEGIN CERTIFICATE" in proof["certificate"]
    sheet_record = json.loads(files["sheet.json"])
    assert sheet_record["decisions"][0]["signature"] == proof["signature"]
    assert "note" not in files["sheet.json"].decode() + proof["record"].replace("note_sha256", "")


ENGLISH = re.compile(r"\b(?!PDF\b|SHA\b|CA\b|PAdES\b)[A-Za-z_]{3,}\b")


def _plain(reasons: list[str]) -> None:
    """Plain Chinese: no library text, no negative counts."""
    for reason in reasons:
        assert not ENGLISH.search(reason), reason
        assert not re.search(r"(?<![0-9A-Za-z])-\d", reason), reason  # a minus sign, not a date or SHA-256


@pytest.mark.parametrize("where", [0.1, 0.3, 0.5, 0.9])
def test_a_flipped_byte_does_not_also_blame_the_ca(exported: Exported, sheet_copy: Path, where: float) -> None:
    data = bytearray(sheet_copy.read_bytes())
    data[int(where * len(data))] ^= 0x01
    sheet_copy.write_bytes(bytes(data))
    verdict = _verify(exported, sheet_copy, with_workspace=False)
    assert not verdict.ok
    assert not any("CA" in reason for reason in verdict.reasons), verdict.reasons
    assert verdict.application_id == exported.both_stages and verdict.signer == FIRST_REVIEWER
    _plain(verdict.reasons)


@pytest.mark.parametrize("damage", ["truncated", "no_eof", "cut_with_eof", "middle_removed"])
def test_a_damaged_file_is_named_and_explained_in_chinese(exported: Exported, sheet_copy: Path, damage: str) -> None:
    data = sheet_copy.read_bytes()
    damaged = {"truncated": data[:-30], "no_eof": data.replace(b"%%EOF", b"%%EOX"),
               "cut_with_eof": data[:-400] + b"\n%%EOF\n", "middle_removed": data[:1000] + data[3211:]}[damage]
    sheet_copy.write_bytes(damaged)
    verdict = _verify(exported, sheet_copy)
    assert not verdict.ok and verdict.reasons
    _plain(verdict.reasons)
    assert verdict.application_id == exported.both_stages and verdict.signer == FIRST_REVIEWER
    assert "按文件名" in verdict.subject()


def test_a_page_changing_update_is_described_in_chinese(exported: Exported, sheet_copy: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sheet_copy.read_bytes()))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"0 0 m 100 100 l S")))
    out = io.BytesIO()
    writer.write(out)
    sheet_copy.write_bytes(out.getvalue())
    verdict = _verify(exported, sheet_copy)
    assert any("改动了页面内容" in reason for reason in verdict.reasons), verdict.reasons
    _plain(verdict.reasons)
    assert not any("CA" in reason for reason in verdict.reasons)


def test_a_genuine_sheet_checked_after_the_certificate_expired(exported: Exported) -> None:
    """A faked clock a day past the signer's certificate: valid at the audit log's signing time, said so."""
    from datetime import timedelta

    path = exported.out / f"{exported.both_stages}.pdf"
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        certificate = ca_certificate(ws)
        signer = next(r for r in ws.db.execute("SELECT certificate_pem FROM reviewers WHERE name = ?",
                                               [FIRST_REVIEWER]))
        from models.signing.ca import cert_from_pem

        later = cert_from_pem(signer[0]).not_valid_after_utc + timedelta(days=1)
        online = verify_pdf(path, certificate, ws, at=later)
    offline = verify_pdf(path, certificate, at=later)
    assert online.ok, online.reasons
    assert any("过期" in note and "审计日志" in note for note in online.notes), online.notes
    assert not offline.ok
    assert any("过期" in reason for reason in offline.reasons), offline.reasons
    assert not any("不是由受信任的 CA" in reason for reason in offline.reasons)
    _plain(offline.reasons)


def test_a_sheet_whose_amount_differs_from_the_signed_decision_says_so_in_chinese(exported: Exported,
                                                                                   tmp_path: Path) -> None:
    """Signed by a genuine key, but the sheet shows another amount than the reviewer signed."""
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        certificates = dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall())
        content = content_from_case(load_case(ws, exported.both_stages), certificates)
        key = unlock(ws, FIRST_REVIEWER, DEMO_PASSPHRASE)
        reviewer = ws.db.execute("SELECT certificate_pem FROM reviewers WHERE name = ?", [FIRST_REVIEWER]).fetchone()
        from models.signing.ca import cert_from_pem

        material = SignerMaterial.of(key, cert_from_pem(reviewer[0]), ca_certificate(ws))
    assert content.first is not None
    forged = replace(content, first=replace(content.first, amount_yuan=content.first.amount_yuan * 2))
    issue = issue_for(forged, serial="2026-999998", audit_head="0" * 64, exported_at="2026-03-01T10:00:00+08:00",
                      signer=FIRST_REVIEWER, signer_role="初审")
    rendered = render(forged, issue)
    path = tmp_path / "forged.pdf"
    path.write_bytes(SheetSigner(material).sign(rendered.pdf, attachments(forged, issue), rendered.stamp_page,
                                                rendered.stamp_box, datetime.fromisoformat(issue.exported_at)))
    verdict = verify_pdf(path, _ca(exported))
    assert not verdict.ok
    assert any("审核表上的核定金额与签名记录不符" in reason for reason in verdict.reasons), verdict.reasons
    _plain(verdict.reasons)
