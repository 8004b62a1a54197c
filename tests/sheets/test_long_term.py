"""PAdES B-LT on export, B-LTA by the 负责人, and verify's verdicts over time: expiry, revocation, changes."""

from __future__ import annotations

import base64
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from demo.workspace import ADMIN_NAME, DEMO_PASSPHRASE
from models.signing.ca import CRL_DISTRIBUTION_URI, cert_from_pem
from models.signing.people import AdminAuth, revoke_reviewer
from models.signing.reviewers import ReviewerError, ca_certificate, get_reviewer, unlock_ca
from models.signing.revocation import CrlLapsed, build_crl, crl_signed_by, crl_state, current_crl, issue_crl
from models.signing.signatures import verify_record
from models.workspace.workspace import Workspace
from sheets import verify as verdicts
from sheets.batch import export_sheets
from sheets.sign import add_validation_data
from sheets.timestamps import TIMESTAMP_ACTION, TimestampRefused, timestamp_sheets
from sheets.verify import verify_pdf
from tests.sheets.support import FIRST_REVIEWER, Exported, copy_workspace, pick_ids

LEAD = "科长丙"


@pytest.fixture
def own(exported: Exported, tmp_path: Path) -> Exported:
    """A private copy of the exported workspace and its sheets."""
    folder = copy_workspace(exported.workspace, tmp_path / "workspace")
    out = tmp_path / "out"
    shutil.copytree(exported.out, out)
    return Exported(folder, out, exported.ids, exported.both_stages, exported.first_only)


def _ca(folder: Path) -> x509.Certificate:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return ca_certificate(ws)


def _signer_certificate(folder: Path, name: str = FIRST_REVIEWER) -> x509.Certificate:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return get_reviewer(ws, name).certificate


def _stamp(own: Exported, paths: list[Path]) -> None:
    with Workspace.open(own.workspace, create=False) as ws:
        report = timestamp_sheets(ws, paths, LEAD, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
    assert report.ok, report.failed
    assert len(report.stamped) == len(paths)


def test_reviewer_certificates_name_the_crl(exported: Exported) -> None:
    points = _signer_certificate(exported.workspace).extensions.get_extension_for_class(x509.CRLDistributionPoints)
    assert [name.value for name in points.value[0].full_name or []] == [CRL_DISTRIBUTION_URI]


def test_export_writes_the_chain_and_the_crl_into_the_dss(exported: Exported) -> None:
    data = (exported.out / f"{exported.both_stages}.pdf").read_bytes()
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(data)))
    ca = _ca(exported.workspace)
    certificates = {x509.load_der_x509_certificate(c.dump()).subject for c in dss.load_certs()}
    assert certificates == {ca.subject, _signer_certificate(exported.workspace).subject}
    crls = [x509.load_der_x509_crl(c.get_object().data) for c in dss.crls]
    assert len(crls) == 1 and crl_signed_by(crls[0], ca)
    assert crls[0].next_update_utc - crls[0].last_update_utc == timedelta(days=365)
    from sheets.content import SHEET_RECORD_FILE
    from sheets.verify import embedded_files

    assert json.loads(embedded_files(PdfFileReader(io.BytesIO(data)))[SHEET_RECORD_FILE])["alg"] == "ECDSA-P256-SHA256"


