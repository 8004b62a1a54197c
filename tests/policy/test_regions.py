"""Placing a 人才飞地 by the place name the intake desk typed."""

from __future__ import annotations

import pytest

from policy.catalog import load_policy
from policy.regions import Placement, place


@pytest.mark.parametrize(("text", "placement", "region"), [
    ("北京市海淀区", Placement.INSIDE, "京津冀"),
    ("河北省保定市", Placement.INSIDE, "京津冀"),
    ("天津", Placement.INSIDE, "京津冀"),
    ("上海市浦东新区", Placement.INSIDE, "长三角"),
    ("安徽省合肥市", Placement.INSIDE, "长三角"),
    ("浙江宁波", Placement.INSIDE, "长三角"),
    ("长三角", Placement.INSIDE, "长三角"),
    ("广东省深圳市", Placement.INSIDE, "粤港澳"),
    ("香港特别行政区", Placement.INSIDE, "粤港澳"),
    ("粤港澳大湾区", Placement.INSIDE, "粤港澳"),
    ("广东省汕头市", Placement.OUTSIDE, ""),
    ("山东省济南市", Placement.OUTSIDE, ""),
    ("重庆市", Placement.OUTSIDE, ""),
    ("广东省", Placement.UNKNOWN, ""),
    ("东京", Placement.UNKNOWN, ""),
])
def test_place(text: str, placement: Placement, region: str) -> None:
    answer = place(text, load_policy().regions)
    assert answer.placement is placement
    assert answer.region == region


@pytest.mark.parametrize(("text", "placement", "region"), [
    ("辽宁省大连市中山区", Placement.OUTSIDE, ""),
    ("大连市中山区", Placement.OUTSIDE, ""),
    ("山东省济南市中山路", Placement.OUTSIDE, ""),
    ("广东省汕头市中山路12号", Placement.OUTSIDE, ""),
    ("广东省中山市", Placement.INSIDE, "粤港澳"),
    ("中山市", Placement.INSIDE, "粤港澳"),
    ("广东省深圳市南山区粤海街道", Placement.INSIDE, "粤港澳"),
    ("浙江省金华市义乌市", Placement.INSIDE, "长三角"),
    ("北京海淀", Placement.INSIDE, "京津冀"),
    ("江苏省杭州市", Placement.UNKNOWN, ""),
    ("广东省中山区", Placement.UNKNOWN, ""),
    ("河北省雄安新区", Placement.INSIDE, "京津冀"),
    ("江苏省苏州市工业园区", Placement.UNKNOWN, ""),
    ("苏州工业园区", Placement.INSIDE, "长三角"),
    ("中山路", Placement.UNKNOWN, ""),
])
def test_place_by_whole_names(text: str, placement: Placement, region: str) -> None:
    answer = place(text, load_policy().regions)
    assert (answer.placement, answer.region) == (placement, region), answer


@pytest.mark.parametrize(("text", "part"), [
    ("江苏省杭州市", "杭州市"),
    ("江苏省苏州市工业园区", "工业园区"),
    ("中山路", "中山路"),
    ("广东省", "广东省"),
    ("东京", "东京"),
])
def test_an_unknown_place_names_the_part_not_understood(text: str, part: str) -> None:
    answer = place(text, load_policy().regions)
    assert answer.placement is Placement.UNKNOWN
    assert part in answer.unknown
