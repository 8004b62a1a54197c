"""Keeps what a reviewer types into the decision form as a 草稿 until it is saved (see models.review.drafts).

The form is written to the drafts file shortly after each change and before moving away,
so moving on, closing the window or a crash loses nothing typed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from models.review.drafts import Draft, DraftStore

from gui.assessment_pane import AssessmentPane
from gui.qt import QMessageBox, QObject, QTimer, QWidget, Signal

WRITE_DELAY_MS = 300


class DraftKeeper(QObject):
    changed = Signal()  # a draft was written or dropped

    def __init__(self, workspace_folder: Path, pane: AssessmentPane, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = DraftStore(workspace_folder)
        self.pane = pane
        self._owner: tuple[str, str] | None = None  # (申报编号, reviewer) the form is filled in for
        self._baseline: Draft | None = None  # the form as loaded, before any change
        self._stored: Draft | None = None  # the draft on file for the owner
        self._touched: set[tuple[str, str]] = set()  # drafts written in this sitting
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(WRITE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        pane.form.edited.connect(self._edited)
        pane.ticks_changed.connect(self._edited)

    def attach(self, application_id: str | None, reviewer: str | None, deciding: bool) -> None:
        """The form was just filled in for ``application_id``: bring back the reviewer's draft, if any."""
        if application_id is None or not reviewer or not deciding:
            self._owner = self._baseline = self._stored = None
            return
        self._owner = (application_id, reviewer)
        self._baseline = self.pane.form.snapshot(self.pane.ticked())
        draft = self.store.get(application_id, reviewer)
        if draft is not None:
            self.pane.set_ticks(set(draft.ticks))
            self.pane.form.apply_draft(draft)
            # As the form holds it (a tick beyond a shortened checklist is dropped), so reopening writes nothing.
            draft = replace(self.pane.form.snapshot(self.pane.ticked()), saved_at=draft.saved_at)
        self._stored = draft

    def detach(self) -> None:
        """Before the form is filled in for another application or reviewer: keep what it holds."""
        self.flush()
        self._owner = self._baseline = self._stored = None

    def _edited(self) -> None:
        if self._owner is not None:
            self._timer.start()

    def flush(self) -> None:
        """Write the form now if it has unsaved changes (or drop the draft when they were undone)."""
        self._timer.stop()
        if self._owner is None or self._baseline is None:
            return
        application_id, reviewer = self._owner
        current = self.pane.form.snapshot(self.pane.ticked())
        if current.same_fields(self._baseline):
            if self._stored is not None:
                self.store.discard(application_id, reviewer)
                self.changed.emit()
            self._stored = None
            self._touched.discard(self._owner)
            self.pane.form.show_draft_state(None)
            return
        if self._stored is not None and current.same_fields(self._stored):
            return
        first = self._stored is None
        self._stored = self.store.put(application_id, reviewer, current)
        self._touched.add(self._owner)
        if first:
            self.changed.emit()
        self.pane.form.show_draft_state(self._stored)

    def saved(self, application_id: str, reviewer: str) -> None:
        """The decision was signed and recorded: its draft is done with."""
        self._timer.stop()
        self.store.discard(application_id, reviewer)
        self._touched.discard((application_id, reviewer))
        self._owner = self._baseline = self._stored = None
        self.changed.emit()

    def unsaved_in_sitting(self) -> list[str]:
        """申报编号 whose drafts were written in this sitting and are still unsaved."""
        self.flush()
        return sorted(application_id for application_id, _ in self._touched)

    def close(self) -> None:
        self.flush()
        self.store.close()


class QuitWithDrafts:
    @classmethod
    def ask(cls, parent: QWidget | None, application_ids: list[str]) -> bool:
        """True when the reviewer still wants to quit with ``application_ids`` unsaved (kept as 草稿)."""
        shown = "、".join(application_ids[:5]) + ("等" if len(application_ids) > 5 else "")
        box = QMessageBox(QMessageBox.Icon.Question, "尚有未保存的审核决定",
                          f"{shown} 共 {len(application_ids)} 件申报的审核决定尚未签名保存。\n"
                          "草稿会保留，下次打开时仍在。仍要退出吗？", parent=parent)
        quit_button = box.addButton("退出（保留草稿）", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(quit_button)
        box.exec()
        return box.clickedButton() is quit_button
