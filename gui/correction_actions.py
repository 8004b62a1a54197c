"""生成补正告知书 from the review form: signed by the current reviewer with the key unlocked in this sitting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sheets.correction_notice import IssuedNotice, issue_notice_with_key

from gui import errors
from gui.ops import Op, worker_workspace
from gui.qt import QFileDialog, QWidget
from gui.settings_store import app_settings

if TYPE_CHECKING:
    from gui.review_view import ReviewView

NOTICE_DIR_SETTING = "notices/dir"


class EvidenceFiles:
    @classmethod
    def ask(cls, parent: QWidget | None) -> list[Path]:
        """The files the enterprise supplied, or none when cancelled."""
        chosen, _ = QFileDialog.getOpenFileNames(parent, "补充附件", str(Path.home()), "所有文件 (*)")
        return [Path(name) for name in chosen]


class NoticeFile:
    @classmethod
    def ask(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        """Where to save the letter, or None when cancelled."""
        chosen, _ = QFileDialog.getSaveFileName(parent, "保存补正告知书", str(suggested), "PDF 文件 (*.pdf)")
        return Path(chosen) if chosen else None


def issue_from_review(view: ReviewView) -> None:
    """Render and sign the letter on a worker thread (the first one loads the fonts: about 2 s)."""
    reviewer, application_id = view.session.current, view.current_id
    if application_id is None:
        return
    key = view.session.key(reviewer) if reviewer else None
    if not reviewer or key is None:
        errors.show_message(view, "审核台", "补正告知书由当前审核人签名：请先在工具栏选择审核人并解锁签名密钥")
        return
    settings = app_settings()
    folder = Path(str(settings.value(NOTICE_DIR_SETTING, "") or Path.home()))
    target = NoticeFile.ask(view, folder / f"{application_id}-补正告知书.pdf")
    if target is None:
        return
    workspace_folder = view.ws.folder

    def work(progress: object) -> IssuedNotice:
        with worker_workspace(workspace_folder) as ws:
            return issue_notice_with_key(ws, application_id, target, reviewer, key)

    def done(issued: IssuedNotice) -> None:
        settings.setValue(NOTICE_DIR_SETTING, str(target.parent))
        view.assessment.correction_panel.show_issued(issued.path)

    Op(view, work).success(done).with_progress(f"正在生成并签名 {application_id} 的补正告知书…").run()


def add_evidence_from_review(view: ReviewView) -> bool:
    """Add the chosen files to the application waiting for 补正: its resubmission. True when recorded."""
    from models.review.correction_evidence import add_evidence

    from models.signing.signed_entries import ActingSigner

    reviewer, application_id = view.session.current, view.current_id
    if application_id is None:
        return False
    key = view.session.key(reviewer) if reviewer else None
    if not reviewer or key is None:
        errors.show_message(view, "审核台", "补正由当前审核人以本人密钥签名登记：请先在工具栏选择审核人并解锁签名密钥")
        return False
    files = EvidenceFiles.ask(view)
    if not files:
        return False
    try:
        add_evidence(view.ws, application_id, files, ActingSigner(reviewer, key))
    except Exception as error:  # noqa: BLE001 - EvidenceRefused reads as a sentence; anything else is logged
        errors.report(error, view)
        return False
    view.model.refresh_applications([application_id])
    view.reload_current()
    return True
