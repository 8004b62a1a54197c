"""Whether two names on the people list are one name: after NFKC, case, spaces and traditional to simplified.

The 系统管理员 could otherwise list 审核员甲 a second time as 审核員甲 in another role, and that one person could
then decide two stages of an application. ``add_reviewer`` refuses such a name; ``audit verify`` names any two
people listed under one folded name (added outside the app, or by an older version) and a person who decided two
stages of one application under two such names. Characters are converted with OpenCC's standard t2s tables.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import groupby

from models.workspace import people_rows
from models.workspace.decision_rows import stored_decisions
from models.workspace.workspace import Workspace


@lru_cache(maxsize=1)
def _to_simplified() -> object:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def folded_name(name: str) -> str:
    """``name`` as compared: NFKC, case-folded, without spaces, traditional characters as simplified."""
    plain = unicodedata.normalize("NFKC", name).casefold().replace(" ", "")
    return str(_to_simplified().convert(plain))  # type: ignore[attr-defined]  # opencc ships no stubs for convert


def same_name(a: str, b: str) -> bool:
    return folded_name(a) == folded_name(b)


def lookalike_problems(ws: Workspace) -> list[str]:
    """Two people listed under one folded name, and one folded name deciding two stages of an application."""
    listed: dict[str, list[str]] = {}
    for name in sorted(person.name for person in people_rows.people(ws.db)):
        listed.setdefault(folded_name(name), []).append(name)
    problems = [f"人员 {' 与 '.join(names)} 规范化（含繁简）后是同一个名字：不能列为{'两' if len(names) == 2 else len(names)}个人"
                for names in listed.values() if len(names) > 1]
    shared = {name for names in listed.values() if len(names) > 1 for name in names}
    if not shared:  # a decision's signer is a listed person: no two of them share a name, so no decisions do
        return problems
    rows = sorted(((str(row["application_id"]), str(row["reviewer"]), str(row["stage"]), str(row["decided_at"]))
                   for row in stored_decisions(ws.db) if row["reviewer"] in shared), key=lambda row: (row[0], row[3]))
    for application_id, decided in groupby(rows, key=lambda row: row[0]):
        by_person: dict[str, dict[str, str]] = {}
        for _, reviewer, stage, _ in decided:
            by_person.setdefault(folded_name(str(reviewer)), {}).setdefault(str(reviewer), str(stage))
        for stages in by_person.values():
            if len(stages) > 1 and len(set(stages.values())) > 1:
                shown = "、".join(f"{name}（{stage}）" for name, stage in stages.items())
                problems.append(f"申报 {application_id}：{shown} 规范化（含繁简）后是同一个名字，"
                                "同一人只能在一个阶段作出决定")
    return problems
