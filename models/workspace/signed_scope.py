"""From which entry of the log on each kind of record must be signed.

A workspace made before this version holds entries of that kind that nobody
signed; they are vouched for by the chain only. The boundary is one entry the
chain fixes for good: the workspace's first 创建工作区 entry when this version
made it (its details list the kinds it signs), else the marker this version
appends the first time it opens an older workspace. An insider can append a
later marker or creation entry, never an earlier one, so the boundary cannot
move back.
"""

from __future__ import annotations

import json
from typing import Any

from models.workspace import audit
from models.workspace.database import Database

PEOPLE_STATUS = "人员停用启用"
SIGNED_KINDS = (PEOPLE_STATUS,)
CREATE_ACTION = "创建工作区"
MARK_ACTION = "启用签名记录"
_KEY = "signed_kinds"


def creation_details() -> dict[str, Any]:
    """What a new workspace's 创建工作区 entry records: every kind is signed from its very start."""
    return {_KEY: list(SIGNED_KINDS)}


def signed_from(db: Database, kind: str) -> int | None:
    """The seq from which entries of ``kind`` must be signed; None when no version that signs them has written
    to this workspace yet (every entry so far is from before)."""
    for seq, details in db.execute("SELECT seq, details FROM audit WHERE action IN (?, ?) ORDER BY seq",
                                   [CREATE_ACTION, MARK_ACTION]):
        try:
            kinds = json.loads(details).get(_KEY, [])
        except (ValueError, AttributeError):
            continue
        if isinstance(kinds, list) and kind in kinds:
            return int(seq)
    return None


def mark_upgrade(db: Database, actor: str) -> None:
    """Append the marker once to a workspace an older version made, so that what follows must be signed."""
    missing = [kind for kind in SIGNED_KINDS if signed_from(db, kind) is None]
    if not missing:
        return
    with db.atomic():
        if [kind for kind in SIGNED_KINDS if signed_from(db, kind) is None]:  # another process may have marked it
            audit.append(db, actor, MARK_ACTION, "", {
                _KEY: missing, "reason": "此前的此类记录由旧版本作出，只由审计链担保；此后的须有签名"})
