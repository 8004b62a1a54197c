"""The 审核 page: clause, evidence and assessment panes side by side, one application at a time."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from models.review.casefile import load_case
from models.review.conflicts import declare_conflict
from models.review.corrections import correction_state
from models.review.decisions import decide_with_key
from models.review.queue_index import may_act_next
from models.workspace.workspace import Workspace

from gui import errors
from gui.assessment_pane import AssessmentPane
from gui.case_loader import CaseLoader, LoadedCase
from gui.clause_pane import ClausePane
from gui.draft_keeper import DraftKeeper
from gui.evidence_pane import EvidencePane, Gate
from gui.qt import (
    QFrame, QHBoxLayout, QInputDialog, QLabel, QSplitter, Qt, QToolButton, QVBoxLayout, QWidget, Signal,
)
from gui.queue_model import QueueModel
from gui.sitting import ReviewSession
from gui.settings_store import app_settings, read_list

PANES = ("clause", "evidence", "assessment")
PANE_TITLES = {"clause": "条款原文", "evidence": "申报附件", "assessment": "评估与审核"}
DEFAULT_SIZES = {"clause": 320, "evidence": 500, "assessment": 530}
ORDER_KEY, SPLITTER_KEY = "review/pane_order", "review/splitter_state"


class ConflictReasonDialog:
    @classmethod
    def ask(cls, parent: QWidget | None) -> str | None:
        """The reason for a declared conflict, or None when cancelled."""
        text, ok = QInputDialog.getMultiLineText(parent, "声明存在利益冲突", "请写明利益冲突的原因（将记入审计日志）：")
        return text if ok else None

    @classmethod
    def ask_withdrawal(cls, parent: QWidget | None) -> str | None:
        """Why a declared conflict is withdrawn, or None when cancelled."""
        text, ok = QInputDialog.getMultiLineText(parent, "撤回利益冲突声明", "请写明撤回的原因（将记入审计日志）：")
        return text if ok else None


class PaneFrame(QFrame):
    """A pane with its title and buttons that move it left or right (the order is remembered)."""

    move_requested = Signal(str, int)

    def __init__(self, name: str, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 3, 4, 3)
        title = QLabel(f"<b>{PANE_TITLES[name]}</b>", self)
        bar.addWidget(title)
        bar.addStretch(1)
        for text, step, tip in (("◀", -1, "窗格左移"), ("▶", 1, "窗格右移")):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(lambda _=False, s=step: self.move_requested.emit(self.name, s))
            bar.addWidget(button)
        layout.addLayout(bar)
        layout.addWidget(content, 1)


class ReviewView(QWidget):
    decision_saved = Signal(str, object)  # the application, and models.changes.Changes: what else moved
    conflict_declared = Signal(str)
    current_changed = Signal(str)
    case_shown = Signal(str)
    open_source = Signal(str)

    def __init__(self, ws: Workspace, session: ReviewSession, loader: CaseLoader, model: QueueModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.session, self.loader, self.model = ws, session, loader, model
        self.current_id: str | None = None
        self.loaded: LoadedCase | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(self._header())

        self.clause = ClausePane(self)
        self.evidence = EvidencePane(self)
        self.assessment = AssessmentPane(self)
        self.drafts = DraftKeeper(ws.folder, self.assessment, self)
        self.frames = {name: PaneFrame(name, widget, self) for name, widget in
                       zip(PANES, (self.clause, self.evidence, self.assessment))}
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        for frame in self.frames.values():
            frame.move_requested.connect(self.move_pane)
            self.splitter.addWidget(frame)
        self.splitter.setSizes([DEFAULT_SIZES[name] for name in PANES])
        layout.addWidget(self.splitter, 1)
        self.restore_layout()

        self.clause.open_source.connect(self.open_source)
        self.evidence.declare_none.connect(self.declare_no_conflict)
        self.evidence.declare_conflict.connect(self.declare_a_conflict)
        self.evidence.withdraw_conflict.connect(self.withdraw_my_conflict)
        self.assessment.open_file.connect(self.evidence.open_file)
        self.assessment.form.save_requested.connect(self.save)
        self.assessment.correction_panel.notice_requested.connect(self.issue_notice)
        self.assessment.correction_panel.evidence_requested.connect(self.add_correction_evidence)
        self.splitter.splitterMoved.connect(lambda *args: self.save_layout())
        loader.loaded.connect(self._loaded)
        loader.failed.connect(self._failed)
        self._show_nothing()

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        row.addWidget(self.title, 1)
        self.position = QLabel(self)
        row.addWidget(self.position)
        self.previous_button = QToolButton(self)
        self.previous_button.setText("◀ 上一件 (K)")
        self.next_button = QToolButton(self)
        self.next_button.setText("下一件 (J) ▶")
        self.previous_button.clicked.connect(lambda: self.go(-1))
        self.next_button.clicked.connect(lambda: self.go(1))
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        return row

    # --- navigation ---------------------------------------------------------------------

    def show_application(self, application_id: str) -> None:
        self.drafts.detach()
        self.current_id = application_id
        self.current_changed.emit(application_id)
        cached = self.loader.cached(application_id)
        if cached is not None:
            self._display(cached)
        else:
            self.loaded = None
            self.refresh_title()
            self.evidence.set_gate(Gate.LOADING)
            self.loader.request(application_id)
        self._prefetch_neighbours()

    def go(self, step: int) -> bool:
        """Show the next (1) or previous (-1) application of the queue as it is filtered and sorted."""
        neighbour = self._neighbour(step)
        if neighbour is None:
            return False
        self.show_application(neighbour)
        return True

    def _neighbour(self, step: int) -> str | None:
        count = self.model.rowCount()
        if count == 0:
            return None
        row = self.model.row_of(self.current_id) if self.current_id else None
        target = (0 if step > 0 else count - 1) if row is None else row + step
        return self.model.application_id(target) if 0 <= target < count else None

    def _prefetch_neighbours(self) -> None:
        for step in (1, -1):
            neighbour = self._neighbour(step)
            if neighbour is not None:
                self.loader.request(neighbour)

    def _loaded(self, application_id: str, loaded: LoadedCase) -> None:
        if application_id == self.current_id and self.loaded is None:
            self._display(loaded)

    def _failed(self, application_id: str, error: BaseException) -> None:
        if application_id == self.current_id:
            errors.report(error, self)

    # --- showing --------------------------------------------------------------------------

    def _show_nothing(self) -> None:
        self.drafts.detach()
        self.title.setText("<span style='color:#666'>在待审队列中选择一件申报（Enter 打开）</span>")
        self.position.setText("")
        self.clause.show_item(None)
        self.evidence.show_case(None)
        self.evidence.set_gate(Gate.NO_REVIEWER if not self.session.current else Gate.LOADING)
        self.assessment.setEnabled(False)

    def _display(self, loaded: LoadedCase) -> None:
        self.drafts.detach()
        if self.loaded is None or self.loaded.application_id != loaded.application_id:
            self.assessment.scroll_area.verticalScrollBar().setValue(0)  # each application is read from its top
        self.loaded = loaded
        case = loaded.case
        self.refresh_title()
        self.clause.show_item(case.item, case.policy)
        self.evidence.show_case(loaded)
        self.assessment.setEnabled(True)
        self.assessment.show_case(case, self.session.ticks(loaded.application_id), self.session.role,
                                  self.session.current)
        self.assessment.correction_panel.show_state(correction_state(self.ws.db, loaded.application_id))
        self._apply_gate()
        self.drafts.attach(loaded.application_id, self.session.current,
                           self.gate() is Gate.OPEN and not self.assessment.form.blocked)
        self.case_shown.emit(loaded.application_id)

    def refresh_title(self) -> None:
        if self.current_id is None:
            return
        name = escape(self.loaded.case.application.enterprise) if self.loaded else "正在加载…"
        demo = "　<span style='color:#b3261e'>【演示数据】</span>" if self.loaded and self.loaded.case.demo else ""
        self.title.setText(f"<span style='font-size:large'><b>{escape(self.current_id)}</b>　{name}</span>{demo}")
        row = self.model.row_of(self.current_id)
        self.position.setText(f"第 {row + 1} / {self.model.rowCount()} 件" if row is not None else "（不在当前筛选中）")
        self.previous_button.setEnabled(self._neighbour(-1) is not None)
        self.next_button.setEnabled(self._neighbour(1) is not None)

    def gate(self) -> Gate:
        reviewer = self.session.current
        if not reviewer:
            return Gate.NO_REVIEWER
        if self.loaded is None:
            return Gate.LOADING
        declared = self.loaded.case.conflicts.get(reviewer)
        if declared is None:
            return Gate.UNDECLARED
        return Gate.CONFLICT if declared[0] else Gate.OPEN

    def _apply_gate(self) -> None:
        gate = self.gate()
        reason = ""
        if gate is Gate.CONFLICT and self.loaded and self.session.current:
            reason = self.loaded.case.conflicts[self.session.current][1]
        self.evidence.set_gate(gate, self.session.current or "", reason)
        self.assessment.set_deciding_enabled(gate is Gate.OPEN)

    def reviewer_changed(self) -> None:
        if self.loaded is not None:
            self._display(self.loaded)
        else:
            self._apply_gate()

    # --- acting -----------------------------------------------------------------------------

    def declare_no_conflict(self) -> None:
        self._declare(False, "")

    def declare_a_conflict(self) -> None:
        if self.gate() is not Gate.UNDECLARED:
            return
        reason = ConflictReasonDialog.ask(self)
        if reason is not None:
            self._declare(True, reason)

    def withdraw_my_conflict(self) -> None:
        """Withdraw the current reviewer's declared conflict: a reason, and their passphrase asked again."""
        from gui.passphrase_dialog import PassphraseDialog
        from models.review.conflicts import withdraw_conflict

        reviewer = self.session.current
        if not reviewer or self.current_id is None or self.gate() is not Gate.CONFLICT:
            return
        reason = ConflictReasonDialog.ask_withdrawal(self)
        if reason is None:
            return
        passphrase = PassphraseDialog.ask(self, reviewer)
        if passphrase is None:
            return
        try:
            withdraw_conflict(self.ws, self.current_id, reviewer, passphrase, reason)
        except Exception as error:  # noqa: BLE001 - shown to the reviewer, logged when unexpected
            errors.report(error, self)
            return
        self._reload_case()

    def _declare(self, has_conflict: bool, reason: str) -> None:
        reviewer = self.session.current
        if not reviewer or self.current_id is None or self.gate() is not Gate.UNDECLARED:
            return
        key = self.session.key(reviewer)
        if key is None:
            errors.show_message(self, "审核台", "利益冲突声明由本人签名：请先在工具栏选择当前审核人并解锁签名密钥")
            return
        try:
            declare_conflict(self.ws, self.current_id, reviewer, has_conflict=has_conflict, reason=reason, key=key)
        except Exception as error:  # noqa: BLE001 - shown to the reviewer, logged when unexpected
            errors.report(error, self)
            return
        self.conflict_declared.emit(self.current_id)
        self._reload_case()

    def save(self, and_next: bool = False) -> bool:
        """Sign and record the form's decision; True when saved."""
        reviewer = self.session.current
        if self.loaded is None or self.current_id is None:
            return False
        if not reviewer or self.session.key(reviewer) is None:
            errors.show_message(self, "审核台", "请先在工具栏选择当前审核人并解锁签名密钥")
            return False
        if self.gate() is not Gate.OPEN:
            errors.show_message(self, "审核台", "请先声明无利益冲突；已声明存在利益冲突的须回避，不能作出决定")
            return False
        if self.assessment.form.blocked:
            errors.show_message(self, "审核台", self.assessment.form.blocked)
            return False
        try:
            given = self.assessment.form.read(self.current_id, reviewer)
            decision = decide_with_key(self.ws, given, self.session.key(reviewer))  # type: ignore[arg-type]  # the session holds the reviewer's EC private key once unlocked
        except Exception as error:  # noqa: BLE001 - DecisionRefused and FormIncomplete read as sentences
            errors.report(error, self)
            return False
        saved = self.current_id
        self.drafts.saved(saved, reviewer)
        self._reload_case()
        self.decision_saved.emit(saved, decision.changes)
        if and_next:
            following = self.next_to_act_on()
            if following is not None:
                self.show_application(following)
        return True

    def issue_notice(self) -> None:
        from gui.correction_actions import issue_from_review

        issue_from_review(self)

    def add_correction_evidence(self) -> None:
        from gui.correction_actions import add_evidence_from_review

        add_evidence_from_review(self)

    def reload_current(self) -> None:
        """Show the current application as the workspace now has it."""
        if self.current_id is not None:
            self._reload_case()

    def next_to_act_on(self) -> str | None:
        """The next application down the queue the current reviewer may act on (their stage, not recused)."""
        row = self.model.row_of(self.current_id) if self.current_id else None
        index, reviewer, role = self.model.index_data, self.session.current, self.session.role
        for target in range(0 if row is None else row + 1, self.model.rowCount()):
            application_id = self.model.application_id(target)
            if may_act_next(index, index.position_of[application_id], reviewer, role):
                return application_id
        return None

    def toggle_tick(self, position: int) -> None:
        if self.loaded is not None and self.gate() is Gate.OPEN:
            self.assessment.toggle_tick(position)

    def _reload_case(self) -> None:
        assert self.current_id is not None
        case = load_case(self.ws, self.current_id)
        updated = self.loader.replace_case(self.current_id, case)
        if updated is None and self.loaded is not None:
            updated = replace(self.loaded, case=case)
        if updated is not None:
            self._display(updated)

    # --- layout -----------------------------------------------------------------------------

    def pane_order(self) -> list[str]:
        return [self.splitter.widget(n).name for n in range(self.splitter.count())]  # type: ignore[attr-defined]  # every pane in the splitter is one of ours, with a name

    def move_pane(self, name: str, step: int) -> None:
        order = self.pane_order()
        at = order.index(name)
        target = at + step
        if 0 <= target < len(order):
            sizes = self.splitter.sizes()
            order[at], order[target] = order[target], order[at]
            sizes[at], sizes[target] = sizes[target], sizes[at]
            self._apply_order(order)
            self.splitter.setSizes(sizes)
            self.save_layout()

    def _apply_order(self, order: list[str]) -> None:
        for position, name in enumerate(order):
            self.splitter.insertWidget(position, self.frames[name])

    def save_layout(self) -> None:
        settings = app_settings()
        settings.setValue(ORDER_KEY, self.pane_order())
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def restore_layout(self) -> None:
        settings = app_settings()
        order = read_list(settings, ORDER_KEY)
        if sorted(order) == sorted(PANES):
            self._apply_order(order)
        state = settings.value(SPLITTER_KEY)
        if state:
            self.splitter.restoreState(state)

    def reset_layout(self) -> None:
        self._apply_order(list(PANES))
        self.splitter.setSizes([DEFAULT_SIZES[name] for name in PANES])
        self.save_layout()
