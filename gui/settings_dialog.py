"""设置: the reviewer's profile, the workspace folder for next start, and the PDF font.

Per-user choices (default reviewer name, workspace folder) live in QSettings
(``gui.settings_store.app_settings``, an INI file); the PDF font is this PC's too
(``models.exports.fonts.choose_font``, read by the sheets and notices from the CLI alike), never a
workspace setting: nothing in the workspace chooses the file the sheets are drawn with.
"""

from __future__ import annotations

from pathlib import Path

from models.failures import ReviewDeskError
from models.exports.fonts import NoCjkFont, choose_font, chosen_font, find_cjk_font, truetype_subfont
from models.signing.reviewers import list_reviewers
from models.workspace.storage import refuse_network_share
from models.workspace.workspace import DB_NAME, Workspace, default_workspace

from gui.qt import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)
from gui.sitting import IDLE_MINUTES_KEY, idle_minutes
from gui.settings_store import app_settings

REVIEWER_KEY = "profile/reviewer_name"
WORKSPACE_KEY = "workspace/folder"
FALLBACK_ACTOR = "审核台用户"
OK_COLOUR, ERROR_COLOUR = "#1E7B34", "#B00020"


def default_reviewer_name() -> str:
    """The reviewer name chosen in 设置, or '' when none was chosen."""
    return str(app_settings().value(REVIEWER_KEY, "") or "").strip()


def current_actor() -> str:
    """Who to name in the audit log for actions outside a signed decision."""
    return default_reviewer_name() or FALLBACK_ACTOR


def remembered_workspace() -> Path | None:
    """The workspace folder chosen with 更换 for the next start, if any."""
    value = str(app_settings().value(WORKSPACE_KEY, "") or "").strip()
    return Path(value) if value else None


def pdf_font_problem(path: str) -> str | None:
    """Why ``path`` cannot be the sheets' PDF font, or None when it can (empty = automatic)."""
    if not path.strip():
        return None
    font = Path(path.strip())
    if not font.is_file():
        return "找不到该字体文件"
    if truetype_subfont(font) is None:
        return ("该字体不是 TrueType 轮廓（可能是 CFF/OpenType-PS 字体，如思源黑体、Noto Sans CJK），"
                "无法嵌入 PDF。请选择 .ttf/.ttc 格式的 TrueType 中文字体，如宋体、黑体、微软雅黑或文泉驿微米黑。")
    return None


