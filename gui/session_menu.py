"""The 会评 menu: export a session package, open one, export its results, merge them back (``models.sessions.session``).

:func:`install` connects the menu's actions (declared in ``gui.actions``) to a
:class:`SessionMenu` on the main window, shows a 会评 marker in the status bar of
a session workspace, and a 会评中 marker in the queue's 审核阶段 column for the
applications that are out in a session.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from models.failures import ReviewDeskError
from models.sessions.session import applications_out, describe_decisions

from gui import errors, session_dialogs
from gui.ops import OpProgress, Op, worker_workspace
from gui.qt import (
    QColor, QFileDialog, QHelpEvent, QLabel, QModelIndex, QObject, QPalette, QPersistentModelIndex, QProcess,
    QStyledItemDelegate,
    QStyleOptionViewItem, Qt, QToolTip,
)
from gui.queue_model import COLUMN_KEYS
from gui.session_dialogs import Candidate, ExportSessionDialog, MergeOutcome, MergeReportDialog, OpenSessionDialog

if TYPE_CHECKING:
    from gui.main_window import MainWindow

SESSION_ACTIONS = ("export_session", "open_session", "export_results", "merge_results")
STAGE_COLUMN = COLUMN_KEYS.index("stage")
IN_SESSION_TEXT = "会评中"
IN_SESSION_COLOUR = QColor("#5b5b9a")


class InSessionDelegate(QStyledItemDelegate):
    """The 审核阶段 cell of an application out in a session reads 会评中; its tooltip names the session."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.out: dict[str, str] = {}

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        if index.data(Qt.ItemDataRole.UserRole) in self.out:
            option.text = IN_SESSION_TEXT  # type: ignore[attr-defined]  # a field PySide6's stubs omit
            option.palette.setColor(QPalette.ColorRole.Text, IN_SESSION_COLOUR)  # type: ignore[attr-defined]  # as above

    def helpEvent(self, event: QHelpEvent, view, option, index: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: ANN001, N802 - Qt's name; view and option as Qt passes them
        session_id = self.out.get(index.data(Qt.ItemDataRole.UserRole)) if index.isValid() else None
        if session_id is None:
            return super().helpEvent(event, view, option, index)
        QToolTip.showText(event.globalPos(), tooltip_for(index.data(Qt.ItemDataRole.DisplayRole), session_id), view)
        return True


def tooltip_for(stage: str, session_id: str) -> str:
    return f"{stage}　·　已导出到会评（会评编号 {session_id[:8]}），合并会评结果前不能在本工作区作出决定"


def launch_command(folder: Path) -> tuple[str, list[str], str]:
    """Program, arguments and working folder that start ReviewDesk on ``folder``: the frozen executable, or main.py."""
    if getattr(sys, "frozen", False):  # PyInstaller: sys.executable is ReviewDesk(.exe) itself
        return sys.executable, ["--workspace", str(folder)], str(Path(sys.executable).parent)
    main_py = Path(__file__).resolve().parent.parent / "main.py"
    return sys.executable, [str(main_py), "--workspace", str(folder)], str(main_py.parent)


def start_detached(program: str, arguments: list[str], working_directory: str) -> bool:
    started, _pid = QProcess.startDetached(program, arguments, working_directory)
    return bool(started)


class SessionMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session_id = window.ws.setting("session_id") or ""
        actions = window.actions_by_name
        handlers = {"export_session": self.export_session, "open_session": self.open_session,
                    "export_results": self.export_results, "merge_results": self.merge_results}
        for name, handler in handlers.items():
            actions[name].triggered.connect(lambda _=False, h=handler: h())
        bureau = not self.session_id
        actions["export_results"].setEnabled(not bureau)
        actions["export_session"].setEnabled(bureau)
        actions["merge_results"].setEnabled(bureau)
        if bureau:
            for name in ("export_results",):
                actions[name].setToolTip("只有在会评工作区（由“打开会评包…”建立）中才能导出会评结果")
        else:
            for name in ("export_session", "merge_results"):
                actions[name].setToolTip("会评工作区中不能再导出会评包或合并会评结果")
            marker = QLabel(f"<b>会评工作区</b> · 会评编号 {self.session_id[:8]}", window)
            marker.setToolTip(f"会评编号 {self.session_id}")
            window.statusBar().addPermanentWidget(marker)
        self.delegate = InSessionDelegate(window.queue.table)
        window.queue.table.setItemDelegateForColumn(STAGE_COLUMN, self.delegate)
        window.queue_loaded.connect(self.refresh_markers)
        self.refresh_markers()

    @property
    def actor(self) -> str:
        return self.window.session.current or "系统"

    def refresh_markers(self) -> None:
        self.delegate.out = applications_out(self.window.ws)
        self.window.queue.table.viewport().update()

    # --- 导出会评包 ---------------------------------------------------------------------------

    def candidates(self) -> tuple[list[Candidate], set[str]]:
        """The current filter's rows, and the queue's selected rows (or all of them when none is selected)."""
        window = self.window
        visible = window.model.visible_ids()
        index = window.model.index_data
        out = self.delegate.out
        candidates = [Candidate(i, index.enterprises[index.position_of[i]], i in out) for i in visible]
        selection = window.queue.table.selectionModel()
        selected = {window.model.application_id(row.row()) for row in selection.selectedRows()} if selection else set()
        return candidates, selected or set(visible)

    def passphrases(self, names: list[str]) -> dict[str, str] | None:
        """Each named person's passphrase, asked of them one by one; None when one is cancelled."""
        from gui.passphrase_dialog import PassphraseDialog

        typed: dict[str, str] = {}
        for name in dict.fromkeys(names):
            passphrase = PassphraseDialog.ask(self.window, name)
            if passphrase is None:
                return None
            typed[name] = passphrase
        return typed

    def export_session(self) -> None:
        window = self.window
        lead = window.session.current
        if lead is None or window.session.role != "负责人":
            errors.show_message(window, "导出会评包", "会评包由负责人导出并签名：请先在工具栏选择负责人作为当前审核人")
            return
        candidates, preselected = self.candidates()
        reviewers = [(name, role) for name, role in window.session.roles.items()]
        choice = ExportSessionDialog.ask(window, candidates, preselected, reviewers,
                                         session_dialogs.default_package_path(window.ws.folder, "会评包"))
        if choice is None:
            return
        passphrases = self.passphrases([lead, *choice.reviewers])
        if passphrases is None:
            return
        folder = window.ws.folder

        def export(progress: OpProgress) -> str:
            from models.sessions.session import export_session

            with worker_workspace(folder) as ws:
                return export_session(ws, choice.ids, choice.reviewers, choice.out, lead=lead,
                                      passphrases=passphrases)

        def exported(session_id: str) -> None:
            window.reload_queue()
            session_dialogs.inform(window, "导出会评包", f"已导出会评包：\n{choice.out}\n\n会评编号：{session_id}\n"
                                   f"申报 {len(choice.ids)} 件，审核人员：{'、'.join(choice.reviewers)}，{lead} 签名\n\n"
                                   "这些申报在合并会评结果前不能在本工作区作出决定。")

        Op(window, export).success(exported).failure(lambda e: errors.report(e, window, "导出会评包")) \
            .with_progress("正在导出会评包（为每位审核人员重新加密密钥）…").run()

    # --- 打开会评包 ---------------------------------------------------------------------------

    def open_session(self) -> None:
        window = self.window
        chosen = OpenSessionDialog.ask(window)
        if chosen is None:
            return
        package, folder = chosen
        problem = session_dialogs.folder_problem(folder)
        if problem:
            errors.show_message(window, "打开会评包", problem)
            return

        def open_(progress: OpProgress) -> str:
            from models.sessions.session import open_session

            return open_session(package, folder, actor=self.actor)

        def opened(session_id: str) -> None:
            text = (f"已建立会评工作区：\n{folder}\n\n会评编号：{session_id}\n\n"
                    "现在在新窗口中打开这个会评工作区吗？（也可以以后用 --workspace 指定该文件夹启动审核台。）")
            if session_dialogs.ask_yes_no(window, "打开会评包", text):
                self.launch(folder)

        Op(window, open_).success(opened).failure(lambda e: errors.report(e, window, "打开会评包")) \
            .with_progress("正在建立会评工作区…").run()

    def launch(self, folder: Path) -> None:
        if not start_detached(*launch_command(folder)):
            errors.show_message(self.window, "打开会评包", f"无法启动新的审核台窗口。请手动启动审核台并打开工作区：\n{folder}")

    # --- 导出会评结果 -------------------------------------------------------------------------

    def export_results(self) -> None:
        window = self.window
        if not self.session_id:
            errors.show_message(window, "导出会评结果", "当前工作区不是会评工作区，没有可导出的会评结果")
            return
        start = session_dialogs.default_package_path(window.ws.folder, f"会评结果-{self.session_id[:8]}")
        chosen, _ = QFileDialog.getSaveFileName(window, "保存会评结果", str(start), session_dialogs.ZIP_FILTER)
        if not chosen:
            return
        out = session_dialogs.with_zip_suffix(chosen)
        signer = window.session.current
        if signer is None:
            errors.show_message(window, "导出会评结果", "会评结果由本次会评的审核人员签名：请先在工具栏选择当前审核人")
            return
        typed = self.passphrases([signer])
        if typed is None:
            return
        folder = window.ws.folder

        def export(progress: OpProgress) -> int:
            from models.sessions.session import export_results

            with worker_workspace(folder) as ws:
                return export_results(ws, out, signer=signer, passphrase=typed[signer])

        def exported(count: int) -> None:
            session_dialogs.inform(window, "导出会评结果", f"已导出会评结果：\n{out}\n\n含 {count} 个已签名的决定。"
                                   "请把此文件带回局里，用“合并会评结果…”合并。")

        Op(window, export).success(exported).failure(lambda e: errors.report(e, window, "导出会评结果")) \
            .with_progress("正在导出会评结果…").run()

    # --- 合并会评结果 -------------------------------------------------------------------------

    def merge_results(self) -> None:
        window = self.window
        chosen, _ = QFileDialog.getOpenFileName(window, "选择会评结果", str(window.ws.folder.parent),
                                                session_dialogs.ZIP_FILTER)
        if not chosen:
            return
        results = Path(chosen)
        folder, actor = window.ws.folder, self.actor

        def merge(progress: OpProgress) -> MergeOutcome:
            from models.sessions.session import merge_results

            with worker_workspace(folder) as ws:
                report = merge_results(ws, results, actor=actor)
                return MergeOutcome(results.name, report.lines()[0], describe_decisions(ws, report.merged),
                                    len(report.already_present), list(report.conflicts))

        def merged(outcome: MergeOutcome) -> None:
            window.reload_queue()
            self.show_report(outcome)

        def refused(error: BaseException) -> None:
            if isinstance(error, ReviewDeskError):
                errors.show_message(window, "合并会评结果", f"未合并，本工作区没有任何改动。\n\n{error}")
            else:
                errors.report(error, window, "合并会评结果")

        Op(window, merge).success(merged).failure(refused).with_progress("正在核验并合并会评结果…").run()

    def show_report(self, outcome: MergeOutcome) -> None:
        MergeReportDialog(outcome, self.window).exec()


def install(window: MainWindow) -> SessionMenu:
    return SessionMenu(window)
