"""A toy rule kind added as one module plus data reaches the engine, the calculator, the summary and
the bench generator with no other edit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from bench.generate import records, to_application
from models.review.calculator import KIND_LABELS, most_yuan, rule_summary
from policy.application import Application
from policy.catalog import DEFAULT_VERSION, Policy, parse_policy
from policy.engine import assess_batch
from policy.kinds import unregister
from policy.versions import PolicyVersion, register_version, unregister_version
from tests.policy.toy import double_kind
from tests.workspace_support import import_as, intake_row, write_csv

TOY_ITEM = '''
[[item]]
id = "tex-toy"
name = "示例加倍事项"
aliases = []
measure = "纺织服装"
clause = "tex-3-4-1"
sentence = "对通过马德里注册商标的，一次性奖励1万元"
level = "国际"
kind = "toy_double"
timing = "none"
conditions = ["示例"]
evidence = "madrid"
numbers.amount = { value = "1", unit = "万元", clause = "tex-3-4-1", quote = "一次性奖励1万元" }
'''


@pytest.fixture
def toy_policy() -> Iterator[Policy]:
    double_kind.install()
    folder = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    files = {name: folder.joinpath(name).read_bytes()
             for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")}
    files["items.toml"] += TOY_ITEM.encode("utf-8")
    yield parse_policy("toy", files)
    unregister(double_kind.NAME)


def test_the_engine_computes_with_the_toy_kind(toy_policy: Policy) -> None:
    app = Application("T1", "企业", "91371500MA3C00650X", "纺织服装", "tex-toy", quantity=3,
                      recognised_on=date(2023, 9, 1))
    [result] = assess_batch([app], toy_policy)
    assert result.cap_yuan == Decimal("60000")
    assert any("示例规则加倍" in line or "按示例规则加倍" in line for line in result.trace)


def test_the_calculator_and_summary_describe_the_toy_kind(toy_policy: Policy) -> None:
    item = toy_policy.items["tex-toy"]
    assert rule_summary(item, toy_policy) == "示例规则：每件 1万元 × 2"
    assert most_yuan(item) == Decimal("10000")
    assert KIND_LABELS["toy_double"] == "示例：加倍奖励"


def test_the_bench_generator_covers_the_toy_item(toy_policy: Policy) -> None:
    generated = [record for record in records(toy_policy, 200) if record.item.id == "tex-toy"]
    assert generated
    results = assess_batch([to_application(record, 2) for record in generated], toy_policy)
    assert all(result.item_id == "tex-toy" for result in results)


def test_an_unknown_kind_is_refused_once_the_toy_is_gone() -> None:
    folder = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    files = {name: folder.joinpath(name).read_bytes()
             for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")}
    files["items.toml"] += TOY_ITEM.encode("utf-8")
    from policy.catalog import PolicyDataError

    with pytest.raises(PolicyDataError) as caught:
        parse_policy("toy", files)
    assert any("items.toml: 条目 tex-toy: 未知的规则类型" in p for p in caught.value.problems)


def test_a_toy_version_imported_into_a_workspace_reaches_its_summary_workbook(tmp_path: Path) -> None:
    from models.exports.summary import export_summary
    from models.workspace.workspace import Workspace

    double_kind.install()
    folder = tmp_path / "toy-version"
    folder.mkdir()
    real = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    digest = hashlib.sha256()
    for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt"):
        data = real.joinpath(name).read_bytes() + (TOY_ITEM.encode("utf-8") if name == "items.toml" else b"")
        (folder / name).write_bytes(data)
        digest.update(name.encode() + b"\0" + data + b"\0")
    register_version(PolicyVersion("toy", "示例", date(2023, 8, 27), None, digest.hexdigest(), 2, folder))
    try:
        with Workspace.open(tmp_path / "ws") as ws:
            row = intake_row(1, **{"产业": "纺织服装", "申报事项": "示例加倍事项", "数量": "3", "申请金额(万元)": "6"})
            import_as(ws, write_csv(tmp_path / "toy.csv", [row]), policy_version="toy")
            export_summary(ws, tmp_path / "汇总.xlsx")
        rows = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("汇总表-申报").to_python()
        [toy] = [r for r in rows if "示例加倍事项" in r]
        assert 60000.0 in toy
    finally:
        unregister_version("toy")
        unregister(double_kind.NAME)
