"""Reading the cells of each kind of column: a typed value, None for blank, or Invalid.

Cells arrive as the readers give them: ``str`` from CSV, and from XLSX/JSON
also ``int``, ``float`` (XLSX numbers), ``Decimal`` (JSON numbers), ``date``
or ``datetime`` (XLSX date cells). The cell parsers (``parse_*``) are pure;
the column parsers below them apply them to a whole column at once, caching
per distinct value, and give the very same results.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple, TypeAlias, cast

import numpy as np
from policy.catalog import Policy, load_policy
from policy.versions import versions

from models.limits import EARLIEST_DATE, MAX_AMOUNT_YUAN, MAX_WAN_DECIMALS, latest_date
from models.intake.uscc import EXCEL_NUMBER_MESSAGE, check_uscc, uscc_failures

Cell: TypeAlias = str | int | float | Decimal | date | datetime | None

FEN = Decimal("0.01")
YUAN_PER_WAN = Decimal(10000)
MAX_WAN = MAX_AMOUNT_YUAN / YUAN_PER_WAN
GRADES = ("A", "B", "C", "D")
PERFORMANCES = ("合格", "不合格")


class Invalid(NamedTuple):
    """A malformed cell; ``message`` goes after ``第N行 列名:``."""

    message: str


def number_text(number: int | float | Decimal) -> str:
    """A number the way Excel shows it: integral floats without ``.0``, 15 significant digits."""
    if isinstance(number, float):
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else format(number, ".15g")
    if isinstance(number, Decimal):
        if not number.is_finite() or number.adjusted() >= 15:  # never expand 1E+999999999
            return str(number)
        if number == number.to_integral_value():
            return str(int(number))
    return str(number)


def cell_text(cell: Cell) -> str:
    """Any cell as stripped text (str.strip also removes U+3000)."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, (int, float, Decimal)):
        return number_text(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(" ")
    return cell.isoformat()


def parse_text(cell: Cell) -> str | None:
    return cell_text(cell) or None


def parse_uscc(cell: Cell) -> str | Invalid | None:
    """The normalised code; its 组织机构代码 warning comes from ``models.intake.uscc.org_code_warning``."""
    if cell is None:
        return None
    if not isinstance(cell, str):
        return Invalid(EXCEL_NUMBER_MESSAGE)
    if not cell.strip():
        return None
    code, error, _warning = check_uscc(cell)
    return Invalid(error) if error else code


def registered_industries() -> tuple[str, ...]:
    """The measures (产业) of every registered policy version, in registry order.

    A file's 产业 is read before its 申报年度 settle the version it is assessed
    under, so any version's industry is accepted here; the engine then checks
    the industry against the item's measure in the version the round uses.
    """
    found: dict[str, None] = {}
    for version_id in versions():
        found.update(dict.fromkeys(load_policy(version_id).measures))
    return tuple(found)


def parse_industry(cell: Cell) -> str | Invalid | None:
    text = cell_text(cell)
    if not text:
        return None
    known = registered_industries()
    if text in known:
        return text
    quoted = [f"“{name}”" for name in known]
    return Invalid(f"应为{'、'.join(quoted[:-1])}或{quoted[-1]}，实为“{text}”" if len(quoted) > 1
                   else f"应为{quoted[0]}，实为“{text}”")


def item_parser(policy: Policy) -> Callable[[Cell], str | Invalid | None]:
    """A parser from 申报事项 text to the award item's id, suggesting close names when unknown."""

    def parse_item(cell: Cell) -> str | Invalid | None:
        text = cell_text(cell)
        if not text:
            return None
        item = policy.resolve_item(text)
        if item is not None:
            return item.id
        suggestions = policy.suggest_items(text, n=3)
        if suggestions:
            return Invalid(f"未知的申报事项“{text}”，是否为：{'、'.join(suggestions)}？")
        return Invalid(f"未知的申报事项“{text}”")

    return parse_item


_DATE_WITH_SEPARATORS = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
    r"(?:[ T]+0?0:00(?::00(?:\.0+)?)?)?",  # Excel's CSV export may add a midnight time
    re.ASCII,
)
_DATE_IN_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", re.ASCII)
_TIME_ONLY = re.compile(r"-?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?|-?\d+ days?, .*", re.ASCII)
DATE_FORMAT_HINT = "应为 2023-09-01、2023/9/1、2023.9.1 或 2023年9月1日 这样的日期"


