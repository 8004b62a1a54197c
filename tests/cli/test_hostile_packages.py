"""Hostile evidence, backups and results packages through the CLI, in a child limited to 2 GiB."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from models.sessions.package import RESULTS_FORMAT
from tests.cli.hostile import run_limited
from tests.workspace_support import intake_row, signing_options, write_csv


def test_a_symlink_out_of_the_evidence_folder_is_refused(tmp_path: Path) -> None:
    evidence = tmp_path / "附件"
    evidence.mkdir()
    (evidence / "营业执照.pdf").symlink_to("/etc/passwd")
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf")])
    result = run_limited("--workspace", tmp_path / "ws", "import", path, "--evidence", evidence,
                         *signing_options(tmp_path / "ws"))
    assert result.returncode == 2, result.stderr
    assert "第2行 附件: “营业执照.pdf”是指向附件目录之外的符号链接，已拒绝" in result.stderr


def test_zip_duplicates_in_different_folders_are_named(tmp_path: Path) -> None:
    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("甲/营业执照.pdf", b"%PDF-1 a")
        out.writestr("乙/营业执照.pdf", b"%PDF-1 b")
    path = write_csv(tmp_path / "a.csv", [intake_row(1, 附件="营业执照.pdf")])
    result = run_limited("--workspace", tmp_path / "ws", "import", path, "--evidence", archive,
                         *signing_options(tmp_path / "ws"))
    assert result.returncode == 2, result.stderr
    assert "第2行 附件: “营业执照.pdf”对应 2 个文件：乙/营业执照.pdf、甲/营业执照.pdf" in result.stderr


def _bomb(path: Path, manifest: dict, member: str, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("manifest.json", json.dumps(manifest))
        with out.open(member, "w", force_zip64=True) as sink:
            for _ in range(megabytes):
                sink.write(b" " * (1 << 20))
    return path


def test_a_backup_that_inflates_to_gigabytes_is_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "备份.zip", {"format": "reviewdesk-backup/1", "files": {"reviewdesk.db": "0" * 64}},
                 "reviewdesk.db", 2100)
    assert bomb.stat().st_size < 10_000_000
    passphrase = tmp_path / "口令.txt"
    passphrase.write_text("管理员的口令-2026\n", encoding="utf-8")
    result = run_limited("--workspace", tmp_path / "新", "restore", bomb, "--reviewer", "管理员丁",
                         "--passphrase-file", passphrase)
    assert result.returncode == 1, result.stderr
    assert "reviewdesk.db 压缩比超过 200:1" in result.stderr and "疑似压缩炸弹" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["口令.txt", "备份.zip"]


def test_a_results_package_with_a_gigabyte_member_is_refused(tmp_path: Path) -> None:
    assert run_limited("--workspace", tmp_path / "ws", "import", write_csv(tmp_path / "a.csv", [intake_row(1)]),
                       *signing_options(tmp_path / "ws")).returncode == 0
    bomb = _bomb(tmp_path / "结果.zip", {"format": RESULTS_FORMAT, "session_id": "x",
                                         "files": {"decisions.json": "0" * 64}}, "decisions.json", 1024)
    result = run_limited("--workspace", tmp_path / "ws", "session", "merge", bomb)
    assert result.returncode == 1, result.stderr
    assert "结果.zip 解压后为 1024 MB，超过 64 MB 上限，未合并任何内容" in result.stderr
