"""Who may change what an application says: only an entry its person signed.

The fields of an application (and its list of attachments) are what every
decision is made on. They come from an import, a 补正 or a restore, each signed
by the person who made it (``models.signing.signed_entries``). Any other entry
is unsigned — a 重新评估, a setting — and an insider with SQL can append one
whose captured rows and hashes are all consistent, with the app's own
re-assessment making the assessment agree with the forged fields. So an entry
after the workspace began signing imports that changes an ``applications`` or
``application_evidence`` row is named unless it is one of the signed actions,
the upgrade's snapshot (vouched for by the chain only: README's limits), or the
one 打开会评包 that fills a new 会评 workspace (its package is signed by the lead).
"""

from __future__ import annotations

import json
from typing import Any

from models.workspace.anchors import RESTORE_ACTION
from models.workspace.assessment_check import SESSION_OPENED
from models.workspace.database import Database, in_list
from models.workspace.schema_upgrade import SNAPSHOT_ACTION
from models.workspace.projection import key_parts, row_fields
from models.workspace.signed_scope import IMPORTS_AND_RESTORES, signed_from

APPLICATION_TABLES = ("applications", "application_evidence", "application_versions", "resubmissions", "imports")
_TABLE_NAMES = {"applications": "申报内容", "application_evidence": "附件清单", "application_versions": "历史版本",
                "resubmissions": "补正记录", "imports": "导入记录"}


def unsigned_application_writes(db: Database, signed_actions: tuple[str, ...]) -> list[str]:
    """Each entry, from the start of signed imports on, that changed an application without being signed for it."""
    boundary = signed_from(db, IMPORTS_AND_RESTORES)
    if boundary is None:
        return []
    allowed = (*signed_actions, SNAPSHOT_ACTION)
    actions, parameters = in_list("action", allowed)
    tables, table_parameters = in_list("tbl", APPLICATION_TABLES)
    first_writer = db.execute(f"SELECT MIN(seq) FROM audit_changes WHERE tbl IN {tables}", table_parameters).fetchone()[0]
    found: dict[int, tuple[str, str, set[str]]] = {}
    for seq, action, subject, table, key, row in db.execute(
            f"SELECT c.seq, a.action, a.subject, c.tbl, c.key, c.row FROM audit_changes c JOIN audit a ON a.seq = c.seq "
            f"WHERE c.tbl IN {tables} AND c.seq >= :boundary AND a.action NOT IN {actions} ORDER BY c.seq, c.id",
            {**parameters, **table_parameters, "boundary": boundary}):
        if action == SESSION_OPENED and seq == first_writer:
            continue
        found.setdefault(int(seq), (str(action), str(subject), set()))[2].add(_described(str(table), key, row))
    return [f"审计日志第 {seq} 条（{action} {subject}）改动了{'；'.join(sorted(what))}："
            "申报内容、附件、补正和导入记录只能由操作人签名的导入、补正提交或恢复改动，此条未经签名，其改动不予承认"
            for seq, (action, subject, what) in sorted(found.items())]


def _first(key: object) -> str | None:
    """The first value of a captured key."""
    parts = key_parts(str(key))
    return str(parts[0]) if parts else None


def _described(table: str, key: object, row: object) -> str:
    """``申报 T00001 的申报内容``; ``导入记录 3`` for an import, which belongs to no one application."""
    what = _TABLE_NAMES.get(table, table)
    if table == "imports":
        return f"{what} {_first(key) or key}"
    owner = row_fields(str(row)).get("application_id") if table == "resubmissions" else _first(key)
    return f"申报 {owner or key} 的{what}"


WRITE_ONCE_TABLES = {"sheet_records": "审核表记录"}
"""Rows an export writes once and nothing changes after: a printed sheet is checked against its registered record."""


def rewritten_once_written(db: Database) -> list[str]:
    """Each row of a write-once table that an entry after its first changed or removed (upgrade snapshots and
    restores, which capture every row again, aside)."""
    tables, parameters = in_list("tbl", WRITE_ONCE_TABLES)
    again, again_parameters = in_list("again", (SNAPSHOT_ACTION, RESTORE_ACTION))
    rows = db.execute(
        "SELECT c.tbl, c.key, MIN(c.seq), MAX(c.seq), COUNT(*) FROM audit_changes c JOIN audit a ON a.seq = c.seq "
        f"WHERE c.tbl IN {tables} AND a.action NOT IN {again} GROUP BY c.tbl, c.key HAVING COUNT(*) > 1 "
        "ORDER BY MIN(c.seq)", {**parameters, **again_parameters})
    return [f"{WRITE_ONCE_TABLES[str(table)]} {_first(key) or key}：导出时记入（审计日志第 {first} 条）之后又被改动"
            f"（最近在第 {last} 条）；导出的记录不会再改，打印件不能再凭它核对"
            for table, key, first, last, _ in rows]


_SHEET_FIELDS = {"application_id": "申报编号", "serial": "表号", "signer": "签名人", "exported_at": "导出时间"}


def fields_unlike_record(record: dict[str, Any], registered: dict[str, Any]) -> list[str]:
    """The names (申报编号, 表号, 签名人, 导出时间) of a registered sheet's fields its record says otherwise."""
    return [label for field, label in _SHEET_FIELDS.items() if record.get(field) != registered[field]]


def sheet_rows_against_records(db: Database) -> list[str]:
    """Each registered sheet whose 申报编号, 表号, 签名人 or 导出时间 is not its registered record's (what
    ``verify --code`` shows beside the record)."""
    problems = []
    for code, application_id, serial, signer, exported_at, record_text in db.execute(
            "SELECT s.code, s.application_id, s.serial, s.signer, s.exported_at, r.record FROM sheets s "
            "JOIN sheet_records r ON r.code = s.code ORDER BY s.exported_at, s.code"):
        try:
            record = json.loads(record_text)
        except ValueError:
            problems.append(f"审核表记录 {code} 无法读取")
            continue
        stored = {"application_id": application_id, "serial": serial, "signer": signer, "exported_at": exported_at}
        changed = fields_unlike_record(record, stored) if isinstance(record, dict) else []
        if changed or not isinstance(record, dict):
            problems.append(f"审核表登记 {code}：{'、'.join(changed) or '记录'}与导出时的审核表记录不符")
    return problems
