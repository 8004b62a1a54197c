"""The workspace commands as a bureau clerk types them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workspace_support import intake_row, signing_options, write_csv

ROOT = Path(__file__).resolve().parents[2]


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "--workspace", str(folder), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8")


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cli")
    folder = base / "ws"
    passphrase = base / "口令.txt"
    passphrase.write_text("正确的口令-足够长了\n", encoding="utf-8")
    ca = base / "CA口令.txt"
    ca.write_text("本局CA的口令-2026\n", encoding="utf-8")
    assert run(folder, "ca", "init", "--passphrase-file", ca).returncode == 0
    result = run(folder, "reviewer", "add", "管理员丁", "--role", "系统管理员", "--passphrase-file", passphrase,
                 "--ca-passphrase-file", ca)
    assert result.returncode == 0, result.stderr
    for name, role in (("审核员甲", "初审"), ("审核员乙", "复核")):
        result = run(folder, "reviewer", "add", name, "--role", role, "--passphrase-file", passphrase,
                     "--ca-passphrase-file", ca, "--by", "管理员丁", "--by-passphrase-file", passphrase)
        assert result.returncode == 0, result.stderr
    return folder, passphrase


def test_rejected_import_leaves_the_list_unchanged(staffed: tuple[Path, Path], tmp_path: Path) -> None:
    folder, passphrase = staffed
    assert run(folder, "import", write_csv(tmp_path / "ok.csv", [intake_row(1), intake_row(2)]),
               "--reviewer", "审核员甲", "--passphrase-file", passphrase).returncode == 0
    before = json.loads(run(folder, "list", "--json").stdout)
    bad = write_csv(tmp_path / "bad.csv", [intake_row(3), intake_row(4, **{"申请金额(万元)": "-5"})])
    result = run(folder, "import", bad, "--reviewer", "审核员甲", "--passphrase-file", passphrase)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "文件 bad.csv 未导入，共 1 处问题"
    assert "第3行 申请金额(万元)" in result.stderr
    after = json.loads(run(folder, "list", "--json").stdout)
    assert after == before
    assert set(after[0]) == {"application_id", "enterprise", "uscc", "item_id", "item_name", "status", "stage",
                             "cap_yuan", "approved_yuan"}


def test_two_stage_flow_and_audit_verify(staffed: tuple[Path, Path], tmp_path: Path) -> None:
    folder, passphrase = staffed
    run(folder, "import", write_csv(tmp_path / "c.csv", [intake_row(7)]), "--reviewer", "审核员甲", "--passphrase-file", passphrase)
    assert run(folder, "conflict", "T00007", "--reviewer", "审核员甲", "--none", "--passphrase-file", passphrase).returncode == 0
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("错的\n", encoding="utf-8")
    refused = run(folder, "decide", "T00007", "--stage", "初审", "--outcome", "通过", "--amount", "50",
                  "--reviewer", "审核员甲", "--passphrase-file", wrong)
    assert refused.returncode == 1 and "口令错误" in refused.stderr
    ok = run(folder, "decide", "T00007", "--stage", "初审", "--outcome", "通过", "--amount", "50",
             "--opinion", "符合条件", "--reviewer", "审核员甲", "--passphrase-file", passphrase)
    assert ok.returncode == 0, ok.stderr
    run(folder, "conflict", "T00007", "--reviewer", "审核员乙", "--none", "--passphrase-file", passphrase)
    ok = run(folder, "decide", "T00007", "--stage", "复核", "--outcome", "部分通过", "--amount", "45.5",
             "--reviewer", "审核员乙", "--passphrase-file", passphrase)
    assert ok.returncode == 0, ok.stderr
    listed = {row["application_id"]: row for row in json.loads(run(folder, "list", "--json").stdout)}
    assert listed["T00007"]["stage"] == "已复核"
    assert listed["T00007"]["approved_yuan"] == "455000.00"
    verified = run(folder, "audit", "verify")
    assert verified.returncode == 0 and "校验通过" in verified.stdout


def test_backup_restore_and_summary(staffed: tuple[Path, Path], tmp_path: Path) -> None:
    folder, passphrase = staffed
    assert run(folder, "backup", "--out", tmp_path / "b.zip").returncode == 0
    restored = tmp_path / "restored"
    unsigned = run(restored, "restore", tmp_path / "b.zip")
    assert unsigned.returncode == 1 and "恢复备份须由系统管理员或负责人签名" in unsigned.stderr
    by_reviewer = run(restored, "restore", tmp_path / "b.zip", "--reviewer", "审核员甲", "--passphrase-file", passphrase)
    assert by_reviewer.returncode == 1 and "证书角色是初审，不能恢复备份" in by_reviewer.stderr
    assert not restored.exists() or not any(restored.iterdir())
    assert run(restored, "restore", tmp_path / "b.zip", "--reviewer", "管理员丁",
               "--passphrase-file", passphrase).returncode == 0
    assert run(restored, "audit", "verify").returncode == 0
    assert run(folder, "summary", "--out", tmp_path / "s.xlsx").returncode == 0
    assert (tmp_path / "s.xlsx").stat().st_size > 0


def test_the_shipped_sample_imports_as_is_with_the_evidence_beside_it(tmp_path: Path) -> None:
    sample = ROOT / "resources" / "samples" / "sample-applications.csv"
    shipped = sorted(path.name for path in (sample.parent / "附件").iterdir() if path.is_file())
    result = run(tmp_path / "ws", "import", sample, *signing_options(tmp_path / "ws"))
    assert result.returncode == 0, result.stderr
    assert "附件目录" in result.stdout and f"附件 {len(shipped)} 个" in result.stdout
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(sample.read_bytes())  # no 附件 folder beside this copy: the evidence is missing
    refused = run(tmp_path / "other", "import", elsewhere, *signing_options(tmp_path / "other"))
    assert refused.returncode == 2 and "附件" in refused.stderr


def test_audit_verify_names_an_import_entry_forged_with_sql(tmp_path: Path) -> None:
    """An insider raises an amount with SQL and appends a consistent, unsigned 导入申报文件 entry for it."""
    from tests.insider import forge_logged

    folder = tmp_path / "ws"
    assert run(folder, "import", write_csv(tmp_path / "a.csv", [intake_row(1)]), *signing_options(folder)).returncode == 0
    assert run(folder, "audit", "verify").returncode == 0
    forge_logged(folder, ["UPDATE applications SET requested_yuan = '900000.00' WHERE application_id = 'T00001'"],
                 actor="审核员甲", action="导入申报文件", subject="b.csv", details={"rows": 1, "updated": ["T00001"]})
    verified = run(folder, "audit", "verify")
    assert verified.returncode == 1
    assert "（导入申报文件 b.csv，审核员甲）不予承认：没有审核员甲本人的签名" in verified.stdout, verified.stdout


def test_verify_names_a_ca_file_it_cannot_read_in_chinese(staffed: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _ = staffed
    missing = run(folder, "verify", tmp_path / "审核表.pdf", "--ca", tmp_path / "没有.crt")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"参数有误：无法读取 CA 证书 {tmp_path / '没有.crt'}：文件或文件夹不存在"
    (tmp_path / "坏.crt").write_text("不是证书", encoding="utf-8")
    bad = run(folder, "verify", tmp_path / "审核表.pdf", "--ca", tmp_path / "坏.crt")
    assert bad.returncode == 2 and f"CA 证书 {tmp_path / '坏.crt'}：" in bad.stderr