def parse_date(cell: Cell) -> date | Invalid | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float, Decimal)):
        return Invalid(f"是数字 {number_text(cell)} 而不是日期，请将单元格设为日期格式或写成 2023-09-01")
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip()
    if not text:
        return None
    match = _DATE_WITH_SEPARATORS.fullmatch(text)
    if match:
        year, month, day = match.group(1, 3, 4)
    else:
        match = _DATE_IN_CHINESE.fullmatch(text)
        if not match:
            if _TIME_ONLY.fullmatch(text):
                return Invalid(f"是时间“{text}”而不是日期（Excel 日期序号为 0 或负数时显示如此），{DATE_FORMAT_HINT}")
            return Invalid(f"无法识别的日期“{text[:40]}”，{DATE_FORMAT_HINT}")
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return Invalid(f"日期不存在：“{text}”")


def date_in_range(day: date, today: date | None = None) -> date | Invalid:
    """``day`` when between 1990-01-01 and today plus one year (the limits of ``models.limits``)."""
    if day < EARLIEST_DATE:
        return Invalid(f"日期 {day.isoformat()} 早于下限 {EARLIEST_DATE.isoformat()}")
    latest = latest_date(today)
    if day > latest:
        return Invalid(f"日期 {day.isoformat()} 晚于上限 {latest.isoformat()}（今天起一年内）")
    return day


def parse_recognition_date(cell: Cell) -> date | Invalid | None:
    """认定日期: a date (``parse_date``) within ``date_in_range``."""
    day = parse_date(cell)
    return date_in_range(day) if isinstance(day, date) else day


FUTURE_DATE_WARNING = "认定日期 {day} 晚于今天，请核实"


_WHOLE_NUMBER = re.compile(r"(\d+)(?:\.0*)?", re.ASCII)


