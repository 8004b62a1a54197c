"""文件 → 导出审核表 / 打印审核表 / 打印空白审核表, and 工具 → 核对校验码, for the main window.

A sheet is signed by the current reviewer with the key unlocked in this
sitting (``ReviewSession``); the passphrase is asked only when that key is not
unlocked yet. Numbering, rendering and signing run off the GUI thread (``Op``)
on a second workspace connection. Printing prints the signed PDF itself: the
current original (exported to the remembered folder, or kept in the
workspace's store), otherwise a fresh one, issued only when the preview's 打印
button prints: until then the preview shows the sheet with 预览 in place of its
number and code, and nothing is registered. A superseded sheet is never printed.

Each takes the main window (its ``ws``, ``session``, ``statusBar()``), as
``MainWindow.sheet_action`` calls them: ``export_sheet(window, ws, application_id)``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from models.review.terms import FIRST
from sheets.single import NO_FIRST_DECISION, IssuedSheet, export_with_key, issued_copy, stored_copy

from gui import errors, passphrase_dialog
from gui.ops import Op, run_and_wait, worker_workspace
from gui.print_sheet import preview_and_print
from gui.qt import QDesktopServices, QFileDialog, QMessageBox, QUrl, QWidget
from gui.settings_store import app_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

    from models.workspace.workspace import Workspace

    from gui.sitting import ReviewSession

TITLE = "审核表"
EXPORT_DIR_SETTING = "sheets/export_dir"
NO_REVIEWER = "请先在工具栏选择审核人：审核表由当前审核人签名"


class Window(Protocol):
    ws: Workspace
    session: ReviewSession

    def statusBar(self) -> Any: ...  # noqa: N802, E704 - Qt's name


# --- shared steps ----------------------------------------------------------------------------------


def has_first_decision(ws: Workspace, application_id: str) -> bool:
    from models.review.decisions import current_decision

    return current_decision(ws, application_id, FIRST) is not None


def _refuse_undecided(window: Window, application_id: str) -> bool:
    """True (and the reviewer told why) when there is no 初审 decision to put on a sheet."""
    if has_first_decision(window.ws, application_id):
        return False
    errors.show_message(window, TITLE, f"{application_id}：{NO_FIRST_DECISION}。")  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    return True


def with_signing_key(window: Window, then: Callable[[str, ec.EllipticCurvePrivateKey], None], *,
                     title: str = TITLE, no_reviewer: str = NO_REVIEWER, parent: QWidget | None = None) -> None:
    """Call ``then(reviewer, key)`` with the current reviewer's unlocked key, asking the passphrase only if needed
    (over ``parent`` when given, e.g. the dialog that asked)."""
    name = window.session.current
    asking = parent or window
    if name is None:
        errors.show_message(asking, title, no_reviewer)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
        return
    key = window.session.key(name)
    if key is not None:
        then(name, key)
        return
    passphrase = passphrase_dialog.PassphraseDialog.ask(asking, name)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    if passphrase is None:
        return
    folder = window.ws.folder

    def unlock_key(progress: object) -> ec.EllipticCurvePrivateKey:
        from models.signing.reviewers import unlock

        with worker_workspace(folder) as ws:
            return unlock(ws, name, passphrase)

    def unlocked(key: ec.EllipticCurvePrivateKey) -> None:
        window.session.remember_key(name, key)
        then(name, key)

    Op(window, unlock_key).success(unlocked).with_progress(f"正在解锁 {name} 的签名密钥…").run()  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time


def issue_sheet(window: Window, application_id: str, folder: str | Path, signer: str,
                key: ec.EllipticCurvePrivateKey, done: Callable[[IssuedSheet], None],
                failed: Callable[[BaseException], None] | None = None) -> None:
    """Number, render, sign and write ``<folder>/<申报编号>.pdf`` on a worker thread; ``done`` on the GUI thread."""
    workspace_folder = window.ws.folder

    def work(progress: object) -> IssuedSheet:
        with worker_workspace(workspace_folder) as ws:
            return export_with_key(ws, application_id, folder, signer, key)

    op = Op(window, work).success(done)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    if failed is not None:
        op.failure(failed)
    op.with_progress(f"正在生成并签名 {application_id} 的审核表…").run()


def _status(window: Window, text: str) -> None:
    try:
        window.statusBar().showMessage(text, 8000)
    except AttributeError:
        pass


def inform(parent: QWidget | None, title: str, text: str, folder: str | None = None) -> None:
    """An information box; with ``folder``, a button that opens it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    open_button = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole) if folder else None
    box.exec()
    if open_button is not None and box.clickedButton() is open_button:
        QDesktopServices.openUrl(QUrl.fromLocalFile(folder or ""))  # set whenever open_button is


# --- 导出审核表 --------------------------------------------------------------------------------------


def choose_folder(parent: QWidget | None) -> str | None:
    """The export folder (the last one is offered again and remembered)."""
    settings = app_settings()
    start = str(settings.value(EXPORT_DIR_SETTING, "") or Path.home())
    folder = QFileDialog.getExistingDirectory(parent, "选择审核表的导出文件夹", start)
    if not folder:
        return None
    settings.setValue(EXPORT_DIR_SETTING, folder)
    return folder


