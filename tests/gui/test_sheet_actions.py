"""导出/打印审核表, 打印空白审核表, 核对校验码 from the main window (offscreen; no real printer, no file dialog)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE, create_demo
from models.signing.keys import KdfParams
from models.workspace.locking import LOCK_NAME
from models.signing.reviewers import ca_certificate, unlock

SIGNER = "审核员甲"


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sheets-template") / "ws"
    create_demo(folder, count=12, kdf=KdfParams.cheap_for_tests())
    return folder


@pytest.fixture
def sheet_window(open_window, small_template: Path, tmp_path: Path, messages: list[str]):  # noqa: ANN001, ANN201 - pytest fixtures and test doubles go unannotated
    folder = tmp_path / "ws"
    shutil.copytree(small_template, folder, ignore=shutil.ignore_patterns(LOCK_NAME))
    window = open_window(folder)
    window.queue.mine_only.setChecked(False)  # sheets are exported from the whole queue, decided cases included
    return window


@pytest.fixture
def no_passphrase_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(cls, parent, reviewer):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        raise AssertionError(f"asked for {reviewer}'s passphrase although the key is unlocked")

    monkeypatch.setattr("gui.passphrase_dialog.PassphraseDialog.ask", classmethod(refuse))


@pytest.fixture
def informed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr("gui.sheet_actions.inform", lambda parent, title, text, folder=None: shown.append(text))
    return shown


@pytest.fixture
def export_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    from gui.qt import QFileDialog

    out = tmp_path / "导出"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args: str(out)))
    return out


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, int, Path]]:
    """The preview is replaced by pressing its 打印 at once, printing to a PDF file: (title, pages painted,
    output file)."""
    from gui.print_sheet import make_printer, paint_requested
    from PySide6.QtPrintSupport import QPrinter

    done: list[tuple[str, int, Path]] = []

    def preview(parent, pdf_path, title, to_print=None):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setResolution(150)
        target = tmp_path / f"printed-{len(done)}.pdf"
        printer.setOutputFileName(str(target))
        make_printer(printer)
        done.append((title, paint_requested(printer, pdf_path, to_print), target))
        return True

    monkeypatch.setattr("gui.sheet_actions.preview_and_print", preview)
    return done


def _unlock_current(window) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    window.session.remember_key(SIGNER, unlock(window.ws, SIGNER, DEMO_PASSPHRASE))
    window._set_reviewer(SIGNER)


def _pdf_pages(path: Path) -> tuple[int, list[tuple[float, float]]]:
    from gui.qt import QPdfDocument

    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    sizes = [(document.pagePointSize(n).width(), document.pagePointSize(n).height())
             for n in range(document.pageCount())]
    count = document.pageCount()
    document.close()
    return count, sizes


def test_export_signs_with_the_sessions_key_without_asking(qtbot, sheet_window, no_passphrase_prompt, informed,
                                                          export_folder, messages):
    from gui.settings_store import app_settings
    from sheets.verify import verify_pdf

    _unlock_current(sheet_window)
    application_id = sheet_window.queue.selected_application()
    sheet_window.actions_by_name["export_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(informed or messages), timeout=30_000)
    assert messages == []
    path = export_folder / f"{application_id}.pdf"
    verdict = verify_pdf(path, ca_certificate(sheet_window.ws), sheet_window.ws)
    assert verdict.ok, verdict.reasons
    assert verdict.signer == SIGNER and verdict.application_id == application_id
    assert str(path) in informed[0] and verdict.code in informed[0]
    assert app_settings().value("sheets/export_dir") == str(export_folder)


def test_export_asks_the_passphrase_once_when_the_key_is_locked(qtbot, sheet_window, demo_passphrase, informed,
                                                               export_folder, messages):
    sheet_window.preview_as(SIGNER)  # chosen, but the key not unlocked
    assert not sheet_window.session.is_unlocked(SIGNER)
    sheet_window.actions_by_name["export_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(informed or messages), timeout=30_000)
    assert messages == [] and demo_passphrase == [SIGNER]
    assert sheet_window.session.is_unlocked(SIGNER)
    sheet_window.actions_by_name["export_sheet"].trigger()
    qtbot.waitUntil(lambda: len(informed) == 2, timeout=30_000)
    assert demo_passphrase == [SIGNER]


def test_export_is_refused_without_a_first_decision(sheet_window, no_passphrase_prompt, informed, messages,
                                                    monkeypatch):
    from gui.qt import QFileDialog

    _unlock_current(sheet_window)
    application_id = sheet_window.queue.selected_application()
    # Behind the app's back (the app itself refuses a change that no audit event covers).
    sheet_window.ws.db.execute("UPDATE decisions SET current = 0 WHERE application_id = ?", [application_id])
    sheet_window.ws.db.conn.commit()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a: pytest.fail("asked a folder")))
    sheet_window.actions_by_name["export_sheet"].trigger()
    sheet_window.actions_by_name["print_sheet"].trigger()
    assert len(messages) == 2 and all("尚无初审决定" in text for text in messages)
    assert informed == []


def test_export_without_a_reviewer_says_so(sheet_window, export_folder, informed, messages):
    sheet_window.actions_by_name["export_sheet"].trigger()
    assert messages and "请先在工具栏选择审核人" in messages[0]
    assert list(export_folder.iterdir()) == []


def test_paint_pdf_prints_every_page_at_a4_100_percent(qtbot, sheet_window, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from gui.print_sheet import make_printer, paint_pdf
    from sheets.single import export_with_key

    key = unlock(sheet_window.ws, SIGNER, DEMO_PASSPHRASE)
    sheet = export_with_key(sheet_window.ws, sheet_window.model.application_id(0), tmp_path / "out", SIGNER, key)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(150)
    printer.setOutputFileName(str(tmp_path / "paper.pdf"))
    make_printer(printer)
    assert paint_pdf(printer, sheet.path) == sheet.pages
    source_pages, source_sizes = _pdf_pages(Path(sheet.path))
    paper_pages, paper_sizes = _pdf_pages(tmp_path / "paper.pdf")
    assert paper_pages == source_pages == sheet.pages
    for (w, h), (pw, ph) in zip(source_sizes, paper_sizes):
        assert abs(w - pw) < 1.5 and abs(h - ph) < 1.5  # A4, not fitted or shrunk


def test_print_sheet_issues_a_signed_copy_and_prints_it(qtbot, sheet_window, no_passphrase_prompt, printed,
                                                        messages):
    _unlock_current(sheet_window)
    application_id = sheet_window.queue.selected_application()
    sheet_window.actions_by_name["print_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(printed or messages), timeout=30_000)
    assert messages == []
    title, pages, paper = printed[0]
    assert application_id in title and pages >= 1
    assert _pdf_pages(paper)[0] == pages
    registered = sheet_window.ws.db.execute(
        "SELECT COUNT(*) FROM sheets WHERE application_id = ? AND sha256 != ''", [application_id]).fetchone()[0]
    assert registered == 1  # the printed sheet is a registered original: its code can be checked


def test_print_reuses_the_exported_original(qtbot, sheet_window, no_passphrase_prompt, informed, export_folder,
                                            printed, messages):
    _unlock_current(sheet_window)
    sheet_window.actions_by_name["export_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(informed or messages), timeout=30_000)
    sheet_window.actions_by_name["print_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(printed or messages), timeout=30_000)
    assert messages == []
    count = sheet_window.ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
    assert count == 1  # no second sheet issued


def test_blank_form_prints_without_a_reviewer(qtbot, sheet_window, no_passphrase_prompt, printed, messages):
    application_id = sheet_window.queue.selected_application()
    sheet_window.actions_by_name["print_blank_form"].trigger()
    qtbot.waitUntil(lambda: bool(printed or messages), timeout=30_000)
    assert messages == []
    title, pages, paper = printed[0]
    assert "空白审核表" in title and application_id in title and pages >= 1
    assert sheet_window.ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == 0


def test_the_code_dialog_finds_an_exported_sheet(qtbot, sheet_window, tmp_path):
    from gui.verify_code_dialog import VerifyCodeDialog
    from sheets.codes import verification_code
    from sheets.single import export_with_key

    key = unlock(sheet_window.ws, SIGNER, DEMO_PASSPHRASE)
    application_id = sheet_window.model.application_id(0)
    sheet = export_with_key(sheet_window.ws, application_id, tmp_path / "out", SIGNER, key)
    dialog = VerifyCodeDialog(sheet_window.ws, sheet_window)
    qtbot.addWidget(dialog)
    dialog.code.setText(sheet.code.lower().replace("-", " "))  # as typed from paper
    dialog.check_button.click()
    assert dialog.lookup is not None and dialog.lookup.ok
    assert dialog.fields["application_id"].text() == application_id
    assert dialog.fields["serial"].text() == sheet.serial
    assert dialog.fields["signer"].text() == SIGNER
    assert dialog.fields["exported_at"].text()
    assert "有效" in dialog.fields["state"].text()

    dialog.code.setText(verification_code({"not": "issued"}))
    dialog.check_button.click()
    assert dialog.lookup is not None and dialog.lookup.row is None
    assert "不符" in dialog.verdict.text() and dialog.details.isHidden()

    dialog.code.setText("1234")
    dialog.check_button.click()
    assert dialog.lookup is None and "格式不对" in dialog.verdict.text()


def test_the_tools_menu_opens_the_code_dialog(sheet_window, monkeypatch):
    opened = []
    monkeypatch.setattr("gui.verify_code_dialog.VerifyCodeDialog.exec", lambda self: opened.append(self) or 0)
    sheet_window.actions_by_name["verify_code"].trigger()
    assert len(opened) == 1 and opened[0].ws is sheet_window.ws


def test_the_preview_dialog_paints_the_file(qtbot, sheet_window, tmp_path, monkeypatch):
    from gui import print_sheet
    from gui.qt import QApplication, QTimer
    from sheets.single import export_with_key

    key = unlock(sheet_window.ws, SIGNER, DEMO_PASSPHRASE)
    sheet = export_with_key(sheet_window.ws, sheet_window.model.application_id(0), tmp_path / "out", SIGNER, key)
    painted = []
    real = print_sheet.paint_pdf

    def paint(printer, path):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        painted.append(real(printer, path))
        return painted[-1]

    monkeypatch.setattr(print_sheet, "paint_pdf", paint)

    def close() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(1500, close)
    assert print_sheet.preview_and_print(sheet_window, sheet.path, "审核表") is False
    assert painted and painted[0] == sheet.pages


def _counts(window) -> tuple[int, int]:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """(sheets registered, audit events) in the window's workspace."""
    db = window.ws.db
    return db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0], db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


