"""What the engine may know about an enterprise beyond the application itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, Sequence


@dataclass(frozen=True, slots=True)
class PriorAward:
    """An award already finally approved in the workspace."""

    item_id: str
    approved_yuan: Decimal
    application_id: str = ""


class History(Protocol):
    """The workspace's record of final approvals, by 统一社会信用代码."""

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]: ...


class InMemoryHistory:
    """Final approvals given directly, as the policy cases do."""

    def __init__(self, awards: dict[str, Sequence[PriorAward]]) -> None:
        self._awards = {uscc: tuple(items) for uscc, items in awards.items()}

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]:
        return self._awards.get(uscc, ())
