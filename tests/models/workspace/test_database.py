"""The connection of our own: sqlite-utils' commit, query, savepoint and insert rules, on real SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from models.workspace.database import (Database, first_keyword, in_list, insert_sql, recording_statements,
                                       unique_keys)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "t.db")
    database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, extra TEXT)")
    yield database
    database.close()


def _names_seen_by_another_connection(path: Path) -> list[str]:
    other = sqlite3.connect(path)
    try:
        return [row[0] for row in other.execute("SELECT name FROM t ORDER BY id")]
    finally:
        other.close()


def test_a_write_outside_a_transaction_is_committed_at_once(db: Database, tmp_path: Path) -> None:
    db.execute("INSERT INTO t (name) VALUES (?)", ["甲"])
    assert not db.conn.in_transaction
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["甲"]


def test_a_failed_write_leaves_no_transaction_open(db: Database, tmp_path: Path) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO t (id, name) VALUES (1, 'a'), (1, 'b')")
    assert not db.conn.in_transaction
    db.execute("INSERT INTO t (name) VALUES ('乙')")
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["乙"]


def test_atomic_commits_together_and_rolls_back_on_error(db: Database, tmp_path: Path) -> None:
    with db.atomic():
        db.execute("INSERT INTO t (name) VALUES ('甲')")
        assert _names_seen_by_another_connection(tmp_path / "t.db") == []
        db.execute("INSERT INTO t (name) VALUES ('乙')")
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["甲", "乙"]
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("INSERT INTO t (name) VALUES ('丙')")
        raise RuntimeError("中途失败")
    assert not db.conn.in_transaction
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["甲", "乙"]


def test_a_nested_atomic_is_a_savepoint(db: Database, tmp_path: Path) -> None:
    with db.atomic():
        db.execute("INSERT INTO t (name) VALUES ('外')")
        with pytest.raises(ValueError), db.atomic():
            db.execute("INSERT INTO t (name) VALUES ('内')")
            raise ValueError
        with db.atomic(), db.atomic():
            db.execute("INSERT INTO t (name) VALUES ('内二')")
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["外", "内二"]


def test_query_runs_at_once_and_gives_dicts(db: Database) -> None:
    db.execute("INSERT INTO t (name, extra) VALUES ('甲', 'x')")
    rows = db.query("SELECT id, name, extra AS name FROM t WHERE name = ?", ["甲"])
    db.execute("DELETE FROM t")
    assert list(rows) == [{"id": 1, "name": "甲", "name_2": "x"}]
    assert list(db.query("PRAGMA table_info(t)"))[1]["name"] == "name"


def test_query_refuses_a_statement_without_rows_and_undoes_it(db: Database) -> None:
    with pytest.raises(ValueError, match="execute"):
        db.query("INSERT INTO t (name) VALUES ('甲')")
    with pytest.raises(ValueError):
        db.query("  -- 注释\nBEGIN")
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    assert not db.conn.in_transaction


def test_query_of_a_write_with_returning_completes_it(db: Database, tmp_path: Path) -> None:
    rows = list(db.query("INSERT INTO t (name) VALUES ('甲') RETURNING id, name"))
    assert rows == [{"id": 1, "name": "甲"}]
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["甲"]


def test_insert_writes_one_row_with_lists_as_json(db: Database) -> None:
    rowid = db.table("t").insert({"name": "甲", "extra": ["营业执照", "认定文件"]})
    assert rowid == 1
    assert db.execute("SELECT name, extra FROM t").fetchone() == ("甲", '["营业执照", "认定文件"]')
    with pytest.raises(sqlite3.ProgrammingError):
        db.table("t").insert({"name": Decimal("1.10")})
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1


def test_a_replace_fires_the_delete_trigger_it_implies(db: Database) -> None:
    db.execute("CREATE TABLE log (what TEXT)")
    db.execute("CREATE TRIGGER t_del AFTER DELETE ON t BEGIN INSERT INTO log VALUES ('del ' || OLD.name); END")
    db.execute("INSERT INTO t (id, name) VALUES (1, '旧')")
    db.execute("INSERT OR REPLACE INTO t (id, name) VALUES (1, '新')")
    assert [row[0] for row in db.execute("SELECT what FROM log")] == ["del 旧"]


def test_a_wrapped_connection_keeps_its_own_transaction(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    conn.execute("CREATE TABLE t (name TEXT)")
    conn.execute("BEGIN IMMEDIATE")
    Database(conn).execute("INSERT INTO t VALUES ('甲')")
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    conn.close()


def test_keywords_and_keys() -> None:
    assert first_keyword("\ufeff ;/* x */ -- y\n  select 1") == "SELECT"
    assert first_keyword("-- only a comment") == ""
    assert unique_keys(["a", "a", "a_2", "a"]) == ["a", "a_3", "a_2", "a_4"]


def test_named_parameters_write_and_read_rows(db: Database, tmp_path: Path) -> None:
    """The models' SQL form: one :name per value, an IN list as :name_0, :name_1 …; an empty list matches nothing."""
    db.executemany(insert_sql("t", ("name", "extra")), [{"name": n, "extra": "x"} for n in ("甲", "乙", "丙")])
    assert not db.conn.in_transaction  # committed at once, as execute's writes are
    assert _names_seen_by_another_connection(tmp_path / "t.db") == ["甲", "乙", "丙"]
    marks, parameters = in_list("name", ["甲", "丙"])
    assert marks == "(:name_0, :name_1)"
    assert [r["name"] for r in db.query(f"SELECT name FROM t WHERE name IN {marks} ORDER BY id", parameters)] == [
        "甲", "丙"]
    nothing, none = in_list("name", [])
    assert db.execute(f"SELECT name FROM t WHERE name IN {nothing}", none).fetchall() == []
    assert db.execute(f"SELECT COUNT(*) FROM t WHERE name NOT IN {marks} AND extra = :extra",
                      parameters | {"extra": "x"}).fetchone() == (1,)


def test_recording_gives_each_statement_with_its_parameters_and_stops_after(db: Database) -> None:
    seen: list[tuple[str, object]] = []
    with recording_statements(lambda sql, parameters: seen.append((sql, parameters))):
        db.execute("INSERT INTO t (name) VALUES (:name)", {"name": "甲"})
        list(db.query("SELECT name FROM t WHERE name = :name", {"name": "甲"}))
        db.executemany("UPDATE t SET extra = :extra WHERE name = :name", [{"extra": "1", "name": "甲"}])
    db.execute("SELECT 1")
    assert seen == [("INSERT INTO t (name) VALUES (:name)", {"name": "甲"}),
                    ("SELECT name FROM t WHERE name = :name", {"name": "甲"}),
                    ("UPDATE t SET extra = :extra WHERE name = :name", {"extra": "1", "name": "甲"})]
    assert db.execute("SELECT extra FROM t").fetchall() == [("1",)]


def test_none_is_bound_as_null_in_every_way_a_row_is_written(db: Database) -> None:
    """None has an adapter of its own (binding skips the adaptation protocol): it still stores NULL."""
    db.execute("INSERT INTO t (name, extra) VALUES (?, ?)", [None, "甲"])
    db.execute("INSERT INTO t (name, extra) VALUES (:name, :extra)", {"name": "乙", "extra": None})
    db.conn.executemany("INSERT INTO t (name, extra) VALUES (?, ?)", [(None, None), ("丙", None)])
    assert db.execute("SELECT typeof(name), typeof(extra) FROM t ORDER BY id").fetchall() == [
        ("null", "text"), ("text", "null"), ("null", "null"), ("text", "null")]
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
