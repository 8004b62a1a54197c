"""导入申报文件: choose, preview, import off the GUI thread, and list every problem when rejected.

The import is a background operation (``gui.ops.Op``) on its own, unlocked
connection to the workspace, since the main window holds the lock.
``import_file`` writes everything in one transaction at its very end, so a
cancel before that discards all; once it reports 写入工作区 the operation has
passed its point of no return and runs to the end (the button says so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.intake.columns import COLUMNS, column_for_header
from models.intake.problems import ImportRejected, UnreadableFile
from models.review.evidence_match import evidence_folder_beside
from models.intake.assessing import registered_version_ids
from models.intake.importing import ImportResult, import_file
from models.intake.readers import SUPPORTED_SUFFIXES, RawTable, read_table
from models.intake.template import write_template
from models.review.terms import IMPORTING_ROLES
from models.signing.signed_entries import ActingSigner

from gui import errors
from gui.import_tables import PREVIEW_ROWS, PreviewModel, ProblemModel, problems_of, problems_tsv, save_problems
from gui.ops import Op, OpProgress, worker_workspace
from gui.qt import (
    Qt, QAbstractItemView, QAbstractTableModel, QAction, QCheckBox, QCloseEvent, QComboBox, QDialog, QDragEnterEvent,
    QDropEvent, QFileDialog, QFormLayout, QGuiApplication, QHBoxLayout, QHeaderView, QKeySequence, QLabel,
    QLineEdit, QMessageBox, QProgressBar, QPushButton, QTabWidget, QTableView, QVBoxLayout, QWidget, Signal,
)

COMMIT_STAGE = "写入工作区"
STAGES = ("读取并校验", "保存附件", "评估", COMMIT_STAGE)
FILE_FILTER = "申报文件 (*.csv *.xlsx *.xlsm *.json);;CSV (*.csv);;Excel (*.xlsx *.xlsm);;JSON (*.json)"
ERROR_COLOUR = "#B00020"
NO_SIGNER = f"请先在工具栏选择审核人（{'、'.join(IMPORTING_ROLES)}）：导入记录由当前审核人以本人密钥签名"
AskSigner = Callable[[Callable[[ActingSigner], None]], None]
"""Asks for the sitting's unlocked key (the passphrase only when none is unlocked), then calls back with it."""


# --- the dialog ---------------------------------------------------------------


