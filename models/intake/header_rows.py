"""Where the header is: the first row, or below a title row, possibly over two rows.

Intake desks put a title such as “2024年生物医药产业奖补申报汇总表” above the
header, and group columns under merged cells (“金额（万元）” over 总投资额 and
设备购置额). The header is the row among the first few that names the most known
columns; a second row below it is merged in when that names more of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.intake.columns import column_for_header

WAN_UNIT = "万元"


@dataclass(frozen=True, slots=True)
class HeaderRows:
    headers: list[str]
    row: int  # spreadsheet row number of the header's last row; data start below it


def locate_header(rows: Sequence[Sequence[str]]) -> HeaderRows:
    """The header among ``rows`` (the file's first rows, as text); row 1 when none names a column."""
    rows = [[str(cell).strip() for cell in row] for row in rows]
    best = HeaderRows(list(rows[0]) if rows else [], 1)
    best_score = header_score(best.headers)
    for index, row in enumerate(rows):
        score = header_score(row)
        if score > best_score:
            best, best_score = HeaderRows(list(row), index + 1), score
        if index + 1 < len(rows):
            merged = _merge(row, rows[index + 1])
            score = header_score(merged)
            if score > best_score:
                best, best_score = HeaderRows(merged, index + 2), score
    return best


# A sheet with this many of the template's columns in one header row holds applications.
SHEET_HEADER_FIELDS = 3


def header_score(cells: Sequence[str]) -> int:
    """How many of the template's fields the row names."""
    return len({column.field for cell in cells if (column := column_for_header(cell)) is not None})


def _merge(top: Sequence[str], bottom: Sequence[str]) -> list[str]:
    """A two-row header as one: the lower cell where it has one, else the merged cell above it.

    A lower cell under a group label in 万元 gets the unit: 总投资额 under “金额（万元）”.
    """
    width = max(len(top), len(bottom))
    top = [*top, *[""] * (width - len(top))]
    bottom = [*bottom, *[""] * (width - len(bottom))]
    merged: list[str] = []
    group = ""
    for upper, lower in zip(top, bottom):
        upper, lower = str(upper).strip(), str(lower).strip()
        if upper:
            group = upper
        if not lower:
            merged.append(upper)
        elif column_for_header(lower) is None and WAN_UNIT in group and \
                column_for_header(f"{lower}({WAN_UNIT})") is not None:
            merged.append(f"{lower}({WAN_UNIT})")
        else:
            merged.append(lower)
    return merged
