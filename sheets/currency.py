"""Whether an exported sheet still shows the workspace's current state of its case.

A sheet is current only while everything it shows is current: each stage's
decision on it is still the current one, no stage it shows as not yet decided
has been decided since, the application is as it was imported then, and the
assessment (cap record) is the one the sheet and its decisions were made against.
Otherwise the sheet is superseded (已过时), with every reason, and the newer
sheet of the same application if one was exported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.workspace import records
from models.workspace.decision_rows import CURRENT
from models.workspace.records import application_from_row, application_snapshot
from models.review.terms import STAGES
from models.signing.signatures import canonical_bytes
from models.workspace.workspace import Workspace
from sheets.registry import SheetRow, newest_sheet
from sheets.times import local_time


@dataclass(frozen=True, slots=True)
class Currency:
    reasons: tuple[str, ...]  # empty: the sheet is current
    newer: SheetRow | None  # a later sheet of the same application, when it is superseded

    @property
    def current(self) -> bool:
        return not self.reasons

    def summary(self) -> str:
        """``已过时：reason；reason。较新的审核表：…`` (empty when current)."""
        if self.current:
            return ""
        text = "已过时：" + "；".join(self.reasons) + "。"
        if self.newer is not None:
            text += f"较新的审核表：表号 {self.newer.serial}，校验码 {self.newer.code}，" \
                    f"{self.newer.signer} 于 {local_time(self.newer.exported_at)} 导出。"
        else:
            text += "尚无较新的审核表，请重新导出。"
        return text


def _amount(text: Any) -> str:
    return "" if text in (None, "") else f" {text} 元"


def _decision_reasons(ws: Workspace, application_id: str, shown: list[Mapping[str, Any]],
                      assessment_hash: str | None) -> list[str]:
    reasons: list[str] = []
    shown_stages = {str(entry.get("stage")) for entry in shown}
    for entry in shown:
        stage = entry.get("stage")
        stored = ws.db.execute(f"SELECT outcome, amount_yuan, signature, ({CURRENT}), cap_record_hash FROM decisions "
                               "WHERE uuid = :uuid", {"uuid": entry.get("uuid")}).fetchone()
        if stored is None:
            reasons.append(f"{stage}决定（编号 {entry.get('uuid')}）在工作区中不存在")
            continue
        if (stored[0], stored[1], stored[2]) != (entry.get("outcome"), entry.get("amount_yuan"), entry.get("signature")):
            reasons.append(f"{stage}决定与工作区记录不符（结论或金额不同）")
        elif not stored[3]:
            newer = ws.db.execute("SELECT reviewer, outcome, amount_yuan, decided_at FROM decisions "
                                  f"WHERE application_id = :application_id AND stage = :stage AND {CURRENT}",
                                  {"application_id": application_id, "stage": stage}).fetchone()
            if newer is None:
                reasons.append(f"{stage}决定在导出后已被撤销")
            else:
                reasons.append(f"{stage}决定在导出后已被新的决定取代（{newer[0]} 于 {local_time(newer[3])} "
                               f"改为{newer[1]}{_amount(newer[2])}）")
        elif assessment_hash is not None and stored[4] and stored[4] != assessment_hash:
            reasons.append(f"{stage}决定所依据的评估结果已变更，决定需重新作出")
    for stage in STAGES:
        if stage in shown_stages:
            continue
        later = ws.db.execute("SELECT reviewer, outcome, amount_yuan, decided_at FROM decisions "
                              f"WHERE application_id = :application_id AND stage = :stage AND {CURRENT}",
                              {"application_id": application_id, "stage": stage}).fetchone()
        if later is not None:
            reasons.append(f"导出时尚未作出{stage}决定，导出后 {later[0]} 于 {local_time(later[3])} "
                           f"作出{stage}决定：{later[1]}{_amount(later[2])}")
    return reasons


def _case_reasons(ws: Workspace, record: Mapping[str, Any], application_row: Mapping[str, Any] | None,
                  assessment_hash: str | None) -> list[str]:
    if application_row is None:
        return ["该申报已不在工作区中"]
    reasons: list[str] = []
    for key, label in (("enterprise", "企业名称"), ("uscc", "统一社会信用代码"), ("item_id", "申报事项")):
        if key in record and record[key] != application_row.get(key):
            reasons.append(f"导出后申报的{label}已变更（审核表为 {record[key]}，现为 {application_row.get(key)}）")
    expected = record.get("application_sha256")
    if not reasons and expected:
        snapshot = application_snapshot(application_from_row(dict(application_row)))
        if hashlib.sha256(canonical_bytes(snapshot)).hexdigest() != expected:
            reasons.append("导出后申报信息已变更（重新导入或更正）")
    cap_hash = record.get("cap_record_hash")
    if cap_hash and assessment_hash is not None and cap_hash != assessment_hash:
        reasons.append("导出后评估结果（核定上限、测算过程）已变更")
    elif cap_hash and assessment_hash is None:
        reasons.append("该申报已没有评估结果")
    return reasons


def sheet_currency(ws: Workspace, record: Mapping[str, Any], own_code: str = "") -> Currency:
    """Whether the sheet with ``record`` (its ``sheet.json``, or the registered copy) is current in ``ws``."""
    application_id = str(record.get("application_id", ""))
    assessment_hash = records.assessment_hash(ws.db, application_id)
    reasons = _case_reasons(ws, record, records.application_row(ws.db, application_id), assessment_hash)
    reasons += _decision_reasons(ws, application_id, list(record.get("decisions", [])), assessment_hash)
    if not reasons:
        return Currency((), None)
    newest = newest_sheet(ws.db, application_id)
    newer = newest if newest is not None and newest.code != own_code and \
        newest.exported_at >= str(record.get("exported_at", "")) else None
    return Currency(tuple(reasons), newer)
