"""The columns of an intake file, in template order, and matching a file's headers to them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """How a column's cells are read (see ``models.intake.values``)."""

    ID = "id"
    TEXT = "text"
    USCC = "uscc"
    INDUSTRY = "industry"
    ITEM = "item"
    DATE = "date"
    YEAR = "year"
    QUANTITY = "quantity"
    AMOUNT = "amount"
    GRADE = "grade"
    PERFORMANCE = "performance"
    ATTACHMENTS = "attachments"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    field: str  # the ``Application`` attribute it fills
    kind: Kind
    required: bool
    rule: str  # one line for the template's 说明 sheet


COLUMNS: tuple[Column, ...] = (
    Column("申报编号", "application_id", Kind.ID, True, "必填；本文件内不得重复"),
    Column("企业名称", "enterprise", Kind.TEXT, True, "必填"),
    Column("统一社会信用代码", "uscc", Kind.USCC, True,
           "必填；18位，须通过 GB 32100-2015 校验；该列须为文本格式，否则 Excel 会把代码变成数字"),
    Column("所属县区", "county", Kind.TEXT, False, "选填"),
    Column("产业", "industry", Kind.INDUSTRY, True, "必填；政策所列产业之一"),
    Column("申报事项", "item_id", Kind.ITEM, True, "必填；政策中的事项名称或常用别称"),
    Column("认定日期", "recognised_on", Kind.DATE, False,
           "日期，如 2023-09-01、2023/9/1 或 2023年9月1日"),
    Column("申报年度", "application_year", Kind.YEAR, False, "四位年份，如 2024"),
    Column("数量", "quantity", Kind.QUANTITY, False, "正整数"),
    Column("总投资额(万元)", "total_investment_yuan", Kind.AMOUNT, False,
           "项目计划总投资（技术改造项目按此判断是否达到门槛）；万元，不得为负，最多6位小数"),
    Column("设备购置额(万元)", "equipment_yuan", Kind.AMOUNT, False, "万元，不得为负，最多6位小数"),
    Column("亩产效益评价", "land_efficiency", Kind.GRADE, False, "A、B、C、D 或留空"),
    Column("上级资助金额(万元)", "superior_funding_yuan", Kind.AMOUNT, False,
           "万元，不得为负，最多6位小数"),
    Column("飞地所在地区", "enclave_region", Kind.TEXT, False, "选填，如 上海、深圳"),
    Column("绩效评估", "performance", Kind.PERFORMANCE, False, "合格、不合格 或留空"),
    Column("申请金额(万元)", "requested_yuan", Kind.AMOUNT, False, "万元，不得为负，最多6位小数"),
    Column("附件", "attachments", Kind.ATTACHMENTS, False, "文件名，多个用 ； 或 ; 分隔"),
)

HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)

_WHITESPACE_AND_INVISIBLE = re.compile(
    r"[\s\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]+"
)


def normalise_header(text: object) -> str:
    """Full-width forms folded (（）→ ()), whitespace, invisible and control characters removed."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in _WHITESPACE_AND_INVISIBLE.sub("", folded) if ch.isprintable())


_BY_NORMALISED_HEADER = {normalise_header(column.header): column for column in COLUMNS}


# Headers desks write for a column that are too unlike its own for a near-miss match. They are not read as that
# column (the file is refused, as for any header not in the template); the message names the template's header.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "enterprise": ("申报单位", "申报企业", "单位名称", "公司名称", "企业(单位)名称", "申报单位名称"),
    "uscc": ("社会信用代码", "信用代码", "统一代码"),
    "county": ("县(市、区)", "县市区", "区县", "县区", "所在县(市、区)"),
    "industry": ("所属产业", "产业类别", "行业", "所属行业"),
    "item_id": ("申报类别", "申报类型", "扶持类别", "奖励类别", "奖补事项"),
    "application_year": ("年度",),
}


def other_name_of(header: object, column: Column) -> bool:
    """Whether a header is one desks write for this column (``OTHER_NAMES``)."""
    return normalise_header(header) in {normalise_header(name) for name in OTHER_NAMES.get(column.field, ())}


def column_for_header(text: object) -> Column | None:
    """The known column a header names, or None for extra columns such as 序号 or 备注."""
    return _BY_NORMALISED_HEADER.get(normalise_header(text))