def workspace_note(folder: Path) -> str | None:
    """A line about the chosen folder; raises ``ReviewDeskError`` when it cannot hold a workspace."""
    refuse_network_share(folder)
    if (folder / DB_NAME).exists():
        return "该文件夹中已有工作区，下次启动时打开。"
    return "该文件夹中还没有工作区，下次启动时将在此新建。"


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None, workspace: Workspace) -> None:
        super().__init__(parent)
        self.setWindowTitle("设置")
        self.workspace = workspace
        settings = app_settings()
        self._next_folder = str(settings.value(WORKSPACE_KEY, "") or "")
        self._saved_font = chosen_font() or ""

        self.reviewer = QComboBox(self)
        self.reviewer.setEditable(True)
        self.reviewer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        reviewers = list_reviewers(workspace)
        self.reviewer.addItems([r.name for r in reviewers])
        self.reviewer.setCurrentText(str(settings.value(REVIEWER_KEY, "") or ""))
        edit = self.reviewer.lineEdit()
        assert edit is not None  # the combo box is editable
        edit.setPlaceholderText("签名和审计日志中使用的姓名")
        known = "、".join(f"{r.name}（{r.role}{'' if r.active else '，' + r.status}）" for r in reviewers) \
            or "（本工作区尚未登记人员：请用 人员管理… 由系统管理员添加）"
        reviewers_label = self._note(f"本工作区已登记：{known}")
        self.idle_minutes = QSpinBox(self)
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(" 分钟")
        self.idle_minutes.setValue(idle_minutes())
        self.idle_minutes.setAccessibleName("签名密钥闲置锁定时间")
        profile = QGroupBox("审核人员", self)
        form = QFormLayout(profile)
        form.addRow("默认审核人：", self.reviewer)
        form.addRow("", reviewers_label)
        form.addRow("闲置锁定：", self.idle_minutes)
        form.addRow("", self._note("签名密钥闲置这么久后自动锁定，须重新输入口令；切换审核人时立即锁定。"))

        self.current_folder = self._path_field("当前工作区文件夹")
        self._show_path(self.current_folder, str(workspace.folder))
        self.next_folder = self._path_field("下次启动打开的工作区文件夹")
        self.change_folder = QPushButton("更换…", self)
        self.reset_folder = QPushButton("恢复默认", self)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.next_folder, 1)
        folder_row.addWidget(self.change_folder)
        folder_row.addWidget(self.reset_folder)
        folder_box = QGroupBox("工作区", self)
        folder_form = QFormLayout(folder_box)
        folder_form.addRow("当前工作区：", self.current_folder)
        folder_form.addRow("下次启动打开：", folder_row)
        self.folder_note = self._note("")
        folder_form.addRow("", self.folder_note)

        self.font_path = QLineEdit(self._saved_font, self)
        self.font_path.setPlaceholderText("留空则自动选择已安装的中文 TrueType 字体")
        self.font_path.setClearButtonEnabled(True)
        self.browse_font = QPushButton("选择字体…", self)
        self.font_status = QLabel(self)
        self.font_status.setWordWrap(True)
        font_row = QHBoxLayout()
        font_row.addWidget(self.font_path, 1)
        font_row.addWidget(self.browse_font)
        font_box = QGroupBox("审核单 PDF 字体（本机）", self)
        font_form = QFormLayout(font_box)
        font_form.addRow("字体文件：", font_row)
        font_form.addRow("", self.font_status)
        font_form.addRow("", self._note("字体只保存在本机，不写入工作区：每台电脑各自选择，签名的审核表嵌入所用字形。"))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        layout = QVBoxLayout(self)
        for box in (profile, folder_box, font_box):
            layout.addWidget(box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.change_folder.clicked.connect(self._choose_folder)
        self.reset_folder.clicked.connect(lambda: self.set_next_folder(""))
        self.browse_font.clicked.connect(self._choose_font)
        self.font_path.textChanged.connect(self._check_font)
        self.set_next_folder(self._next_folder)
        self._check_font()
        char = self.fontMetrics().horizontalAdvance("字")
        self.setMinimumWidth(char * 50)

    def _path_field(self, name: str) -> QLineEdit:
        """A folder path in one read-only line that scrolls instead of being cut off; the tooltip shows it whole."""
        field = QLineEdit(self)
        field.setReadOnly(True)
        field.setAccessibleName(name)
        return field

    @staticmethod
    def _show_path(field: QLineEdit, path: str) -> None:
        field.setText(path)
        field.setToolTip(path)
        field.setCursorPosition(len(path))  # the folder's own name, at the end, is what tells workspaces apart

    def _note(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        return label

    @classmethod
    def ask(cls, parent: QWidget | None, workspace: Workspace) -> bool:
        """Show the dialog; True when the settings were saved."""
        return cls(parent, workspace).exec() == QDialog.DialogCode.Accepted

    # --- workspace folder ---------------------------------------------------

    def _choose_folder(self) -> None:
        start = self._next_folder or str(self.workspace.folder)
        chosen = QFileDialog.getExistingDirectory(self, "选择工作区文件夹", start)
        if chosen:
            self.set_next_folder(chosen)

    def set_next_folder(self, folder: str) -> bool:
        """Choose the folder opened at next start ('' = the default); False if it cannot be used."""
        if not folder:
            self._next_folder = ""
            self._show_path(self.next_folder, str(default_workspace()))
            self.folder_note.setText("默认位置。更换后的文件夹在下次启动审核台时生效。")
            return True
        try:
            note = workspace_note(Path(folder))
        except ReviewDeskError as refused:
            self.folder_note.setText(f"<span style='color:{ERROR_COLOUR}'>{refused}</span>")
            return False
        self._next_folder = folder
        self._show_path(self.next_folder, folder)
        same = Path(folder).resolve() == self.workspace.folder
        self.folder_note.setText("即当前工作区。" if same else note or "")
        return True

    # --- font ---------------------------------------------------------------

    def _choose_font(self) -> None:
        start = str(Path(self.font_path.text()).parent) if self.font_path.text() else ""
        chosen, _ = QFileDialog.getOpenFileName(self, "选择 PDF 字体", start, "TrueType 字体 (*.ttf *.ttc);;所有文件 (*)")
        if chosen:
            self.font_path.setText(chosen)

    def _check_font(self) -> bool:
        problem = pdf_font_problem(self.font_path.text())
        if problem:
            self.font_status.setText(f"<span style='color:{ERROR_COLOUR}'>✗ {problem}</span>")
        elif self.font_path.text().strip():
            self.font_status.setText(f"<span style='color:{OK_COLOUR}'>✓ TrueType 字体，可嵌入 PDF</span>")
        else:
            try:
                found = find_cjk_font()
                self.font_status.setText(f"自动选择：{found.path}")
            except NoCjkFont as missing:
                self.font_status.setText(f"<span style='color:{ERROR_COLOUR}'>{missing}</span>")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        return problem is None

    # --- saving -------------------------------------------------------------

    def accept(self) -> None:
        if not self._check_font():
            return
        name = self.reviewer.currentText().strip()
        settings = app_settings()
        settings.setValue(REVIEWER_KEY, name)
        settings.setValue(WORKSPACE_KEY, self._next_folder)
        settings.setValue(IDLE_MINUTES_KEY, self.idle_minutes.value())
        settings.sync()
        font = self.font_path.text().strip()
        if font != self._saved_font:
            choose_font(font)  # this PC's preference, like its printer: not a workspace setting
        super().accept()
