"""Fake but valid applications, in memory and as intake files, for benchmarks and tests.

Every award item of the policy is covered, with the inputs its kind of rule
reads (investment and 亩产效益 for 技术改造, 上级资助 for 人才, 飞地 and 绩效 for
人才飞地 ...). A few rows are deliberately off (another industry, a region
outside the three, 绩效不合格) so that every branch of the engine runs.
The output depends only on ``seed``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.intake.columns import HEADERS
from models.intake.uscc import USCC_ALPHABET, org_code_check_char, uscc_check_char
from policy.application import Application
from policy.catalog import AwardItem, Policy



# 聊城市 counties with their 行政区划代码.
COUNTIES = (
    ("东昌府区", "371502"), ("茌平区", "371503"), ("阳谷县", "371521"), ("莘县", "371522"),
    ("东阿县", "371524"), ("冠县", "371525"), ("高唐县", "371526"), ("临清市", "371581"),
)
ENCLAVE_PLACES = ("苏州市", "上海", "北京市", "杭州", "深圳市", "天津", "广州", "合肥市", "成都市", "广东")
NAME_WORDS = ("恒", "瑞", "华", "锦", "鲁", "康", "信", "泰", "润", "丰", "嘉", "宏", "源", "达", "宇", "昌")
SUFFIX = {"纺织服装": ("纺织", "服饰", "家纺", "服装"), "生物医药": ("生物", "制药", "医药", "药业")}
YUAN_PER_WAN = Decimal(10000)


def uscc(region: str, serial: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) whose 组织机构代码 (GB 11714) is valid too."""
    body = "MA"
    value = serial
    for _ in range(6):
        value, digit = divmod(value, 31)
        body += USCC_ALPHABET[digit]
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True, slots=True)
class Enterprise:
    name: str
    uscc: str
    county: str
    industry: str


@dataclass(frozen=True, slots=True)
class Record:
    """One generated application; amounts in 万元 as an intake desk types them."""

    application_id: str
    enterprise: Enterprise
    industry: str
    item: AwardItem
    item_text: str
    recognised_on: date | None
    application_year: int
    quantity: int | None
    total_investment_wan: Decimal | None
    equipment_wan: Decimal | None
    land_efficiency: str | None
    superior_funding_wan: Decimal | None
    enclave_region: str | None
    performance: str | None
    requested_wan: Decimal | None
    attachments: tuple[str, ...]


def enterprises(count: int, rng: random.Random) -> list[Enterprise]:
    out = []
    for serial in range(count):
        county, region = COUNTIES[serial % len(COUNTIES)]
        industry = "纺织服装" if serial % 3 else "生物医药"
        words = "".join(rng.choice(NAME_WORDS) for _ in range(2))
        name = f"聊城{words}{rng.choice(SUFFIX[industry])}有限公司{serial:05d}"
        out.append(Enterprise(name, uscc(region, 1000 + serial), county, industry))
    return out


def _wan(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def records(policy: Policy, count: int, seed: int = 20231027) -> Iterator[Record]:
    """``count`` applications cycling through every item of ``policy``."""
    rng = random.Random(seed)
    items = sorted(policy.items.values(), key=lambda item: item.id)
    firms = enterprises(max(1, count // 5), rng)
    by_industry = {
        industry: [firm for firm in firms if firm.industry == industry] or firms
        for industry in ("纺织服装", "生物医药")
    }
    issued = policy.issued_on
    for index in range(count):
        item = items[index % len(items)]
        off = index % 20 == 7  # a few rows for the wrong industry
        industry = item.measure if not off else ("生物医药" if item.measure == "纺织服装" else "纺织服装")
        firm = rng.choice(by_industry.get(industry, firms))
        year = rng.choice((2024, 2025))
        recognised = issued + timedelta(days=rng.randint(-30, 700))
        names = (item.name, *item.aliases)
        record: dict[str, Any] = dict(
            application_id=f"BJ{year}-{index + 1:06d}",
            enterprise=firm,
            industry=industry,
            item=item,
            item_text=names[index % len(names)],
            recognised_on=None if item.timing == "none" and index % 2 else recognised,
            application_year=recognised.year if item.timing == "application_year" and index % 4 else year,
            quantity=None,
            total_investment_wan=None,
            equipment_wan=None,
            land_efficiency=None,
            superior_funding_wan=None,
            enclave_region=None,
            performance=None,
            requested_wan=_wan(rng, 5, 200) if index % 6 else None,
            attachments=tuple(item.evidence[: 1 + index % max(1, len(item.evidence))]),
        )
        if item.kind == "per_unit":
            record["quantity"] = rng.randint(1, 6)
        elif item.kind == "tech_transform":
            total = _wan(rng, 300, 6000)
            record["total_investment_wan"] = total
            record["equipment_wan"] = (total * Decimal(rng.randint(30, 90)) / 100).quantize(Decimal("0.01"))
            record["land_efficiency"] = rng.choice(("A", "B", "C", "D", None))
        elif item.kind == "talent_match":
            record["superior_funding_wan"] = _wan(rng, 20, 500)
        elif item.kind == "enclave":
            record["enclave_region"] = rng.choice(ENCLAVE_PLACES)
            record["performance"] = rng.choice(("合格", "合格", "合格", "不合格", None))
        yield Record(**record)


def _yuan(wan: Decimal | None) -> Decimal | None:
    return None if wan is None else wan * YUAN_PER_WAN


def to_application(record: Record, row: int = 0) -> Application:
    firm = record.enterprise
    return Application(
        application_id=record.application_id,
        enterprise=firm.name,
        uscc=firm.uscc,
        industry=record.industry,
        item_id=record.item.id,
        county=firm.county,
        recognised_on=record.recognised_on,
        application_year=record.application_year,
        quantity=record.quantity,
        total_investment_yuan=_yuan(record.total_investment_wan),
        equipment_yuan=_yuan(record.equipment_wan),
        land_efficiency=record.land_efficiency,
        superior_funding_yuan=_yuan(record.superior_funding_wan),
        enclave_region=record.enclave_region,
        performance=record.performance,
        requested_yuan=_yuan(record.requested_wan),
        attachments=record.attachments,
        row=row,
        item_text=record.item_text if record.item_text in record.item.broader_aliases else "",
    )


def applications(policy: Policy, count: int, seed: int = 20231027) -> list[Application]:
    """``count`` Application objects, as if read from rows 2, 3, ... of a file."""
    return [to_application(record, row) for row, record in enumerate(records(policy, count, seed), start=2)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_row(record: Record) -> list[str]:
    firm = record.enterprise
    return [
        record.application_id, firm.name, firm.uscc, firm.county, record.industry, record.item_text,
        _text(record.recognised_on), _text(record.application_year), _text(record.quantity),
        _text(record.total_investment_wan), _text(record.equipment_wan), _text(record.land_efficiency),
        _text(record.superior_funding_wan), _text(record.enclave_region), _text(record.performance),
        _text(record.requested_wan), "；".join(record.attachments),
    ]


def write_csv(path: str | Path, rows: Sequence[Record] | Iterator[Record], encoding: str = "gb18030") -> Path:
    """An intake CSV as a county desk would save it from Excel (GB18030 by default)."""
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(to_row(record) for record in rows)
    return path