def _whole_number(cell: Cell) -> int | None:
    """An integer from ``3``, ``3.0`` (XLSX) or ``"３"``; None when it is not one."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, (float, Decimal)):
        if not math.isfinite(cell) or not -(10**12) <= cell <= 10**12:
            return None
        return int(cell) if cell == int(cell) else None
    match = _WHOLE_NUMBER.fullmatch(unicodedata.normalize("NFKC", cell_text(cell)))
    return int(match.group(1)) if match and len(match.group(1)) <= 12 else None


def parse_year(cell: Cell) -> int | Invalid | None:
    """``2024``, ``2024.0`` from a spreadsheet, or ``2024年`` as forms often write it."""
    text = cell_text(cell)
    if not text:
        return None
    if isinstance(cell, str) and text.strip().endswith("年"):
        cell = text.strip()[:-1]
    year = _whole_number(cell)
    if year is None or not 1000 <= year <= 9999:
        return Invalid(f"应为四位年份，如 2024，实为“{text}”")
    return year


def parse_quantity(cell: Cell) -> int | Invalid | None:
    if not cell_text(cell):
        return None
    quantity = _whole_number(cell)
    if quantity is None or quantity < 1:
        return Invalid(f"应为正整数（至少为1），实为“{cell_text(cell)}”")
    return quantity


_PLAIN_AMOUNT = re.compile(r"\d{1,6}(?:\.\d{0,6})?", re.ASCII)  # never past the limit, never too big to quantise
_AMOUNT = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?", re.ASCII)
_WAN_SUFFIX = re.compile(r"\s*万元?\s*$")
_YUAN_SUFFIX = re.compile(r"\s*元\s*$")
_MAX_AMOUNT_DIGITS = 16  # far past the limit, short enough for Decimal to convert at once


def parse_amount(cell: Cell) -> Decimal | Invalid | None:
    """万元 in, exact Decimal 元 out (quantised to the 分)."""
    if isinstance(cell, str) and _PLAIN_AMOUNT.fullmatch(cell):
        return (Decimal(cell) * YUAN_PER_WAN).quantize(FEN)
    if isinstance(cell, float):
        # Excel stores 1234.56 as the nearest binary float; it shows 15 significant digits.
        return _wan_to_yuan(Decimal(format(cell, ".15g")), number_text(cell))
    if isinstance(cell, (int, Decimal)) and not isinstance(cell, bool):
        return _wan_to_yuan(Decimal(cell), number_text(cell))
    if isinstance(cell, (date, datetime)):
        return Invalid(f"应为金额（万元），实为日期 {cell_text(cell)}")
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip()
    if not text:
        return None
    shown = text if len(text) <= 40 else f"{text[:20]}…（共 {len(text)} 个字符）"
    number = _WAN_SUFFIX.sub("", text)  # “300万元” and “300万” are what the column means anyway
    if number == text and _YUAN_SUFFIX.search(text):
        return Invalid(f"金额“{shown}”以元计，本列应以万元计：请除以 10000 后填写数字，如 1234.5")
    match = _AMOUNT.fullmatch(number)
    if not match or not (match.group(2) or match.group(3)):
        return Invalid(f"不是有效的金额“{shown}”，应为以万元计的数字，如 1234.5")
    sign, whole, fraction = match.groups()
    whole = whole.replace(",", "").lstrip("0")
    fraction = (fraction or "").rstrip("0")
    if len(whole) > _MAX_AMOUNT_DIGITS:
        return _too_large(shown)
    if len(fraction) > MAX_WAN_DECIMALS:
        return _too_many_decimals(shown)
    return _wan_to_yuan(Decimal(f"{sign}{whole or '0'}.{fraction or '0'}"), shown)


def _too_large(shown: str) -> Invalid:
    return Invalid(f"金额 {shown} 万元超过上限 {number_text(MAX_WAN)} 万元（{number_text(MAX_AMOUNT_YUAN)} 元）")


def _too_many_decimals(shown: str) -> Invalid:
    return Invalid(f"金额最多保留{MAX_WAN_DECIMALS}位小数（万元，精确到分），实为 {shown}")


def _wan_to_yuan(wan: Decimal, shown: str) -> Decimal | Invalid:
    if not wan.is_finite():
        return Invalid(f"不是有效的金额“{shown}”")
    if wan < 0:
        return Invalid(f"金额不能为负数：{shown}")
    if wan > MAX_WAN:
        return _too_large(shown)
    if wan and wan.adjusted() < -MAX_WAN_DECIMALS:  # below 10⁻⁶: normalize() would flush it to 0
        return _too_many_decimals(shown)
    exponent = wan.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_WAN_DECIMALS:
        return _too_many_decimals(shown)
    try:
        yuan = (wan * YUAN_PER_WAN).quantize(FEN)
    except InvalidOperation:
        return Invalid(f"金额过大：{shown}")
    return yuan.copy_abs() if yuan.is_zero() else yuan  # a typed "-0" is 0


def parse_grade(cell: Cell) -> str | Invalid | None:
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip().upper()
    if not text or text in GRADES:
        return text or None
    return Invalid(f"应为 A、B、C、D 之一或留空，实为“{cell_text(cell)}”")


def parse_performance(cell: Cell) -> str | Invalid | None:
    text = cell_text(cell)
    if not text or text in PERFORMANCES:
        return text or None
    return Invalid(f"应为“合格”或“不合格”或留空，实为“{text}”")


def parse_attachments(cell: Cell) -> tuple[str, ...]:
    """File names separated by ； or ;, stripped, empty ones dropped."""
    text = cell if isinstance(cell, str) else cell_text(cell)
    return tuple(filter(None, map(str.strip, text.replace("；", ";").replace("\n", ";").split(";"))))


# --- whole columns -------------------------------------------------------------
# A 100 000-row file must validate in about the time pandas takes to read it, so
# columns are parsed in bulk: each distinct value once, and where many values
# are distinct, with C-level loops. Results equal the cell parsers' above.


@dataclass(slots=True)
class ParsedColumn:
    values: list[object]
    problems: list[tuple[int, str]]  # (data index, message)
    has_blank: bool  # some value is None
    warnings: dict[int, str] = field(default_factory=dict)


def parse_cached_column(
    cells: list[Cell],
    parse: Callable[[Cell], object],
    parse_distinct: Callable[[list[Cell]], list[object]] | None = None,
    share: float | None = None,
) -> ParsedColumn:
    """Parse each distinct cell once (with ``parse_distinct`` when given), then spread the results.

    Where nearly every cell is distinct, hashing would cost more than it saves: parse them all.
    ``share``: the column's ``_distinct_share`` when the caller has it already.
    """
    share = _distinct_share(cells) if share is None else share
    if share >= 0.9 and parse_distinct:
        values = parse_distinct(cells)
        found = [(index, value.message) for index, value in enumerate(values) if type(value) is Invalid]
        return ParsedColumn(values, found, None in values)
    codes: np.ndarray | None = None
    if share <= 0.05:
        distinct = list(set(cells))
    else:
        codes, distinct = _factorize(cells)
    parsed = parse_distinct(distinct) if parse_distinct else list(map(parse, distinct))
    messages = {code: result.message for code, result in enumerate(parsed) if type(result) is Invalid}
    if not messages:
        problems = []
    elif codes is None:
        by_cell = {distinct[code]: message for code, message in messages.items()}
        problems = [(index, by_cell[cell]) for index, cell in enumerate(cells) if cell in by_cell]
    else:
        problems = [(index, messages[code]) for index, code in _positions_of(codes, list(messages))]

    if all(type(cell) is type(result) and cell == result for cell, result in zip(distinct, parsed)):
        return ParsedColumn(cast(list[object], cells), problems, False)  # every cell already is its value
    if codes is None:
        cache = dict(zip(distinct, parsed))
        values = list(map(cache.__getitem__, cells))
    else:
        values = np.fromiter(parsed, dtype=object, count=len(parsed)).take(codes).tolist()
    return ParsedColumn(values, problems, None in parsed)


def _distinct_share(cells: list[Cell], sample_size: int = 10_000) -> float:
    """Distinct cells per cell in a sample: a guess that only chooses the fastest way."""
    sample = cells[:sample_size]
    return len(set(sample)) / len(sample) if sample else 0.0


def _factorize(cells: list[Cell]) -> tuple[np.ndarray, list[Cell]]:
    """Codes into the list of distinct cells (readers never give None, which pandas would merge with NaN)."""
    import pandas as pd

    array = np.fromiter(cells, dtype=object, count=len(cells))
    codes, distinct = pd.factorize(array, use_na_sentinel=False)
    return codes, distinct.tolist()


def _positions_of(codes: np.ndarray, wanted: list[int]) -> list[tuple[int, int]]:
    """(index, code) wherever ``codes`` holds one of ``wanted``."""
    if not wanted:
        return []
    indexes = np.flatnonzero(np.isin(codes, wanted))
    return list(zip(indexes.tolist(), codes[indexes].tolist()))


def parse_texts(cells: list[Cell]) -> list[object]:
    """``parse_text`` over many cells."""
    return _texts(cells)[0]


def _texts(cells: list[Cell]) -> tuple[list[object], bool]:
    """Stripped texts, None for blank; and whether there was a blank."""
    try:
        texts: list[object] = list(map(str.strip, cells))  # type: ignore[arg-type]  # fast path: a non-text cell raises TypeError, handled below
    except TypeError:  # numbers or dates from XLSX/JSON
        texts = list(map(parse_text, cells))
        return texts, None in texts
    if "" not in texts:
        return texts, False
    return [text or None for text in texts], True


def parse_text_column(cells: list[Cell]) -> ParsedColumn:
    """Plain text: stripping is cheaper than hashing, so only few distinct values are cached."""
    share = _distinct_share(cells)
    if share <= 0.2:
        return parse_cached_column(cells, parse_text, parse_texts, share)
    values, has_blank = _texts(cells)
    return ParsedColumn(values, [], has_blank)


_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[Ee]\+[0-9]+")
SCIENTIFIC_ID_MESSAGE = ("“{shown}”是 Excel 的科学计数法，原编号已丢失：请在 Excel 中把该列设为“文本”，"
                         "填回原编号后重新导出")


def parse_id_column(cells: list[Cell]) -> ParsedColumn:
    """申报编号: nearly all distinct. A number Excel shortened to 2.02E+07 has lost the code it was."""
    values, has_blank = _texts(cells)
    problems = [(index, SCIENTIFIC_ID_MESSAGE.format(shown=text)) for index, text in enumerate(values)
                if isinstance(text, str) and "+" in text and _SCIENTIFIC.fullmatch(text)]
    return ParsedColumn(values, problems, has_blank)


def parse_uscc_column(cells: list[Cell]) -> ParsedColumn:
    """Codes passing the vectorised check stay as they are; the rest get ``check_uscc``."""
    failing = uscc_failures(cells)
    if not failing:
        return ParsedColumn(cast(list[object], cells), [], False)  # read only: no copy of a big column
    values: list[object] = list(cells)
    problems: list[tuple[int, str]] = []
    warnings: dict[int, str] = {}
    checked: dict[Cell, tuple[str, str | None, str | None]] = {}
    for index in failing:
        cell = cells[index]
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            values[index] = None
        elif not isinstance(cell, str):
            problems.append((index, EXCEL_NUMBER_MESSAGE))
        else:
            if cell not in checked:
                checked[cell] = check_uscc(cell)
            normalised, error, warning = checked[cell]
            values[index] = normalised
            if error:
                problems.append((index, error))
            elif warning:
                warnings[index] = warning
    return ParsedColumn(values, problems, None in values, warnings)


_NOT_DIGIT_DOT_NEWLINE = str.maketrans("", "", "0123456789.\n")
_TOO_MANY_DECIMALS = re.compile(rf"\.[0-9]{{{MAX_WAN_DECIMALS + 1}}}")


def parse_amounts(cells: list[Cell]) -> list[object]:
    """``parse_amount`` over many cells; plain ones like ``1234.56`` skip the per-cell checks."""
    try:
        joined = "\n".join(cells)  # type: ignore[arg-type]  # fast path: a non-text cell raises TypeError, handled below
    except TypeError:  # numbers from XLSX/JSON
        return list(map(parse_amount, cells))
    if joined.translate(_NOT_DIGIT_DOT_NEWLINE) or _TOO_MANY_DECIMALS.search(joined) or \
            max(map(len, cells), default=0) > _MAX_AMOUNT_DIGITS:  # type: ignore[arg-type]  # all text here: the join above succeeded
        return list(map(parse_amount, cells))
    try:
        values = [
            (Decimal(cell) * YUAN_PER_WAN).quantize(FEN) if cell else None  # type: ignore[arg-type]  # all text here: the join above succeeded
            for cell in cells
        ]
    except ArithmeticError:  # "1.2.3" and the like: the cell parser says why
        return list(map(parse_amount, cells))
    if max((value for value in values if value is not None), default=FEN) > MAX_AMOUNT_YUAN:
        return list(map(parse_amount, cells))
    return cast(list[object], values)


def parse_many_attachments(cells: list[Cell]) -> list[object]:
    strip = str.strip
    try:
        return [
            tuple(filter(None, map(strip, cell.replace("；", ";").replace("\n", ";").split(";"))))  # type: ignore[union-attr, arg-type]  # text cells; others raise AttributeError, handled below
            for cell in cells
        ]
    except AttributeError:  # numbers or None from XLSX/JSON
        return list(map(parse_attachments, cells))