def export_sheet(window: Window, ws: Workspace, application_id: str) -> None:
    if _refuse_undecided(window, application_id):
        return
    folder = choose_folder(window)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    if folder is None:
        return

    def exported(sheet: IssuedSheet) -> None:
        _status(window, f"{application_id} 的审核表已导出，校验码 {sheet.code}")
        inform(window, TITLE, f"{application_id} 的审核表已签名导出：\n{sheet.path}\n\n"  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
                              f"校验码：{sheet.code}\n表号：{sheet.serial}　签名人：{sheet.signer}"
                              + (f"\n\n注意：{sheet.warning}" if sheet.warning else ""),
               str(Path(sheet.path).parent))

    with_signing_key(window, lambda signer, key: issue_sheet(window, application_id, folder, signer, key, exported))


# --- 打印 ------------------------------------------------------------------------------------------------


def print_file(window: Window, path: str | Path, title: str,
               to_print: Callable[[], str | Path] | None = None) -> bool:
    """Preview and print a PDF file (on paper ``to_print()`` when given); True when sent to the printer
    (a failure is shown, and gives False)."""
    try:
        return preview_and_print(window, path, title, to_print)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    except Exception as error:  # noqa: BLE001 - shown, and logged when unexpected
        errors.report(error, window)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
        return False


def print_sheet(window: Window, ws: Workspace, application_id: str) -> None:
    """Print the signed sheet: the current original (exported copy or the workspace's stored one), else a new one,
    previewed as 预览 and issued only when printed."""
    if _refuse_undecided(window, application_id):
        return
    title = f"审核表 {application_id}"
    exported_to = str(app_settings().value(EXPORT_DIR_SETTING, "") or "")
    existing = issued_copy(ws, application_id, exported_to) if exported_to else None
    if existing is not None:
        if print_file(window, existing.path, title):
            _status(window, f"已打印 {application_id} 的审核表（校验码 {existing.code}）")
        return
    scratch = tempfile.mkdtemp(prefix="reviewdesk-print-")
    try:
        stored = stored_copy(ws, application_id, scratch)  # the current original: no key, no new number
        if stored is not None:
            if print_file(window, stored.path, title):
                _status(window, f"已打印 {application_id} 的审核表（校验码 {stored.code}）")
            return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with_signing_key(window, lambda signer, key: preview_then_issue(window, application_id, signer, key))


def preview_then_issue(window: Window, application_id: str, signer: str, key: ec.EllipticCurvePrivateKey) -> None:
    """Preview the sheet ``signer`` would issue, as 预览 (rendered off the GUI thread, nothing registered);
    its 打印 button issues the signed original and prints that."""
    title = f"审核表 {application_id}"
    workspace_folder = window.ws.folder
    scratch = Path(tempfile.mkdtemp(prefix="reviewdesk-print-"))

    def render(progress: object) -> Path:
        from sheets.batch import file_name, write_atomically
        from sheets.preview import render_preview

        with worker_workspace(workspace_folder) as ws:
            data = render_preview(ws, application_id, signer)
        target = scratch / f"预览-{file_name(application_id)}"
        write_atomically(target, data)
        return target

    def rendered(preview: Path) -> None:
        issued: list[IssuedSheet] = []

        def original() -> str:
            # The 打印 button was pressed: number, sign and register the sheet now, off the GUI thread
            # (the export checks the whole workspace first: seconds on a large one).
            def issue(progress: object) -> IssuedSheet:
                with worker_workspace(workspace_folder) as ws:
                    return export_with_key(ws, application_id, scratch / "原件", signer, key)

            issued.append(run_and_wait(window, issue, f"正在校验工作区并签发 {application_id} 的审核表…"))  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
            return issued[-1].path

        try:
            if print_file(window, preview, title, original) and issued:
                _status(window, f"已打印 {application_id} 的审核表（校验码 {issued[-1].code}）")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def failed(error: BaseException) -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        errors.report(error, window)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time

    Op(window, render).success(rendered).failure(failed).with_progress(  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
        f"正在生成 {application_id} 的审核表预览…").run()


def print_blank_form(window: Window, ws: Workspace, application_id: str) -> None:
    """The pre-filled blank form (no decisions, unsigned) for an expert reviewing on paper."""
    workspace_folder = ws.folder
    scratch = Path(tempfile.mkdtemp(prefix="reviewdesk-blank-"))

    def render(progress: object) -> Path:
        from models.review.casefile import load_case
        from models.exports.fonts import PDF_FONT_SETTING
        from sheets.batch import file_name, write_atomically
        from sheets.blank_form import render_blank_form

        with worker_workspace(workspace_folder) as ws:
            case = load_case(ws, application_id)
            font_path = ws.setting(PDF_FONT_SETTING, "") or None
        target = scratch / f"空白审核表-{file_name(application_id)}"
        write_atomically(target, render_blank_form(case, font_path=font_path))
        return target

    def rendered(path: Path) -> None:
        try:
            if print_file(window, path, f"空白审核表 {application_id}"):
                _status(window, f"已打印 {application_id} 的空白审核表")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def failed(error: BaseException) -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        errors.report(error, window)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time

    Op(window, render).success(rendered).failure(failed).with_progress(  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
        f"正在生成 {application_id} 的空白审核表…").run()


# --- 核对校验码 -----------------------------------------------------------------------------------------


def verify_code(window: Window) -> None:
    from gui.verify_code_dialog import VerifyCodeDialog

    dialog = VerifyCodeDialog(window.ws, window)  # type: ignore[arg-type]  # window: the Window protocol, a QMainWindow at run time
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
