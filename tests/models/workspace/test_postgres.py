"""The one schema and migration history on a real PostgreSQL ≥ 15, and its capture beside SQLite's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, event, insert, select, text, update
from sqlalchemy.pool import NullPool

from models.workspace import dialect, schema_upgrade, tables
from tests.postgres_server import PostgresServer, server_binaries
from tests.schema_support import metadata_differences


def test_as_root_the_postgres_tests_run_rather_than_skip() -> None:
    """CI runs as root and installs postgresql (scripts/system-deps.sh): there these tests must not skip."""
    if os.geteuid() == 0:
        assert server_binaries() is not None, "以 root 运行时必须有 PostgreSQL ≥ 15（scripts/system-deps.sh 安装 postgresql）"


@pytest.fixture
def engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    """A new, empty database on the session's server."""
    with postgres_server.new_database() as (_, database):
        yield database


def _upgraded(engine: Engine) -> Engine:
    with engine.begin() as connection:
        assert schema_upgrade.run_revisions(connection, stamp=False) == list(schema_upgrade.REVISIONS)
        schema_upgrade.install_postgres_capture(connection)
    return engine


def test_alembic_upgrade_head_builds_the_schema_on_postgresql_15_or_newer(engine: Engine) -> None:
    _upgraded(engine)
    with engine.connect() as connection:
        assert int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) >= 150000
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == schema_upgrade.HEAD
    url = engine.url.render_as_string(hide_password=False)
    assert metadata_differences(url) == []
    with engine.begin() as connection:  # a real nullability difference is still seen
        connection.exec_driver_sql("ALTER TABLE sheets ALTER COLUMN signer DROP NOT NULL")
    assert [d[0][:4] for d in metadata_differences(url)] == [("modify_nullable", None, "sheets", "signer")]


def test_money_columns_are_numeric_and_a_decimal_comes_back_exactly(engine: Engine) -> None:
    _upgraded(engine)
    amounts = {"total_investment_yuan": Decimal("123456789012.34"), "equipment_yuan": Decimal("0.01"),
               "superior_funding_yuan": Decimal("3000000.00"), "requested_yuan": None}
    with engine.begin() as connection:
        kinds = dict(connection.exec_driver_sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'applications' "
            "AND column_name LIKE '%%\\_yuan'").all())
        connection.execute(insert(tables.imports).values(**_import_row()))
        connection.execute(insert(tables.applications).values(**_application_row(), **amounts))
        back = connection.execute(select(*(tables.applications.c[c] for c in amounts))).one()
    assert kinds == dict.fromkeys(amounts, "numeric")
    assert dict(zip(amounts, back)) == amounts
    assert all(isinstance(v, Decimal) for v in back if v is not None)


def test_the_log_stays_append_only_on_postgresql(engine: Engine) -> None:
    _upgraded(engine)
    row = {"seq": 1, "at": "t", "actor": "甲", "action": "测试", "subject": "", "details": "{}", "prev_hash": "",
           "hash": "h1"}
    with engine.begin() as connection:
        connection.execute(insert(tables.audit).values(**row))
    for statement, message in ((update(tables.audit).values(actor="乙"), "不能修改"),
                               (delete(tables.audit), "不能删除"), (text("TRUNCATE audit"), "不能删除"),
                               (insert(tables.audit).values(**{**row, "seq": 3}), "按顺序追加"),
                               (text("TRUNCATE audit_changes"), "不能删除")):
        with pytest.raises(Exception, match=message), engine.begin() as connection:
            connection.execute(statement)


def _import_row() -> dict[str, Any]:
    return {"file_name": "申报.csv", "sha256": "ab" * 32, "row_count": 1, "imported_at": "2026-12-01T09:00:00+08:00",
            "actor": "收件员"}


def _application_row() -> dict[str, Any]:
    return {"application_id": "T00001", "enterprise": "聊城测试企业有限公司", "uscc": "91371500000000011X",
            "county": "东昌府区", "industry": "生物医药", "item_id": "1.1", "recognised_on": None,
            "application_year": 2025, "quantity": 1, "attachments": "[]", "warnings": "", "source_row": 2,
            "import_id": 1, "seq": 1}


