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
