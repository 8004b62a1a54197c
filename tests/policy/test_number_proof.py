"""The loader proves each number: with its unit in its quote, at its declared place in a 分别 list.

The mutation test swaps, in turn, every number in items.toml with every other
number of its clause; each swap must fail to load, naming the file and the item.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from policy.catalog import DEFAULT_VERSION, PolicyDataError, load_policy, parse_policy

_NUMBER_LINE = re.compile(r'^(numbers\.\w+ = \{ value = ")([^"]+)(".*)$')


def _files() -> dict[str, bytes]:
    folder = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    return {name: folder.joinpath(name).read_bytes()
            for name in ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")}


def _mutations() -> list[object]:
    """(line index, item id, original value, swapped value) for every number and every other number of its clause."""
    policy = load_policy()
    lines = _files()["items.toml"].decode("utf-8").split("\n")
    found = []
    item_id = ""
    for index, line in enumerate(lines):
        if line.startswith("id = "):
            item_id = line.split('"')[1]
        match = _NUMBER_LINE.match(line)
        if not match:
            continue
        clause = policy.clauses[re.search(r'clause = "([^"]+)"', line).group(1)]
        others = dict.fromkeys(re.findall(r"\d+(?:\.\d+)?", clause.text))
        for other in others:
            if other != match.group(2):
                found.append(pytest.param(index, item_id, match.group(2), other,
                                          id=f"{item_id}:{line.split(' ')[0]}:{match.group(2)}→{other}"))
    return found


MUTATIONS = _mutations()


def test_there_are_mutations_for_every_number() -> None:
    numbers = sum(len(item.numbers) for item in load_policy().items.values())
    assert len({(m.values[0]) for m in MUTATIONS}) == numbers


@pytest.mark.parametrize(("index", "item_id", "value", "swapped"), MUTATIONS)
def test_swapping_a_number_with_another_of_its_clause_fails_to_load(
        index: int, item_id: str, value: str, swapped: str) -> None:
    files = _files()
    lines = files["items.toml"].decode("utf-8").split("\n")
    lines[index] = _NUMBER_LINE.sub(lambda m: m.group(1) + swapped + m.group(3), lines[index])
    files["items.toml"] = "\n".join(lines).encode("utf-8")
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("mutated", files)
    assert any(p.startswith(f"items.toml: 条目 {item_id}: 数值") for p in caught.value.problems), caught.value.problems


def _with(old: str, new: str) -> dict[str, bytes]:
    files = _files()
    text = files["items.toml"].decode("utf-8")
    assert old in text
    files["items.toml"] = text.replace(old, new, 1).encode("utf-8")
    return files


def _problems(files: dict[str, bytes]) -> list[str]:
    with pytest.raises(PolicyDataError) as caught:
        parse_policy("t", files)
    return caught.value.problems


def test_a_number_without_its_unit_in_the_quote_is_refused() -> None:
    problems = _problems(_with('value = "1", unit = "万元", clause = "tex-3-4-1", quote = "一次性奖励1万元"',
                               'value = "1", unit = "万元", clause = "tex-3-4-1", quote = "一次性奖励1"'))
    assert any("马德里" in p or "tex-madrid-trademark" in p for p in problems), problems


def test_five_does_not_pass_inside_fifty() -> None:
    problems = _problems(_with('value = "1", unit = "万元", clause = "tex-3-4-1", quote = "一次性奖励1万元"',
                               'value = "5", unit = "万元", clause = "tex-3-4-1", quote = "纺织服装企业一次性奖励50万元"'))
    assert any(p.startswith("items.toml: 条目 tex-madrid-trademark: 数值 amount") for p in problems), problems


def test_a_list_with_more_subjects_than_amounts_is_refused() -> None:
    problems = _problems(_with('position = 1, of = ["研发机构", "专家工作站"]',
                               'position = 1, of = ["研发机构", "专家工作站", "人才飞地"]'))
    assert any("tex-enclave-rd" in p and "数目不符" in p for p in problems), problems


def test_a_list_amount_without_its_position_is_refused() -> None:
    problems = _problems(_with('position = 2, of = ["研发机构", "专家工作站"]', 'of = ["研发机构", "专家工作站"]'))
    assert any("tex-enclave-workstation" in p and "position" in p for p in problems), problems


def test_an_amount_for_the_wrong_subject_is_refused() -> None:
    problems = _problems(_with('position = 1, of = ["研发机构", "专家工作站"]',
                               'position = 1, of = ["专家工作站", "研发机构"]'))
    assert any("tex-enclave-rd" in p for p in problems), problems


def test_an_alias_without_scope_is_refused() -> None:
    problems = _problems(_with('{ name = "国家中小企业公共服务示范平台", scope = "same" }',
                               '{ name = "国家中小企业公共服务示范平台" }'))
    assert any(p.startswith("items.toml: 条目 bio-platform-national: 别名") and "scope" in p for p in problems)


def test_a_number_quoted_from_another_items_sentence_is_refused() -> None:
    """瞪羚 and 省级专精特新 both give 最高30万元: quoting the other sentence must not pass for the right value."""
    problems = _problems(_with(
        'quote = "分别给予最高100万元、30万元一次性奖励", position = 2, of = ["“独角兽”", "“瞪羚”"]',
        'quote = "分别给予最高50万元、30万元一次性奖励", position = 2, of = ["国家级", "省级"]'))
    assert any(p.startswith("items.toml: 条目 bio-gazelle-provincial: 数值 amount")
               and "bio-zjtx-provincial" in p for p in problems), problems


def test_a_number_from_a_sentence_of_its_clause_that_is_no_items_own_loads() -> None:
    """The C/D rates of 三（二）1 stand in the sentence after the item's (其中，…): no other item claims it."""
    policy = load_policy()
    rate_c = policy.items["tex-tech-transform"].numbers["rate_c"]
    assert rate_c.quote not in policy.items["tex-tech-transform"].sentence
    assert not any(rate_c.quote in item.sentence for item in policy.items.values())


