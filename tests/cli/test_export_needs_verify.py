"""``export-sheets`` (CLI) and the desk's sheet (GUI) go through one pipeline, which runs ``audit verify`` first:
from a workspace that fails it, no sheet is numbered, audited or written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import main
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.reviewers import unlock
from models.workspace.verified import UnverifiedWorkspace
from models.workspace.workspace import Workspace
from sheets.single import export_with_key
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv


def _sheets_on_record(folder: Path) -> tuple[int, int]:
    with Workspace.open(folder) as ws:
        numbered = ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
        audited = ws.db.execute("SELECT COUNT(*) FROM audit WHERE action LIKE '%审核表%'").fetchone()[0]
    return int(numbered), int(audited)


def test_a_tampered_workspace_exports_no_sheet_from_the_cli_or_the_desk(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
        for application_id in ("T00001", "T00002"):
            declare_conflict(ws, application_id, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
            decide(ws, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
        key = unlock(ws, "审核员甲", PASSPHRASE)
        export_with_key(ws, "T00001", tmp_path / "before", "审核员甲", key)  # an untouched workspace exports
        ws.db.execute("UPDATE assessments SET cap_yuan = '5000000' WHERE application_id = 'T00002'")
        ws.db.conn.commit()
    before = _sheets_on_record(folder)
    assert before[0] == 1

    passphrase_file = tmp_path / "口令.txt"
    passphrase_file.write_text(PASSPHRASE, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["--workspace", str(folder), "export-sheets", "--out", str(out), "--signer", "审核员甲",
                 "--passphrase-file", str(passphrase_file)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "工作区校验未通过（" in err and "不导出审核表" in err, err
    assert "表 assessments 键 T00002 字段 cap_yuan" in err, err
    assert not list(out.glob("*")) and _sheets_on_record(folder) == before

    with Workspace.open(folder) as ws, pytest.raises(UnverifiedWorkspace, match="不导出审核表"):
        export_with_key(ws, "T00002", tmp_path / "desk", "审核员甲", unlock(ws, "审核员甲", PASSPHRASE))
    assert not list((tmp_path / "desk").glob("*.pdf")) and _sheets_on_record(folder) == before
