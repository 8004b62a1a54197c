"""The dialogs of the 会评 menu: what to export, which package to open where, and the merge report."""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass
from pathlib import Path

from gui.qt import (
    QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, Qt, QTextBrowser, QVBoxLayout, QWidget,
)

ZIP_FILTER = "会评压缩包 (*.zip)"


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A plain information box (a module function, so tests can record instead of showing it)."""
    QMessageBox.information(parent, title, text)


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def with_zip_suffix(text: str) -> Path:
    path = Path(text.strip()).expanduser()
    return path if path.suffix.lower() == ".zip" else path.with_name(path.name + ".zip")


def _path_row(parent: QWidget, edit: QLineEdit, browse: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


# --- 导出会评包 -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportChoice:
    ids: list[str]
    reviewers: list[str]
    out: Path


@dataclass(frozen=True, slots=True)
class Candidate:
    application_id: str
    enterprise: str
    in_session: bool = False


class ExportSessionDialog(QDialog):
    """Applications (the queue's selection, else its filtered rows) × reviewers → a package file."""

    def __init__(self, candidates: list[Candidate], preselected: set[str], reviewers: list[tuple[str, str]],
                 default_out: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导出会评包")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("把选定的申报连同附件、政策版本、CA 证书和所选审核人员的加密密钥导出为会评包，"
                                "在另一台电脑上用“打开会评包…”继续审核。导出的申报在合并会评结果前不能在本工作区作出决定。",
                                self, wordWrap=True))

        applications = QGroupBox("申报", self)
        box = QVBoxLayout(applications)
        self.count_label = QLabel(self)
        box.addWidget(self.count_label)
        self.application_list = QListWidget(self)
        self.application_list.setAccessibleName("会评申报")
        for candidate in candidates:
            text = f"{candidate.application_id}　{candidate.enterprise}"
            if candidate.in_session:
                text += "　（已在会评中）"
            item = QListWidgetItem(text, self.application_list)
            item.setData(Qt.ItemDataRole.UserRole, candidate.application_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = candidate.application_id in preselected and not candidate.in_session
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        box.addWidget(self.application_list, 1)
        buttons = QHBoxLayout()
        select_all = QPushButton("全选", self)
        select_none = QPushButton("全不选", self)
        select_all.clicked.connect(lambda: self._check_all(True))
        select_none.clicked.connect(lambda: self._check_all(False))
        buttons.addWidget(select_all)
        buttons.addWidget(select_none)
        buttons.addStretch(1)
        box.addLayout(buttons)
        layout.addWidget(applications, 1)

        staff = QGroupBox("参加会评的审核人员（其加密签名密钥随包导出）", self)
        staff_layout = QHBoxLayout(staff)
        self.reviewer_boxes: list[QCheckBox] = []
        for name, role in reviewers:
            check = QCheckBox(f"{name}（{role}）", self)
            check.setProperty("reviewer", name)
            check.toggled.connect(self._update)
            staff_layout.addWidget(check)
            self.reviewer_boxes.append(check)
        staff_layout.addStretch(1)
        layout.addWidget(staff)

        form = QFormLayout()
        self.out_edit = QLineEdit(str(default_out), self)
        self.out_edit.setAccessibleName("会评包文件")
        browse = QPushButton("浏览…", self)
        browse.clicked.connect(self._browse)
        form.addRow("保存为", _path_row(self, self.out_edit, browse))
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("导出")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.application_list.itemChanged.connect(self._update)
        self.out_edit.textChanged.connect(self._update)
        self._update()
        self.resize(720, 560)

    @classmethod
    def ask(cls, parent: QWidget | None, candidates: list[Candidate], preselected: set[str],
            reviewers: list[tuple[str, str]], default_out: Path) -> ExportChoice | None:
        dialog = cls(candidates, preselected, reviewers, default_out, parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def checked_ids(self) -> list[str]:
        items = (self.application_list.item(row) for row in range(self.application_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    def checked_reviewers(self) -> list[str]:
        return [check.property("reviewer") for check in self.reviewer_boxes if check.isChecked()]

    def set_reviewers(self, names: list[str]) -> None:
        for check in self.reviewer_boxes:
            check.setChecked(check.property("reviewer") in names)

    def choice(self) -> ExportChoice:
        return ExportChoice(self.checked_ids(), self.checked_reviewers(), with_zip_suffix(self.out_edit.text()))

    def _check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.application_list.blockSignals(True)
        for row in range(self.application_list.count()):
            self.application_list.item(row).setCheckState(state)
        self.application_list.blockSignals(False)
        self._update()

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "保存会评包", self.out_edit.text(), ZIP_FILTER)
        if chosen:
            self.out_edit.setText(str(with_zip_suffix(chosen)))

    def _update(self) -> None:
        ids, names = self.checked_ids(), self.checked_reviewers()
        self.count_label.setText(f"已选 {len(ids)} 件（共列出 {self.application_list.count()} 件）")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(ids and names and self.out_edit.text().strip()))


def default_package_path(folder: Path, stem: str) -> Path:
    return folder.parent / f"{stem}-{datetime.date.today():%Y%m%d}.zip"


# --- 打开会评包 -----------------------------------------------------------------------------


class OpenSessionDialog(QDialog):
    """A package file and an empty folder for the session workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("打开会评包")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("用会评包在一个新的空文件夹中建立会评工作区。会评工作区中作出的决定用“导出会评结果…”带回。",
                                self, wordWrap=True))
        form = QFormLayout()
        self.package_edit = QLineEdit(self)
        self.package_edit.setAccessibleName("会评包文件")
        browse_package = QPushButton("浏览…", self)
        browse_package.clicked.connect(self._browse_package)
        form.addRow("会评包", _path_row(self, self.package_edit, browse_package))
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("会评工作区文件夹")
        browse_folder = QPushButton("浏览…", self)
        browse_folder.clicked.connect(self._browse_folder)
        form.addRow("会评工作区（空文件夹）", _path_row(self, self.folder_edit, browse_folder))
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color:#b3261e")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("打开")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.package_edit.textChanged.connect(self._update)
        self.folder_edit.textChanged.connect(self._update)
        self._update()
        self.resize(640, 200)

    @classmethod
    def ask(cls, parent: QWidget | None) -> tuple[Path, Path] | None:
        dialog = cls(parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def choice(self) -> tuple[Path, Path]:
        return Path(self.package_edit.text().strip()), Path(self.folder_edit.text().strip())

    def _browse_package(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择会评包", self.package_edit.text(), ZIP_FILTER)
        if chosen:
            self.package_edit.setText(chosen)

    def _browse_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择会评工作区文件夹（须为空）", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def _update(self) -> None:
        package, folder = self.choice()
        problem = folder_problem(folder) if self.folder_edit.text().strip() else ""
        if self.package_edit.text().strip() and not package.is_file():
            problem = "找不到该会评包文件"
        self.problem.setText(problem)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.package_edit.text().strip() and self.folder_edit.text().strip() and not problem))


def folder_problem(folder: Path) -> str:
    """Why ``folder`` cannot hold a new session workspace, or ''."""
    if folder.exists() and not folder.is_dir():
        return "所选路径不是文件夹"
    if folder.is_dir() and any(folder.iterdir()):
        return "所选文件夹不是空的，请为会评工作区选择（或新建）一个空文件夹"
    return ""


# --- 合并会评结果 ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    file_name: str
    summary: str
    merged: list[str]
    already_present: int
    conflicts: list[str]


class MergeReportDialog(QDialog):
    """What a merge did: merged decisions, how many were already here, conflicts one per line for a person."""

    def __init__(self, outcome: MergeOutcome, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.setWindowTitle("会评结果合并报告")
        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>{html.escape(outcome.file_name)}</b><br>{html.escape(outcome.summary)}", self)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.browser = QTextBrowser(self)
        self.browser.setHtml(self.report_html())
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(860, 480)

    def report_html(self) -> str:
        def section(title: str, lines: list[str], colour: str = "") -> str:
            style = f" style='color:{colour}'" if colour else ""
            items = "".join(f"<li{style}>{html.escape(line)}</li>" for line in lines) or "<li>（无）</li>"
            return f"<h3>{title}（{len(lines)}）</h3><ul>{items}</ul>"

        o = self.outcome
        parts = []
        if o.conflicts:
            parts.append(section("冲突——未合并，请人工处理", o.conflicts, "#b3261e"))
        parts.append(section("已合并的决定", o.merged))
        parts.append(f"<p>本工作区已有、跳过的决定：{o.already_present} 个</p>")
        return "".join(parts)

    def text(self) -> str:
        return self.browser.toPlainText()
