"""A verification code typed from paper or scanned from its QR code, looked up in the workspace.

The answer says which sheet it is, whether it is still current, and what the
sheet showed (``sheets.shown``), so the paper can be compared line by line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from models.signing.application_writes import fields_unlike_record
from models.workspace.sheet_originals import stored_original_problem
from models.workspace.workspace import Workspace
from sheets.codes import read_code
from sheets.content import code_for
from sheets.currency import Currency, sheet_currency
from sheets.registry import EXPORT_ACTION, SheetRow, find_code, stored_record
from sheets.shown import record_fields
from sheets.times import local_time


@dataclass(frozen=True, slots=True)
class CodeLookup:
    code: str
    row: SheetRow | None
    currency: Currency | None
    message: str
    fields: tuple[tuple[str, str], ...] = ()  # what the sheet shows, to compare with the paper

    @property
    def decisions_current(self) -> bool | None:
        return None if self.currency is None else self.currency.current

    @property
    def ok(self) -> bool:
        return self.row is not None and bool(self.row.sha256) and self.currency is not None and self.currency.current


def lookup_code(ws: Workspace, typed: str) -> CodeLookup:
    """What the workspace knows of a typed or scanned verification code. Raises ``BadCode`` for a malformed one."""
    typed_code = read_code(typed)
    code = typed_code.code
    row = find_code(ws.db, code)
    if row is None:
        return CodeLookup(code, None, None, f"校验码 {code} 未在本工作区登记：不是本工作区导出的审核表，或校验码抄错")
    title = f"校验码 {code}（{row.application_id}，表号 {row.serial}，签名人 {row.signer}）"
    if (typed_code.application_id, typed_code.serial) not in (("", ""), (row.application_id, row.serial)):
        return CodeLookup(code, row, None, f"{title}：二维码中的申报编号或表号"
                                           f"（{typed_code.application_id}，{typed_code.serial}）与登记不符")
    registered = stored_record(ws.db, code)
    if registered is not None and code_for(registered) != code:
        return CodeLookup(code, row, None, f"{title}：登记的审核表记录与校验码不符（校验码是该记录的摘要），"
                                           "记录在导出后被改动，不能据此核对打印件；请运行审计校验（audit verify）")
    shown = {"application_id": row.application_id, "serial": row.serial, "signer": row.signer,
             "exported_at": row.exported_at}
    if registered is not None and fields_unlike_record(registered, shown):
        return CodeLookup(code, row, None, f"{title}：登记表中的申报编号、表号、签名人或导出时间与审核表记录不符，"
                                           "登记在导出后被改动；请运行审计校验（audit verify）")
    record = registered or _legacy_record(ws, row)
    fields = tuple(record_fields(record))
    if not row.sha256:
        return CodeLookup(code, row, None, f"{title}已登记，但审核表未成功生成，不是有效的审核表", fields)
    currency = sheet_currency(ws, record, code)
    state = "有效：导出后审核表所示内容均未变更" if currency.current else currency.summary()
    kept = stored_original_problem(ws, code)  # the workspace's copy, not the paper: said, but no verdict on it
    return CodeLookup(code, row, currency, f"{title}，{local_time(row.exported_at)} 导出；{state}"
                      + (f"。注意：{kept.split('：', 1)[-1]}，请运行审计校验（audit verify）" if kept else ""), fields)


def _legacy_record(ws: Workspace, row: SheetRow) -> dict[str, Any]:
    """For a sheet exported before records were kept: its decisions from the export's audit entry."""
    record: dict[str, Any] = {"application_id": row.application_id, "serial": row.serial, "signer": row.signer,
                              "exported_at": row.exported_at, "decisions": []}
    for (details,) in ws.db.execute("SELECT details FROM audit WHERE action = :action AND subject = :subject "
                                    "AND at = :at", {"action": EXPORT_ACTION, "subject": row.application_id,
                                                     "at": row.exported_at}):
        parsed = json.loads(details or "{}")
        if parsed.get("serial") != row.serial:
            continue
        for uuid in parsed.get("decisions", []):
            stored = ws.db.execute("SELECT stage, uuid, outcome, amount_yuan, reviewer, decided_at, signature, record "
                                   "FROM decisions WHERE uuid = :uuid", {"uuid": uuid}).fetchone()
            if stored is None:
                record["decisions"].append({"stage": "", "uuid": uuid})
                continue
            record["decisions"].append(dict(zip(
                ("stage", "uuid", "outcome", "amount_yuan", "reviewer", "decided_at", "signature"), stored[:7])))
            # the application as its reviewer signed it, which is what the sheet printed
            signed = json.loads(stored[7] or "{}").get("application", {})
            for key in ("enterprise", "uscc", "item_id"):
                if key in signed:
                    record.setdefault(key, signed[key])
    return record
