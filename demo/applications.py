"""Generated demo applications and their evidence files (演示数据)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from policy.catalog import AwardItem, Policy

from models.intake.columns import HEADERS
from models.intake.uscc import org_code_check_char, uscc_check_char

COUNTIES = ("东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县", "高唐县",
            "经济技术开发区", "高新技术产业开发区", "江北水城旅游度假区")
NAME_HEADS = ("鲁西", "水城", "运河", "凤凰", "东岳", "金号", "冠星", "华信", "阿胶", "灵芝", "桑黄", "泰和",
              "光岳", "徒骇", "马颊", "景阳", "鱼丘", "清平", "博平", "旭升", "嘉禾")
BIO_TAILS = ("生物科技有限公司", "药业股份有限公司", "医疗器械有限公司", "阿胶制品有限公司", "健康食品有限公司")
TEX_TAILS = ("纺织有限公司", "服饰股份有限公司", "家纺有限公司", "棉业有限公司", "纺织科技有限公司")
ENCLAVE_PLACES = ("上海市", "江苏省苏州市", "浙江省杭州市", "北京市海淀区", "广东省深圳市", "天津市", "安徽省合肥市")


@dataclass
class DemoRow:
    values: dict[str, str]
    files: list[tuple[str, str]]  # (file name, kind: certificate / invoice / report / photo)


# The registering authority's division (characters 5–6 of the code under 3715) for each demo county;
# the development zones register at city level or under their own 37157x codes.
DIVISION_OF = {"东昌府区": "02", "茌平区": "03", "阳谷县": "21", "莘县": "22", "东阿县": "24", "冠县": "25",
               "高唐县": "26", "临清市": "81", "经济技术开发区": "71", "高新技术产业开发区": "72",
               "江北水城旅游度假区": "00"}


def make_uscc(rng: random.Random, county: str = "") -> str:
    """A valid code registered in ``county`` (any county of the city when none is given)."""
    digits = "0123456789"
    body = "".join(rng.choice(digits) for _ in range(8))
    org = body + org_code_check_char(body)
    drawn = rng.choice(("00", "02", "21", "22", "23", "24", "25", "26", "81"))
    return registered_in(f"913715{drawn}{org}", county)


def registered_in(code: str, county: str) -> str:
    """``code`` (17 or 18 characters) moved to ``county``'s registering authority, check character recomputed."""
    first17 = code[:6] + DIVISION_OF.get(county, code[6:8]) + code[8:17]
    return first17 + uscc_check_char(first17)


def _amount(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low * 100, high * 100) / 100:.2f}"


def _inputs(item: AwardItem, rng: random.Random) -> tuple[dict[str, str], list[str]]:
    """Item-specific columns and the evidence kinds the item's checklist asks for."""
    values: dict[str, str] = {}
    if item.kind == "tech_transform":
        total = rng.choice((480, 500, 650, 800, 1200, 2600))
        values |= {"总投资额(万元)": str(total), "设备购置额(万元)": _amount(rng, 200, int(total * 0.8)),
                   "亩产效益评价": rng.choice(("A", "B", "C", "D", ""))}
        return values, ["invoice", "certificate"]
    if item.kind == "talent_match":
        values["上级资助金额(万元)"] = rng.choice(("40", "50", "100", "200", "450"))
        return values, ["certificate", "receipt"]
    if item.kind == "enclave":
        values |= {"飞地所在地区": rng.choice(ENCLAVE_PLACES), "绩效评估": rng.choice(("合格", "合格", "合格", "不合格"))}
        return values, ["report", "photo"]
    if item.kind == "per_unit":
        values["数量"] = str(rng.randint(1, 3))
    return values, ["certificate"] + (["photo"] if rng.random() < 0.3 else [])


def demo_rows(policy: Policy, count: int, seed: int = 2023) -> list[DemoRow]:
    """``count`` applications covering every award item and county, some sharing an enterprise."""
    rng = random.Random(seed)
    items = list(policy.items.values())
    enterprises: list[tuple[str, str, str, str]] = []
    rows = []
    for n in range(count):
        item = items[n % len(items)]
        if enterprises and rng.random() < 0.25:
            name, uscc, county, industry = rng.choice(enterprises)
            if industry != item.measure:
                name, uscc, county, industry = _new_enterprise(rng, item.measure, n)
        else:
            name, uscc, county, industry = _new_enterprise(rng, item.measure, n)
        if n < len(COUNTIES) and county != COUNTIES[n]:
            county = COUNTIES[n]
            uscc = registered_in(uscc, county)
        enterprises.append((name, uscc, county, industry))
        year = rng.choice((2023, 2024))
        month = rng.randint(9, 12) if year == 2023 else rng.randint(1, 12)
        values = {header: "" for header in HEADERS}
        values |= {
            "申报编号": f"LC{year}-{n + 1:04d}", "企业名称": name, "统一社会信用代码": uscc, "所属县区": county,
            "产业": industry, "申报事项": item.name, "认定日期": f"{year}/{month}/{rng.randint(1, 28)}",
            "申报年度": str(year),
        }
        if rng.random() < 0.05:
            values["认定日期"] = "2023/8/" + str(rng.randint(1, 26))
        extra, kinds = _inputs(item, rng)
        values |= extra
        amount = item.numbers.get("amount") or item.numbers.get("per_unit")
        if amount is not None:
            values["申请金额(万元)"] = str(amount.value)
        application_id = values["申报编号"]
        files = [(f"{application_id}-{kind}.{'png' if kind == 'photo' else 'pdf'}", kind) for kind in kinds]
        values["附件"] = "；".join(name for name, _ in files)
        rows.append(DemoRow(values, files))
    return rows


def _new_enterprise(rng: random.Random, industry: str, n: int) -> tuple[str, str, str, str]:
    tails = BIO_TAILS if industry == "生物医药" else TEX_TAILS
    county = rng.choice(COUNTIES)
    head = rng.choice(NAME_HEADS) + rng.choice(NAME_HEADS)
    return f"聊城{head}{tails[n % len(tails)]}", make_uscc(rng, county), county, industry


def write_intake_csv(rows: list[DemoRow], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(HEADERS))
        writer.writeheader()
        for row in rows:
            writer.writerow(row.values)
