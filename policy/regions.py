"""Placing a 飞地所在地区 inside or outside 京津冀、长三角、粤港澳."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from policy.catalog import RegionData
from policy.names import normalise_name


class Placement(Enum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RegionAnswer:
    placement: Placement
    region: str = ""
    matched: str = ""


@lru_cache(maxsize=4096)
def place(text: str, data: RegionData) -> RegionAnswer:
    """The most specific place named in ``text`` decides: a city over a province.

    ``江苏省苏州市`` is inside 长三角; ``广东省汕头市`` is outside; ``广东省`` alone
    lies only partly in 粤港澳 and is UNKNOWN, as is a name not in the data.
    """
    name = normalise_name(text)
    for region in data.regions:
        for alias in (region.name, *region.aliases):
            if normalise_name(alias) in name:
                return RegionAnswer(Placement.INSIDE, region.name, alias)
    for region in data.regions:
        for city in region.cities:
            if city in name:
                return RegionAnswer(Placement.INSIDE, region.name, city)
    for city in data.outside_cities:
        if city in name:
            return RegionAnswer(Placement.OUTSIDE, "", city)
    for province in data.partial_provinces:
        if province in name:
            return RegionAnswer(Placement.UNKNOWN, "", province)
    for region in data.regions:
        for province in region.provinces:
            if province in name:
                return RegionAnswer(Placement.INSIDE, region.name, province)
    for province in data.outside_provinces:
        if province in name:
            return RegionAnswer(Placement.OUTSIDE, "", province)
    return RegionAnswer(Placement.UNKNOWN)