def test_a_lapsed_crl_refuses_export_and_says_who_reissues_it(demo_ws: Path, tmp_path: Path) -> None:
    both, _ = pick_ids(demo_ws)
    with Workspace.open(demo_ws, create=False) as ws:
        issue_crl(ws, unlock_ca(ws, DEMO_PASSPHRASE), ADMIN_NAME, now=datetime.now(UTC) - timedelta(days=366))
        sheets_before = ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
        with pytest.raises(CrlLapsed, match="系统管理员用 CA 口令重新签发"):
            export_sheets(ws, tmp_path / "out", [both], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
        assert ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == sheets_before
        assert not list((tmp_path / "out").glob("*.pdf"))
        from models.signing.revocation import reissue_crl

        reissue_crl(ws, AdminAuth(DEMO_PASSPHRASE, ADMIN_NAME, DEMO_PASSPHRASE))
        assert crl_state(ws).warning == ""
        report = export_sheets(ws, tmp_path / "out", [both], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert report.ok and len(report.written) == 1


def test_the_crl_warns_thirty_days_before_it_lapses(demo_ws: Path, tmp_path: Path) -> None:
    both, _ = pick_ids(demo_ws)
    with Workspace.open(demo_ws, create=False) as ws:
        assert crl_state(ws).warning == ""
        issue_crl(ws, unlock_ca(ws, DEMO_PASSPHRASE), ADMIN_NAME, now=datetime.now(UTC) - timedelta(days=340))
        state = crl_state(ws)
        assert not state.lapsed and "还有 24 天" in state.warning and "系统管理员" in state.warning
        report = export_sheets(ws, tmp_path / "out", [both], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert report.ok and report.warning == state.warning


def test_revoked_after_signing_stays_valid_and_says_so(own: Exported) -> None:
    path = own.out / f"{own.both_stages}.pdf"
    with Workspace.open(own.workspace, create=False) as ws:
        revoke_reviewer(ws, FIRST_REVIEWER, auth=AdminAuth(DEMO_PASSPHRASE, ADMIN_NAME, DEMO_PASSPHRASE),
                        reason="离职")
        crl = current_crl(ws)
        assert crl is not None
        assert crl.get_revoked_certificate_by_serial_number(get_reviewer(ws, FIRST_REVIEWER).certificate.serial_number)
        verdict = verify_pdf(path, ca_certificate(ws), ws)
    assert verdict.ok, verdict.reasons
    assert verdict.kind == verdicts.VALID_REVOKED_LATER
    assert any("吊销" in note and "仍然有效" in note and "审计日志" in note for note in verdict.notes), verdict.notes


def _with_revocation(own: Exported, path: Path, before_signing: timedelta) -> None:
    """The sheet with a DSS update whose CRL (signed by the CA) revokes the signer at signing time - ``before``."""
    with Workspace.open(own.workspace, create=False) as ws:
        bundle = unlock_ca(ws, DEMO_PASSPHRASE)
        signed_at = datetime.fromisoformat(verify_pdf(path, bundle.certificate, ws).signed_at)
    certificate = _signer_certificate(own.workspace)
    crl = build_crl(bundle, [(certificate, signed_at - before_signing, x509.ReasonFlags.key_compromise)], 99)
    from asn1crypto import crl as asn1_crl

    pdf = io.BytesIO(path.read_bytes())
    add_validation_data(pdf, [], [asn1_crl.CertificateList.load(crl.public_bytes(Encoding.DER))])
    path.write_bytes(pdf.getvalue())


def test_revoked_before_signing_is_invalid_offline_and_online(own: Exported) -> None:
    path = own.out / f"{own.both_stages}.pdf"
    _with_revocation(own, path, timedelta(hours=1))
    ca = _ca(own.workspace)
    offline = verify_pdf(path, ca)
    assert not offline.ok and offline.kind == verdicts.REVOKED, offline.reasons
    assert any(FIRST_REVIEWER in r and "吊销" in r for r in offline.reasons)
    with Workspace.open(own.workspace, create=False, lock=False) as ws:
        online = verify_pdf(path, ca, ws)
    assert not online.ok and online.kind == verdicts.REVOKED
    assert any("依据审计日志" in r for r in online.reasons), online.reasons


def test_a_timestamped_sheet_holds_offline_after_the_certificate_expired(own: Exported) -> None:
    path = own.out / f"{own.both_stages}.pdf"
    before = path.read_bytes()
    _stamp(own, [path])
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    ca = _ca(own.workspace)
    later = _signer_certificate(own.workspace).not_valid_after_utc + timedelta(days=1)
    offline = verify_pdf(path, ca, at=later)
    assert offline.ok, offline.reasons
    assert offline.kind == verdicts.VALID_BY_TIMESTAMP and offline.stamped_at
    assert "1 个文档时间戳" in offline.later_updates
    assert any("文档时间戳" in note for note in offline.notes)
    with Workspace.open(own.workspace, create=False, lock=False) as ws:
        now = verify_pdf(path, ca, ws)
        assert now.ok and now.kind == verdicts.VALID, now.reasons
        details = json.loads(ws.db.execute("SELECT details FROM audit WHERE action = ?",
                                           [TIMESTAMP_ACTION]).fetchone()[0])
        lead = get_reviewer(ws, LEAD).certificate
    record = json.loads(details["record"])
    assert record["alg"] == "ECDSA-P256-SHA256" and record["sheets"][0]["serial"] == now.serial
    assert verify_record(lead, record, base64.b64decode(details["signature"]))


def test_without_a_timestamp_an_expired_certificate_holds_by_the_audit_log_only(exported: Exported) -> None:
    path = exported.out / f"{exported.both_stages}.pdf"
    later = _signer_certificate(exported.workspace).not_valid_after_utc + timedelta(days=1)
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        online = verify_pdf(path, ca_certificate(ws), ws, at=later)
    assert online.ok and online.kind == verdicts.VALID_BY_AUDIT, online.reasons
    offline = verify_pdf(path, _ca(exported.workspace), at=later)
    assert not offline.ok and any("没有可信时间戳" in r for r in offline.reasons)


def test_a_content_change_after_the_timestamp_is_refused(own: Exported) -> None:
    path = own.out / f"{own.both_stages}.pdf"
    _stamp(own, [path])
    writer = IncrementalPdfFileWriter(io.BytesIO(path.read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    verdict = verify_pdf(path, _ca(own.workspace))
    assert not verdict.ok and verdict.kind == verdicts.CHANGED, verdict.reasons
    assert all("-" not in reason.split("字节")[0][-6:] for reason in verdict.reasons)


def test_only_a_lead_timestamps_and_only_this_workspaces_sheets(own: Exported, tmp_path: Path) -> None:
    path = own.out / f"{own.both_stages}.pdf"
    with Workspace.open(own.workspace, create=False) as ws:
        with pytest.raises(TimestampRefused, match="只有负责人"):
            timestamp_sheets(ws, [path], FIRST_REVIEWER, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
        with pytest.raises(ReviewerError):
            timestamp_sheets(ws, [path], "无此人", DEMO_PASSPHRASE, DEMO_PASSPHRASE)
        stranger = tmp_path / "别处.pdf"
        stranger.write_bytes(path.read_bytes()[:-200] + b"%%EOF\n")
        report = timestamp_sheets(ws, [stranger, path], LEAD, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
    assert [Path(p).name for p, _ in report.failed] == ["别处.pdf"]
    assert "不是本工作区导出的审核表" in report.failed[0][1]
    assert len(report.stamped) == 1


def test_a_damaged_file_is_named_damaged(sheet_copy: Path, exported: Exported) -> None:
    sheet_copy.write_bytes(sheet_copy.read_bytes()[: len(sheet_copy.read_bytes()) // 2])
    verdict = verify_pdf(sheet_copy, _ca(exported.workspace))
    assert not verdict.ok and verdict.kind == verdicts.DAMAGED, verdict.reasons


def test_a_signer_from_another_ca_is_named(exported: Exported) -> None:
    from models.signing.ca import create_ca

    verdict = verify_pdf(exported.out / f"{exported.both_stages}.pdf", create_ca().certificate)
    assert not verdict.ok and verdict.kind == verdicts.FOREIGN and verdict.signer == FIRST_REVIEWER


def test_the_tsa_certificate_is_for_time_stamping_under_the_ca(exported: Exported) -> None:
    from models.signing.ca import certificate_issued_by
    from models.signing.tsa import tsa_certificate

    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        tsa = tsa_certificate(ws)
        ca = ca_certificate(ws)
    assert tsa is not None and certificate_issued_by(tsa, ca)
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert cert_from_pem(tsa.public_bytes(Encoding.PEM)) == tsa


def test_the_desk_export_carries_the_crl_warning_and_refuses_a_lapsed_list(demo_ws: Path, tmp_path: Path) -> None:
    from models.signing.reviewers import unlock
    from sheets.single import export_with_key

    both, first = pick_ids(demo_ws)
    with Workspace.open(demo_ws, create=False) as ws:
        key = unlock(ws, FIRST_REVIEWER, DEMO_PASSPHRASE)
        bundle = unlock_ca(ws, DEMO_PASSPHRASE)
        issue_crl(ws, bundle, ADMIN_NAME, now=datetime.now(UTC) - timedelta(days=350))
        sheet = export_with_key(ws, both, tmp_path / "out", FIRST_REVIEWER, key)
        assert "还有 14 天" in sheet.warning
        issue_crl(ws, bundle, ADMIN_NAME, now=datetime.now(UTC) - timedelta(days=400))
        with pytest.raises(CrlLapsed, match="已于 .* 过期"):
            export_with_key(ws, first, tmp_path / "out", FIRST_REVIEWER, key)


def test_a_certificate_from_before_crl_distribution_points_still_verifies(exported: Exported, tmp_path: Path) -> None:
    """A reviewer certificate as older versions issued it (no CRL distribution point) signs a B-LT sheet."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from models.review.casefile import load_case
    from sheets.content import attachments, content_from_case, issue_for
    from sheets.layout import render
    from sheets.sign import SheetSigner, SignerMaterial

    with Workspace.open(exported.workspace, create=False) as ws:
        bundle = unlock_ca(ws, DEMO_PASSPHRASE)
        current = get_reviewer(ws, FIRST_REVIEWER).certificate
        content = content_from_case(load_case(ws, exported.both_stages),
                                    dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall()))
        crl = current_crl(ws)
    assert crl is not None
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(current.subject).issuer_name(bundle.certificate.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(current.not_valid_before_utc).not_valid_after(current.not_valid_after_utc))
    for extension in current.extensions:
        if not isinstance(extension.value, x509.CRLDistributionPoints):
            builder = builder.add_extension(extension.value, critical=extension.critical)
    old = builder.sign(bundle.key, hashes.SHA256())  # type: ignore[arg-type]  # the demo CA key is EC
    with pytest.raises(x509.ExtensionNotFound):
        old.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    material = SignerMaterial.of(key, old, bundle.certificate, crl.public_bytes(Encoding.DER))
    issue = issue_for(content, serial="2026-999997", audit_head="0" * 64, exported_at="2026-03-01T10:00:00+08:00",
                      signer=FIRST_REVIEWER, signer_role="初审")
    rendered = render(content, issue)
    path = tmp_path / "old.pdf"
    path.write_bytes(SheetSigner(material).sign(rendered.pdf, attachments(content, issue), rendered.stamp_page,
                                                rendered.stamp_box, datetime.fromisoformat(issue.exported_at)))
    verdict = verify_pdf(path, bundle.certificate)
    assert verdict.ok and verdict.kind == verdicts.VALID, verdict.reasons


def test_the_cli_reissues_the_crl_and_timestamps_sheets(own: Exported, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    secret = tmp_path / "口令.txt"
    secret.write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    path = own.out / f"{own.both_stages}.pdf"
    ws_args = ["--workspace", str(own.workspace)]
    assert main([*ws_args, "ca", "crl", "--ca-passphrase-file", str(secret), "--by", ADMIN_NAME,
                 "--by-passphrase-file", str(secret)]) == 0
    assert "已签发证书吊销列表" in capsys.readouterr().out
    assert main([*ws_args, "timestamp-sheets", str(path), "--lead", LEAD, "--passphrase-file", str(secret),
                 "--ca-passphrase-file", str(secret)]) == 0
    said = capsys.readouterr().out
    assert "已为 1 份审核表加盖文档时间戳" in said and "其中 1 份已作为工作区保存的原件" in said
    assert main([*ws_args, "verify", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "【有效】" in printed and "文档时间戳：" in printed and "1 个文档时间戳" in printed
    assert main([*ws_args, "timestamp-sheets", str(path), "--lead", FIRST_REVIEWER, "--passphrase-file", str(secret),
                 "--ca-passphrase-file", str(secret)]) != 0
    assert "只有负责人" in capsys.readouterr().err
