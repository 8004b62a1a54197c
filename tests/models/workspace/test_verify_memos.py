"""What ``audit verify`` remembers within a process never vouches for anything but the exact input it checked.

Each test first lets a check pass (so its memo holds the result), then changes one byte or one field of what
was checked, in the same process, and the verify must fail there as it would in a fresh one.
"""

from __future__ import annotations

import base64
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from models.pure_memo import PureMemo, input_digest
from models.signing.ca import create_ca, issue_reviewer, signed_by_key_of
from models.signing.signatures import canonical_bytes, sign_record, verify_bytes
from models.workspace.verification import verify_workspace
from models.workspace.workspace import DB_NAME, Workspace
from tests.insider import forge_logged
from tests.workspace_support import approve_both_stages, import_as, intake_row, staffed_workspace, write_csv


def test_an_input_digest_tells_apart_values_and_types_and_where_parts_end() -> None:
    values = (5, 5.0, True, "5", b"5", None, (5,), "", ())
    assert len({input_digest(value) for value in values}) == len(values)
    assert input_digest("a", "bc") != input_digest("ab", "c")
    assert input_digest(("a", "b")) != input_digest("a", "b")
    assert input_digest(Decimal("5")) != input_digest(Decimal("5.0"))  # no marshal form: digested by repr
    assert input_digest("聊城", 1, None) == input_digest("聊城", 1, None)


def test_a_full_memo_forgets_its_oldest_entry_first() -> None:
    memo: PureMemo[bool] = PureMemo(capacity=2)
    for key in (b"a", b"b", b"c"):
        memo.put(key, True)
    assert (memo.get(b"a"), memo.get(b"b"), memo.get(b"c"), len(memo)) == (None, True, True, 2)


def test_a_remembered_signature_never_passes_another_signature_message_or_key() -> None:
    ca = create_ca()
    (key, certificate), (_, other) = issue_reviewer(ca, "张三", "初审"), issue_reviewer(ca, "李四", "初审")
    record = {"申报编号": "LC-2026-0001", "金额": Decimal("500000.00")}
    data, signature = canonical_bytes(record), sign_record(key, record)
    assert verify_bytes(certificate, data, signature)
    assert verify_bytes(certificate, data, signature)  # now from the memo
    flipped = bytearray(signature)
    flipped[-1] ^= 1
    assert not verify_bytes(certificate, data, bytes(flipped))
    assert not verify_bytes(certificate, data.replace(b"500000", b"600000"), signature)
    assert not verify_bytes(other, data, signature)


def test_a_remembered_issuer_never_vouches_for_a_certificate_of_another_ca() -> None:
    ca, elsewhere = create_ca(), create_ca()
    issued = issue_reviewer(ca, "张三", "初审")[1]
    assert signed_by_key_of(issued, ca.certificate) and signed_by_key_of(issued, ca.certificate)
    assert not signed_by_key_of(issue_reviewer(elsewhere, "张三", "初审")[1], ca.certificate)
    assert not signed_by_key_of(issued, elsewhere.certificate)


@pytest.fixture
def decided(tmp_path: Path) -> Path:
    """A workspace where T00001 has both stages decided, and the verify has passed twice in this process."""
    with staffed_workspace(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
        approve_both_stages(ws, "T00001", "300000")
    for _ in range(2):
        assert not _problems(tmp_path / "ws")
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return verify_workspace(ws).problems


def _flipped_base64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode("ascii")


def test_a_decision_signature_changed_by_one_bit_after_a_passing_verify_is_named(decided: Path) -> None:
    conn = sqlite3.connect(decided / DB_NAME)
    uuid, signature = conn.execute("SELECT uuid, signature FROM decisions WHERE stage = '复核'").fetchone()
    conn.close()
    forge_logged(decided, [("UPDATE decisions SET signature = ? WHERE uuid = ?", [_flipped_base64(signature), uuid])])
    assert any(f"决定 {uuid}" in p and "签名无效" in p for p in _problems(decided))


def test_a_declaration_signature_changed_by_one_bit_after_a_passing_verify_is_named(decided: Path) -> None:
    conn = sqlite3.connect(decided / DB_NAME)
    signature = conn.execute("SELECT signature FROM conflicts WHERE reviewer = '审核员乙'").fetchone()[0]
    conn.close()
    forge_logged(decided, [("UPDATE conflicts SET signature = ? WHERE reviewer = '审核员乙'",
                            [_flipped_base64(signature)])])
    assert any("审核员乙 对 T00001 的利益冲突声明" in p and "签名无效" in p for p in _problems(decided))


def test_a_decided_application_changed_after_a_passing_verify_is_named(decided: Path) -> None:
    forge_logged(decided, [("UPDATE applications SET enterprise = enterprise || '分公司' WHERE application_id = ?",
                            ["T00001"])])
    assert any("T00001" in p and "申报内容与签名时不同" in p for p in _problems(decided))


def test_a_stored_assessment_changed_after_a_passing_verify_is_named(decided: Path) -> None:
    forge_logged(decided, [("UPDATE assessments SET uncapped_yuan = '9999999.00' WHERE application_id = ?",
                            ["T00002"])])
    assert any("T00002 的评估 uncapped_yuan" in p for p in _problems(decided))


def test_an_audit_row_edited_by_one_character_after_a_passing_verify_breaks_the_chain(decided: Path) -> None:
    conn = sqlite3.connect(decided / DB_NAME, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = actor || ' ' WHERE seq = 3")
    conn.close()
    assert any("审计日志第 3 条内容已被改动" in p for p in _problems(decided))


def test_a_logged_change_edited_after_a_passing_verify_is_named_at_its_entry(decided: Path) -> None:
    conn = sqlite3.connect(decided / DB_NAME, isolation_level=None)
    seq, change_id = conn.execute("SELECT seq, id FROM audit_changes WHERE tbl = 'decisions' ORDER BY id DESC").fetchone()
    conn.execute("DROP TRIGGER audit_changes_no_update")
    conn.execute("UPDATE audit_changes SET row = replace(row, '300000', '900000') WHERE id = ?", [change_id])
    conn.close()
    assert any(f"审计日志第 {seq} 条" in p and "所记录的数据改动已被改动" in p for p in _problems(decided))

