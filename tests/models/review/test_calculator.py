"""The policy calculator: what an enterprise received, applied for, and may also look at."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.calculator import (
    KIND_LABELS,
    NUMBER_LABELS,
    enterprise_overview,
    find_enterprise,
    known_enterprises,
    most_yuan,
    rule_summary,
)
from models.intake.columns import HEADERS
from demo.workspace import create_demo
from tests.workspace_support import import_as
from models.signing.keys import KdfParams
from models.intake.uscc import org_code_check_char, uscc_check_char
from models.workspace.workspace import Workspace
from models.review.history import WorkspaceHistory
from policy.catalog import MEASURES, load_policy
from policy.money import YUAN_PER_WAN

POLICY = load_policy()


def uscc(n: int) -> str:
    body = f"{n:08d}"
    first17 = "91371500" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def write_intake(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(HEADERS))
        writer.writeheader()
        for row in rows:
            writer.writerow({header: row.get(header, "") for header in HEADERS})
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("calculator") / "ws"
    create_demo(folder, count=30, kdf=KdfParams.cheap_for_tests())
    ws = Workspace.open(folder, create=False)
    yield ws
    ws.close()


@pytest.mark.parametrize("item_id", list(POLICY.items))
def test_every_item_has_a_rule_in_plain_chinese_with_its_numbers(item_id: str):
    item = POLICY.items[item_id]
    text = rule_summary(item, POLICY)
    assert text and item.kind in KIND_LABELS
    for number in item.numbers.values():
        assert f"{number.value}{number.unit}" in text
        assert number.name in NUMBER_LABELS
    if item.kind == "referral":
        assert item.referral_policy in text and most_yuan(item) is None
    else:
        assert most_yuan(item) is not None and most_yuan(item) > 0


def test_technical_transformation_rule_reads_as_the_clause_sets_it():
    item = POLICY.items["tex-tech-transform"]
    assert rule_summary(item, POLICY) == (
        "设备(含软件)购置额 × 10%（亩产效益C类8%、D类7%）；计划总投资500万元以上；单户企业最高200万元")
    assert most_yuan(item) == item.numbers["enterprise_cap"].value * YUAN_PER_WAN


def test_received_items_are_the_final_approvals(demo: Workspace):
    enterprises = known_enterprises(demo.db)
    assert enterprises
    checked = 0
    for enterprise in enterprises:
        overview = enterprise_overview(demo.db, enterprise.uscc, POLICY)
        approvals = WorkspaceHistory(demo.db).approved_awards(enterprise.uscc)
        assert [(r.item.id, r.approved_yuan, r.application_id) for r in overview.received] == \
            [(a.item_id, a.approved_yuan, a.application_id) for a in approvals]
        assert overview.received_yuan == sum((a.approved_yuan for a in approvals), Decimal("0.00"))
        checked += bool(approvals)
    assert checked, "the demo workspace should hold final approvals"


def test_candidates_are_the_same_measures_items_neither_applied_for_nor_received(demo: Workspace):
    for enterprise in known_enterprises(demo.db):
        overview = enterprise_overview(demo.db, enterprise.uscc, POLICY)
        received = {r.item.id for r in overview.received}
        applied = {a.item.id for a in overview.applied}
        candidates = [c.item.id for c in overview.candidates]
        assert len(candidates) == len(set(candidates))
        assert not set(candidates) & (received | applied)
        own = {item.id for item in POLICY.items.values() if item.measure in enterprise.industries}
        assert set(candidates) | received | applied == own | received | applied
        assert all(POLICY.items[c].measure in enterprise.industries for c in candidates)
        ids = {row[0] for row in demo.db.execute(
            "SELECT application_id FROM applications WHERE uscc = ?", [enterprise.uscc])}
        assert {r.application_id for r in overview.received} | {a.row.application_id for a in overview.applied} == ids


def test_referral_items_are_named_as_decided_elsewhere(demo: Workspace):
    enterprise = known_enterprises(demo.db)[0]
    overview = enterprise_overview(demo.db, enterprise.uscc, POLICY)
    referrals = [c for c in overview.candidates if c.is_referral]
    assert referrals
    for candidate in referrals:
        assert candidate.most_yuan is None
        assert any(candidate.item.referral_policy in note for note in candidate.notes)


def test_remaining_technical_transformation_room(demo: Workspace):
    item = POLICY.items["tex-tech-transform"]
    ceiling = item.numbers["enterprise_cap"].value * YUAN_PER_WAN
    for enterprise in known_enterprises(demo.db):
        overview = enterprise_overview(demo.db, enterprise.uscc, POLICY)
        if "纺织服装" not in enterprise.industries:
            assert overview.rooms == []
            continue
        [room] = overview.rooms
        approved = sum((r.approved_yuan for r in overview.received if r.item is item), Decimal("0.00"))
        assert room.approved_yuan == approved
        assert room.remaining_yuan == max(ceiling - approved, Decimal("0.00"))
        assert "单户企业最高支持200万元" in room.sentence()


def test_unknown_enterprise_gives_an_empty_overview(demo: Workspace):
    overview = enterprise_overview(demo.db, uscc(99999999), POLICY)
    assert overview.enterprise is None and not overview.candidates and not overview.received


def test_find_enterprise_by_code_label_or_name(demo: Workspace):
    enterprise = known_enterprises(demo.db)[0]
    assert find_enterprise(demo.db, enterprise.uscc) == enterprise
    assert find_enterprise(demo.db, f"  {enterprise.uscc.lower()} ") == enterprise
    assert find_enterprise(demo.db, enterprise.label()) == enterprise
    assert find_enterprise(demo.db, enterprise.name) == enterprise
    assert find_enterprise(demo.db, "") is None
    assert find_enterprise(demo.db, "不存在的企业") is None


def test_counterpart_of_an_applied_honour_is_flagged(tmp_path: Path):
    intake = write_intake(tmp_path / "申报.csv", [{
        "申报编号": "T-1", "企业名称": "聊城测试生物科技有限公司", "统一社会信用代码": uscc(1), "所属县区": "东昌府区",
        "产业": "生物医药", "申报事项": "省级特色产业集群", "认定日期": "2023-10-01", "申报年度": "2024",
        "申请金额(万元)": "50",
    }])
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, intake)
        overview = enterprise_overview(ws.db, uscc(1), POLICY)
    assert [a.item.id for a in overview.applied] == ["bio-cluster-provincial"]
    national = next(c for c in overview.candidates if c.item.id == "bio-cluster-national")
    assert any("已申报省级特色产业集群" in note and "请审核人确定" in note for note in national.notes)
    others = [c for c in overview.candidates if c.item.id != "bio-cluster-national"]
    assert not any("请审核人确定" in note for c in others for note in c.notes)
    assert {c.item.measure for c in overview.candidates} == {"生物医药"}
    assert set(MEASURES) >= {overview.industry}
