"""The measures as data: every quote verbatim, every number cited, a strict loader."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from policy.catalog import DEFAULT_VERSION, NUMBERS_BY_KIND, PolicyDataError, load_policy, parse_policy

CANONICAL_NAMES = [
    "国家级中小企业公共服务示范平台", "省级中小企业公共服务示范平台",
    "国家级小型微型企业创业创新示范基地", "省级小型微型企业创业创新示范基地",
    "国家级特色产业集群", "省级特色产业集群",
    "省级特色食品产业集群", "省级特色食品强县", "省级特色食品强镇", "省级特色食品基地",
    "国家级单项冠军示范企业", "国家级单项冠军产品", "省级单项冠军示范企业", "省级单项冠军产品",
    "国家级专精特新企业", "省级专精特新企业", "省级独角兽企业", "省级瞪羚企业",
    "外地龙头企业招引项目", "国家级质量标杆", "省级质量标杆",
    "全国食品工业三品典型成果", "山东省特色优质食品目录", "外资企业入驻",
    "国家级电子商务类示范区(基地)", "省级电子商务类示范区(基地)",
    "国家级电子商务类示范企业(店铺)", "省级电子商务类示范企业(店铺)", "技术改造项目",
    "省长质量奖", "好品山东", "省高端品牌培育企业", "中国驰名商标",
    "主持制定国际标准", "主持制定国家标准", "主持制定行业标准", "主持制定山东省地方标准",
    "马德里注册商标", "国家级重点人才工程领军人才", "省级重点人才工程领军人才",
    "人才飞地研发机构", "人才飞地专家工作站",
]


def _source_lines() -> str:
    raw = resources.files("resources").joinpath("policy", DEFAULT_VERSION, "source.txt").read_text("utf-8")
    return "\n".join(line.lstrip("\u3000").rstrip() for line in raw.splitlines())


def _files() -> dict[str, bytes]:
    folder = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    return {name: folder.joinpath(name).read_bytes()
            for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")}


def test_the_42_canonical_items_are_exactly_the_issue_list() -> None:
    assert sorted(item.name for item in load_policy().items.values()) == sorted(CANONICAL_NAMES)


def test_shipped_source_is_the_shared_document() -> None:
    assert "聊政办发〔2023〕10号" in load_policy().source_text
    assert load_policy().document_number == "聊政办发〔2023〕10号"
    assert load_policy().issued_on == date(2023, 8, 27)
    assert len(load_policy().content_hash) == 64


@pytest.mark.parametrize("clause_id", sorted(load_policy().clauses))
def test_clause_text_and_units_are_verbatim(clause_id: str) -> None:
    clause = load_policy().clauses[clause_id]
    source = _source_lines()
    assert clause.text in source
    assert clause.path and clause.measure in ("生物医药", "纺织服装")
    for unit in clause.units:
        assert unit in source


def test_every_numbered_money_clause_is_a_record() -> None:
    paths = {(c.measure, c.path) for c in load_policy().clauses.values()}
    for expected in [("生物医药", "一"), ("生物医药", "二（一）3"), ("生物医药", "二（二）1"),
                     ("生物医药", "二（三）1"), ("生物医药", "二（三）3"), ("生物医药", "三（五）"),
                     ("纺织服装", "三（一）2"), ("纺织服装", "三（二）1"), ("纺织服装", "三（四）1"),
                     ("纺织服装", "三（六）1"), ("纺织服装", "四（三）")]:
        assert expected in paths


def test_responsible_units_keep_bracketed_county_list_whole() -> None:
    units = load_policy().clauses["tex-3-2-1"].units
    assert units == ("市工业和信息化局", "市财政局", "各县〔市、区〕人民政府", "市属开发区管委会")


def test_ascii_parentheses_of_the_source_are_kept() -> None:
    assert "设备(含软件)实际购置金额" in load_policy().clauses["tex-3-2-1"].text


@pytest.mark.parametrize("item_id", sorted(load_policy().items))
def test_item_is_complete_and_every_number_cites_its_clause(item_id: str) -> None:
    item = load_policy().items[item_id]
    assert item.sentence in item.clause.text
    assert item.evidence, "a reviewer needs a checklist"
    assert set(item.numbers) == NUMBERS_BY_KIND[item.kind]
    for number in item.numbers.values():
        assert number.quote in number.clause.text
        assert str(number.value) in number.quote
        assert number.unit


def test_aliases_resolve_through_punctuation_and_width() -> None:
    policy = load_policy()
    assert policy.resolve_item("国家级“专精特新”企业").name == "国家级专精特新企业"
    assert policy.resolve_item(" 国家级电子商务类示范区（基地） ").name == "国家级电子商务类示范区(基地)"
    assert policy.resolve_item("技改项目").name == "技术改造项目"
    assert policy.resolve_item("国家级专精特新企业呀") is None
    assert "国家级专精特新企业" in policy.suggest_items("国家专精特新企")


def _broken(replace: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    files = _files()
    for name, (old, new) in replace.items():
        text = files[name].decode("utf-8")
        assert old in text
        files[name] = text.replace(old, new, 1).encode("utf-8")
    return files


def test_loader_rejects_unknown_key_naming_file_and_item() -> None:
    files = _broken({"items.toml": ('id = "bio-zjtx-national"\n', 'id = "bio-zjtx-national"\nbonus = 1\n')})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert "items.toml: 条目 bio-zjtx-national: 未知的键“bonus”" in caught.value.problems


def test_loader_rejects_duplicate_ids() -> None:
    files = _broken({"items.toml": ('id = "bio-zjtx-provincial"', 'id = "bio-zjtx-national"')})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert any(p.startswith("items.toml: 条目 bio-zjtx-national: 编号重复") for p in caught.value.problems)


def test_loader_rejects_a_number_without_its_clause() -> None:
    files = _broken({"items.toml": (
        'numbers.amount = { value = "1", unit = "万元", clause = "tex-3-4-1", ',
        'numbers.amount = { value = "1", unit = "万元", ',
    )})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert "items.toml: 条目 tex-madrid-trademark: 数值 amount: 未注明出处条款" in caught.value.problems


def test_loader_rejects_text_not_in_the_source() -> None:
    files = _broken({"clauses.toml": ("单户企业最高支持200万元", "单户企业最高支持300万元")})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert "clauses.toml: 条款 tex-3-2-1: 条文与原文不一致" in caught.value.problems


def test_loader_rejects_a_number_its_quote_does_not_contain() -> None:
    files = _broken({"items.toml": ('value = "200", unit = "万元", clause = "tex-3-2-1"',
                                    'value = "250", unit = "万元", clause = "tex-3-2-1"')})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert any("找不到“250万元”" in p for p in caught.value.problems)


def test_loader_gathers_every_problem_at_once() -> None:
    files = _broken({
        "items.toml": ('id = "bio-zjtx-national"\n', 'id = "bio-zjtx-national"\nbonus = 1\n'),
        "clauses.toml": ("单户企业最高支持200万元", "单户企业最高支持300万元"),
    })
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert len(caught.value.problems) >= 2


def test_loader_rejects_a_clause_cut_short() -> None:
    """Every quote being found in the source proves nothing of a clause that leaves out its last sentence."""
    files = _broken({"clauses.toml": ("建立重点企业跟踪服务机制，培育一批技术引领型、市场主导型龙头企业，"
                                      "在药物筛选、临床前评价、临床试验、注册审批、上市销售等环节给予精准支持。", "")})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert "clauses.toml: 条款 bio-2-3-1: 条文不是原文的整段（须为编号与责任单位之间的全部文字）" in caught.value.problems


def test_loader_rejects_a_responsible_unit_left_out() -> None:
    files = _broken({"clauses.toml": ('units = ["市工业和信息化局", "市财政局", "各县〔市、区〕人民政府", "市属开发区管委会"]',
                                      'units = ["市工业和信息化局", "市财政局", "市属开发区管委会"]')})
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    assert "clauses.toml: 条款 tex-3-2-1: 责任单位与原文“市工业和信息化局、市财政局，各县〔市、区〕人民政府、市属开发区管委会”不一致" \
        in caught.value.problems
