"""The issue's insider, at the command line: an unencrypted CA, a look-alike name, a one-character passphrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_workspace_commands import run
from tests.workspace_support import intake_row, write_csv


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    base = tmp_path_factory.mktemp("people")
    files = {"ca": _file(base, "ca.txt", "本局CA的口令-2026"), "admin": _file(base, "admin.txt", "管理员的口令-2026"),
             "a": _file(base, "a.txt", "甲的口令-20260101"), "one": _file(base, "one.txt", "1"),
             "audit": _file(base, "audit.txt", "审计员的口令-2026")}
    folder = base / "ws"
    assert run(folder, "ca", "init", "--passphrase-file", files["ca"]).returncode == 0
    for name, role, key, by in (("管理员丁", "系统管理员", "admin", ()),
                                ("审核员甲", "初审", "a", ("--by", "管理员丁", "--by-passphrase-file", files["admin"])),
                                ("审计员庚", "审计员", "audit", ("--by", "管理员丁", "--by-passphrase-file", files["admin"]))):
        done = run(folder, "reviewer", "add", name, "--role", role, "--passphrase-file", files[key],
                   "--ca-passphrase-file", files["ca"], *by)
        assert done.returncode == 0, done.stderr
    return folder, files


def test_ca_init_never_stores_the_key_unencrypted(tmp_path: Path) -> None:
    refused = run(tmp_path / "w", "ca", "init")
    assert refused.returncode == 1 and "请用 --passphrase-file 提供CA 口令" in refused.stderr
    short = run(tmp_path / "w", "ca", "init", "--passphrase-file", _file(tmp_path, "s.txt", "123456"))
    assert short.returncode == 1 and "至少需要 10 个字符" in short.stderr


def test_a_look_alike_reviewer_with_passphrase_1_is_refused(bureau: tuple[Path, dict[str, Path]]) -> None:
    folder, files = bureau
    admin = ("--ca-passphrase-file", files["ca"], "--by", "管理员丁", "--by-passphrase-file", files["admin"])
    look_alike = run(folder, "reviewer", "add", "审核员甲\u200b", "--role", "复核", "--passphrase-file", files["a"],
                     *admin)
    assert look_alike.returncode == 1 and "U+200B" in look_alike.stderr
    weak = run(folder, "reviewer", "add", "审核员乙", "--role", "复核", "--passphrase-file", files["one"], *admin)
    assert weak.returncode == 1 and "至少需要 10 个字符（现为 1 个）" in weak.stderr
    no_admin = run(folder, "reviewer", "add", "审核员乙", "--role", "复核", "--passphrase-file", files["a"],
                   "--ca-passphrase-file", files["ca"])
    assert no_admin.returncode == 1 and "须由系统管理员办理" in no_admin.stderr
    listed = run(folder, "reviewer", "list").stdout
    assert "审核员乙" not in listed and listed.count("在用") == 3
    shown = run(folder, "audit", "show").stdout
    assert "\t管理员丁\t新增审核人员\t审核员甲" in shown and "\t系统\t新增审核人员" not in shown


def test_the_auditor_verifies_and_changes_nothing(bureau: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    folder, files = bureau
    refused = run(folder, "import", write_csv(tmp_path / "c.csv", [intake_row(3)]), "--reviewer", "审计员庚",
                  "--passphrase-file", files["audit"])
    assert refused.returncode == 1 and "审计员庚 的证书角色是审计员，不能导入申报文件" in refused.stderr, refused.stderr
    assert run(folder, "import", write_csv(tmp_path / "c.csv", [intake_row(3)]), "--reviewer", "审核员甲",
               "--passphrase-file", files["a"]).returncode == 0
    assert run(folder, "audit", "verify").returncode == 0
    declare = run(folder, "conflict", "T00003", "--reviewer", "审计员庚", "--none", "--passphrase-file", files["audit"])
    assert declare.returncode == 1 and "不参与审核" in declare.stderr
    decide = run(folder, "decide", "T00003", "--stage", "初审", "--outcome", "通过", "--amount", "50",
                 "--reviewer", "审计员庚", "--passphrase-file", files["audit"])
    assert decide.returncode == 1 and "不能作出初审决定" in decide.stderr
    sheets = run(folder, "export-sheets", "--out", tmp_path / "out", "--signer", "审计员庚",
                 "--passphrase-file", files["audit"])
    assert sheets.returncode != 0 and "不能签发审核表" in sheets.stderr


def test_another_reviewers_conflict_cannot_be_withdrawn(bureau: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    folder, files = bureau
    run(folder, "import", write_csv(tmp_path / "d.csv", [intake_row(4)]), "--reviewer", "审核员甲",
        "--passphrase-file", files["a"])
    declared = run(folder, "conflict", "T00004", "--reviewer", "审核员甲", "--declare", "亲属任职",
                   "--passphrase-file", files["a"])
    assert declared.returncode == 0, declared.stderr
    withdrawn = run(folder, "conflict", "T00004", "--reviewer", "审核员甲", "--withdraw", "代为撤回",
                    "--passphrase-file", files["admin"])
    assert withdrawn.returncode == 1 and "审核员甲 的口令错误" in withdrawn.stderr
    own = run(folder, "conflict", "T00004", "--reviewer", "审核员甲", "--withdraw", "误报",
              "--passphrase-file", files["a"])
    assert own.returncode == 0 and "已撤回" in own.stdout


def test_a_disabled_person_is_enabled_again_at_the_command_line(bureau: tuple[Path, dict[str, Path]]) -> None:
    folder, files = bureau
    admin = ("--ca-passphrase-file", files["ca"], "--by", "管理员丁", "--by-passphrase-file", files["admin"])
    assert run(folder, "reviewer", "disable", "审核员甲", "--reason", "借调", *admin).returncode == 0
    assert "停用" in next(line for line in run(folder, "reviewer", "list").stdout.splitlines() if "审核员甲" in line)
    no_reason = run(folder, "reviewer", "enable", "审核员甲", *admin)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    enabled = run(folder, "reviewer", "enable", "审核员甲", "--reason", "借调结束", *admin)
    assert enabled.returncode == 0 and "已重新启用 审核员甲" in enabled.stdout, enabled.stderr
    assert "停用" not in next(line for line in run(folder, "reviewer", "list").stdout.splitlines() if "审核员甲" in line)
    verified = run(folder, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_re_key_at_the_command_line_needs_the_person_or_a_lead(tmp_path: Path) -> None:
    """The bureau's 系统管理员 alone cannot re-key 审核员甲; 甲, with their current passphrase, can."""
    files = {"ca": _file(tmp_path, "ca.txt", "本局CA的口令-2026"), "admin": _file(tmp_path, "admin.txt", "管理员的口令-2026"),
             "a": _file(tmp_path, "a.txt", "甲的口令-20260101"), "new": _file(tmp_path, "new.txt", "甲的新口令-20261202")}
    folder = tmp_path / "ws"
    admin = ("--ca-passphrase-file", files["ca"], "--by", "管理员丁", "--by-passphrase-file", files["admin"])
    assert run(folder, "ca", "init", "--passphrase-file", files["ca"]).returncode == 0
    for name, role, key, by in (("管理员丁", "系统管理员", "admin", ("--ca-passphrase-file", files["ca"])),
                                ("审核员甲", "初审", "a", admin)):
        assert run(folder, "reviewer", "add", name, "--role", role, "--passphrase-file", files[key], *by).returncode == 0
    alone = run(folder, "reviewer", "rekey", "审核员甲", "--passphrase-file", files["new"], *admin)
    assert alone.returncode == 1 and "须经审核员甲本人（用现在的口令）或一位负责人确认" in alone.stderr, alone.stderr
    no_file = run(folder, "reviewer", "rekey", "审核员甲", "--passphrase-file", files["new"], *admin,
                  "--confirmed-by", "审核员甲")
    assert no_file.returncode == 1 and "--confirmed-by-passphrase-file" in no_file.stderr
    done = run(folder, "reviewer", "rekey", "审核员甲", "--passphrase-file", files["new"], *admin,
               "--confirmed-by", "审核员甲", "--confirmed-by-passphrase-file", files["a"])
    assert done.returncode == 0, done.stderr
    verified = run(folder, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