class ImportDialog(QDialog):
    """Choose a file (and evidence), preview, import. ``imported`` is True after a successful import."""

    import_finished = Signal(object)  # ImportResult
    import_rejected = Signal(object)  # ImportRejected
    import_stopped = Signal(str)  # 已取消 / the failure message

    def __init__(self, parent: QWidget | None, workspace_folder: Path, *, signer: ActingSigner | None = None,
                 ask_signer: AskSigner | None = None, acting: str | None = None) -> None:
        """``signer`` signs the import; without one, ``ask_signer`` is asked for the sitting's (unlocking it) when
        the import starts. ``acting``: who is chosen in the toolbar, to show who will sign."""
        super().__init__(parent)
        self.setWindowTitle("导入申报文件")
        self.workspace_folder = Path(workspace_folder)
        self.signer = signer
        self.ask_signer = ask_signer
        self.acting = acting
        self.imported = False
        self.result: ImportResult | None = None  # type: ignore[assignment]  # hides QDialog.result(); tests read it
        self.rejection: ImportRejected | None = None
        self._job: Op[ImportResult] | None = None
        self._previewed = ""

        self.file_edit = QLineEdit(self)
        self.file_edit.setPlaceholderText("CSV、XLSX 或 JSON 文件（可直接拖入本窗口）")
        self.choose_file = QPushButton("选择文件…", self)
        self.evidence_edit = QLineEdit(self)
        self.evidence_edit.setPlaceholderText("可选：“附件”列所列文件所在的文件夹或 ZIP 压缩包")
        self.evidence_edit.setClearButtonEnabled(True)
        self.choose_folder = QPushButton("文件夹…", self)
        self.choose_zip = QPushButton("ZIP…", self)
        self.update_box = QCheckBox("申报编号已在工作区中时，用本文件更新该申报（保留原版本）", self)
        self.version_box = QComboBox(self)
        self.version_box.addItem("按申报年度确定（默认）", None)
        for version_id in registered_version_ids():
            self.version_box.addItem(f"指定：{version_id}（记入审计日志）", version_id)

        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_file)
        evidence_row = QHBoxLayout()
        evidence_row.addWidget(self.evidence_edit, 1)
        evidence_row.addWidget(self.choose_folder)
        evidence_row.addWidget(self.choose_zip)
        form = QFormLayout()
        form.addRow("申报文件：", file_row)
        form.addRow("附件：", evidence_row)
        form.addRow("", self.update_box)
        form.addRow("政策版本：", self.version_box)
        self.signer_label = QLabel(self)
        self._show_signer()
        form.addRow("导入人：", self.signer_label)

        self.preview_model = PreviewModel(self)
        self.preview = self._table_view(self.preview_model)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview_note = QLabel("请选择要导入的申报文件。", self)
        self.preview_note.setWordWrap(True)
        preview_page = QWidget(self)
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.addWidget(self.preview_note)
        preview_layout.addWidget(self.preview, 1)

        self.problem_model = ProblemModel(self)
        self.problems = self._table_view(self.problem_model)
        self.problems.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems.verticalHeader().setVisible(False)  # the 行 column is the file's row
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        copy = QAction("复制", self.problems)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy.triggered.connect(self.copy_problems)
        self.problems.addAction(copy)
        self.problem_title = QLabel(self)
        self.problem_title.setWordWrap(True)
        self.problem_title.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold")
        self.copy_button = QPushButton("复制", self)
        self.copy_button.setToolTip("复制所选问题（未选择时复制全部），可粘贴到 Excel/WPS")
        self.save_button = QPushButton("另存为…", self)
        problem_buttons = QHBoxLayout()
        problem_buttons.addWidget(QLabel("修改文件后重新导入即可；本次未写入任何数据。", self), 1)
        problem_buttons.addWidget(self.copy_button)
        problem_buttons.addWidget(self.save_button)
        problem_page = QWidget(self)
        problem_layout = QVBoxLayout(problem_page)
        problem_layout.addWidget(self.problem_title)
        problem_layout.addWidget(self.problems, 1)
        problem_layout.addLayout(problem_buttons)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(preview_page, "预览")
        self.tabs.addTab(problem_page, "问题")
        self.tabs.setTabEnabled(1, False)

        self.stage_label = QLabel(self)
        self.stage_label.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, len(STAGES))
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.template_button = QPushButton("下载导入模板…", self)
        self.template_button.setToolTip("生成带填写说明的空白 XLSX 模板")
        self.import_button = QPushButton("导入", self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.close_button = QPushButton("关闭", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.template_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.stage_label)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

        self.setAcceptDrops(True)
        self.file_edit.editingFinished.connect(self._typed_file)
        self.choose_file.clicked.connect(self._choose_file)
        self.choose_folder.clicked.connect(self._choose_folder)
        self.choose_zip.clicked.connect(self._choose_zip)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self._close_or_cancel)
        self.copy_button.clicked.connect(self.copy_problems)
        self.save_button.clicked.connect(self._save_problems)
        self.template_button.clicked.connect(self._save_template)
        char, line = self.fontMetrics().horizontalAdvance("字"), self.fontMetrics().height()
        self.resize(char * 80, line * 36)

    def _table_view(self, model: QAbstractTableModel) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.setAlternatingRowColors(True)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.verticalHeader().setDefaultSectionSize(round(self.fontMetrics().height() * 1.6))
        return view

    @classmethod
    def ask(cls, parent: QWidget | None, workspace_folder: Path, *, signer: ActingSigner | None = None,
            ask_signer: AskSigner | None = None) -> bool:
        """Show the dialog; True when a file was imported."""
        dialog = cls(parent, workspace_folder, signer=signer, ask_signer=ask_signer)
        dialog.exec()
        return dialog.imported

    # --- choosing -----------------------------------------------------------

    def _choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择申报文件", self.file_edit.text(), FILE_FILTER)
        if chosen:
            self.set_file(Path(chosen))

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择附件文件夹", self.evidence_edit.text())
        if chosen:
            self.set_evidence(Path(chosen))

    def _choose_zip(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择附件压缩包", self.evidence_edit.text(), "ZIP 压缩包 (*.zip)")
        if chosen:
            self.set_evidence(Path(chosen))

    def _typed_file(self) -> None:
        text = self.file_edit.text().strip()
        if text and text != self._previewed:
            self.set_file(Path(text))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and self._job is None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """An intake file becomes the file; a folder or ZIP becomes the evidence."""
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if path.is_dir() or path.suffix.lower() == ".zip":
                self.set_evidence(path)
            elif path.suffix.lower() in SUPPORTED_SUFFIXES:
                self.set_file(path)
        event.acceptProposedAction()

    def set_evidence(self, path: Path | None) -> None:
        self.evidence_edit.setText("" if path is None else str(path))

    def set_file(self, path: Path) -> None:
        """Choose the intake file and preview its first rows; an 附件 folder shipped beside it is the evidence."""
        self.file_edit.setText(str(path))
        beside = evidence_folder_beside(Path(path))
        if beside is not None and not self.evidence_edit.text().strip():
            self.set_evidence(beside)
        self._previewed = str(path)
        self.rejection = None
        self.problem_model.set_problems([])
        self.tabs.setTabText(1, "问题")
        self.tabs.setTabEnabled(1, False)
        self.tabs.setCurrentIndex(0)
        self.stage_label.clear()
        self.progress.setVisible(False)
        self.import_button.setEnabled(not self.imported)
        try:
            table = read_table(path, max_rows=PREVIEW_ROWS)
        except UnreadableFile as unreadable:
            self.preview_model.set_table(None)
            self.preview_note.setText(f"<span style='color:{ERROR_COLOUR}'>{unreadable.lines()[0]}</span>")
            return
        self.preview_model.set_table(table)
        self.preview.resizeColumnsToContents()
        limit = self.fontMetrics().horizontalAdvance("字") * 16
        for column in range(self.preview_model.columnCount()):
            self.preview.setColumnWidth(column, min(self.preview.columnWidth(column), limit))
        self.preview_note.setText(self._preview_text(table))

    def _preview_text(self, table: RawTable) -> str:
        shown = min(len(table.row_numbers), PREVIEW_ROWS)
        text = f"预览文件的前 {shown} 行（行号即表格中的行号）。导入时将校验全部行，有任何问题则整个文件不导入。"
        present = {column_for_header(header) for header in table.headers}
        missing = [column.header for column in COLUMNS if column.required and column not in present]
        ignored = [header for header in table.headers if column_for_header(header) is None and header]
        if missing:
            text += f"<br><span style='color:{ERROR_COLOUR}'>缺少必填列：{'、'.join(missing)}</span>"
        if ignored:
            text += f"<br>以下列不是模板中的列，导入时忽略（灰色表头）：{'、'.join(ignored)}"
        return text

    # --- importing ----------------------------------------------------------

    def is_running(self) -> bool:
        return self._job is not None

    def start_import(self) -> None:
        path = self.file_edit.text().strip()
        if not path or self._job is not None:
            return
        if self.signer is None:
            if self.ask_signer is None:
                QMessageBox.information(self, "导入申报文件", NO_SIGNER)
                return
            self.ask_signer(self._signed_by)
            return
        evidence = self.evidence_edit.text().strip()
        work = _import_work(self.workspace_folder, Path(path), Path(evidence) if evidence else None,
                            self.update_box.isChecked(), self.signer, self.version_box.currentData())
        self._job = Op(self, work).success(self._succeeded).failure(self._refused).cancelled(self._cancelled) \
            .progress(self._stage).finished(self._done)
        self._set_running(True)
        self.progress.setValue(0)
        self.stage_label.setText("正在准备导入…")
        # The shared pool: a dialog closed mid-import never blocks on its own pool's destructor.
        self._job.run()

    def _signed_by(self, signer: ActingSigner) -> None:
        """The sitting's key, unlocked: import with it."""
        self.signer = signer
        self._show_signer()
        self.start_import()

    def _show_signer(self) -> None:
        who = self.signer.name if self.signer is not None else self.acting or "工具栏所选的审核人（尚未选择）"
        self.signer_label.setText(f"{who}（导入记录以本人密钥签名；{'、'.join(IMPORTING_ROLES)}可以导入）")

    def cancel_import(self) -> bool:
        """Stop the running import; False when it is already writing (it will then complete)."""
        if self._job is None:
            return True
        if not self._job.cancel():
            self.stage_label.setText("正在写入工作区，已无法取消，请稍候…")
            return False
        self.stage_label.setText("正在取消…（不会写入任何数据）")
        self.close_button.setEnabled(False)
        return True

    def _set_running(self, running: bool) -> None:
        for widget in (self.choose_file, self.choose_folder, self.choose_zip, self.evidence_edit,
                       self.update_box, self.version_box, self.import_button, self.template_button):
            widget.setEnabled(not running)
        self.import_button.setEnabled(not running and not self.imported)
        self.progress.setVisible(running or self.progress.isVisible())
        self.close_button.setEnabled(True)
        self.close_button.setText("取消导入" if running else ("完成" if self.imported else "关闭"))

    def _stage(self, stage: str, done: int, total: int) -> None:
        step = STAGES.index(stage) if stage in STAGES else self.progress.value()
        self.progress.setValue(step)
        count = f"（共 {total} 件）" if stage in ("评估", COMMIT_STAGE) and total else \
            f"（共 {total} 个附件）" if stage == "保存附件" and total else ""
        self.stage_label.setText(f"第 {step + 1}/{len(STAGES)} 步：{stage}{count}…")
        if stage == COMMIT_STAGE:
            self.close_button.setEnabled(False)
            self.close_button.setToolTip("正在写入工作区，不能取消")

    def _succeeded(self, result: ImportResult) -> None:
        self.imported = True
        self.result = result
        self.progress.setValue(len(STAGES))
        self.stage_label.setText(f"已导入 {result.file_name}：新增 {result.imported} 件，更新 {result.updated} 件，"
                                 f"附件 {result.evidence_files} 个。")
        self.import_finished.emit(result)

    def _rejected(self, rejected: ImportRejected) -> None:
        self.rejection = rejected
        problems = problems_of(rejected)
        self.problem_model.set_problems(problems)
        self.problem_title.setText(rejected.lines()[0] + ("" if isinstance(rejected, UnreadableFile) else
                                                          "。以下列出全部问题，可复制或另存为文件。"))
        self.tabs.setTabEnabled(1, True)
        self.tabs.setTabText(1, f"问题（{len(problems)}）")
        self.tabs.setCurrentIndex(1)
        self.progress.setVisible(False)
        self.stage_label.setText(f"<span style='color:{ERROR_COLOUR}'>未导入：共 {len(problems)} 处问题，"
                                 "工作区没有任何改动。</span>")
        self.import_rejected.emit(rejected)

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, ImportRejected):
            self._rejected(error)
            return
        errors.log_unexpected(error)
        self._failed(errors.message_for(error))

    def _failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.stage_label.setText(f"<span style='color:{ERROR_COLOUR}'>未导入：{message}</span>")
        self.import_stopped.emit(message)

    def _cancelled(self) -> None:
        self.progress.setVisible(False)
        self.stage_label.setText("已取消导入，工作区没有任何改动。")
        self.import_stopped.emit("已取消")

    def _done(self) -> None:
        self._job = None
        self.close_button.setToolTip("")
        self._set_running(False)

    def _close_or_cancel(self) -> None:
        if self._job is not None:
            self.cancel_import()
        elif self.imported:
            self.accept()
        else:
            self.reject()

    def reject(self) -> None:
        if self._job is not None and not self.cancel_import():
            return  # writing: the dialog stays until the import has finished
        self._detach()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._job is not None and not self.cancel_import():
            event.ignore()
            return
        self._detach()
        super().closeEvent(event)

    def _detach(self) -> None:
        """A cancelled import may still run to its next checkpoint: stop listening to it."""
        job, self._job = self._job, None
        if job is not None:
            job.detach()

    # --- problems -----------------------------------------------------------

    def copy_problems(self) -> str:
        """Copy the selected problems (all when none is selected) as a table; returns the text."""
        if self.rejection is None:
            return ""
        rows = sorted({index.row() for index in self.problems.selectionModel().selectedIndexes()})
        problems = [self.problem_model.problem(row) for row in rows] or problems_of(self.rejection)
        text = problems_tsv(problems) if problems else ""
        QGuiApplication.clipboard().setText(text)
        if problems:
            self.stage_label.setText(f"已复制 {len(problems)} 处问题，可粘贴到 Excel/WPS 或文本中。")
        return text

    def _save_problems(self) -> None:
        if self.rejection is None:
            return
        stem = Path(self.file_edit.text()).stem or "申报文件"
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self, "保存问题清单", str(Path(self.file_edit.text()).with_name(f"{stem}-导入问题.txt")),
            "文本文件 (*.txt);;CSV 文件 (*.csv)")
        if chosen:
            path = Path(chosen)
            if not path.suffix:
                path = path.with_suffix(".csv" if "csv" in chosen_filter.lower() else ".txt")
            self.save_problems_to(path)

    def save_problems_to(self, path: Path) -> bool:
        if self.rejection is None:
            return False
        try:
            save_problems(path, self.rejection)
        except OSError as error:
            QMessageBox.warning(self, "无法保存", f"无法写入 {path}（{error.strerror or error}）。")
            return False
        self.stage_label.setText(f"问题清单已保存到 {path}")
        return True

    # --- template -----------------------------------------------------------

    def _save_template(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "保存导入模板", "申报导入模板.xlsx", "Excel 文件 (*.xlsx)")
        if chosen:
            path = Path(chosen)
            self.write_template_to(path if path.suffix.lower() == ".xlsx" else path.with_suffix(".xlsx"))

    def write_template_to(self, path: Path) -> bool:
        try:
            write_template(path)
        except OSError as error:
            QMessageBox.warning(self, "无法保存模板",
                                f"无法写入 {path}（{error.strerror or error}）。如该文件正在 Excel/WPS 中打开，请关闭后重试。")
            return False
        self.stage_label.setText(f"模板已保存到 {path}")
        return True


def _import_work(folder: Path, path: Path, evidence: Path | None, update: bool,
                 signer: ActingSigner, policy_version: str | None = None) -> Callable[[OpProgress], ImportResult]:
    """The import as an operation's function: ``import_file`` on a worker connection, reporting its stages."""

    def work(progress: OpProgress) -> ImportResult:
        def stage(name: str, done: int, total: int) -> None:
            if name == COMMIT_STAGE:
                progress.commit()  # the write transaction begins: no cancelling from here on
            else:
                progress.check()
            progress.report(name, done, total)

        with worker_workspace(folder) as ws:
            return import_file(ws, path, evidence=evidence, update=update, signer=signer, progress=stage,
                               policy_version=policy_version)

    return work
