"""Every size limit an intake file is held to, in one place (the README states them too).

Each is checked before the expensive work it guards: the file size before reading,
an XLSX sheet's extent and inflated size before calamine allocates its grid,
JSON nesting before ``json.loads`` recurses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_ROWS = 1_048_576  # Excel's own last row, header included
MAX_COLUMNS = 200
MAX_CELL_CHARS = 2_000
MAX_NAME_CHARS = 100  # 企业名称
MAX_AMOUNT_YUAN = Decimal(10) ** 10
MAX_WAN_DECIMALS = 6  # 万元 to six places is exact to the 分
MAX_JSON_DEPTH = 3  # list of records → record → 附件 list
# What an XLSX may inflate to, counted as it inflates: calamine holds the whole
# sheet in memory, several times over, so this is what bounds its peak memory.
MAX_XLSX_INFLATED_BYTES = 512 * 1024 * 1024
EARLIEST_DATE = date(1990, 1, 1)
HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header


def latest_date(today: date | None = None) -> date:
    """Today plus one year (29 February becomes 28 February)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def megabytes(count: int) -> str:
    return f"{count // (1024 * 1024)} MB"

# What comes back in. A results package holds decisions and declarations only; a session
# package holds evidence too and is still read into memory by ``models.sessions.session``.
MAX_RESULTS_PACKAGE_BYTES = 64 * 1024 * 1024
MAX_SESSION_PACKAGE_BYTES = 1024 * 1024 * 1024
MAX_BACKUP_BYTES = 64 * 1024 * 1024 * 1024
MAX_BACKUP_RATIO = 200  # a database of repeated text compresses well, but not past this
