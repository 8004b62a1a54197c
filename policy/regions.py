"""Placing a 飞地所在地区 inside or outside 京津冀、长三角、粤港澳.

The text is read from the start as whole names along 省 → 市 → 区县, each level
a division of the one before it (``广东省深圳市南山区``, ``浙江宁波``, ``苏州市``).
The deepest place read decides: a province wholly in a region places
everything in it; in a province only partly inside (广东) the city decides.
What follows the last division is address detail (``中山路12号``) unless it
names a division itself: a division of another place (``江苏省杭州市``) or a
name the table does not know (``河北省雄安新区``) leaves the answer UNKNOWN,
with the part not understood in ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from policy.catalog import RegionData
from policy.divisions import COUNTY, Division, DivisionTable, load_divisions
from policy.names import normalise_name

DIVISION_ENDINGS = "省市区县旗州盟"


class Placement(Enum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RegionAnswer:
    placement: Placement
    region: str = ""
    matched: str = ""
    """The whole names read, as the table writes them: ``广东省深圳市``."""
    unknown: str = ""
    """Why the place could not be decided, naming the part not understood."""


Path = tuple[Division, ...]


@lru_cache(maxsize=4096)
def place(text: str, data: RegionData) -> RegionAnswer:
    """Where ``text`` lies; see the module docstring for how it is read."""
    name = normalise_name(text).removeprefix("中国")
    for region in data.regions:
        for alias in (region.name, *region.aliases):
            if name in (normalise_name(alias), normalise_name(alias) + "地区"):
                return RegionAnswer(Placement.INSIDE, region.name, alias)
    table = load_divisions()
    parses = _parses(name, 0, None, table)
    if not parses:
        return RegionAnswer(Placement.UNKNOWN, unknown=f"“{text}”不是行政区划表中的省、市或区县名称")
    end = max(stop for _, stop in parses)
    paths = list(dict.fromkeys(path for path, stop in parses if stop == end))
    rest = name[end:]
    answers = {_placement(path, data, table) for path in paths}
    if len(answers) > 1:
        where = "、".join(_written(path, table) for path in paths)
        return RegionAnswer(Placement.UNKNOWN, unknown=f"“{name[:end]}”有多处同名（{where}），无法确定是哪一处")
    placement, region_name = answers.pop()
    matched = _written(paths[0], table) if len(paths) == 1 else name[:end]
    if rest:
        problem = _rest_problem(rest, paths[0][-1], table)
        if problem:
            return RegionAnswer(Placement.UNKNOWN, matched=matched, unknown=problem)
    if placement is Placement.UNKNOWN:
        return RegionAnswer(placement, matched=matched,
                            unknown=f"“{matched}”只有部分地方属{_partial_region(paths[0], data, table)}，须写明所在城市")
    return RegionAnswer(placement, region_name, matched)


def _parses(text: str, start: int, parent: Division | None, table: DivisionTable) -> list[tuple[Path, int]]:
    """Every way to read whole division names from ``start``, each a division of the one before.

    A short name (``苏州`` for 苏州市) counts only at the end of the text or when the
    next level follows it: ``中山路`` names no city.
    """
    found: list[tuple[Path, int]] = []
    for name, division in table.names_at(text, start):
        if parent is None and division.level == COUNTY and name != division.name:
            continue  # a county alone only by its full name: 中山 is a city, 中山区 a county
        if parent is not None and not table.contains(parent, division):
            continue
        after = start + len(name)
        if name != division.name and after < len(text) and text[after] in DIVISION_ENDINGS:
            continue  # 中山 inside 中山区 is not the city 中山
        if name == division.name or after == len(text):
            found.append(((division,), after))  # a short name ends the text or leads to the next level
        for path, stop in _parses(text, after, division, table):
            found.append(((division, *path), stop))
    return found


def _placement(path: Path, data: RegionData, table: DivisionTable) -> tuple[Placement, str]:
    deepest = path[-1]
    province = table.by_code[deepest.province].name
    city = table.by_code[deepest.city].name if deepest.city else ""
    for region in data.regions:
        if province in region.provinces:
            return Placement.INSIDE, region.name
    if province in data.partial_provinces:
        if not city:
            return Placement.UNKNOWN, ""
        for region in data.regions:
            if city in region.cities:
                return Placement.INSIDE, region.name
    return Placement.OUTSIDE, ""


def _partial_region(path: Path, data: RegionData, table: DivisionTable) -> str:
    province = table.by_code[path[-1].province].name
    names = [region.name for region in data.regions
             if any(table.by_code[d.province].name == province
                    for city in region.cities for d in table.named(city))]
    return "、".join(names) or "相关"


def _rest_problem(rest: str, deepest: Division, table: DivisionTable) -> str:
    """Why what follows the last division read is not mere address detail ("" when it is)."""
    for name, division in table.names_at(rest, 0):
        whole = name == division.name or len(rest) == len(name) or rest[len(name)] in DIVISION_ENDINGS
        if whole:
            return f"“{name}”不属于“{deepest.name}”，各级地名相互矛盾"
    for index, char in enumerate(rest[:8]):
        if char in DIVISION_ENDINGS and index >= 1:
            return f"“{rest[:index + 1]}”不在行政区划表中（“{deepest.name}”之下）"
    return ""


def _written(path: Path, table: DivisionTable) -> str:
    deepest = path[-1]
    parts = [table.by_code[deepest.province]]
    if deepest.city and deepest.city != deepest.province:
        city = table.by_code[deepest.city]
        if city.name != parts[0].name:
            parts.append(city)
    if deepest.level == COUNTY:
        parts.append(deepest)
    return "".join(part.name for part in dict.fromkeys(parts))