def _write_the_same_rows(engine: Engine) -> list[tuple[str, str, Any, Any]]:
    """Insert, update in place, re-key, delete: the changes the capture logs, with key and row parsed."""
    with engine.begin() as connection:
        floor = connection.execute(select(tables.audit_changes.c.id).order_by(tables.audit_changes.c.id.desc())
                                   ).scalars().first() or 0
        connection.execute(insert(tables.imports).values(**_import_row()))
        connection.execute(insert(tables.applications).values(**_application_row(),
                                                              requested_yuan=Decimal("500000.00")))
        connection.execute(update(tables.applications).values(enterprise="改名公司", equipment_yuan=Decimal("1E+2")))
        connection.execute(insert(tables.reviewers).values(
            name="审核员甲", role="初审", certificate_pem="PEM", key_blob=b"\x00\xffkey", fingerprint="f",
            created_at="t"))
        connection.execute(update(tables.reviewers).values(name="审核员乙"))
        connection.execute(delete(tables.reviewers))
        logged = connection.execute(select(tables.audit_changes.c.op, tables.audit_changes.c.tbl,
                                           tables.audit_changes.c.key, tables.audit_changes.c.row)
                                    .where(tables.audit_changes.c.id > floor).order_by(tables.audit_changes.c.id))
        return [(op, tbl, json.loads(key), None if row is None else _fields(json.loads(row)))
                for op, tbl, key, row in logged]


def _fields(row: Any) -> list[Any]:
    """An object's (column, value) pairs in order, an array's values (the bulk tables log arrays)."""
    return list(row.items()) if isinstance(row, dict) else row


def test_the_postgresql_capture_logs_what_the_sqlite_capture_logs(engine: Engine, tmp_path: Path) -> None:
    sqlite_path = tmp_path / "reviewdesk.db"
    schema_upgrade.upgrade(sqlite_path, "系统", stamp=False, legacy_steps=[], existed=False)
    sqlite = create_engine(f"sqlite:///{sqlite_path}", poolclass=NullPool)

    @event.listens_for(sqlite, "connect")
    def _recursive(connection: Any, record: object) -> None:
        connection.execute("PRAGMA recursive_triggers=on")  # as every workspace connection has it

    on_sqlite = _write_the_same_rows(sqlite)
    sqlite.dispose()
    on_postgres = _write_the_same_rows(_upgraded(engine))
    assert on_postgres == on_sqlite
    assert [(op, tbl) for op, tbl, _, _ in on_sqlite] == [
        ("put", "imports"), ("put", "applications"), ("put", "applications"),
        ("put", "reviewers"), ("del", "reviewers"), ("put", "reviewers"), ("del", "reviewers")]
    columns = tables.applications.columns.keys()
    assert all(isinstance(row, list) and len(row) == len(columns) for row in (on_sqlite[1][3], on_sqlite[2][3]))
    row = dict(zip(columns, on_sqlite[2][3]))
    assert (row["enterprise"], row["equipment_yuan"], row["requested_yuan"], row["quantity"]) == (
        "改名公司", "100", "500000.00", 1)
    assert dict(on_sqlite[3][3])["key_blob"] == "blob:00FF6B6579"


def test_replacing_a_row_by_its_key_is_one_call_for_both_engines(engine: Engine, tmp_path: Path) -> None:
    _upgraded(engine)
    sql = dialect.replace_row(dialect.POSTGRESQL, "settings", ["key", "value"], ["key"])
    with engine.begin() as connection:
        for value in ("1", "2"):
            connection.exec_driver_sql(sql, ("demo", value))
        assert connection.execute(select(tables.settings.c.value)).scalars().all() == ["2"]
    import sqlite3

    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for value in ("1", "2"):
        db.execute(dialect.replace_row(dialect.SQLITE, "settings", ["key", "value"], ["key"]), ("demo", value))
    assert db.execute("SELECT value FROM settings").fetchall() == [("2",)]
    db.close()


def test_the_write_lock_makes_a_second_writer_wait_on_postgresql(engine: Engine) -> None:
    import psycopg

    url = engine.url
    conninfo = f"dbname={url.database} user=postgres host={url.query['host']} port={url.query['port']}"
    with psycopg.connect(conninfo, autocommit=True) as first, psycopg.connect(conninfo, autocommit=True) as second:
        for statement in dialect.begin_write(dialect.POSTGRESQL):
            first.execute(statement)
        second.execute("SET lock_timeout = '200ms'")
        second.execute(dialect.begin_write(dialect.POSTGRESQL)[0])
        with pytest.raises(psycopg.errors.LockNotAvailable):
            second.execute(dialect.begin_write(dialect.POSTGRESQL)[1])
        second.execute("ROLLBACK")
        first.execute("COMMIT")
        for statement in dialect.begin_write(dialect.POSTGRESQL):
            second.execute(statement)  # free again once the first writer committed
        second.execute("COMMIT")
