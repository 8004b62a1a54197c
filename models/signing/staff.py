"""Who may sign a review, read cheaply (no certificate parsing, no cryptography import) for the GUI's start."""

from __future__ import annotations

from models.workspace.database import Database

from models.review.terms import DECIDING_ROLES
from models.workspace.people_rows import has_ca, people
from models.workspace.records import any_application

ACTIVE = "在用"


def signing_people(db: Database) -> dict[str, str]:
    """Name → role of the active people who decide, in the order they were added."""
    return {row.name: row.role for row in people(db) if row.status == ACTIVE and row.role in DECIDING_ROLES}


def next_step(db: Database) -> str | None:
    """What a workspace still needs before reviewing can start, in plain words; None when nothing."""
    from models.review.terms import FIRST_REVIEWER, SECOND_REVIEWER

    if not has_ca(db):
        return "本工作区还没有 CA 和人员：请重新启动审核台并选择“为本局新建工作区”，或用命令 ca init"
    roles = set(signing_people(db).values())
    missing = [role for role in (FIRST_REVIEWER, SECOND_REVIEWER) if role not in roles]
    if missing:
        return f"还没有{'、'.join(missing)}人员：请由系统管理员在 工具 → 人员管理… 中添加"
    if not any_application(db):
        return ("还没有申报：请在工具栏选择审核人（导入由其本人签名），再用 文件 → 导入申报文件…（Ctrl+O）"
                "导入县区收件窗口的申报文件")
    return None
