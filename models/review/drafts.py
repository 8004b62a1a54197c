"""Unsaved decisions (草稿), kept per workspace, application and reviewer until saved or discarded.

Drafts are ephemeral working state: they live in the user's data folder, never in the
workspace database, so they are no audit event, not exported and not in backups.
Every write is committed at once, so a crash loses at most what was typed since.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import platformdirs

FILE_NAME = "drafts.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    workspace TEXT NOT NULL,
    application_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    fields TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (workspace, application_id, reviewer)
)
"""


@dataclass(frozen=True, slots=True)
class Draft:
    """Every field of the decision form as the reviewer left it; amounts as typed (万元 text)."""

    stage: str
    outcome: str = ""
    amount: str = ""
    override_reason: str = ""
    opinion: str = ""
    note: str = ""
    ticks: tuple[int, ...] = field(default_factory=tuple)
    saved_at: str = ""
    missing_items: tuple[str, ...] = field(default_factory=tuple)  # 退回补正: as ticked or typed
    deadline: str = ""  # 退回补正: YYYY-MM-DD, or empty

    def same_fields(self, other: Draft) -> bool:
        return asdict(self) | {"saved_at": ""} == asdict(other) | {"saved_at": ""}


def default_drafts_path() -> Path:
    """``drafts.sqlite`` in the user's data folder (XDG_DATA_HOME on Linux, %APPDATA% on Windows)."""
    return Path(platformdirs.user_data_dir("ReviewDesk", appauthor=False)) / FILE_NAME


def workspace_key(folder: Path) -> str:
    """Drafts of one workspace folder are kept apart from another's, wherever the drafts file is."""
    return hashlib.sha256(str(Path(folder).resolve()).encode("utf-8")).hexdigest()[:32]


class DraftStore:
    """The drafts of one workspace. Call :meth:`close` when done (or use it as a context manager)."""

    def __init__(self, workspace_folder: Path, path: Path | None = None) -> None:
        self.path = path or default_drafts_path()
        self.workspace = workspace_key(workspace_folder)
        self._connection: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        # Opened (and the file created) on first use: a sitting without drafts leaves nothing behind.
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # survives the program crashing; no fsync per keystroke
            connection.execute(_SCHEMA)
            self._connection = connection
        return self._connection

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, application_id: str, reviewer: str) -> Draft | None:
        if self._connection is None and not self.path.exists():
            return None
        row = self._db.execute(
            "SELECT fields, saved_at FROM drafts WHERE workspace = :workspace AND application_id = :id "
            "AND reviewer = :reviewer", {"workspace": self.workspace, "id": application_id, "reviewer": reviewer}
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return Draft(
            stage=str(data.get("stage", "")), outcome=str(data.get("outcome", "")), amount=str(data.get("amount", "")),
            override_reason=str(data.get("override_reason", "")), opinion=str(data.get("opinion", "")),
            note=str(data.get("note", "")), ticks=tuple(int(t) for t in data.get("ticks", ())), saved_at=row[1],
            missing_items=tuple(str(i) for i in data.get("missing_items", ())), deadline=str(data.get("deadline", "")),
        )

    def put(self, application_id: str, reviewer: str, draft: Draft) -> Draft:
        """Keep ``draft`` (replacing any earlier one); returns it with its time."""
        stamped = Draft(**(asdict(draft) | {"saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                                            "ticks": tuple(sorted(draft.ticks)),
                                            "missing_items": tuple(draft.missing_items)}))
        fields = asdict(stamped)
        del fields["saved_at"]
        self._db.execute(
            "INSERT INTO drafts (workspace, application_id, reviewer, fields, saved_at) "
            "VALUES (:workspace, :id, :reviewer, :fields, :saved_at) ON CONFLICT (workspace, application_id, reviewer) "
            "DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at",
            {"workspace": self.workspace, "id": application_id, "reviewer": reviewer,
             "fields": json.dumps(fields, ensure_ascii=False), "saved_at": stamped.saved_at})
        return stamped

    def discard(self, application_id: str, reviewer: str) -> None:
        self._db.execute("DELETE FROM drafts WHERE workspace = :workspace AND application_id = :id "
                         "AND reviewer = :reviewer", {"workspace": self.workspace, "id": application_id,
                                                      "reviewer": reviewer})

    def applications_with_drafts(self, reviewer: str | None = None) -> set[str]:
        """申报编号 with a draft (by ``reviewer``, or by anyone when None)."""
        if self._connection is None and not self.path.exists():
            return set()
        if reviewer is None:
            rows = self._db.execute("SELECT application_id FROM drafts WHERE workspace = :workspace",
                                    {"workspace": self.workspace})
        else:
            rows = self._db.execute("SELECT application_id FROM drafts WHERE workspace = :workspace "
                                    "AND reviewer = :reviewer", {"workspace": self.workspace, "reviewer": reviewer})
        return {row[0] for row in rows}
