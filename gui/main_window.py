"""The main window: toolbar (reviewer, navigation), the queue, review, policy and statistics pages."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from policy.catalog import load_policy
from policy.versions import current_version

from models.changes import Changes
from models.review.policy_versions import item_names
from models.review.queue_index import QueueIndex, load_queue_index, review_progress
from models.signing.staff import next_step, signing_people
from models.workspace.workspace import Workspace

from gui import errors
from gui.actions import COMMANDS, MENUS, TICK_COUNT, ShortcutLegend, build_actions
from gui.case_loader import CaseLoader
from gui.ops import Op, worker_workspace
from gui.passphrase_dialog import PassphraseDialog
from gui.qt import (
    QCloseEvent, QComboBox, QGuiApplication, QLabel, QMainWindow, QMessageBox, QShowEvent, QSize, QSizePolicy, Qt,
    QTabWidget, QThreadPool, QTimer, QToolBar, QVBoxLayout, QWidget, Signal,
)
from gui.queue_model import QueueModel, WorkspaceQueueSource
from gui.queue_view import QueueView
from gui.sitting import IDLE_CHECK_MS, ReviewSession, idle_minutes
from gui.settings_store import app_settings
from gui.workspace_check import FIRST_CHECK_DELAY_MS, WorkspaceCheck

if TYPE_CHECKING:
    from gui.review_view import ReviewView
    from models.signing.signed_entries import ActingSigner

WINDOW_TITLE = "审核台 ReviewDesk"
QUEUE_TAB, REVIEW_TAB, POLICY_TAB, STATS_TAB = range(4)
NO_REVIEWER = "请选择审核人…"
# Rendering offscreen (tests, screenshots) the "screen" is a nominal 800×800: the window keeps the size asked for.
def OFFSCREEN() -> bool:  # noqa: N802 - reads as the constant it is
    return QGuiApplication.platformName() == "offscreen"


# Commands that open a dialog: afterwards the keyboard is back on the queue (when it is the page shown).
DIALOG_COMMANDS = ("import_file", "print_sheet", "export_sheet", "print_blank_form", "verify_code", "settings",
                   "calculator", "help_keys", "about", "export_session", "open_session", "export_results",
                   "merge_results")
# Imported on a worker thread once the queue is shown, so opening the first case does not wait for them.
WARM_MODULES = ("gui.review_view", "models.review.casefile", "models.signing.reviewers")


def _warm_imports(progress: object = None) -> None:
    for name in WARM_MODULES:
        importlib.import_module(name)


class LazyPage(QWidget):
    """A tab whose content is built the first time it is shown (keeps start-up light)."""

    def __init__(self, build: Callable[[QWidget], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self.content: QWidget | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    def ensure_built(self) -> QWidget:
        if self.content is None:
            self.content = self._build(self)
            layout = self.layout()
            assert layout is not None  # set in __init__
            layout.addWidget(self.content)
        return self.content


class MainWindow(QMainWindow):
    queue_loaded = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.queue_ready = False
        self.closing = False
        self._fitted = False
        self.reload_queue()  # on a worker thread, while the widgets are built
        self.item_names = item_names(ws.db)
        self.session = ReviewSession(signing_people(ws.db), idle_seconds=idle_minutes() * 60)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self.lock_if_idle)
        self.idle_timer.start()
        self.loader = CaseLoader(ws.folder, self)
        self.model = QueueModel(WorkspaceQueueSource(ws.db, self.item_names), parent=self)
        self.actions_by_name = build_actions(self)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.queue = QueueView(self.model, self.tabs)
        self.review_page = LazyPage(self._build_review, self.tabs)
        self.policy_page = LazyPage(self._build_policy, self.tabs)
        self.stats_page = LazyPage(self._build_stats, self.tabs)
        for page, title in ((self.queue, "待审队列"), (self.review_page, "审核"), (self.policy_page, "政策原文"),
                            (self.stats_page, "统计")):
            self.tabs.addTab(page, title)
        self.setCentralWidget(self.tabs)

        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        self.workspace_check = WorkspaceCheck(self)
        self._checked_once = False
        self._connect()
        from gui import session_menu  # the 会评 menu's actions (gui.actions) are connected there

        self.session_menu = session_menu.install(self)
        self.setWindowTitle(f"{WINDOW_TITLE} — {ws.folder.name}" + ("（演示数据）" if ws.is_demo else ""))
        self.resize(1366, 768)
        geometry = app_settings().value("main/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        if not OFFSCREEN():
            self.fit_to_screen()
        self._tab_changed(QUEUE_TAB)

    @property
    def review(self) -> ReviewView:
        """The review page, built the first time it is needed."""
        return self.review_page.ensure_built()  # type: ignore[return-value]  # the review page builds a ReviewView

    def _build_review(self, parent: QWidget) -> QWidget:
        from gui.review_view import ReviewView

        review = ReviewView(self.ws, self.session, self.loader, self.model, parent)
        self.queue.query_changed.connect(review.refresh_title)
        review.current_changed.connect(self.queue.select_application)
        review.decision_saved.connect(self._decision_saved)
        review.conflict_declared.connect(lambda application_id: self.model.refresh_applications([application_id]))
        review.drafts.changed.connect(self._show_drafts_in_queue)
        review.open_source.connect(self.show_clause)
        return review

    # --- building ------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("工具栏", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        a = self.actions_by_name
        for name in ("import_file", None, "previous", "next", None, "save", "save_next", None, "print_sheet",
                     "export_sheet"):
            if name is None:
                bar.addSeparator()
            else:
                bar.addAction(a[name])
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(QLabel("当前审核人 ", bar))
        self.reviewer_combo = QComboBox(bar)
        self.reviewer_combo.setAccessibleName("当前审核人")
        self.reviewer_combo.addItem(NO_REVIEWER, "")
        for name, role in self.session.roles.items():
            self.reviewer_combo.addItem(f"{name}（{role}）", name)
        bar.addWidget(self.reviewer_combo)
        self.addToolBar(bar)

    def _build_menus(self) -> None:
        menus = {title: self.menuBar().addMenu(title) for title in MENUS}
        for command in COMMANDS:
            menu = menus["审核"] if command.group == "材料清单" else menus[command.group]
            if command.name == "tick_1":
                menu = menus["审核"].addMenu("勾选材料")
                self._tick_menu = menu
            elif command.name.startswith("tick_"):
                menu = self._tick_menu
            menu.addAction(self.actions_by_name[command.name])
            if command.name in ("export_sheet", "settings", "show_stats", "back_to_queue", "declare_conflict"):
                menu.addSeparator()

    def _build_status_bar(self) -> None:
        self.progress_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.progress_label)
        if self.ws.is_demo:
            demo = QLabel("<span style='color:#b3261e'><b>演示数据 · 公开口令</b></span>", self)
            demo.setToolTip("演示工作区的 CA 和全部人员使用公开的演示口令 reviewdesk-demo，任何人都能以他们的名义签名，仅供演示")
            self.statusBar().addPermanentWidget(demo)
        self.statusBar().showMessage("正在加载待审队列…")

    def _connect(self) -> None:
        a = self.actions_by_name
        handlers: dict[str, Callable[[], object]] = {
            "import_file": self.import_file, "print_sheet": lambda: self.sheet_action("print_sheet"),
            "export_sheet": lambda: self.sheet_action("export_sheet"), "settings": self.open_settings,
            "print_blank_form": lambda: self.sheet_action("print_blank_form"),
            "verify_code": lambda: self.sheet_action("verify_code"),
            "verify_workspace": lambda: self.workspace_check.run(show_report=True),
            "quit": self.close, "show_queue": lambda: self.tabs.setCurrentIndex(QUEUE_TAB),
            "show_review": lambda: self.tabs.setCurrentIndex(REVIEW_TAB),
            "show_policy": lambda: self.tabs.setCurrentIndex(POLICY_TAB),
            "show_stats": lambda: self.tabs.setCurrentIndex(STATS_TAB), "reset_layout": lambda: self.review.reset_layout(),
            "focus_search": self.focus_search, "next": lambda: self.review.go(1),
            "previous": lambda: self.review.go(-1), "back_to_queue": self.back_to_queue,
            "declare_none": lambda: self.review.declare_no_conflict(),
            "declare_conflict": lambda: self.review.declare_a_conflict(),
            "save": lambda: self.review.save(False), "save_next": lambda: self.review.save(True),
            "calculator": self.open_calculator, "people": self.open_people, "help_keys": lambda: ShortcutLegend(self).exec(),
            "about": self.about,
        }
        def tick(position: int) -> Callable[[], None]:
            return lambda: self.review.toggle_tick(position)  # self.review is built on first use

        for n in range(1, TICK_COUNT + 1):
            handlers[f"tick_{n}"] = tick(n - 1)
        for name, handler in handlers.items():
            a[name].triggered.connect(lambda _=False, h=handler: h())
        for name in DIALOG_COMMANDS:  # connected last, so this runs once the dialog has closed
            a[name].triggered.connect(lambda _=False: self.focus_queue_if_shown())
        self.tabs.currentChanged.connect(self._tab_changed)
        self.queue.open_requested.connect(self.open_application)
        self.reviewer_combo.currentIndexChanged.connect(self._reviewer_chosen)

    # --- the queue ---------------------------------------------------------------------------

    def reload_queue(self) -> None:
        """Read the queue index on a worker connection; the table fills when it arrives."""
        folder = self.ws.folder

        def load(progress: object) -> QueueIndex:
            with worker_workspace(folder) as ws:
                return load_queue_index(ws.db)

        Op(self, load).success(self._queue_arrived).run()

    def _queue_arrived(self, index: QueueIndex) -> None:
        if self.closing:
            return
        self.queue.empty_hint = next_step(self.ws.db) or ""  # type: ignore[attr-defined]  # read with getattr by QueueView
        self.model.set_index(index)
        self.queue.populate_filters(index, self.item_names)
        self.queue_ready = True
        self.loader.clear()
        self._update_progress()
        self.statusBar().showMessage(f"已加载 {len(index)} 件申报", 4000)
        if self.model.rowCount():
            self.loader.request(self.model.application_id(0))
            if self.queue.selected_application() is None:
                self.queue.select_application(self.model.application_id(0))
        self.focus_queue_if_shown()
        if self.review_page.content is None:
            def build_review(_: None) -> None:
                if not self.closing:
                    self.review_page.ensure_built()

            Op(self, _warm_imports).success(build_review).run()
        if not self._checked_once:
            self._checked_once = True
            QTimer.singleShot(FIRST_CHECK_DELAY_MS, self, lambda: None if self.closing else self.workspace_check.run(False))
        self.queue_loaded.emit()

    def _update_progress(self) -> None:
        progress = review_progress(self.model.index_data, self.session.current, self.session.role)
        mine = (f"{self.session.current}：已审 {progress.mine_done} / 共 {progress.mine_total}　·　"
                if self.session.current else "")
        self.progress_label.setText(f"{mine}全部：已审 {progress.all_done} / 共 {progress.all_total}")

    def open_application(self, application_id: str) -> None:
        self.tabs.setCurrentIndex(REVIEW_TAB)
        self.review.show_application(application_id)

    def _decision_saved(self, application_id: str, changes: Changes) -> None:
        self.apply_changes(changes, keep_cached=application_id)
        self.statusBar().showMessage(f"{application_id} 的决定已签名保存", 5000)

    def apply_changes(self, changes: Changes, keep_cached: str | None = None) -> None:
        """Refresh what a model function says it changed; ``keep_cached``: a case the review page has just reloaded."""
        if changes.queue:
            self.reload_queue()
            return
        for application_id in changes.applications:
            if application_id != keep_cached:
                self.loader.forget(application_id)
        if changes.applications:
            self.model.refresh_applications(list(changes.applications))
            self._update_progress()

    # --- reviewers -------------------------------------------------------------------------------

    def _reviewer_chosen(self) -> None:
        name = self.reviewer_combo.currentData() or None
        if name is not None and self.session.is_unlocked(name):
            self._set_reviewer(name)
            return
        self.session.lock()  # switching locks the previous reviewer's key
        if name is None:
            self._set_reviewer(None)
            return
        passphrase = PassphraseDialog.ask(self, name)
        if passphrase is None:
            self._set_reviewer(None)
            return
        folder = self.ws.folder

        def unlock_key(progress: object) -> object:
            from models.signing.reviewers import unlock

            with worker_workspace(folder) as ws:
                return unlock(ws, name, passphrase)

        def unlocked(key: object) -> None:
            self.session.remember_key(name, key)  # type: ignore[arg-type]  # unlock gives the reviewer's EC private key
            self._set_reviewer(name)

        def refused(error: BaseException) -> None:
            self._set_reviewer(None)
            errors.report(error, self)

        self.reviewer_combo.setEnabled(False)
        Op(self, unlock_key).success(unlocked).failure(refused).with_progress(f"正在解锁 {name} 的签名密钥…").run()

    def lock_if_idle(self) -> None:
        """Lock the signing key left unused for the idle time set in 设置; the reviewer unlocks it again."""
        if self.session.current and self.session.idle_expired():
            name = self.session.current
            self._set_reviewer(None)
            minutes = round(self.session.idle_seconds / 60)
            self.statusBar().showMessage(f"{name} 的签名密钥已闲置 {minutes} 分钟，已锁定；请重新选择审核人并输入口令", 0)

    def _set_reviewer(self, name: str | None) -> None:
        self.session.current = name
        self.model.set_reviewer(name)
        self.queue.set_acting_as(name, self.session.role)
        self._show_drafts_in_queue()
        self._show_reviewer_in_combo(name)
        if self.review_page.content is not None:
            self.review.reviewer_changed()
        self._update_progress()

    def _show_drafts_in_queue(self) -> None:
        from models.review.drafts import DraftStore

        reviewer = self.session.current
        if not reviewer:
            self.model.set_drafted(set())
            return
        if self.review_page.content is not None:
            self.model.set_drafted(self.review.drafts.store.applications_with_drafts(reviewer))
            return
        with DraftStore(self.ws.folder) as store:
            self.model.set_drafted(store.applications_with_drafts(reviewer))

    def preview_as(self, name: str) -> None:
        """Show the pages as ``name`` sees them without unlocking their key (screenshots); saving still needs it."""
        self._set_reviewer(name)

    def _show_reviewer_in_combo(self, name: str | None) -> None:
        self.reviewer_combo.blockSignals(True)
        self.reviewer_combo.setCurrentIndex(max(self.reviewer_combo.findData(name or ""), 0))
        self.reviewer_combo.blockSignals(False)
        self.reviewer_combo.setEnabled(True)

    # --- other pages and tools -------------------------------------------------------------------

    def _tab_changed(self, tab: int) -> None:
        reviewing = tab == REVIEW_TAB
        for name in ("next", "previous", "save", "save_next", "declare_none", "declare_conflict", "back_to_queue",
                     *(f"tick_{n}" for n in range(1, TICK_COUNT + 1))):
            self.actions_by_name[name].setEnabled(reviewing)
        if reviewing and self.review.current_id is None:
            selected = self.queue.selected_application()
            if selected is not None:
                self.review.show_application(selected)
        page = self.tabs.widget(tab)
        if isinstance(page, LazyPage):
            content = page.ensure_built()
            if page is self.stats_page and hasattr(content, "refresh"):
                content.refresh(self.ws)

    def _build_policy(self, parent: QWidget) -> QWidget:
        from gui.policy_browser import PolicyBrowser  # built on first visit, as the other pages

        return PolicyBrowser(parent)

    def _build_stats(self, parent: QWidget) -> QWidget:
        from gui.statistics_view import StatisticsView

        return StatisticsView(parent)

    def show_clause(self, clause_id: str) -> None:
        """The policy page with the whole document scrolled to ``clause_id``."""
        self.tabs.setCurrentIndex(POLICY_TAB)
        browser = self.policy_page.ensure_built()
        browser.show_clause(clause_id)  # type: ignore[attr-defined]  # the page builds a PolicyBrowser
        browser.show_source()  # type: ignore[attr-defined]  # as above

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(QUEUE_TAB)
        self.queue.focus_search()

    def back_to_queue(self) -> None:
        self.tabs.setCurrentIndex(QUEUE_TAB)
        self.queue.table.setFocus()

    def focus_queue_if_shown(self) -> None:
        """The keyboard on the queue's table, as at launch and after a dialog (when the queue is the page shown)."""
        if self.tabs.currentIndex() == QUEUE_TAB and not self.queue.search.hasFocus():
            self.queue.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def fit_to_screen(self) -> None:
        """No taller or wider than the screen's free area (the status bar stays in view), and inside it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size() if self.isVisible() else QSize(0, 32)
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(self.x(), free.left()), free.right() - width - frame.width() + 1)
        y = min(max(self.y(), free.top()), free.bottom() - height - frame.height() + 1)
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._fitted and not OFFSCREEN():  # the window manager's frame is known once shown
            self._fitted = True
            self.fit_to_screen()

    def import_file(self) -> None:
        from gui.import_dialog import ImportDialog  # loads the readers (pandas) on first use only

        dialog = ImportDialog(self, self.ws.folder, ask_signer=lambda then: self._with_import_key(dialog, then),
                              acting=self.session.current)
        dialog.import_finished.connect(lambda result: self.apply_changes(result.changes))
        dialog.exec()

    def _with_import_key(self, dialog: QWidget, then: Callable[[ActingSigner], None]) -> None:
        """The sitting's unlocked key for an import (asking the passphrase only if it is locked), as a decision's."""
        from gui.import_dialog import NO_SIGNER
        from gui.sheet_actions import with_signing_key
        from models.signing.signed_entries import ActingSigner

        with_signing_key(self, lambda name, key: then(ActingSigner(name, key)), title="导入申报文件",
                         no_reviewer=NO_SIGNER, parent=dialog)

    def open_settings(self) -> None:
        from gui.settings_dialog import SettingsDialog

        if SettingsDialog.ask(self, self.ws):
            self.session.idle_seconds = idle_minutes() * 60
            self.reload_queue()

    def open_people(self) -> None:
        from gui.people_dialog import PeopleDialog

        if PeopleDialog.ask(self.ws.folder, self):
            self.refresh_people()

    def refresh_people(self) -> None:
        """The toolbar's reviewers after 人员管理; a reviewer no longer able to sign is locked out."""
        self.session.roles = signing_people(self.ws.db)
        if self.session.current not in self.session.roles:
            self.session.lock()
            self.session.current = None
        self.reviewer_combo.blockSignals(True)
        while self.reviewer_combo.count() > 1:
            self.reviewer_combo.removeItem(1)
        for name, role in self.session.roles.items():
            self.reviewer_combo.addItem(f"{name}（{role}）", name)
        self.reviewer_combo.blockSignals(False)
        self._show_reviewer_in_combo(self.session.current)
        self.reload_queue()

    def open_calculator(self) -> None:
        from gui.calculator import CalculatorDialog

        CalculatorDialog(self, self.ws).exec()

    def sheet_action(self, name: str) -> None:
        """打印/导出审核表, 打印空白审核表, 核对校验码: ``gui.sheet_actions.<name>(window[, application_id])``."""
        from gui import sheet_actions  # on first use: it loads the PDF, signing and printing libraries

        if name == "verify_code":
            sheet_actions.verify_code(self)
            return
        action = getattr(sheet_actions, name)
        current = self.review.current_id if self.review_page.content is not None else None
        application_id = current or self.queue.selected_application()
        if application_id is None:
            errors.show_message(self, "审核表", "请先选择一件申报")
            return
        try:
            action(self, self.ws, application_id)
        except Exception as error:  # noqa: BLE001 - shown, and logged when unexpected
            errors.report(error, self)

    def about(self) -> None:
        from cli.main import VERSION

        policy = load_policy(current_version().id)
        QMessageBox.about(self, "关于审核台", f"<b>审核台 ReviewDesk</b>　版本 {VERSION}<p>{policy.document_number}"
                          f"《{policy.title}》奖补申报审核工作台</p><p>政策数据版本：{policy.version}</p>"
                          f"<p>工作区：{self.ws.folder}</p>")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.closing and self.review_page.content is not None:
            from gui.draft_keeper import QuitWithDrafts

            unsaved = self.review.drafts.unsaved_in_sitting()
            if unsaved and not QuitWithDrafts.ask(self, unsaved):
                event.ignore()
                return
        self.closing = True
        settings = app_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        if self.review_page.content is not None:
            self.review.save_layout()
            self.review.drafts.close()
        self.loader.close()
        QThreadPool.globalInstance().waitForDone(5000)
        super().closeEvent(event)
