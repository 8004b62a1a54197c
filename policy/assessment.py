"""What the engine says of one application."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from policy.money import yuan_text

ELIGIBLE = "eligible"
INELIGIBLE = "ineligible"
NEEDS_REVIEW = "needs_review"
REFERRAL = "referral"

STATUS_LABELS = {
    ELIGIBLE: "符合条件",
    INELIGIBLE: "不符合条件",
    NEEDS_REVIEW: "需人工审核",
    REFERRAL: "转其他政策",
}


@dataclass(slots=True)
class Assessment:
    """Status, cap and the reasoning, in plain Chinese, citing the clause.

    ``uncapped_yuan`` is what the rule gives before any ceiling; ``cap_yuan``
    the ceiling applied; ``recommended_yuan`` = min(申请金额, cap), or the cap
    when 申请金额 is blank. All three are None for referrals.
    """

    application_id: str
    item_id: str
    item_name: str
    clause_ref: str
    status: str
    uncapped_yuan: Decimal | None
    cap_yuan: Decimal | None
    recommended_yuan: Decimal | None
    flags: list[str]
    trace: list[str]
    row: int = 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict[str, object]:
        """The object ``main.py assess --json`` prints, with exactly these keys."""
        return {
            "application_id": self.application_id,
            "item_id": self.item_id,
            "item_name": self.item_name,
            "clause": self.clause_ref,
            "status": self.status,
            "cap_yuan": None if self.cap_yuan is None else yuan_text(self.cap_yuan),
            "recommended_yuan": None if self.recommended_yuan is None else yuan_text(self.recommended_yuan),
            "flags": list(self.flags),
            "trace": list(self.trace),
        }
