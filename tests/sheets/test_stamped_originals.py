"""A timestamped sheet becomes the workspace's stored original: re-export hands it out, verify still accepts
every copy, and a stored original swapped with SQL or on disk is named by ``audit verify``."""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from demo.workspace import DEMO_PASSPHRASE
from models.workspace.evidence import EvidenceStore
from models.workspace.verification import verify_workspace
from models.workspace.verified import UnverifiedWorkspace
from models.workspace.workspace import DB_NAME, Workspace
from sheets.batch import export_sheets
from sheets.lookup import lookup_code
from sheets.registry import registered_prefix, stored_sha256
from sheets.timestamps import timestamp_sheets
from sheets.verify import verify_pdf
from tests.insider import forge_logged
from tests.sheets.support import Exported, copy_workspace

LEAD = "科长丙"
OTHER_SIGNER = "审核员乙"


@pytest.fixture
def stamped(exported: Exported, tmp_path: Path) -> tuple[Path, Path, bytes]:
    """(a private workspace copy, its timestamped sheet, that sheet's bytes before the stamp)."""
    folder = copy_workspace(exported.workspace, tmp_path / "workspace")
    path = tmp_path / "stamped" / f"{exported.both_stages}.pdf"
    path.parent.mkdir()
    shutil.copyfile(exported.out / path.name, path)
    before = path.read_bytes()
    with Workspace.open(folder, create=False) as ws:
        report = timestamp_sheets(ws, [path], LEAD, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
    assert report.ok and [s.stored for s in report.stamped] == [True], report
    return folder, path, before


def _reexport(folder: Path, out: Path, application_id: str) -> bytes:
    report = export_sheets(folder, out, [application_id], OTHER_SIGNER, DEMO_PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    return (out / f"{application_id}.pdf").read_bytes()


def _timestamps(data: bytes) -> int:
    return len(PdfFileReader(io.BytesIO(data)).embedded_timestamp_signatures)


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return verify_workspace(ws).problems


def test_re_export_after_timestamping_returns_the_timestamped_original(
        stamped: tuple[Path, Path, bytes], exported: Exported, tmp_path: Path) -> None:
    folder, path, before = stamped
    again = _reexport(folder, tmp_path / "again", exported.both_stages)
    assert again == path.read_bytes() and again.startswith(before) and _timestamps(again) == 1
    assert _timestamps(before) == 0
    with Workspace.open(folder, create=False, lock=False) as ws:
        from models.signing.reviewers import ca_certificate

        ca = ca_certificate(ws)
        for copy in (tmp_path / "again" / path.name, exported.out / path.name):  # stamped, and as first handed out
            verdict = verify_pdf(copy, ca, ws)
            assert verdict.ok and verdict.signer == "审核员甲", verdict.reasons
        assert lookup_code(ws, verdict.code).ok and "注意" not in lookup_code(ws, verdict.code).message
        from sheets.single import stored_copy

        printing = stored_copy(ws, exported.both_stages, tmp_path)  # what 打印审核表 puts on paper
        assert printing is not None and Path(printing.path).read_bytes() == again
        assert ws.db.execute("SELECT COUNT(*) FROM sheets WHERE application_id = ?",
                             [exported.both_stages]).fetchone()[0] == 1, "no second number"
        report = verify_workspace(ws)
    assert report.ok, report.problems


def test_the_stored_copy_only_grows_a_stamp_on_an_older_copy_leaves_it(
        stamped: tuple[Path, Path, bytes], exported: Exported, tmp_path: Path) -> None:
    folder, path, before = stamped
    older = tmp_path / "older.pdf"
    older.write_bytes(before)
    with Workspace.open(folder, create=False) as ws:
        side = timestamp_sheets(ws, [older], LEAD, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
        twice = timestamp_sheets(ws, [path], LEAD, DEMO_PASSPHRASE, DEMO_PASSPHRASE)
    assert [s.stored for s in side.stamped] == [False] and [s.stored for s in twice.stamped] == [True]
    again = _reexport(folder, tmp_path / "again", exported.both_stages)
    assert again == path.read_bytes() and _timestamps(again) == 2
    assert not _problems(folder)


def test_a_stored_original_repointed_with_sql_is_named(stamped: tuple[Path, Path, bytes], exported: Exported) -> None:
    folder, _, before = stamped
    import hashlib

    conn = sqlite3.connect(folder / DB_NAME)
    with conn:
        conn.execute("UPDATE sheets SET stored_sha256 = ? WHERE application_id = ?",
                     [hashlib.sha256(before).hexdigest(), exported.both_stages])
    conn.close()
    assert any("sheets" in p and "stored_sha256" in p for p in _problems(folder))


def test_a_stored_original_repointed_behind_a_forged_entry_is_named(
        stamped: tuple[Path, Path, bytes], exported: Exported, tmp_path: Path) -> None:
    """The insider appends a consistent entry and points the sheet at another sheet of this workspace, or at
    its own un-stamped export: neither is what the 负责人 signed as its stored original."""
    folder, _, before = stamped
    import hashlib

    other = exported.out / f"{exported.first_only}.pdf"
    for pointed_at in (hashlib.sha256(other.read_bytes()).hexdigest(), hashlib.sha256(before).hexdigest()):
        forge_logged(folder, [("UPDATE sheets SET stored_sha256 = ? WHERE application_id = ?",
                               [pointed_at, exported.both_stages])])
        problems = _problems(folder)
        assert not any("stored_sha256" in p for p in problems), "the forged entry matches the rows"
        assert any(exported.both_stages in p and "原件" in p for p in problems), problems
        with Workspace.open(folder, create=False, lock=False) as ws:
            from sheets.originals import current_original

            original = current_original(ws, exported.both_stages)
        assert original is not None and original.data != other.read_bytes()


def test_a_timestamp_batch_signed_by_someone_not_a_lead_vouches_for_no_stored_original(
        stamped: tuple[Path, Path, bytes], exported: Exported, tmp_path: Path) -> None:
    """A 复核 reviewer, with their own key, appends a revision of their own to the export, stores it, points the
    sheet at it and signs a matching timestamp batch under their own name: it is not a 负责人's batch."""
    import base64
    import hashlib
    import json

    from models.signing.signatures import ALGORITHM, sign_record
    from sheets.timestamps import TIMESTAMP_ACTION

    folder, _, before = stamped
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(before + b"\n%% an insider's revision\n%%EOF\n")
    digest = hashlib.sha256(appended.read_bytes()).hexdigest()
    with Workspace.open(folder, create=False, lock=False) as ws:
        assert EvidenceStore(ws.evidence_dir).add(appended).sha256 == digest
        from models.signing.reviewers import unlock

        key = unlock(ws, OTHER_SIGNER, DEMO_PASSPHRASE)
        (code,) = ws.db.execute("SELECT code FROM sheets WHERE application_id = ?", [exported.both_stages]).fetchone()
    record = {"action": TIMESTAMP_ACTION, "lead": OTHER_SIGNER, "alg": ALGORITHM, "sheets": [
        {"application_id": exported.both_stages, "code": code, "sha256": digest, "stored": True}]}
    signature = base64.b64encode(sign_record(key, record)).decode("ascii")
    forge_logged(folder, [("UPDATE sheets SET stored_sha256 = ? WHERE application_id = ?",
                           [digest, exported.both_stages])], actor=OTHER_SIGNER, action=TIMESTAMP_ACTION,
                 details={"record": json.dumps(record, ensure_ascii=False), "signature": signature, "alg": ALGORITHM})
    problems = _problems(folder)
    assert any(exported.both_stages in p and "不在负责人签名的时间戳记录中" in p for p in problems), problems


def test_a_stored_original_swapped_on_disk_is_named_and_never_handed_out(
        stamped: tuple[Path, Path, bytes], exported: Exported, tmp_path: Path) -> None:
    folder, path, _ = stamped
    with Workspace.open(folder, create=False, lock=False) as ws:
        row = registered_prefix(ws.db, path.read_bytes())
        assert row is not None
        kept = EvidenceStore(ws.evidence_dir).path_of(stored_sha256(ws.db, row))
    assert kept.read_bytes() == path.read_bytes()
    kept.chmod(0o644)
    kept.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOX", 1))
    problems = _problems(folder)
    assert any(row.serial in p and "加盖时间戳原件已被改动" in p for p in problems), problems
    with Workspace.open(folder, create=False, lock=False) as ws:
        said = lookup_code(ws, row.code).message  # verify --code, and the 核对校验码 dialog
    assert "注意：工作区保存的加盖时间戳原件已被改动" in said and "audit verify" in said, said
    with pytest.raises(UnverifiedWorkspace, match="不导出审核表：.*加盖时间戳原件已被改动"):
        _reexport(folder, tmp_path / "again", exported.both_stages)
    assert not list(tmp_path.glob("again/*")), "nothing is handed out while audit verify fails, the swapped bytes least"
    kept.unlink()
    assert any(row.serial in p and "加盖时间戳原件缺失" in p for p in _problems(folder))


def test_an_export_re_reads_the_originals_of_its_own_applications_only(
        stamped: tuple[Path, Path, bytes], exported: Exported) -> None:
    """A full audit verify names a swapped original; an export's verify (``evidence_of``) names it when the export
    may hand that original out again, and leaves the other applications' originals to the full check."""
    folder, path, _ = stamped
    with Workspace.open(folder, create=False, lock=False) as ws:
        row = registered_prefix(ws.db, path.read_bytes())
        assert row is not None
        kept = EvidenceStore(ws.evidence_dir).path_of(stored_sha256(ws.db, row))
    kept.chmod(0o644)
    kept.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOX", 1))
    with Workspace.open(folder, create=False, lock=False) as ws:
        others = [a for (a,) in ws.db.execute("SELECT application_id FROM applications") if a != row.application_id]
        assert any(row.serial in p for p in verify_workspace(ws).problems)
        assert any(row.serial in p for p in verify_workspace(ws, [row.application_id]).problems)
        assert others and not any(row.serial in p for p in verify_workspace(ws, others).problems)