def test_an_amount_the_clause_gives_at_most_cannot_be_encoded_as_a_set_amount() -> None:
    """二（一）3 says 最高50万元: the reviewer may grant less. As kind fixed it would be paid whole."""
    problems = _problems(_with('kind = "cap"\ntiming = "newly"\nhonour = "中小企业公共服务示范平台"',
                               'kind = "fixed"\ntiming = "newly"\nhonour = "中小企业公共服务示范平台"'))
    assert any(p.startswith("items.toml: 条目 bio-platform-national: 数值 amount") and "“最高”" in p
               for p in problems), problems


def test_a_set_amount_cannot_be_encoded_as_an_amount_at_most() -> None:
    """三（四）1 says 一次性奖励50万元 for 驰名商标: no 最高 in its words, so not kind cap."""
    problems = _problems(_with('kind = "fixed"\ntiming = "dated"\nconditions = ["“中国驰名商标”经行政认定"]',
                               'kind = "cap"\ntiming = "dated"\nconditions = ["“中国驰名商标”经行政认定"]'))
    assert any(p.startswith("items.toml: 条目 tex-well-known-trademark: 数值 amount") and "“最高”" in p
               for p in problems), problems


def test_the_tech_transform_rate_must_be_quoted_with_its_ceiling_words() -> None:
    """不超过10%: a rate quoted without 不超过 would read as a set share."""
    problems = _problems(_with('quote = "按照设备(含软件)实际购置金额不超过10%的比例给予支持" }',
                               'quote = "10%的比例给予支持" }'))
    assert any(p.startswith("items.toml: 条目 tex-tech-transform: 数值 rate") and "“不超过”" in p
               for p in problems), problems


def test_a_first_time_item_cannot_be_encoded_as_newly() -> None:
    """二（三）3 says 首次获得: a second approval of it is refused, a 新认定 item's only asks."""
    problems = _problems(_with('timing = "first_time"\nhonour = "质量标杆"\nconditions = ["首次获得国家级质量标杆"]',
                               'timing = "newly"\nhonour = "质量标杆"\nconditions = ["首次获得国家级质量标杆"]'))
    assert any(p.startswith("items.toml: 条目 bio-quality-benchmark-national: 时限") and "“首次”" in p
               for p in problems), problems


def test_a_current_year_item_cannot_be_encoded_without_its_year_check() -> None:
    """三（一）2 says 当年度被认定: as dated, a recognition of another year would pass unasked."""
    problems = _problems(_with('timing = "application_year"\nhonour = "电子商务类示范区(基地)"\nconditions = ["当年度被认定为国家级',
                               'timing = "dated"\nhonour = "电子商务类示范区(基地)"\nconditions = ["当年度被认定为国家级'))
    assert any(p.startswith("items.toml: 条目 tex-ecommerce-zone-national: 时限") and "“当年度”" in p
               for p in problems), problems


def test_a_newly_item_must_say_new() -> None:
    problems = _problems(_with('timing = "dated"\nconditions = ["“中国驰名商标”经行政认定"]',
                               'timing = "newly"\nconditions = ["“中国驰名商标”经行政认定"]'))
    assert any(p.startswith("items.toml: 条目 tex-well-known-trademark: 时限") for p in problems), problems


def test_an_honour_items_level_must_be_the_one_its_name_says() -> None:
    """国家级专精特新企业 marked 省级 would lose its 省级 counterpart, and the 补差或兼得 question with it."""
    problems = _problems(_with('level = "国家级"\nkind = "cap"\ntiming = "newly"\nhonour = "专精特新企业"',
                               'level = "省级"\nkind = "cap"\ntiming = "newly"\nhonour = "专精特新企业"'))
    assert any(p.startswith("items.toml: 条目 bio-zjtx-national: 级别") for p in problems), problems


def test_a_sentence_cut_short_is_refused() -> None:
    """The sentence is what the review view highlights and what says 一次性: it ends where the text's sentence does."""
    problems = _problems(_with('sentence = "对获得“中国驰名商标”（行政认定）的纺织服装企业一次性奖励50万元"',
                               'sentence = "对获得“中国驰名商标”（行政认定）的纺织服装企业"'))
    assert any(p.startswith("items.toml: 条目 tex-well-known-trademark: 设定金额的句子不是原文的整句") for p in problems), problems
