"""Red team: an insider with ordinary commands (cp, touch, the system clock) against a decided workspace.

Each test does what an insider with write access to the workspace folder can do
without any key but their own, then asks ``audit verify`` to name it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from models.workspace.evidence import EvidenceStore
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import approve_both_stages, import_as, intake_row, staffed_workspace, write_csv

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
