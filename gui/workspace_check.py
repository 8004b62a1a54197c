"""工具 → 校验工作区: the same check as ``reviewdesk audit verify``, run on a worker connection.

It also runs once, in the background, a few seconds after the queue is shown, so a reviewer working in a
workspace whose tables no longer match the signed, hash-chained log is told before deciding anything. The
result stays in the status bar; when it fails, the report opens by itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from models.workspace.verification import VerifyReport, replayed_rows, verify_workspace

from gui.ops import Op, worker_workspace
from gui.qt import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from gui.main_window import MainWindow

FIRST_CHECK_DELAY_MS = 3000
# Checked by itself only up to about 50,000 applications with their attachments (some 7 s and 200 MB beside
# the window: replaying and comparing 100,000 applications takes 4 CPU-seconds, re-deriving their assessments
# 9 more); a larger workspace is checked on 工具 → 校验工作区, when the reviewer chooses to wait for it.
AUTOMATIC_UP_TO_ROWS = 200_000
RUNNING = "正在校验工作区…"
TOO_LARGE = "工作区较大，未自动校验（工具 → 校验工作区）"
PASSED_STYLE = "color:#1b5e20"
FAILED_STYLE = "color:#b3261e; font-weight:bold"


def status_text(report: VerifyReport, at: datetime) -> str:
    when = at.strftime("%H:%M")
    if report.ok:
        return f"工作区校验通过（{when}）"
    return f"工作区校验未通过：{len(report.problems)} 处问题（{when}，工具 → 校验工作区 查看）"


class WorkspaceCheck:
    """Owns the status-bar label and the last report of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.label = QLabel(window)
        self.label.setAccessibleName("工作区校验")
        window.statusBar().addPermanentWidget(self.label)
        self.report: VerifyReport | None = None
        self.running = False

    def run(self, show_report: bool) -> None:
        """Verify on a worker thread; ``show_report`` opens the report whatever it says (the menu command)."""
        if self.running:
            return
        if not show_report and replayed_rows(self.window.ws) > AUTOMATIC_UP_TO_ROWS:
            self.label.setText(TOO_LARGE)
            return
        self.running = True
        self.label.setStyleSheet("")
        self.label.setText(RUNNING)
        folder = self.window.ws.folder

        def check(progress: object) -> VerifyReport:
            with worker_workspace(folder) as ws:
                return verify_workspace(ws)

        def done(report: VerifyReport) -> None:
            self.report = report
            if self.window.closing:
                return
            self.label.setStyleSheet(PASSED_STYLE if report.ok else FAILED_STYLE)
            self.label.setText(status_text(report, datetime.now()))
            if show_report or not report.ok:
                ReportDialog(report, self.window).open()

        def ended() -> None:
            self.running = False

        operation = Op(self.window, check).success(done).finished(ended)
        if show_report:
            operation = operation.with_progress(RUNNING)
        operation.run()


class ReportDialog(QDialog):
    """Every line of the report, problems included, ending with the verdict."""

    def __init__(self, report: VerifyReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("校验工作区")
        self.resize(760, 460)
        layout = QVBoxLayout(self)
        verdict = QLabel("校验通过：各数据表与签名、哈希链接的审计日志一致。" if report.ok else
                         f"校验未通过：{len(report.problems)} 处问题。在查明原因之前，请勿据此作出或导出决定，"
                         "并报告系统管理员和审计员。", self)
        verdict.setWordWrap(True)
        verdict.setStyleSheet(PASSED_STYLE if report.ok else FAILED_STYLE)
        layout.addWidget(verdict)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("校验结果")
        self.text.setPlainText("\n".join(report.lines))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
