"""The national table of 县级以上行政区划 (``resources/policy/divisions/divisions.tsv``).

A code is six digits ``PPCCDD``: ``PP0000`` a province, ``PPCC00`` a city, any
other a county. A county whose ``PPCC00`` is not in the table (济源市, the
counties 海南 and 新疆 administer directly) belongs to the province itself; the
city rows of the four municipalities (北京市 110100, 重庆市 500200 …) carry no
name of their own and are never matched by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

PROVINCE, CITY, COUNTY = 1, 2, 3
LEVEL_WORDS = {PROVINCE: "省级", CITY: "市级", COUNTY: "县级"}
_SHORT_ENDINGS = {
    PROVINCE: ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"),
    CITY: ("地区", "市", "盟"),
    COUNTY: ("市", "县", "区", "旗"),
}


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: int
    current: bool
    province: str
    """Code of the province it lies in (itself for a province)."""
    city: str
    """Code of the city it lies in (itself for a city; "" when directly under the province)."""

    @property
    def short(self) -> str:
        """``广东省`` → ``广东``, ``苏州市`` → ``苏州``; the name itself when nothing would be left."""
        for ending in _SHORT_ENDINGS[self.level]:
            if self.name.endswith(ending) and len(self.name) - len(ending) >= 2:
                return self.name[: -len(ending)]
        return self.name


class DivisionTable:
    """Divisions by code and by whole name (full or short)."""

    def __init__(self, rows: list[tuple[str, str, bool]]) -> None:
        names = {code: name for code, name, _ in rows}
        self.by_code: dict[str, Division] = {}
        for code, name, current in rows:
            level = PROVINCE if code[2:] == "0000" else CITY if code[4:] == "00" else COUNTY
            province = code[:2] + "0000"
            city = code if level == CITY else code[:4] + "00" if level == COUNTY and code[:4] + "00" in names else ""
            self.by_code[code] = Division(code, name, level, current, province, city)
        self._by_name: dict[str, list[Division]] = {}
        for division in self.by_code.values():
            if division.level == CITY and division.name == self.by_code.get(division.province, division).name:
                continue  # 北京市 110100 under 北京市 110000
            if division.name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            for key in dict.fromkeys((division.name, division.short)):
                self._by_name.setdefault(key, []).append(division)

    def named(self, name: str) -> list[Division]:
        """Every division whose full or short name is exactly ``name``."""
        return self._by_name.get(name, [])

    def names_at(self, text: str, start: int) -> list[tuple[str, Division]]:
        """(name, division) for every whole name that ``text`` has at ``start``, longest first."""
        found = []
        for end in range(min(len(text), start + 12), start + 1, -1):
            for division in self._by_name.get(text[start:end], ()):
                found.append((text[start:end], division))
        return found

    def contains(self, outer: Division, inner: Division) -> bool:
        return inner.code != outer.code and (
            (outer.level == PROVINCE and inner.province == outer.code)
            or (outer.level == CITY and inner.city == outer.code)
        )


@cache
def load_divisions() -> DivisionTable:
    text = resources.files("resources").joinpath("policy", "divisions", "divisions.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, name, state = line.split("\t")
            rows.append((code, name, state == "current"))
    return DivisionTable(rows)
