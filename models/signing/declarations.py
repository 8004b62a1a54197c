"""The conflict gate and the supersessions, replayed from the log rather than read from the tables.

A declared conflict, once logged, stands until its declarer withdraws it with a
signed withdrawal naming that declaration's signature; a decision needs a
declaration of no conflict by its reviewer logged before it; a decision that
another supersedes is no longer current. An insider can make the tables say
otherwise with a consistent log entry; these checks read what the log holds.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from models.review.conflicts import WITHDRAWAL
from models.signing.reviewers import certificates_of
from models.signing.signatures import verify_record
from models.workspace import dialect
from models.workspace.decision_rows import CURRENT, current_in, flag_set
from models.workspace.projection import Replay
from models.workspace.workspace import Workspace

SNAPSHOT_ACTION = "数据库结构快照"


def declared_conflicts_sql(engine: str) -> str:
    """Each declared conflict's capture key and signature."""
    return f"SELECT {dialect.capture_key(engine, 'application_id', 'reviewer')}, signature FROM conflicts WHERE has_conflict = 1"


def decisions_with_keys_sql(engine: str) -> str:
    """Each decision's capture key, the key of its reviewer's declaration on the application, and who decided what."""
    return (f"SELECT {dialect.capture_key(engine, 'uuid')}, {dialect.capture_key(engine, 'application_id', 'reviewer')}, "
            "uuid, application_id, stage, reviewer FROM decisions ORDER BY decided_at")


def decision_keys_sql(engine: str) -> str:
    return f"SELECT {dialect.capture_key(engine, 'uuid')} FROM decisions"


def _signed_withdrawals(ws: Workspace) -> set[str]:
    """The declaration signatures that their own declarer withdrew, by a withdrawal that verifies."""
    withdrawn: set[str] = set()
    for (details,) in ws.db.execute("SELECT details FROM audit WHERE action = :action ORDER BY seq",
                                    {"action": WITHDRAWAL}):
        content = json.loads(details)
        record = content.get("record")
        if not isinstance(record, dict) or record.get("kind") != WITHDRAWAL:
            continue
        try:
            signature = base64.b64decode(str(content.get("signature")), validate=True)
        except (binascii.Error, ValueError):
            continue
        reviewer = str(record.get("reviewer"))
        if any(verify_record(c.certificate, record, signature) for c in certificates_of(ws, reviewer)):
            withdrawn.add(str(record.get("declaration_signature")))
    return withdrawn


def _upgrade_snapshot(ws: Workspace) -> int | None:
    """The seq of the log's first snapshot when it re-based an older workspace (its rows predate the log's rows)."""
    row = ws.db.execute("SELECT seq, details FROM audit WHERE action = :action ORDER BY seq LIMIT 1",
                        {"action": SNAPSHOT_ACTION}).fetchone()
    if row is None or "0001_initial" in json.loads(row[1]).get("migrations", []):
        return None
    return int(row[0])


def gate_problems(ws: Workspace, replay: Replay) -> list[str]:
    """Declared conflicts gone without their declarer's signed withdrawal, and decisions logged before any
    declaration of no conflict by their reviewer."""
    declared: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    cleared_at: dict[str, int] = {}
    for seq, table, key, text in replay.history:
        if table != "conflicts":
            continue
        if '"has_conflict":0' in text:
            cleared_at.setdefault(key, seq)
            continue
        row = json.loads(text)
        if row.get("has_conflict"):
            declared.setdefault(key, []).append((seq, row))
        else:
            cleared_at.setdefault(key, seq)
    problems = []
    current = {str(k): str(s) for k, s in ws.db.execute(declared_conflicts_sql(ws.db.dialect))}
    withdrawn = _signed_withdrawals(ws) if declared else set()
    for key, rows in declared.items():
        for seq, row in rows:
            signature = str(row.get("signature") or "")
            if current.get(key) == signature or (signature and signature in withdrawn):
                continue
            problems.append(f"{row['reviewer']} 对 {row['application_id']} 声明的利益冲突（审计日志第 {seq} 条）"
                            "已不在，却没有本人签名的撤回记录：利益冲突声明只能由声明人本人签名撤回")
    upgrade = _upgrade_snapshot(ws)
    for uuid_key, pair, uuid, application_id, stage, reviewer in ws.db.execute(decisions_with_keys_sql(ws.db.dialect)):
        logged_at = replay.first_logged.get(("decisions", uuid_key))
        if logged_at is None or logged_at == upgrade:
            continue
        none_at = cleared_at.get(pair)
        if none_at is None or none_at > logged_at:
            problems.append(f"决定 {uuid}（{application_id} {stage}，{reviewer}）记入审计日志（第 {logged_at} 条）之前，"
                            f"{reviewer} 没有就 {application_id} 声明无利益冲突")
    return problems


def supersession_problems(ws: Workspace) -> list[str]:
    """Current flags that the supersessions do not allow: a superseded decision current, two current at one stage."""
    problems = [f"决定 {uuid}（{application_id} {stage}）已被决定 {newer} 替代，却仍标为现行"
                for uuid, application_id, stage, newer in ws.db.execute(
                    "SELECT d.uuid, d.application_id, d.stage, n.uuid FROM decisions d JOIN decisions n "
                    f"ON n.supersedes = d.uuid WHERE {flag_set('d')} AND NOT ({current_in('d')}) "
                    "ORDER BY d.application_id")]
    problems += [f"申报 {application_id} 的{stage}有 {count} 个现行决定，只能有一个"
                 for application_id, stage, count in ws.db.execute(
                     f"SELECT application_id, stage, COUNT(*) FROM decisions WHERE {CURRENT} "
                     "GROUP BY application_id, stage HAVING COUNT(*) > 1 ORDER BY application_id")]
    return problems


def vanished_decisions(ws: Workspace, replay: Replay) -> list[str]:
    """Decisions the log once recorded that are gone from the tables: no way of the app deletes a decision."""
    logged = {key for table, key in replay.first_logged if table == "decisions"}
    present = {str(key) for (key,) in ws.db.execute(decision_keys_sql(ws.db.dialect))}
    gone = sorted(logged - present)
    return [f"决定 {json.loads(key)[0]}（审计日志第 {replay.first_logged[('decisions', key)]} 条记入）已从决定表中删除："
            "已记录的决定只能被新的决定替代，不能删除" for key in gone]
