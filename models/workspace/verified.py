"""What goes out of the workspace to be trusted is made only from a workspace that passes ``audit verify``."""

from __future__ import annotations

from models.failures import ReviewDeskError
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace


class UnverifiedWorkspace(ReviewDeskError):
    """``audit verify`` found problems, so nothing was exported."""


def require_verified(ws: Workspace, refused: str) -> None:
    """Raise :class:`UnverifiedWorkspace`, saying what was ``refused`` and the first problems, unless the
    workspace's tables, log and signatures agree."""
    report = verify_workspace(ws)
    if report.ok:
        return
    shown = "；".join(report.problems[:3]) + ("……" if len(report.problems) > 3 else "")
    raise UnverifiedWorkspace(f"工作区校验未通过（{len(report.problems)} 处问题），{refused}：{shown}。"
                              "请先运行 reviewdesk audit verify 查明原因，并报告系统管理员和审计员。")
