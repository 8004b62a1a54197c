"""What a sheet record says, line by line, for checking a paper copy against it.

``verify --code`` prints these lines and the 核对校验码 dialog shows them as a
form: a photocopy whose amount or outcome was altered no longer matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from models.review.terms import STAGES, stage_is_open
from sheets.amounts import rmb_uppercase
from sheets.times import local_time


def item_name(record: Mapping[str, Any]) -> str:
    name = str(record.get("item_name") or "")
    if name:
        return name
    item_id = str(record.get("item_id") or "")
    from policy.catalog import load_policy
    from policy.versions import versions

    # A record made before sheets named their version is looked up in every version this build knows.
    named = str(record.get("policy_version") or "")
    for version in [named] if named else list(versions()):
        item = load_policy(version).items.get(item_id) if version in versions() else None
        if item is not None:
            return item.name
    return item_id  # a version or item this build does not know still shows its id


def amount_lines(text: Any) -> tuple[str, str]:
    """(小写, 大写) of a decision's amount text; ("—", "—") when it has none."""
    if text in (None, ""):
        return "—", "—"
    try:
        amount = Decimal(str(text))
    except InvalidOperation:
        return str(text), "—"
    return f"¥{amount:,.2f} 元", rmb_uppercase(amount)


def record_fields(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs: the application, then each stage's outcome, amounts, signer and time, then the export."""
    fields = [("申报编号", str(record.get("application_id", ""))), ("表号", str(record.get("serial", "")))]
    if record.get("enterprise"):
        fields += [("企业名称", str(record["enterprise"])), ("统一社会信用代码", str(record.get("uscc", "")))]
    if record.get("item_id"):
        fields.append(("申报事项", item_name(record)))
    decisions = {str(entry.get("stage")): entry for entry in record.get("decisions", [])}
    outcomes = {stage: str(entry.get("outcome", "")) for stage, entry in decisions.items()}
    for stage in STAGES:
        entry = decisions.get(stage)
        if entry is None:
            if stage_is_open(stage, outcomes):  # a stage the case could not reach is not listed
                fields.append((f"{stage}结论", "尚未作出"))
            continue
        figures, upper = amount_lines(entry.get("amount_yuan"))
        fields += [(f"{stage}结论", str(entry.get("outcome", ""))), (f"{stage}核定金额（小写）", figures),
                   (f"{stage}核定金额（大写）", upper),
                   (f"{stage}审核人", f"{entry.get('reviewer', '')}（{local_time(str(entry.get('decided_at', '')))}）")]
    fields.append(("导出人", f"{record.get('signer', '')}（{local_time(str(record.get('exported_at', '')))}）"))
    return fields
