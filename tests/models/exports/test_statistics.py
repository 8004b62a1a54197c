"""Statistics: totals by award item, county and industry equal the sums of the queue's rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from models.intake.columns import HEADERS
from demo.workspace import create_demo
from tests.workspace_support import import_as
from models.signing.keys import KdfParams
from models.review.counties import OFFICIAL_ORDER
from models.review.queue import QueueRow, queue_rows
from models.exports.statistics import GROUPINGS, UNFILLED, totals
from models.intake.uscc import org_code_check_char, uscc_check_char
from models.workspace.workspace import Workspace
from policy.catalog import load_policy

POLICY = load_policy()
NAMES = {item.id: item.name for item in POLICY.items.values()}
ZERO = Decimal("0.00")
KEYS = {"item": lambda r: r.item_name, "county": lambda r: r.county or UNFILLED, "industry": lambda r: r.industry}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("statistics") / "ws"
    create_demo(folder, count=30, kdf=KdfParams.cheap_for_tests())
    ws = Workspace.open(folder, create=False)
    yield ws
    ws.close()


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _expected(rows: list[QueueRow]) -> tuple:
    decided = [r for r in rows if r.approved_yuan is not None]
    return (len(rows), len(decided), sum(1 for r in decided if r.approved_yuan > 0),
            _sum(r.requested_yuan for r in rows), _sum(r.cap_yuan for r in rows), _sum(r.approved_yuan for r in rows))


def _actual(group) -> tuple:
    return (group.count, group.decided, group.approved_count, group.requested_yuan, group.cap_yuan,
            group.approved_yuan)


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_every_group_equals_the_sum_of_its_queue_rows(demo: Workspace, grouping: str):
    rows = queue_rows(demo.db, NAMES)
    result = totals(demo.db).groups(grouping)
    keys = {KEYS[grouping](row) for row in rows}
    assert [group.key for group in result] and {group.key for group in result} == keys
    for group in result:
        members = [row for row in rows if KEYS[grouping](row) == group.key]
        assert _actual(group) == _expected(members), group.key


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_groups_add_up_to_the_overall_total(demo: Workspace, grouping: str):
    result = totals(demo.db)
    groups = result.groups(grouping)
    summed = tuple(sum(values) for values in zip(*(_actual(group) for group in groups)))
    assert summed == _actual(result.overall)
    assert _actual(result.overall) == _expected(queue_rows(demo.db, NAMES))
    assert result.overall.approved_yuan > 0


def test_items_in_policy_order_and_industries_in_measure_order(demo: Workspace):
    result = totals(demo.db)
    order = [item.name for item in POLICY.items.values()]
    keys = [group.key for group in result.by_item]
    assert keys == sorted(keys, key=order.index)
    assert [group.key for group in result.by_industry] == ["生物医药", "纺织服装"]
    rank = {name: n for n, name in enumerate(OFFICIAL_ORDER)}
    listed = [rank[group.key] for group in result.by_county if group.key in rank]
    assert len(listed) > 1 and listed == sorted(listed)  # 县区 in the city's order, not by count or character code


def test_empty_workspace_totals_zero(tmp_path: Path):
    with Workspace.open(tmp_path / "ws") as ws:
        result = totals(ws.db)
    assert result.by_item == result.by_county == result.by_industry == []
    assert _actual(result.overall) == (0, 0, 0, ZERO, ZERO, ZERO)


def test_blank_county_is_its_own_group(tmp_path: Path):
    body = "00000001"
    first17 = "91371500" + body + org_code_check_char(body)
    path = tmp_path / "申报.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(HEADERS))
        writer.writeheader()
        writer.writerow({h: "" for h in HEADERS} | {
            "申报编号": "S-1", "企业名称": "聊城统计测试有限公司", "统一社会信用代码": first17 + uscc_check_char(first17),
            "产业": "纺织服装", "申报事项": "中国驰名商标", "申请金额(万元)": "12.5"})
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, path)
        result = totals(ws.db)
    [county] = result.by_county
    assert county.key == UNFILLED and county.count == 1
    assert county.requested_yuan == Decimal("125000.00") and county.approved_yuan == ZERO
