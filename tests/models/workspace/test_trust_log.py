"""Trust, part 1, attacked as an insider would: SQL on the file, the CLI, and their own key only.

Each test performs the attack and asserts that it is refused or detected, and
that the finding names what was changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from models.workspace import audit
from models.workspace.anchors import AnchorMismatch
from models.workspace.backup import BackupError, RollbackConfirmation, RollbackRefused, restore_backup, write_backup
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.intake.problems import ImportRejected
from tests.workspace_support import import_as
from models.workspace.projection import projected_tables
from models.signing.reviewers import unlock
from models.signing.signatures import canonical_bytes, sign_record
from models.workspace.verification import verify_anchor_file, verify_workspace
from models.workspace.workspace import Workspace, connect
from tests.workspace_support import (PASSPHRASE, RESTORER, intake_row, returned_for, staffed_workspace, valid_uscc,
                                     write_csv)


def _decided_workspace(folder: Path, tmp: Path) -> Workspace:
    ws = staffed_workspace(folder)
    (tmp / "ev").mkdir(exist_ok=True)
    (tmp / "ev" / "认定文件.pdf").write_bytes(b"%PDF-1.4\n% test evidence\n")
    import_as(ws, write_csv(tmp / "a.csv", [intake_row(1, 附件="认定文件.pdf"), intake_row(2)]), evidence=tmp / "ev")
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "复核", "通过", "审核员乙", Decimal("300000")), PASSPHRASE)
    ws.set_setting("pdf_font", "/x.ttf", "审核员甲")
    return ws


def _drop_triggers(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    return conn


def _problems_of(folder: Path) -> list[str]:
    db = connect(folder / "reviewdesk.db")
    db.has_change_log = True
    try:
        return verify_workspace(Workspace(folder, db, None)).problems
    finally:
        db.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("template")
    ws = _decided_workspace(base / "ws", base)
    assert verify_workspace(ws).ok
    ws.close()
    return base / "ws"


def _copy(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(template, target)
    return target


_MUTATE = ("CASE typeof({c}) WHEN 'integer' THEN {c} + 1 WHEN 'real' THEN {c} + 1 WHEN 'blob' THEN X'00' "
           "WHEN 'null' THEN 'x' ELSE {c} || 'x' END")


def _columns(template: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    db = connect(template / "reviewdesk.db")
    try:
        return [(shape.name, column, shape.key) for shape in projected_tables(db)
                if db.execute(f'SELECT 1 FROM "{shape.name}" LIMIT 1').fetchone() for column in shape.columns]
    finally:
        db.close()


def test_every_table_the_app_reads_is_projected_and_has_rows_to_attack(template: Path) -> None:
    tables = {table for table, _, _ in _columns(template)}
    assert {"applications", "assessments", "decisions", "conflicts", "reviewers", "ca", "evidence",
            "application_evidence", "imports", "settings"} <= tables


def test_an_update_of_any_column_of_any_table_is_named_by_table_key_and_field(template: Path, tmp_path: Path) -> None:
    missed = []
    columns = _columns(template)
    assert len(columns) > 80
    for n, (table, column, key) in enumerate(columns):
        folder = _copy(template, tmp_path / str(n))
        conn = _drop_triggers(folder / "reviewdesk.db")
        try:
            conn.execute(f'UPDATE "{table}" SET "{column}" = {_MUTATE.format(c=column)} '
                         f'WHERE rowid = (SELECT rowid FROM "{table}" ORDER BY rowid LIMIT 1)')
        except sqlite3.IntegrityError:  # the schema itself refuses this one (ca.id must be 1)
            conn.close()
            continue
        conn.commit()
        conn.close()
        problems = _problems_of(folder)
        if not any(p.startswith(f"表 {table} 键") and (column in key or f"字段 {column}：" in p) for p in problems):
            missed.append(f"{table}.{column}: {problems[:2]}")
    assert not missed, "\n".join(missed)


def test_a_deleted_or_inserted_row_in_any_table_is_named(template: Path, tmp_path: Path) -> None:
    missed = []
    for n, table in enumerate(sorted({table for table, _, _ in _columns(template)})):
        folder = _copy(template, tmp_path / f"d{n}")
        conn = _drop_triggers(folder / "reviewdesk.db")
        conn.execute(f'DELETE FROM "{table}" WHERE rowid = (SELECT rowid FROM "{table}" ORDER BY rowid LIMIT 1)')
        conn.commit()
        conn.close()
        if not any(p.startswith(f"表 {table} 键") and "已被删除" in p for p in _problems_of(folder)):
            missed.append(f"DELETE {table}")
        folder = _copy(template, tmp_path / f"i{n}")
        conn = _drop_triggers(folder / "reviewdesk.db")
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        conn.execute(f'CREATE TEMP TABLE t AS SELECT * FROM "{table}" ORDER BY rowid LIMIT 1')
        for row in info:
            if row[5]:
                conn.execute(f'UPDATE t SET "{row[1]}" = {_MUTATE.format(c=row[1])}')
        try:
            conn.execute(f'INSERT INTO "{table}" SELECT * FROM t')
        except sqlite3.IntegrityError:  # the schema itself refuses a second row (ca.id must be 1)
            conn.close()
            continue
        conn.commit()
        conn.close()
        if not any(p.startswith(f"表 {table} 键") and "未经记录的插入" in p for p in _problems_of(folder)):
            missed.append(f"INSERT {table}")
    assert not missed, missed


def test_a_change_written_with_the_triggers_in_place_but_no_event_is_named(template: Path, tmp_path: Path) -> None:
    folder = _copy(template, tmp_path)
    conn = sqlite3.connect(folder / "reviewdesk.db")
    conn.execute("UPDATE conflicts SET has_conflict = 1, reason = '冒名声明' WHERE reviewer = '审核员甲'")
    conn.commit()
    conn.close()
    problems = _problems_of(folder)
    assert any("表 conflicts 键 T00001/审核员甲 字段 has_conflict" in p for p in problems), problems


def test_flipping_a_current_flag_is_named(template: Path, tmp_path: Path) -> None:
    folder = _copy(template, tmp_path)
    conn = _drop_triggers(folder / "reviewdesk.db")
    conn.execute("UPDATE decisions SET current = 0 WHERE stage = '复核'")
    conn.commit()
    conn.close()
    assert any("表 decisions" in p and "字段 current：审计日志为 1，数据库中为 0" in p for p in _problems_of(folder))


def test_renumbering_decisions_to_reorder_them_is_named(template: Path, tmp_path: Path) -> None:
    """The insertion order decides which of two decisions of one second is the newer: swapping the numbers (the
    unique index allows it through a free number) is an edit of a logged field like any other."""
    folder = _copy(template, tmp_path)
    conn = _drop_triggers(folder / "reviewdesk.db")
    (first, one), (second, two) = conn.execute(
        "SELECT uuid, insertion_order FROM decisions ORDER BY insertion_order LIMIT 2").fetchall()
    for uuid, number in ((first, -1), (second, one), (first, two)):
        conn.execute("UPDATE decisions SET insertion_order = ? WHERE uuid = ?", [number, uuid])
    conn.commit()
    conn.close()
    problems = _problems_of(folder)
    for uuid, logged, found in ((first, one, two), (second, two, one)):
        assert any(p.startswith(f"表 decisions 键 {uuid} 字段 insertion_order：审计日志为 {logged}，数据库中为 {found}")
                   for p in problems), problems


def test_a_decision_re_signed_with_the_insiders_own_key_is_named(tmp_path: Path) -> None:
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    row = ws.db.execute("SELECT uuid, record FROM decisions WHERE stage = '初审'").fetchone()
    record = json.loads(row[1])
    record["decision"]["amount_yuan"] = "500000.00"
    signature = sign_record(unlock(ws, "审核员甲", PASSPHRASE), record)
    ws.db.execute("UPDATE decisions SET amount_yuan = '500000.00', record = ?, signature = ? WHERE uuid = ?",
                  [canonical_bytes(record).decode("utf-8"), base64.b64encode(signature).decode("ascii"), row[0]])
    ws.db.conn.commit()
    problems = verify_workspace(ws).problems
    ws.close()
    assert any(f"表 decisions 键 {row[0]} 字段 amount_yuan：审计日志为 \"300000.00\"，数据库中为 \"500000.00\"" in p
               for p in problems), problems


def test_truncating_the_tail_of_the_log_is_refused_at_open_naming_the_range(tmp_path: Path) -> None:
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    last, _ = audit.head(ws.db)
    ws.close()
    conn = _drop_triggers(tmp_path / "ws" / "reviewdesk.db")
    conn.execute("DELETE FROM audit WHERE seq > ?", [last - 3])
    conn.execute("DELETE FROM audit_changes WHERE seq > ?", [last - 3])
    conn.commit()
    conn.close()
    with pytest.raises(AnchorMismatch, match=f"缺失第 {last - 2}–{last} 条"):
        Workspace.open(tmp_path / "ws")


def _rewrite_chain_from(db_path: Path, seq: int) -> None:
    """A consistent rewrite: change one entry and recompute every hash after it."""
    conn = _drop_triggers(db_path)
    rows = conn.execute("SELECT seq, at, actor, action, subject, details FROM audit WHERE seq >= ? ORDER BY seq",
                        [seq]).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq - 1]).fetchone()[0]
    for n, (s, at, actor, action, subject, details) in enumerate(rows):
        if n == 0:
            actor = "冒名者"
        content = json.dumps([s, at, actor, action, subject, details], ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()
        conn.execute("UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", [actor, prev, digest, s])
        prev = digest
    conn.commit()
    conn.close()


def test_a_consistent_rewrite_passes_the_chain_but_is_caught_by_the_anchor(tmp_path: Path) -> None:
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    backup = write_backup(ws, tmp_path / "b.zip")
    ws.close()
    _rewrite_chain_from(tmp_path / "ws" / "reviewdesk.db", 5)
    named = [p for p in _problems_of(tmp_path / "ws") if "审计日志第" in p]
    # the chain holds; only the signed import entries above the rewrite, which name the entry before them, object
    assert named and all("签名记录接续的不是审计日志的上一条" in p for p in named), named
    with pytest.raises(AnchorMismatch, match="已被改写"):
        Workspace.open(tmp_path / "ws")
    db = connect(tmp_path / "ws" / "reviewdesk.db")
    held, line = verify_anchor_file(Workspace(tmp_path / "ws", db, None), backup)
    db.close()
    assert not held and "b.zip" in line and "已被改写" in line


def test_import_update_cannot_retarget_a_decided_application(tmp_path: Path) -> None:
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    other = write_csv(tmp_path / "b.csv", [intake_row(1, 企业名称="另一家公司", 统一社会信用代码=valid_uscc(77))])
    with pytest.raises(ImportRejected) as refused:
        import_as(ws, other, update=True)
    text = str(refused.value) + "".join(p.message for p in refused.value.problems)
    assert "T00001" in text and "复核（通过，审核员乙）" in text and "--supersede-decisions" in text
    assert ws.db.execute("SELECT enterprise FROM applications WHERE application_id = 'T00001'").fetchone()[0] \
        != "另一家公司"
    import_as(ws, other, update=True, supersede_reason="申报单位名称登记错误，经县区收件窗口核实更正")
    assert ws.db.execute("SELECT COUNT(*) FROM decisions WHERE application_id = 'T00001' AND current = 1"
                         ).fetchone()[0] == 0
    event = ws.db.execute("SELECT actor, details FROM audit WHERE action = '撤销决定并退回重审'").fetchone()
    assert "经县区收件窗口核实更正" in event[1]
    assert verify_workspace(ws).ok
    ws.close()


def test_a_returned_application_may_be_resubmitted_and_goes_back_to_review(tmp_path: Path) -> None:
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="缺认定文件", **returned_for()),
           PASSPHRASE)
    import_as(ws, write_csv(tmp_path / "b.csv", [intake_row(1, **{"申请金额(万元)": "40"})]), update=True)
    assert ws.db.execute("SELECT COUNT(*) FROM decisions WHERE current = 1").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = '补正材料重新提交'").fetchone()[0] == 1
    assert verify_workspace(ws).ok
    ws.close()


def _tamper_backup(backup: Path, out: Path) -> None:
    """Change a decision's amount inside the backup's database and recompute the manifest."""
    work = out.parent / "unpacked"
    with zipfile.ZipFile(backup) as archive:
        archive.extractall(work)
    conn = _drop_triggers(work / "reviewdesk.db")
    conn.execute("UPDATE decisions SET amount_yuan = '2000000.00' WHERE stage = '复核'")
    conn.commit()
    conn.close()
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: hashlib.sha256((work / name).read_bytes()).hexdigest() for name in manifest["files"]}
    (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(work.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(work).as_posix())


def test_a_tampered_backup_with_its_manifest_recomputed_is_refused(tmp_path: Path) -> None:
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    backup = write_backup(ws, tmp_path / "b.zip")
    ws.close()
    _tamper_backup(backup, tmp_path / "forged.zip")
    with pytest.raises(BackupError, match="表 decisions 键 .* 字段 amount_yuan"):
        restore_backup(tmp_path / "forged.zip", tmp_path / "restored", restorer=RESTORER)
    assert not (tmp_path / "restored").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restore-")]


def test_restoring_an_older_backup_is_a_rollback_a_lead_must_confirm(tmp_path: Path) -> None:
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    backup = write_backup(ws, tmp_path / "old.zip")
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    newest, _ = audit.head(ws.db)
    ws.close()
    with pytest.raises(RollbackRefused, match="负责人确认"):
        restore_backup(backup, tmp_path / "r1", restorer=RESTORER)
    assert not (tmp_path / "r1").exists()
    with pytest.raises(RollbackRefused, match="不是负责人"):
        restore_backup(backup, tmp_path / "r1", confirm_rollback=RollbackConfirmation("审核员甲", PASSPHRASE, "硬盘故障"))
    restore_backup(backup, tmp_path / "r2", confirm_rollback=RollbackConfirmation("科长丙", PASSPHRASE, "硬盘故障"))
    with Workspace.open(tmp_path / "r2") as restored:
        details = json.loads(restored.db.execute(
            "SELECT details FROM audit WHERE action = '从备份恢复'").fetchone()[0])
        assert details["confirmed_by"] == "科长丙" and f"第 {newest} 条" in details["rollback"]
        assert verify_workspace(restored).ok


def test_renaming_a_decided_application_with_a_forged_matching_log_entry_is_still_named(tmp_path: Path) -> None:
    """The insider writes the change and an audit entry whose captured rows and hashes all match."""
    ws = _decided_workspace(tmp_path / "ws", tmp_path)
    ws.db.execute("UPDATE applications SET enterprise = '另一家公司' WHERE application_id = 'T00001'")
    ws.db.conn.commit()
    seq, prev = audit.head(ws.db)
    from_id = ws.db.execute("SELECT MIN(id) FROM audit_changes WHERE seq = ?", [seq + 1]).fetchone()[0]
    from models.workspace.projection import changes_digest, changes_of

    digest, count = changes_digest(changes_of(ws.db, seq + 1, from_id))
    details = json.dumps({"changes": count, "changes_from": from_id, "changes_sha256": digest, "rows": 1},
                         ensure_ascii=False, sort_keys=True)
    at = audit.now_text()
    content = json.dumps([seq + 1, at, "系统", "导入申报文件", "b.csv", details], ensure_ascii=False,
                         separators=(",", ":"))
    ws.db.execute("INSERT INTO audit VALUES (?,?,?,?,?,?,?,?)", [seq + 1, at, "系统", "导入申报文件", "b.csv", details,
                  prev, hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()])
    ws.db.conn.commit()
    problems = verify_workspace(ws).problems
    ws.close()
    assert not [p for p in problems if p.startswith("表 ")], problems  # the forgery is consistent
    assert any("T00001 复核" in p and "申报内容与签名时不同（enterprise）" in p for p in problems), problems
    assert f"审计日志第 {seq + 1} 条（导入申报文件 b.csv，系统）不予承认：没有系统本人的签名：导入、恢复须由操作人以本人密钥签名" \
        in problems, problems
