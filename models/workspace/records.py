"""Applications and assessments as database rows: money as Decimal text in 元."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from policy.application import Application
from policy.assessment import Assessment
from policy.money import yuan_text

# Built once: json.dumps with keyword arguments builds a new encoder on every call.
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

APPLICATION_COLUMNS = (
    "application_id", "enterprise", "uscc", "county", "industry", "item_id", "recognised_on",
    "application_year", "quantity", "total_investment_yuan", "equipment_yuan", "land_efficiency",
    "superior_funding_yuan", "enclave_region", "performance", "requested_yuan", "attachments",
    "warnings", "source_row", "item_text",
)


def lines_text(lines: list[str] | tuple[str, ...]) -> str:
    """Trace and flag lines as stored: one per line (they never hold a newline)."""
    return "\n".join(lines)


def text_lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def money_value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def application_values(app: Application) -> tuple[Any, ...]:
    """The row for ``APPLICATION_COLUMNS``, in that order."""
    return (
        app.application_id, app.enterprise, app.uscc, app.county, app.industry, app.item_id,
        app.recognised_on.isoformat() if app.recognised_on else None, app.application_year,
        app.quantity, money_text(app.total_investment_yuan), money_text(app.equipment_yuan),
        app.land_efficiency, money_text(app.superior_funding_yuan), app.enclave_region,
        app.performance, money_text(app.requested_yuan),
        compact_json(list(app.attachments)) if app.attachments else "[]",
        compact_json(list(app.warnings)) if app.warnings else "[]", app.row, app.item_text,
    )


def application_from_row(row: dict[str, Any]) -> Application:
    return Application(
        application_id=row["application_id"], enterprise=row["enterprise"], uscc=row["uscc"],
        industry=row["industry"], item_id=row["item_id"], county=row["county"],
        recognised_on=date.fromisoformat(row["recognised_on"]) if row["recognised_on"] else None,
        application_year=row["application_year"], quantity=row["quantity"],
        total_investment_yuan=money_value(row["total_investment_yuan"]),
        equipment_yuan=money_value(row["equipment_yuan"]), land_efficiency=row["land_efficiency"],
        superior_funding_yuan=money_value(row["superior_funding_yuan"]),
        enclave_region=row["enclave_region"], performance=row["performance"],
        requested_yuan=money_value(row["requested_yuan"]),
        attachments=tuple(json.loads(row["attachments"])), warnings=tuple(json.loads(row["warnings"])),
        row=row["source_row"], item_text=row.get("item_text") or "",
    )


def application_snapshot(app: Application) -> dict[str, Any]:
    """A plain mapping of the application, for history and for signed records.

    ``item_text`` is left out when empty, so records signed before it was stored still match.
    """
    snapshot = dict(zip(APPLICATION_COLUMNS, application_values(app)))
    if not app.item_text:
        del snapshot["item_text"]
    return snapshot


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """An assessment as the ``assessments`` table holds it: money as text, lines joined."""

    status: str
    uncapped_yuan: str | None
    cap_yuan: str | None
    recommended_yuan: str | None
    flags: str
    trace: str
    record_hash: str


def stored_assessment(result: Assessment, policy_version: str, policy_hash: str) -> StoredAssessment:
    """The cap record a decision is made against; ``record_hash`` identifies it and its policy."""
    uncapped = money_text(result.uncapped_yuan)
    cap = None if result.cap_yuan is None else yuan_text(result.cap_yuan)
    recommended = None if result.recommended_yuan is None else yuan_text(result.recommended_yuan)
    flags, trace = lines_text(result.flags), lines_text(result.trace)
    content = "\x1f".join((result.status, uncapped or "", cap or "", recommended or "", flags, trace,
                            policy_version, policy_hash))
    return StoredAssessment(result.status, uncapped, cap, recommended, flags, trace,
                            hashlib.sha256(content.encode("utf-8")).hexdigest())
