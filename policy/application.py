"""One application as the engine sees it: parsed, typed, money in 元."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class Application:
    """A validated row of the intake desk's file; treat it as read-only.

    ``row`` is the spreadsheet row it came from (header is row 1), or 0 when
    the application did not come from a file. Amounts are Decimal 元 (the file
    carries 万元); blank inputs are None. Not frozen: a frozen dataclass stores
    each field through ``object.__setattr__``, which for 100,000 rows costs as
    much as reading the whole file.
    """

    application_id: str
    enterprise: str
    uscc: str
    industry: str
    item_id: str
    county: str = ""
    recognised_on: date | None = None
    application_year: int | None = None
    quantity: int | None = None
    total_investment_yuan: Decimal | None = None
    equipment_yuan: Decimal | None = None
    land_efficiency: str | None = None
    superior_funding_yuan: Decimal | None = None
    enclave_region: str | None = None
    performance: str | None = None
    requested_yuan: Decimal | None = None
    attachments: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    row: int = 0
    item_text: str = ""
    """申报事项 as the intake desk typed it, when known: a broader alias gets a flag."""
