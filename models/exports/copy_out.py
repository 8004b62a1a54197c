"""Text leaving the app for a spreadsheet: one rule for the clipboard, CSV, TSV and XLSX.

Excel and WPS take a cell starting with = + - @ (or a tab or line break before one,
or their full-width forms) for a formula, so ``=cmd|' /C calc'!A0`` copied out of a
problem list would run when pasted. Such text gets a leading ``'`` (the OWASP rule).
"""

from __future__ import annotations

import re

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_TABLE_BREAKS = re.compile(r"[\t\r\n]+")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet could take it for a formula."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def tsv_cell(text: str) -> str:
    """One cell of a tab-separated table: neutralised, then tabs and line breaks become spaces."""
    return _TABLE_BREAKS.sub(" ", neutralise(text))
