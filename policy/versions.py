"""The registry of policy versions (``resources/policy/versions.toml``).

Each version names its document, the period it is in force ("from 2023-08-27,
end not stated"), the hash of its data files and the revision of the rules code
it is assessed with. The loader takes a version's files from its folder and
refuses them when their hash is not the registered one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from policy.failures import ReviewDeskError

RULES_REVISION = 3
"""The revision of the engine and rule code in this build; a fix that changes results raises it."""

_VERSION_KEYS = {"id", "folder", "document_number", "in_force_from", "in_force_until", "data_hash", "rules_revision"}


class NoPolicyVersion(ReviewDeskError, LookupError):
    """No registered version is in force for what was asked; the message says so in Chinese."""


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    document_number: str
    in_force_from: date
    in_force_until: date | None
    data_hash: str
    rules_revision: int
    folder: Traversable | Path

    @property
    def period(self) -> str:
        end = f"至 {self.in_force_until:%Y-%m-%d}" if self.in_force_until else "截止日期未规定"
        return f"{self.in_force_from:%Y-%m-%d} 起，{end}"

    def covers_year(self, year: int) -> bool:
        return self.in_force_from.year <= year and (self.in_force_until is None or year <= self.in_force_until.year)


_extra: dict[str, PolicyVersion] = {}


@cache
def _registered() -> dict[str, PolicyVersion]:
    root = resources.files("resources").joinpath("policy")
    doc = tomllib.loads(root.joinpath("versions.toml").read_text("utf-8"))
    found: dict[str, PolicyVersion] = {}
    problems = []
    for raw in doc.get("version", []):
        unknown = sorted(set(raw) - _VERSION_KEYS)
        if unknown:
            problems.append(f"versions.toml: 版本 {raw.get('id')}: 未知的键 {unknown}")
            continue
        found[raw["id"]] = PolicyVersion(
            raw["id"], raw["document_number"], raw["in_force_from"], raw.get("in_force_until"),
            raw["data_hash"], raw["rules_revision"], root.joinpath(raw["folder"]),
        )
    if problems:
        raise ValueError("\n".join(problems))
    return found


def register_version(version: PolicyVersion) -> None:
    """Add a version from elsewhere (tests load a fixture version beside the real one)."""
    _extra[version.id] = version


def unregister_version(version_id: str) -> None:
    from policy.catalog import _load_cached

    _extra.pop(version_id, None)
    _load_cached.cache_clear()


def versions() -> dict[str, PolicyVersion]:
    return {**_registered(), **_extra}


def policy_version(version_id: str) -> PolicyVersion:
    try:
        return versions()[version_id]
    except KeyError:
        raise NoPolicyVersion(f"未登记的政策版本“{version_id}”") from None


def version_for_year(year: int) -> PolicyVersion:
    """The version an import of 申报年度 ``year`` is assessed under: the latest in force that year."""
    covering = [v for v in versions().values() if v.covers_year(year)]
    if not covering:
        known = "；".join(f"{v.id}（{v.period}）" for v in versions().values())
        raise NoPolicyVersion(f"没有适用于 {year} 年度申报的政策版本（已登记：{known}）")
    return max(covering, key=lambda v: v.in_force_from)


def current_version() -> PolicyVersion:
    """The version in force today, else the newest registered: what browsing and a first reading use."""
    try:
        return version_for_year(date.today().year)
    except NoPolicyVersion:
        return max(versions().values(), key=lambda v: v.in_force_from)