def test_the_print_preview_shows_preview_in_place_of_the_number_and_registers_nothing(
        qtbot, sheet_window, no_passphrase_prompt, monkeypatch, tmp_path, messages):
    from tests.sheets.support import run_tool

    _unlock_current(sheet_window)
    application_id = sheet_window.queue.selected_application()
    before = _counts(sheet_window)
    previewed: list[str] = []

    def closed_without_printing(parent, pdf_path, title, to_print=None):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        assert to_print is not None  # printing would issue the signed original
        previewed.append(run_tool("pdftotext", "-raw", str(pdf_path), "-"))
        return False

    monkeypatch.setattr("gui.sheet_actions.preview_and_print", closed_without_printing)
    sheet_window.actions_by_name["print_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(previewed or messages), timeout=30_000)
    assert messages == []
    text = previewed[0]
    assert "表号：预览" in text and "校验码 预览" in text and application_id in text and "电子签章（预览）" in text
    assert not re.search(r"\d{4}-\d{6}", text)  # no serial such as 86G2-2026-000001
    assert _counts(sheet_window) == before  # no sheet row, no audit event
    assert sheet_window.ws.db.execute("SELECT COUNT(*) FROM sheet_records").fetchone()[0] == 0


def test_the_preview_dialog_paints_the_preview_and_issues_nothing_until_printed(qtbot, sheet_window, tmp_path,
                                                                               monkeypatch):
    from gui import print_sheet
    from gui.qt import QApplication, QTimer
    from PySide6.QtPrintSupport import QPrinter
    from sheets.preview import render_preview

    application_id = sheet_window.model.application_id(0)
    shown = tmp_path / "preview.pdf"
    shown.write_bytes(render_preview(sheet_window.ws, application_id, SIGNER))
    painted: list[str] = []
    real = print_sheet.paint_pdf

    def paint(printer, path):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        painted.append(str(path))
        return real(printer, path)

    monkeypatch.setattr(print_sheet, "paint_pdf", paint)
    issued: list[str] = []

    def to_print() -> Path:
        issued.append("printed")
        return shown

    def close() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(1500, close)
    assert print_sheet.preview_and_print(sheet_window, shown, "审核表", to_print) is False
    assert painted and set(painted) == {str(shown)} and issued == []  # previewed, nothing issued

    paper = QPrinter(QPrinter.PrinterMode.HighResolution)
    paper.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    paper.setOutputFileName(str(tmp_path / "paper.pdf"))
    assert not print_sheet.is_preview(paper)
    print_sheet.paint_requested(paper, tmp_path / "not-this.pdf", to_print)
    assert issued == ["printed"]  # on paper: the file to_print gives


def test_printing_never_reuses_a_superseded_sheet(qtbot, sheet_window, no_passphrase_prompt, informed, export_folder,
                                                  printed, messages, monkeypatch):
    """Exported after 初审 only, then a 复核 was decided: the exported file and the stored original are 已过时,
    so 打印 issues and prints a new signed sheet instead of either."""
    from gui import print_sheet
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide
    from sheets.lookup import lookup_code
    from sheets.registry import newest_sheet, registered_prefix

    ws = sheet_window.ws
    application_id = next(app for app, stages, outcome in ws.db.execute(
        "SELECT application_id, GROUP_CONCAT(stage), MAX(outcome) FROM decisions WHERE current = 1 "
        "GROUP BY application_id ORDER BY application_id") if stages == "初审" and outcome in ("通过", "部分通过"))
    sheet_window.queue.select_application(application_id)
    _unlock_current(sheet_window)
    sheet_window.actions_by_name["export_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(informed or messages), timeout=30_000)
    assert messages == []
    old = newest_sheet(ws.db, application_id)
    assert old is not None and lookup_code(ws, old.code).ok
    exported = (export_folder / f"{application_id}.pdf").read_bytes()

    declare_conflict(ws, application_id, "审核员乙", has_conflict=False, passphrase=DEMO_PASSPHRASE)
    decide(ws, DecisionInput(application_id, "复核", "不通过", "审核员乙", None, "不符合条件。"), DEMO_PASSPHRASE)
    assert not lookup_code(ws, old.code).ok and "已过时" in lookup_code(ws, old.code).message

    painted: list[bytes] = []
    real = print_sheet.paint_pdf

    def paint(printer, path):  # noqa: ANN001, ANN202 - pytest fixtures and test doubles go unannotated
        painted.append(Path(path).read_bytes())
        return real(printer, path)

    monkeypatch.setattr(print_sheet, "paint_pdf", paint)
    sheet_window.actions_by_name["print_sheet"].trigger()
    qtbot.waitUntil(lambda: bool(printed or messages), timeout=30_000)
    assert messages == [] and len(painted) == 1
    assert painted[0] != exported
    new = newest_sheet(ws.db, application_id)
    assert new is not None and new.code != old.code and int(new.serial[-6:]) == int(old.serial[-6:]) + 1
    on_paper = registered_prefix(ws.db, painted[0])
    assert on_paper is not None and on_paper.code == new.code and lookup_code(ws, new.code).ok
