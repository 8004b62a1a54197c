"""补正 at the command line: ``decide --missing --deadline``, ``show``, ``list``, ``notice`` and the resubmission."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from cli.main import main
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, intake_row, staffed_workspace, write_csv

DEADLINE = date.today() + timedelta(days=10)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    staffed_workspace(tmp_path / "ws").close()
    (tmp_path / "口令.txt").write_text(PASSPHRASE + "\n", encoding="utf-8")
    assert main(["--workspace", str(tmp_path / "ws"), "import",
                 str(write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)])),
                 "--reviewer", "审核员甲", "--passphrase-file", str(tmp_path / "口令.txt")]) == 0
    assert main(["--workspace", str(tmp_path / "ws"), "conflict", "T00001", "--reviewer", "审核员甲", "--none",
                 "--passphrase-file", str(tmp_path / "口令.txt")]) == 0
    return tmp_path / "ws"


def _cli(folder: Path, *args: str) -> int:
    return main(["--workspace", str(folder), *args])


def _return(folder: Path, *extra: str) -> int:
    return _cli(folder, "decide", "T00001", "--stage", "初审", "--outcome", "退回补正", "--reviewer", "审核员甲",
                "--passphrase-file", str(folder.parent / "口令.txt"), *extra)


def test_a_return_without_items_or_deadline_is_refused_in_chinese(folder: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert _return(folder) == 1
    assert "须列明需补正的材料" in capsys.readouterr().err
    assert _return(folder, "--missing", "认定文件") == 1
    assert "须填写补正期限" in capsys.readouterr().err
    assert _return(folder, "--missing", "认定文件", "--deadline", "明天") == 1
    assert "补正期限“明天”不是有效的日期" in capsys.readouterr().err


def test_return_show_list_notice_and_resubmit(folder: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert _return(folder, "--missing", "认定文件", "--missing", "近三年财务审计报告",
                   "--deadline", DEADLINE.isoformat()) == 0
    capsys.readouterr()
    assert _cli(folder, "show", "T00001") == 0
    shown = capsys.readouterr().out
    assert "审核阶段：待补正" in shown and f"期限 {DEADLINE.isoformat()}" in shown
    assert "    1. 认定文件\n    2. 近三年财务审计报告\n" in shown
    assert _cli(folder, "list") == 0
    listed = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "\t待补正\t" in listed["T00001"] and "\t待初审\t" in listed["T00002"]

    out = tmp_path / "告知书.pdf"
    assert _cli(folder, "notice", "T00001", "--out", str(out), "--signer", "审核员甲",
                "--passphrase-file", str(tmp_path / "口令.txt")) == 0
    assert out.read_bytes().startswith(b"%PDF-") and "已生成补正告知书" in capsys.readouterr().out
    assert _cli(folder, "notice", "T00002", "--out", str(out), "--signer", "审核员甲",
                "--passphrase-file", str(tmp_path / "口令.txt")) == 1
    assert "T00002 没有现行的退回补正决定" in capsys.readouterr().err

    updated = write_csv(tmp_path / "b.csv", [intake_row(1, **{"申请金额(万元)": "45"})])
    assert _cli(folder, "import", str(updated), "--update", "--reviewer", "科长丙",
                "--passphrase-file", str(tmp_path / "口令.txt")) == 0
    capsys.readouterr()
    assert _cli(folder, "show", "T00001") == 0
    shown = capsys.readouterr().out
    assert "审核阶段：待初审" in shown and "由科长丙导入 b.csv" in shown
    assert "    申请金额：50.00万元 → 45.00万元\n" in shown and "待补正：" not in shown
    with Workspace.open(folder, create=False) as ws:
        assert verify_workspace(ws).ok


def test_resubmit_with_files(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = tmp_path / "认定文件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%supplied\n")
    signing = ["--reviewer", "科长丙", "--passphrase-file", str(tmp_path / "口令.txt")]
    assert _cli(folder, "resubmit", "T00001", "--evidence", str(scan), *signing) == 1
    assert "T00001 不是待补正的申报" in capsys.readouterr().err
    assert _return(folder, "--missing", "认定文件", "--deadline", DEADLINE.isoformat()) == 0
    capsys.readouterr()
    assert _cli(folder, "resubmit", "T00001", "--evidence", str(scan), *signing) == 0
    assert "    新增附件：认定文件.pdf\n" in capsys.readouterr().out
    assert _cli(folder, "show", "T00001") == 0
    assert "由科长丙补充附件" in capsys.readouterr().out


def test_verify_notice_command(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _return(folder, "--missing", "认定文件", "--deadline", DEADLINE.isoformat()) == 0
    out = tmp_path / "告知书.pdf"
    assert _cli(folder, "notice", "T00001", "--out", str(out), "--signer", "审核员甲",
                "--passphrase-file", str(tmp_path / "口令.txt")) == 0
    capsys.readouterr()
    assert _cli(folder, "verify-notice", str(out)) == 0
    assert "【有效】告知书.pdf：T00001 的补正告知书，签名人 审核员甲；需补正 1 项" in capsys.readouterr().out
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(out.read_bytes()[:2000])
    assert _cli(folder, "verify-notice", str(broken)) == 1
    assert "【无效】坏.pdf" in capsys.readouterr().out
