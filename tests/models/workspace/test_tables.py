"""``models.workspace.tables`` describes the workspace exactly as the legacy migrations 0001–0009 built it and the
later revisions changed it."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, Text, create_engine, insert, select

from models.workspace import tables
from tests.schema_support import legacy_schema_upgraded, metadata_differences, sqlite_shape


def test_alembic_finds_no_difference_between_the_tables_and_a_legacy_workspace(tmp_path: Path) -> None:
    legacy = legacy_schema_upgraded(tmp_path / "legacy.db")
    assert metadata_differences(f"sqlite:///{legacy}") == []


def test_the_comparison_would_see_a_difference(tmp_path: Path) -> None:
    legacy = legacy_schema_upgraded(tmp_path / "legacy.db")
    with sqlite3.connect(legacy) as db:
        db.execute("ALTER TABLE sheets ADD COLUMN extra TEXT")
        db.execute("DROP INDEX decisions_supersedes")
    found = sorted((d[0], d[3].name if d[0] == "remove_column" else d[1].name)
                   for d in metadata_differences(f"sqlite:///{legacy}"))
    assert found == [("add_index", "decisions_supersedes"), ("remove_column", "extra")]


def test_tables_created_from_the_metadata_have_the_legacy_columns_keys_and_indexes(tmp_path: Path) -> None:
    legacy = sqlite_shape(legacy_schema_upgraded(tmp_path / "legacy.db"))
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    tables.metadata.create_all(engine)
    engine.dispose()
    fresh = sqlite_shape(tmp_path / "fresh.db")
    assert fresh["tables"].keys() == legacy["tables"].keys()
    for name, shape in legacy["tables"].items():
        assert fresh["tables"][name] == shape, name


def test_the_one_ca_row_check_and_the_integer_keys_behave_as_in_the_legacy_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    tables.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(tables.imports).values(file_name="a.csv", sha256="x", row_count=1,
                                                         imported_at="t", actor="甲"))
        assert connection.execute(select(tables.imports.c.id)).scalar_one() == 1
    with pytest.raises(Exception, match="CHECK"), engine.begin() as connection:
        connection.execute(insert(tables.ca).values(id=2, certificate_pem="", origin="", created_at=""))
    engine.dispose()


def test_money_is_decimal_in_and_out_and_stored_as_today_s_text(tmp_path: Path) -> None:
    probe = Table("probe", MetaData(), Column("amount", tables.Money()), Column("raw", Text))
    engine = create_engine(f"sqlite:///{tmp_path / 'money.db'}")
    probe.metadata.create_all(engine)
    amounts = [Decimal("3000000.00"), Decimal("0.01"), Decimal("1E+2"), None]
    with engine.begin() as connection:
        for amount in amounts:
            connection.execute(insert(probe).values(amount=amount))
        assert connection.execute(select(probe.c.amount)).scalars().all() == amounts
        stored = connection.exec_driver_sql("SELECT amount, typeof(amount) FROM probe").all()
    assert stored == [("3000000.00", "text"), ("0.01", "text"), ("100", "text"), (None, "null")]
    with pytest.raises(Exception, match="Decimal"), engine.begin() as connection:
        connection.execute(insert(probe).values(amount=1.5))
    engine.dispose()
