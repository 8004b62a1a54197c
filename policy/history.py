"""What the engine may know about an enterprise beyond the application itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class PriorAward:
    """An award already finally approved in the workspace."""

    item_id: str
    approved_yuan: Decimal
    application_id: str = ""
    application_year: int | None = None
    """Its 申报年度, when known: an enterprise ceiling the text gives no period for asks about other years."""


@dataclass(frozen=True, slots=True)
class PendingApplication:
    """An application in the workspace with no final decision yet.

    ``state`` is how a reviewer would name where it stands (``待初审``, ``待复核``).
    """

    item_id: str
    application_id: str
    recommended_yuan: Decimal
    state: str


class History(Protocol):
    """The workspace's record of final approvals and pending applications, by 统一社会信用代码.

    Neither includes the applications being assessed: none counts against itself.
    """

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]: ...

    def pending_applications(self, uscc: str) -> Sequence[PendingApplication]: ...


class InMemoryHistory:
    """Final approvals and pending applications given directly, as the policy cases do."""

    def __init__(self, awards: dict[str, Sequence[PriorAward]],
                 pending: dict[str, Sequence[PendingApplication]] | None = None) -> None:
        self._awards = {uscc: tuple(items) for uscc, items in awards.items()}
        self._pending = {uscc: tuple(items) for uscc, items in (pending or {}).items()}

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]:
        return self._awards.get(uscc, ())

    def pending_applications(self, uscc: str) -> Sequence[PendingApplication]:
        return self._pending.get(uscc, ())
