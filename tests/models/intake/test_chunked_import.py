"""An import assessed and written a chunk at a time stores what one pass over the whole file gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.intake import importing
from policy import engine
from models.intake.assessing import assess_file
from models.workspace.records import stored_assessment
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy.catalog import load_policy
from tests.workspace_support import import_as, intake_row, valid_uscc, write_csv


def _rows() -> list[dict[str, str]]:
    """Eight rows, three of them one enterprise's: the repeats sit in later chunks than their first row."""
    same = {"统一社会信用代码": valid_uscc(1), "企业名称": "聊城测试企业1有限公司"}
    rows = [intake_row(n) for n in range(1, 9)]
    rows[4] |= same
    rows[6] |= same | {"申报事项": "省级专精特新企业"}
    rows[5]["附件"] = "营业执照.pdf"
    return rows


def test_rows_repeated_across_chunks_are_assessed_as_in_one_pass(ws: Workspace, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    evidence = tmp_path / "附件"
    (evidence / "T00006").mkdir(parents=True)
    (evidence / "T00006" / "营业执照.pdf").write_bytes(b"%PDF-1.4 test")
    path = write_csv(tmp_path / "申报.csv", _rows())
    stages: list[tuple[str, int, int]] = []

    result = import_as(ws, path, evidence=evidence, progress=lambda *stage: stages.append(stage))

    policy = load_policy(ws.db.execute("SELECT policy_version FROM imports").fetchone()[0])
    expected = {r.application_id: stored_assessment(r, policy.version, policy.content_hash)
                for r in assess_file(path, policy_version=policy.version)}
    stored = {row[0]: row[1:] for row in ws.db.execute(
        "SELECT application_id, status, recommended_yuan, flags, trace, record_hash FROM assessments")}
    assert stored == {i: (e.status, e.recommended_yuan, e.flags, e.trace, e.record_hash) for i, e in expected.items()}
    assert "同一文件第2行" in stored["T00005"][2] and "同时申报国家级专精特新企业" in stored["T00007"][2]
    assert result.imported == 8
    assert stages[-4:] == [("评估", 0, 8), ("评估", 3, 8), ("评估", 6, 8), ("写入工作区", 8, 8)]
    assert [row[0] for row in ws.db.execute("SELECT application_id FROM applications ORDER BY seq")] == \
        [f"T{n:05d}" for n in range(1, 9)]
    assert ws.db.execute("SELECT application_id, name FROM application_evidence").fetchall() == \
        [("T00006", "营业执照.pdf")]
    entry = json.loads(ws.db.execute("SELECT details FROM audit WHERE action = '导入申报文件'").fetchone()[0])
    assert entry["rows"] == 8
    assert verify_workspace(ws).problems == []


def test_a_failure_in_a_later_chunk_leaves_nothing(ws: Workspace, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    def counts() -> tuple[int, ...]:
        return tuple(ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("applications", "assessments", "audit_changes", "audit"))

    before = counts()
    real_assess = engine.assess

    def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00007":
            raise RuntimeError("磁盘已满")
        return real_assess(app, policy, ledger)

    monkeypatch.setattr(engine, "assess", failing)
    with pytest.raises(RuntimeError, match="磁盘已满"):
        import_as(ws, write_csv(tmp_path / "申报.csv", [r for r in _rows() if not r["附件"]]))
    assert counts() == before
