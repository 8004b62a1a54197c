"""Evidence an import copied into the store does not stay there when the import does not commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.intake import importing
from models.intake.new_evidence import LISTING, SCRATCH_PREFIX
from models.workspace.evidence import EvidenceStore, sha256_file
from models.workspace.leftovers import OWNER_FILE
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy import engine
from tests.workspace_support import import_as, intake_row, write_csv


def _evidence(folder: Path, *names: str) -> Path:
    for name in names:
        (folder / "T00001").mkdir(parents=True, exist_ok=True)
        (folder / "T00001" / name).write_bytes(f"%PDF-1.4 {name}".encode())
    return folder


def _stored(ws: Workspace) -> set[str]:
    return {path.name for path in ws.evidence_dir.rglob("*") if path.is_file()}


def _scratch_folders(ws: Workspace) -> list[Path]:
    return sorted(ws.folder.glob(f"{SCRATCH_PREFIX}*"))


def test_a_failed_import_removes_the_evidence_it_added_and_keeps_what_others_refer_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    evidence = _evidence(tmp_path / "附件", "营业执照.pdf", "认定文件.pdf")
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf")]),
                              evidence=evidence)
        kept = _stored(ws)
        assert kept == {sha256_file(evidence / "T00001" / "营业执照.pdf")}

        def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
            raise RuntimeError("磁盘已满")

        rows = [intake_row(1, 附件="营业执照.pdf;认定文件.pdf")]
        with monkeypatch.context() as patched, pytest.raises(RuntimeError, match="磁盘已满"):
            patched.setattr(engine, "assess", failing)  # the import fails; the check below uses the real engine
            import_as(ws, write_csv(tmp_path / "b.csv", rows), evidence=evidence, update=True)

        assert _stored(ws) == kept  # 认定文件.pdf gone, the file T00001 still refers to kept
        assert _scratch_folders(ws) == []
        assert verify_workspace(ws).problems == []


def test_the_next_import_removes_what_a_killed_one_left(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    evidence = _evidence(tmp_path / "附件", "营业执照.pdf", "认定文件.pdf")
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf")]),
                              evidence=evidence)
        referenced = sha256_file(evidence / "T00001" / "营业执照.pdf")
        orphan = EvidenceStore(ws.evidence_dir).add(evidence / "T00001" / "认定文件.pdf").sha256
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
        left = ws.folder / f"{SCRATCH_PREFIX}killed"
        (left / "files").mkdir(parents=True)
        (left / OWNER_FILE).write_text(dead, encoding="ascii")
        (left / LISTING).write_text(f"{orphan}\n{referenced}\nnot-a-digest\n", encoding="ascii")

        with caplog.at_level("WARNING", logger="reviewdesk"):
            import_as(ws, write_csv(tmp_path / "b.csv", [intake_row(2)]))

        assert _stored(ws) == {referenced}
        assert _scratch_folders(ws) == []
        assert "已清理上次导入中断时留下的临时文件" in caplog.text and "删除未被引用的附件 1 个" in caplog.text
        assert verify_workspace(ws).problems == []


def test_an_import_refers_only_to_files_still_in_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another import's clean-up may remove a file between storing and the transaction: refused, not dangling."""
    evidence = _evidence(tmp_path / "附件", "营业执照.pdf")
    with Workspace.open(tmp_path / "ws") as ws:
        real_store = importing._store_evidence

        def stored_then_removed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - passes through
            by_path = real_store(*args, **kwargs)
            for sha256, _, _ in by_path.values():
                EvidenceStore(ws.evidence_dir).remove(sha256)
            return by_path

        monkeypatch.setattr(importing, "_store_evidence", stored_then_removed)
        with pytest.raises(importing.EvidenceAltered, match="文件缺失"):
            import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf")]),
                                  evidence=evidence)
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        assert ws.db.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == 0
