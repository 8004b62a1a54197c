"""The stored files behind decided applications: each still the content its decisions signed."""

from __future__ import annotations

from collections.abc import Collection

from models.workspace.decision_rows import current_in
from models.workspace.evidence import EvidenceStore, is_digest
from models.workspace.workspace import Workspace


def altered_decided_evidence(ws: Workspace, only: Collection[str] | None = None) -> list[str]:
    """Each attachment of an application with a current decision whose stored file is gone or is other content.

    A decision signs each attachment's name and SHA-256, and the rows stay what it
    signed; but the evidence store is a folder that anyone who may write the
    workspace can write, so the bytes a reader is shown must be hashed again.
    Each distinct content is hashed once; undecided applications' files are
    re-hashed whenever a case is opened (``casefile.verify_evidence``). With
    ``only``, just those applications' files (what an export's sheets show).
    """
    store = EvidenceStore(ws.evidence_dir)
    rows = ws.db.execute(
        "SELECT e.application_id, e.name, e.sha256 FROM application_evidence e "
        f"WHERE EXISTS (SELECT 1 FROM decisions d WHERE d.application_id = e.application_id AND {current_in('d')}) "
        "ORDER BY e.application_id, e.position").fetchall()
    if only is not None:
        wanted = set(only)
        rows = [row for row in rows if row[0] in wanted]
    checked: dict[str, str] = {}
    problems = []
    for application_id, name, sha256 in dict.fromkeys(tuple(row) for row in rows):  # a file listed twice: once
        if sha256 not in checked:
            integrity = store.verify(str(sha256)) if is_digest(sha256) else None
            checked[sha256] = "文件无从查找（登记的 SHA-256 不是有效摘要）" if integrity is None else "" if integrity.ok else \
                integrity.message
        if checked[sha256]:
            problems.append(f"申报 {application_id} 的附件 {name}（SHA-256 {str(sha256)[:16]}…）：附件库中的"
                            f"{checked[sha256]}，已不是决定签名时的内容")
    return problems
