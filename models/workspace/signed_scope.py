"""From which entry of the log on each kind of record must be signed, and the rules revision assessments follow.

A workspace made before this version holds entries of that kind that nobody
signed; they are vouched for by the chain only. The boundary is one entry the
chain fixes for good: the workspace's first 创建工作区 entry when this version
made it (its details list the kinds it signs), else the marker this version
appends the first time it opens an older workspace. An insider can append a
later marker or creation entry, never an earlier one, so the boundary cannot
move back.

The same entries record the rules revision of each policy version this build
assesses with (``versions.toml``); a build with other revisions appends 规则修订
on opening. An assessment written before the entry from which this build's
revisions hold was made by other rules and cannot be re-derived here.
"""

from __future__ import annotations

import json
from typing import Any

from models.workspace import audit
from models.workspace.database import Database, in_list

PEOPLE_STATUS = "人员停用启用"
IMPORTS_AND_RESTORES = "导入与恢复"
"""The import-family entries and the restore entry, signed by the acting person (``models.signing.signed_entries``)."""
KEY_CHANGES = "更换密钥与新增负责人的确认"
"""A re-key, and a 负责人 added beside another, confirmed by a second person's signature
(``models.signing.key_approvals``)."""
SIGNED_KINDS = (PEOPLE_STATUS, IMPORTS_AND_RESTORES, KEY_CHANGES)
CREATE_ACTION = "创建工作区"
MARK_ACTION = "启用签名记录"
RULES_ACTION = "规则修订"
_KEY = "signed_kinds"
_RULES = "rules_revisions"


def build_rules() -> dict[str, int]:
    """The rules revision this build assesses each registered policy version with."""
    from policy.versions import versions

    return {version.id: version.rules_revision for version in versions().values()}


def creation_details() -> dict[str, Any]:
    """What a new workspace's 创建工作区 entry records: every kind is signed from its very start, and the rules."""
    return {_KEY: list(SIGNED_KINDS), _RULES: build_rules()}


def _recorded_rules(db: Database) -> list[tuple[int, dict[str, int]]]:
    found = []
    actions, parameters = in_list("action", (CREATE_ACTION, MARK_ACTION, RULES_ACTION))
    for seq, details in db.execute(f"SELECT seq, details FROM audit WHERE action IN {actions} ORDER BY seq",
                                   parameters):
        try:
            rules = json.loads(details).get(_RULES)
        except (ValueError, AttributeError):
            continue
        if isinstance(rules, dict):
            found.append((int(seq), {str(k): v for k, v in rules.items() if isinstance(v, int)}))
    return found


def rules_in_force_from(db: Database) -> tuple[dict[str, int], list[str]]:
    """(policy version → the seq from which this build's rules revision for it has held; what is wrong).

    A version missing from the result is assessed here with other rules than the log last recorded.
    Revisions only grow: an entry recording an older revision than the one before it is named, and so is a
    log that records a newer revision than this build has.
    """
    build = build_rules()
    start: dict[str, int] = {}
    last: dict[str, int] = {}
    problems = []
    for seq, recorded in _recorded_rules(db):
        for version, revision in recorded.items():
            before = last.get(version)
            if before is not None and revision < before:
                problems.append(f"审计日志第 {seq} 条记录政策版本 {version} 的规则修订为 {revision}，"
                                f"比此前记录的 {before} 旧：规则修订只增不减")
            if revision != before:
                start.pop(version, None)
                if revision == build.get(version):
                    start[version] = seq
            last[version] = revision
    for version, revision in last.items():
        if revision > build.get(version, revision):
            problems.append(f"工作区记录的政策版本 {version} 规则修订为 {revision}，比本程序的 {build[version]} 新："
                            "请用新版审核台校验")
    return {v: seq for v, seq in start.items() if last.get(v) == build.get(v)}, problems


def signed_from(db: Database, kind: str) -> int | None:
    """The seq from which entries of ``kind`` must be signed; None when no version that signs them has written
    to this workspace yet (every entry so far is from before)."""
    actions, parameters = in_list("action", (CREATE_ACTION, MARK_ACTION))
    for seq, details in db.execute(f"SELECT seq, details FROM audit WHERE action IN {actions} ORDER BY seq",
                                   parameters):
        try:
            kinds = json.loads(details).get(_KEY, [])
        except (ValueError, AttributeError):
            continue
        if isinstance(kinds, list) and kind in kinds:
            return int(seq)
    return None


def _rules_behind(db: Database) -> dict[str, int] | None:
    """The rules last recorded when this build has a version they lack or a newer revision of one (else None)."""
    last: dict[str, int] = {}
    for _, recorded in _recorded_rules(db):
        last |= recorded
    build = build_rules()
    if all(last.get(version, -1) >= revision for version, revision in build.items()):
        return None
    return last


def mark_upgrade(db: Database, actor: str) -> None:
    """Append the marker once to a workspace an older version made, so that what follows must be signed;
    and 规则修订 when this build assesses with other rules than the log last recorded."""
    missing = [kind for kind in SIGNED_KINDS if signed_from(db, kind) is None]
    if not missing and _rules_behind(db) is None:
        return
    with db.atomic():  # checked again inside the write lock: another process may have marked it
        missing = [kind for kind in SIGNED_KINDS if signed_from(db, kind) is None]
        before = _rules_behind(db)
        if missing:
            audit.append(db, actor, MARK_ACTION, "", {
                _KEY: missing, _RULES: build_rules(),
                "reason": "此前的此类记录由旧版本作出，只由审计链担保；此后的须有签名"})
        elif before is not None:
            audit.append(db, actor, RULES_ACTION, "", {
                _RULES: build_rules(), "before": before,
                "reason": "本程序的评估规则已修订：此前的评估按旧规则作出，须重新评估后才能按新规则复算"})
