"""Backups carry the database, evidence and keys; a restore passes audit verify."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from models.workspace.backup import BackupError, restore_backup, write_backup
from models.review.casefile import load_case, verify_evidence
from models.review.decisions import DecisionInput, decide
from models.review.conflicts import declare_conflict
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, RESTORER, import_as, intake_row, write_csv


def _filled(ws: Workspace, tmp_path: Path) -> None:
    evidence = tmp_path / "附件"
    evidence.mkdir()
    (evidence / "证书.pdf").write_bytes(b"%PDF-1.4 certificate")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="证书.pdf")]), evidence=evidence)
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")), PASSPHRASE)


def test_backup_and_restore_round_trip(ws: Workspace, tmp_path: Path) -> None:
    _filled(ws, tmp_path)
    archive = write_backup(ws, tmp_path / "备份.zip")
    restored = restore_backup(archive, tmp_path / "restored", restorer=RESTORER)
    with Workspace.open(restored, create=False) as copy:
        assert verify_workspace(copy).ok
        case = load_case(copy, "T00001")
        assert case.first is not None and case.first.amount_yuan == Decimal("500000.00")
        assert verify_evidence(copy, case.evidence[0]).ok
        assert copy.db.execute("SELECT COUNT(*) FROM reviewers").fetchone()[0] == 4
        actions = [a for (a,) in copy.db.execute("SELECT action FROM audit ORDER BY seq")]
        assert actions[-2:] == ["备份", "从备份恢复"]


def test_restore_refuses_an_existing_workspace(ws: Workspace, tmp_path: Path) -> None:
    archive = write_backup(ws, tmp_path / "备份.zip")
    with pytest.raises(BackupError, match="已有工作区"):
        restore_backup(archive, ws.folder, restorer=RESTORER)


def test_restore_refuses_a_damaged_backup_and_writes_nothing(ws: Workspace, tmp_path: Path) -> None:
    _filled(ws, tmp_path)
    archive = write_backup(ws, tmp_path / "备份.zip")
    damaged = tmp_path / "坏.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(damaged, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("evidence/"):
                data = b"tampered" + data
            out.writestr(info, data)
    with pytest.raises(BackupError, match="已损坏"):
        restore_backup(damaged, tmp_path / "restored", restorer=RESTORER)
    assert not (tmp_path / "restored").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restore-")]
