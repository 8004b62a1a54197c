"""One migration history: new workspaces by ``alembic upgrade head``, older ones by the legacy steps then a stamp."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from models.workspace import projection, schema_upgrade
from models.workspace.database import Database
from models.workspace.migrations import MIGRATIONS
from models.workspace.schema import KNOWN_MIGRATIONS
from models.workspace.verification import verify_workspace
from models.workspace.workspace import DB_NAME, NewerSchema, Workspace
from tests.schema_support import legacy_schema_upgraded, metadata_differences, sqlite_shape, with_future_revision

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# workspace-0009.zip was made by the code of main at 81f1367, before Alembic: tests/workspace_support's
# staffed_workspace, an import of four applications, T00001 approved at 初审 and 复核, a conflict declared on T00002.
REPO_ROOT = Path(__file__).resolve().parents[3]


def _unpack(name: str, folder: Path) -> Path:
    with zipfile.ZipFile(FIXTURES / name) as archive:
        archive.extractall(folder)
    return folder


def _snapshots(ws: Workspace) -> list[dict[str, object]]:
    return [json.loads(details) for (details,) in
            ws.db.execute("SELECT details FROM audit WHERE action = '数据库结构快照' ORDER BY seq")]


def test_the_build_knows_exactly_the_revisions_of_its_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(schema_upgrade.SCRIPTS))
    config.set_main_option("path_separator", "os")
    scripts = ScriptDirectory.from_config(config)
    assert tuple(reversed([script.revision for script in scripts.walk_revisions()])) == schema_upgrade.REVISIONS
    assert scripts.get_heads() == [schema_upgrade.HEAD]


def test_a_new_workspace_is_made_by_alembic_and_verifies(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
        assert [s["migrations"] for s in _snapshots(ws)] == [list(schema_upgrade.REVISIONS)]
        assert [s["reason"] for s in _snapshots(ws)] == ["新建工作区"]
        report = verify_workspace(ws)
        assert report.ok, report.problems
    assert not (tmp_path / "ws" / "backups").exists()
    assert metadata_differences(f"sqlite:///{tmp_path / 'ws' / DB_NAME}") == []


def test_a_new_workspace_has_the_schema_the_legacy_steps_and_the_capture_give(tmp_path: Path) -> None:
    legacy = legacy_schema_upgraded(tmp_path / "legacy.db")
    with Database(legacy) as db, db.atomic():
        projection.install_capture(db)
    Workspace.open(tmp_path / "ws").close()
    fresh, old = sqlite_shape(tmp_path / "ws" / DB_NAME), sqlite_shape(legacy)
    assert fresh["tables"] == old["tables"]
    assert fresh["triggers"] == old["triggers"]
    assert len(fresh["triggers"]) == 5 + 3 * len(fresh["tables"]) - 2 * 3  # guards; 3 per table but the logs'


def test_a_workspace_made_before_alembic_is_backed_up_migrated_stamped_and_keeps_its_data(tmp_path: Path) -> None:
    folder = _unpack("workspace-0009.zip", tmp_path / "ws")
    with sqlite3.connect(folder / DB_NAME) as before:
        columns = {t: [row[1] for row in before.execute(f'PRAGMA table_info("{t}")')]
                   for t in ("applications", "decisions", "conflicts", "reviewers", "audit")}
        rows = {t: before.execute(f'SELECT {", ".join(names)} FROM "{t}" ORDER BY 1').fetchall()
                for t, names in columns.items()}
        inserted = {t: before.execute(f'SELECT {key} FROM "{t}" ORDER BY rowid').fetchall()
                    for t, key in (("decisions", "uuid"), ("conflicts", "application_id, reviewer"))}
    assert all(len(kept) > 1 for kept in inserted.values())
    with Workspace.open(folder) as ws:
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
        assert [m.name for m in MIGRATIONS.applied(ws.db)] == [*KNOWN_MIGRATIONS, schema_upgrade.OLDER_BUILDS_STOP]
        assert _snapshots(ws)[-1]["migrations"] == list(schema_upgrade.REVISIONS)
        for table, kept in rows.items():
            now = ws.db.execute(f'SELECT {", ".join(columns[table])} FROM "{table}" ORDER BY 1').fetchall()
            assert now[:len(kept)] == kept, table
        for table, order in inserted.items():  # numbered in the order SQLite's rowid gave
            key = "uuid" if table == "decisions" else "application_id, reviewer"
            assert ws.db.execute(f'SELECT {key} FROM "{table}" ORDER BY insertion_order').fetchall() == order, table
        report = verify_workspace(ws)
        assert report.ok, report.problems
    backups = list((folder / "backups").glob(f"升级前-{schema_upgrade.BASELINE}-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as backup:
        assert backup.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone() == (0,)
        assert backup.execute("SELECT * FROM decisions ORDER BY 1").fetchall() == rows["decisions"]
    with Workspace.open(folder) as ws:  # up to date now: no second backup, no second snapshot
        assert len(_snapshots(ws)) == 2
    assert len(list((folder / "backups").glob("*.db"))) == 1


def test_the_0_1_0_workspace_takes_the_legacy_steps_then_the_stamp_in_one_snapshot(tmp_path: Path) -> None:
    folder = _unpack("workspace-0.1.0.zip", tmp_path / "ws")
    with Workspace.open(folder) as ws:
        migrations = _snapshots(ws)[-1]["migrations"]
        assert isinstance(migrations, list) and migrations[0] == "0003_audit_changes"
        assert migrations[-1 - len(schema_upgrade.REVISIONS):] == ["0009_supersedes_index", *schema_upgrade.REVISIONS]
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] > 0
        report = verify_workspace(ws)
        assert report.ok, report.problems
    assert [p.name.split("-")[1] for p in (folder / "backups").glob("*.db")] == ["0003_audit_changes"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_revision_from_a_newer_build_is_refused_in_chinese_and_nothing_changes(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.open(folder).close()
    with sqlite3.connect(folder / DB_NAME) as db:
        db.execute("UPDATE alembic_version SET version_num = '0042_from_the_future'")
    digest = _sha256(folder / DB_NAME)
    with pytest.raises(NewerSchema, match="由更新版本的审核台创建（未知的数据库版本 0042_from_the_future）"):
        Workspace.open(folder)
    assert _sha256(folder / DB_NAME) == digest
    assert not (folder / "backups").exists()


def test_an_older_build_sees_a_step_it_does_not_know_and_refuses_the_workspace(tmp_path: Path) -> None:
    """What a ReviewDesk before Alembic checks: every recorded legacy step must be one it knows."""
    Workspace.open(tmp_path / "ws").close()
    with Database(tmp_path / "ws" / DB_NAME) as db:
        unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in KNOWN_MIGRATIONS]
    assert unknown == [schema_upgrade.OLDER_BUILDS_STOP]


def test_a_failed_upgrade_leaves_the_workspace_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _unpack("workspace-0009.zip", tmp_path / "ws")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(projection, "capture_snapshot", broken)
    with pytest.raises(RuntimeError, match="磁盘已满"):
        Workspace.open(folder)
    with Database(folder / DB_NAME) as db:
        assert schema_upgrade.current_revision(db) is None
        assert [m.name for m in MIGRATIONS.applied(db)] == list(KNOWN_MIGRATIONS)
        assert db.execute("SELECT COUNT(*) FROM audit WHERE action = '数据库结构快照'").fetchone()[0] == 1
    monkeypatch.undo()
    with Workspace.open(folder) as ws:
        assert verify_workspace(ws).ok


def test_opening_an_up_to_date_workspace_imports_neither_sqlalchemy_nor_alembic(tmp_path: Path) -> None:
    Workspace.open(tmp_path / "ws").close()
    script = ("import json, sys\nfrom pathlib import Path\nfrom models.workspace.workspace import Workspace\n"
              f"Workspace.open(Path({str(tmp_path / 'ws')!r})).close()\n"
              "print(json.dumps(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("made_by", ["alembic", "legacy 0009", "0.1.0"])
def test_a_later_revision_reaches_every_workspace_alike_backed_up_first(made_by: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ws"
    if made_by == "alembic":
        Workspace.open(folder).close()
    else:
        _unpack("workspace-0009.zip" if made_by == "legacy 0009" else "workspace-0.1.0.zip", folder)
    revision = with_future_revision(tmp_path / "scripts", monkeypatch)
    with Workspace.open(folder) as ws:
        assert schema_upgrade.current_revision(ws.db) == revision
        assert "extra" in [row[1] for row in ws.db.execute("PRAGMA table_info(settings)")]
        assert str(_snapshots(ws)[-1]["migrations"]).endswith(f"'{revision}']")
        assert "'extra'" in ws.db.execute("SELECT sql FROM sqlite_master WHERE name = 'capture_settings_insert'"
                                          ).fetchone()[0]
        report = verify_workspace(ws)
        assert report.ok, report.problems
    assert list((folder / "backups").glob("*.db"))


def test_a_folder_name_that_a_url_would_misread_is_created_and_migrated(tmp_path: Path) -> None:
    folder = tmp_path / "审核 #1?x=%20&"
    with Workspace.open(folder) as ws:
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
    legacy = _unpack("workspace-0009.zip", tmp_path / "旧 #2?%")
    with Workspace.open(legacy) as ws:
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
        assert verify_workspace(ws).ok
    assert not list(tmp_path.glob("**/x=*"))


def test_a_workspace_whose_revision_record_was_removed_is_refused_not_rebuilt(tmp_path: Path) -> None:
    from models.workspace.workspace import UnknownSchemaVersion

    folder = tmp_path / "ws"
    Workspace.open(folder).close()
    with sqlite3.connect(folder / DB_NAME) as db:
        db.execute("DROP TABLE alembic_version")
    digest = _sha256(folder / DB_NAME)
    with pytest.raises(UnknownSchemaVersion, match="数据库结构版本记录（alembic_version）缺失"):
        Workspace.open(folder)
    assert _sha256(folder / DB_NAME) == digest
