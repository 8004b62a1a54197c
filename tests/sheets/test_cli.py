"""cli.sheet_commands: exit codes 0 (all good), 1 (a sheet failed or is invalid), 2 (bad arguments)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from cli.sheet_commands import export_sheets, verify
from models.signing.ca import cert_to_pem, create_ca
from demo.workspace import DEMO_PASSPHRASE
from models.signing.reviewers import ca_certificate
from models.workspace.workspace import Workspace
from tests.sheets.support import FIRST_REVIEWER, Exported, pick_ids


def _export_args(workspace: Path, out: Path, passphrase_file: Path, ids: list[str] | None = None,
                 signer: str = FIRST_REVIEWER, jobs: int | None = 1) -> argparse.Namespace:
    return argparse.Namespace(workspace=workspace, out=out, ids=ids, signer=signer, passphrase_file=passphrase_file,
                              jobs=jobs)


def _verify_args(files: list[Path], workspace: Path | None = None, ca: Path | None = None,
                 code: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(workspace=workspace, files=files, ca=ca, code=code)


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "口令.txt"
    path.write_text(DEMO_PASSPHRASE + "\n", encoding="utf-8")
    return path


def test_export_then_verify_exits_zero(demo_ws: Path, tmp_path: Path, passphrase_file: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    both, first = pick_ids(demo_ws)
    out = tmp_path / "审核表"
    assert export_sheets(_export_args(demo_ws, out, passphrase_file, [both, first])) == 0
    assert "已导出 2 份审核表" in capsys.readouterr().out
    files = sorted(out.glob("*.pdf"))
    assert verify(_verify_args(files, workspace=demo_ws)) == 0
    printed = capsys.readouterr().out
    assert printed.count("【有效】") == 2 and "审计日志" in printed


def test_export_exits_one_when_a_sheet_fails(demo_ws: Path, tmp_path: Path, passphrase_file: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    both, _ = pick_ids(demo_ws)
    assert export_sheets(_export_args(demo_ws, tmp_path / "out", passphrase_file, [both, "LC-无此件"])) == 1
    assert "未导出 LC-无此件" in capsys.readouterr().err


def test_export_exits_one_for_a_wrong_passphrase(demo_ws: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("wrong-passphrase", encoding="utf-8")
    assert export_sheets(_export_args(demo_ws, tmp_path / "out", wrong)) == 1


@pytest.mark.parametrize("problem", ["jobs", "passphrase_file", "signer", "out"])
def test_export_exits_two_for_bad_arguments(demo_ws: Path, tmp_path: Path, passphrase_file: Path,
                                            problem: str) -> None:
    args = _export_args(demo_ws, tmp_path / "out", passphrase_file)
    if problem == "jobs":
        args.jobs = 0
    elif problem == "passphrase_file":
        args.passphrase_file = tmp_path / "missing.txt"
    elif problem == "signer":
        args.signer = "无此人"
    else:
        args.out.write_text("a file, not a folder")
    assert export_sheets(args) == 2


def test_verify_exits_one_with_the_reason_for_a_tampered_file(exported: Exported, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    good = exported.out / f"{exported.both_stages}.pdf"
    bad = tmp_path / "改过.pdf"
    bad.write_bytes(good.read_bytes() + b"%% appended\n")
    assert verify(_verify_args([good, bad], workspace=exported.workspace)) == 1
    printed = capsys.readouterr().out
    assert "【有效】" in printed and "追加" in printed
    assert f"【无效】改过.pdf：申报编号 {exported.both_stages}" in printed and f"签名人 {FIRST_REVIEWER}" in printed


def test_verify_with_ca_only_works_offline(exported: Exported, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        ca_file = tmp_path / "bureau-ca.crt"
        ca_file.write_text(cert_to_pem(ca_certificate(ws)), encoding="ascii")
    offline = tmp_path / "offline"
    offline.mkdir()
    shutil.copy(exported.out / f"{exported.both_stages}.pdf", offline)
    assert verify(_verify_args(sorted(offline.glob("*.pdf")), ca=ca_file)) == 0
    assert "未连接工作区" in capsys.readouterr().out
    foreign = tmp_path / "foreign-ca.crt"
    foreign.write_text(cert_to_pem(create_ca().certificate), encoding="ascii")
    assert verify(_verify_args(sorted(offline.glob("*.pdf")), ca=foreign)) == 1


def test_verify_code_looks_up_the_workspace(exported: Exported, capsys: pytest.CaptureFixture[str]) -> None:
    path = exported.out / f"{exported.first_only}.pdf"
    assert verify(_verify_args([path], workspace=exported.workspace)) == 0
    code = next(line for line in capsys.readouterr().out.splitlines() if "校验码" in line).split("校验码 ")[1].split("；")[0]
    assert verify(_verify_args([], workspace=exported.workspace, code=code.lower())) == 0
    assert exported.first_only in capsys.readouterr().out
    assert verify(_verify_args([path], workspace=exported.workspace, code=code)) == 0
    other = exported.out / f"{exported.both_stages}.pdf"
    assert verify(_verify_args([other], workspace=exported.workspace, code=code)) == 1
    assert verify(_verify_args([], workspace=exported.workspace, code="7K3M-9QXP")) == 2


def test_verify_without_files_or_code_is_a_usage_error(tmp_path: Path) -> None:
    assert verify(_verify_args([], workspace=tmp_path)) == 2
    assert verify(_verify_args([tmp_path / "x.pdf"], ca=tmp_path / "missing.crt")) == 2
