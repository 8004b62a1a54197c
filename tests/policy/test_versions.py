"""Policy versions: a registry with in-force periods and data hashes; a fixture version loads beside the real one.

The fixture (``tests/policy/fixture_version.py``) is the real files with the
马德里 amount changed; it is never shipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policy.application import Application
from policy.catalog import DEFAULT_VERSION, PolicyDataError, load_policy
from policy.engine import assess_batch
from policy.versions import (NoPolicyVersion, PolicyVersion, register_version, unregister_version,
                             version_for_year, versions)
from models.intake.validate import read_applications
from models.intake.values import Invalid, parse_industry
from tests.policy.fixture_version import fixture_version_registered, write_fixture_files
from tests.workspace_support import intake_row, write_csv

@pytest.fixture
def fixture_version(tmp_path: Path) -> Iterator[str]:
    with fixture_version_registered(tmp_path) as version:
        yield version


def _madrid() -> Application:
    return Application("M1", "企业", "91371500MA3C00650X", "纺织服装", "tex-madrid-trademark",
                       recognised_on=date(2026, 3, 1), application_year=2026)


def test_the_real_version_is_registered_with_its_period_and_hash() -> None:
    real = versions()[DEFAULT_VERSION]
    assert real.period == "2023-08-27 起，截止日期未规定"
    assert real.document_number == load_policy().document_number
    assert real.data_hash == load_policy().content_hash


def test_a_fixture_version_with_other_amounts_loads_beside_the_real_one(fixture_version: str) -> None:
    real, fixture = load_policy(DEFAULT_VERSION), load_policy(fixture_version)
    [old] = assess_batch([_madrid()], real)
    [new] = assess_batch([_madrid()], fixture)
    assert (old.cap_yuan, new.cap_yuan) == (Decimal("10000"), Decimal("20000"))
    assert "一次性奖励1万元" in real.items["tex-madrid-trademark"].clause.text
    assert "一次性奖励2万元" in fixture.items["tex-madrid-trademark"].clause.text
    assert load_policy() is real


def test_an_import_round_takes_the_version_in_force_for_its_year(fixture_version: str) -> None:
    assert version_for_year(2024).id == DEFAULT_VERSION
    assert version_for_year(2026).id == fixture_version


def test_a_year_no_version_covers_is_refused_with_a_clear_message() -> None:
    with pytest.raises(NoPolicyVersion, match="没有适用于 2022 年度申报的政策版本"):
        version_for_year(2022)


def test_data_changed_without_a_new_version_is_refused(tmp_path: Path) -> None:
    write_fixture_files(tmp_path)
    register_version(PolicyVersion("stale", "x", date(2026, 1, 1), None, "0" * 64, 2, tmp_path))
    try:
        with pytest.raises(PolicyDataError, match="须登记新的版本"):
            load_policy("stale")
    finally:
        unregister_version("stale")


NEW_INDUSTRY = ("新材料", "关于支持新材料产业高质量发展的若干措施")


def test_intake_reads_an_industry_that_only_a_later_registered_version_has(tmp_path: Path) -> None:
    assert parse_industry("新材料") == Invalid("应为“生物医药”或“纺织服装”，实为“新材料”")
    with fixture_version_registered(tmp_path / "v", NEW_INDUSTRY) as version:
        assert "新材料" in load_policy(version).measures
        assert parse_industry("新材料") == "新材料"
        assert parse_industry("纺织") == Invalid("应为“生物医药”、“纺织服装”或“新材料”，实为“纺织”")
        row = intake_row(1, 产业="新材料", 申报事项="马德里注册商标", 申报年度="2026", 认定日期="2026-03-01")
        [app] = read_applications(write_csv(tmp_path / "new.csv", [row]), load_policy(version))
        assert app.industry == "新材料"
    assert isinstance(parse_industry("新材料"), Invalid)
