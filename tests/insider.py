"""What an insider does with SQL and the source code: change rows and append a matching audit entry.

The chain is not signed, so whoever can write the database file can append an
entry whose captured rows, digest and hash are all consistent: the capture
triggers record the rows, and the entry is made with the app's own
``audit.append`` on a plain connection. Tests use this to show which checks
still catch such a forgery, and why.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from models.workspace.database import Database

from models.signing.keys import decrypt_private_key
from models.signing.signatures import canonical_bytes, sign_record
from models.workspace import audit
from models.workspace.workspace import DB_NAME

Statement = str | tuple[str, Sequence[Any]]


def forge_logged(folder: Path, statements: Sequence[Statement], *, actor: str = "系统",
                 action: str = "修改设置", subject: str = "", details: dict[str, Any] | None = None) -> None:
    """Run ``statements`` on the workspace file and append one consistent, unsigned audit entry for them."""
    _forge(folder, statements, lambda db: audit.append(db, actor, action, subject, details or {}))


def _forge(folder: Path, statements: Sequence[Statement], append: Callable[[Database], object]) -> None:
    """``statements`` and the entry ``append`` adds, in one transaction on a plain sqlite3 connection."""
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statement in statements:
            sql, params = (statement, ()) if isinstance(statement, str) else statement
            conn.execute(sql, list(params))
        append(Database(conn))
        conn.execute("COMMIT")
    finally:
        conn.close()


def scratch_copy(folder: Path, target: Path) -> Path:
    """A copy of a closed workspace's folder, for signing things there that the real one would refuse."""
    shutil.copytree(folder, target)
    (target / "reviewdesk.lock").unlink(missing_ok=True)
    return target


def row_of(folder: Path, sql: str, params: Sequence[Any] = ()) -> dict[str, Any]:
    conn = sqlite3.connect(folder / DB_NAME)
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute(sql, list(params)).fetchone()
        return dict(found) if found is not None else {}
    finally:
        conn.close()


def insert_row(table: str, row: dict[str, Any]) -> tuple[str, list[Any]]:
    """An INSERT statement for :func:`forge_logged`."""
    from tests.workspace_support import insider_insert

    return insider_insert(table, row)


def forged_decision(folder: Path, application_id: str, stage: str, reviewer: str, signer: str, passphrase: str,
                    **changes: str) -> dict[str, Any]:
    """A decision row at ``stage`` in ``reviewer``'s name, copied from the application's 初审 and signed with
    ``signer``'s own key (decrypted from the workspace file with ``passphrase``), outside the app."""
    earlier = row_of(folder, "SELECT * FROM decisions WHERE application_id = ? AND stage = '初审' "
                     "ORDER BY current DESC", [application_id])
    record = json.loads(earlier["record"])
    changes = {"uuid": str(uuid.uuid4()), "stage": stage, "reviewer": reviewer, "supersedes": None} | changes
    record["decision"] |= changes
    blob = row_of(folder, "SELECT key_blob FROM reviewers WHERE name = ?", [signer])["key_blob"]
    key = decrypt_private_key(blob, passphrase, associated=signer)
    return dict(earlier) | changes | {"record": canonical_bytes(record).decode("utf-8"),
                                      "signature": base64.b64encode(sign_record(key, record)).decode("ascii")}


def forge_signed(folder: Path, statements: Sequence[Statement], *, signer: str, key_of: str, passphrase: str,
                 action: str, subject: str, facts: dict[str, Any], details: dict[str, Any] | None = None,
                 signed_rows_digest: str | None = None) -> None:
    """As :func:`forge_logged`, the entry in ``signer``'s name carrying a record the app's own code signs, with the
    key of ``key_of`` (decrypted from the workspace file with ``passphrase``): what an insider holding a key does.

    ``details`` go into the entry over ``facts`` (what the record signs); ``signed_rows_digest`` is signed in
    place of the digest of the rows the entry captures."""
    from models.signing.signed_entries import ActingSigner, SignedAppender
    from models.workspace.projection import CHANGES_SHA256

    blob = row_of(folder, "SELECT key_blob FROM reviewers WHERE name = ?", [key_of])["key_blob"]
    appender = SignedAppender(ActingSigner(signer, decrypt_private_key(blob, passphrase, associated=key_of)), facts)
    sealed = appender.seal(action, subject)

    def seal(content: dict[str, Any], previous: str) -> Any:
        return sealed(content | ({CHANGES_SHA256: signed_rows_digest} if signed_rows_digest else {}), previous)

    _forge(folder, statements,
           lambda db: audit.append(db, signer, action, subject, {**facts, **(details or {})}, seal=seal))
