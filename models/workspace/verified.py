"""What goes out of the workspace to be trusted is made only from a workspace that passes ``audit verify``."""

from __future__ import annotations

import threading
from collections.abc import Collection
from types import TracebackType

from models.failures import ReviewDeskError
from models.workspace.verification import VerifyReport, verify_workspace
from models.workspace.workspace import Workspace


class UnverifiedWorkspace(ReviewDeskError):
    """``audit verify`` found problems, so nothing was exported."""


def require_verified(ws: Workspace, refused: str) -> None:
    """Raise :class:`UnverifiedWorkspace`, saying what was ``refused`` and the first problems, unless the
    workspace's tables, log and signatures agree."""
    _require_ok(verify_workspace(ws), refused)


def _require_ok(report: VerifyReport, refused: str) -> None:
    if report.ok:
        return
    shown = "；".join(report.problems[:3]) + ("……" if len(report.problems) > 3 else "")
    raise UnverifiedWorkspace(f"工作区校验未通过（{len(report.problems)} 处问题），{refused}：{shown}。"
                              "请先运行 reviewdesk audit verify 查明原因，并报告系统管理员和审计员。")


class VerifiedMeanwhile:
    """``audit verify`` on a second connection, in a thread, while the caller gets on with its work.

    The caller starts it while holding the workspace's write transaction (``BEGIN IMMEDIATE``) and keeps that
    transaction open until :meth:`require` has passed: no other writer can commit in between, and the caller's own
    writes stay invisible to the second connection until they commit. What is verified is therefore exactly the
    committed state the caller's transaction started from, and nothing of the caller's is committed before it passed.
    A verify that fails raises :class:`UnverifiedWorkspace` from :meth:`require`, as :func:`require_verified` does.
    """

    def __init__(self, ws: Workspace, refused: str, evidence_of: Collection[str] | None = None) -> None:
        self._ws = ws
        self._refused = refused
        self._evidence_of = evidence_of
        self._thread: threading.Thread | None = None
        self._report: VerifyReport | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Begin verifying (once); the caller should hold its write transaction already."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._verify, name="audit-verify", daemon=True)
            self._thread.start()

    def _verify(self) -> None:
        try:
            with Workspace.open(self._ws.folder, create=False, lock=False) as second:
                self._report = verify_workspace(second, self._evidence_of)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread by require()
            self._error = error

    def require(self) -> None:
        """Wait for the verify (starting it if need be); raise :class:`UnverifiedWorkspace` unless it passed."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._report is not None
        _require_ok(self._report, self._refused)

    def __enter__(self) -> VerifiedMeanwhile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._thread.join()
