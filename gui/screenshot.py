"""``take_screenshot``: the main window at 1366×768, rendered offscreen, one page of it saved as PNG.

Read-only: the workspace is opened without its lock and nothing is written to
it, and window layout is read from and saved to a temporary settings folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models.failures import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ReviewDeskError

if TYPE_CHECKING:
    from models.workspace.workspace import Workspace

VIEWS = ("queue", "review", "policy", "stats")
SIZE = (1366, 768)


def _wait(app: object, done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]  # a QApplication at run time
        if done():
            return True
        time.sleep(0.01)
    return done()


def _settle(app: object, seconds: float = 0.3) -> None:
    _wait(app, lambda: False, seconds)


def take_screenshot(workspace: Path, out: Path, view: str = "queue", select: str | None = None,
                    scale: float = 1.0, *, reviewer: str | None = None, draft: str | None = None) -> int:
    """Write ``out`` (PNG) showing ``view`` (queue | review | policy | stats); returns an exit code.

    ``select`` names the application to select (queue), open (review) or whose
    clause to show (policy); without it, the first of the queue shown.
    ``reviewer`` shows the pages as that person sees them (their 只看待我办理
    queue, their form) without unlocking their key. ``draft`` is typed into the
    review form's 审核意见 and kept as a 草稿 in a temporary data folder.
    ``scale`` (e.g. 2 for 200 %) applies only when no QApplication exists yet.
    """
    if view not in VIEWS:
        print(f"--view 须为 {' | '.join(VIEWS)} 之一，而不是“{view}”", file=sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    from models.workspace.workspace import Workspace

    from gui.app import create_application
    from gui.main_window import POLICY_TAB, REVIEW_TAB, STATS_TAB, MainWindow
    from gui.qt import QSettings

    app = create_application()
    with tempfile.TemporaryDirectory(prefix="reviewdesk-shot-") as settings_folder:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_folder)
        try:
            ws = Workspace.open(Path(workspace), create=False, lock=False)
        except ReviewDeskError as error:
            print(f"无法打开工作区：{error}", file=sys.stderr)
            return EXIT_FAILED
        data_home = os.environ.get("XDG_DATA_HOME")
        os.environ["XDG_DATA_HOME"] = str(Path(settings_folder) / "data")  # drafts typed here are thrown away
        window = MainWindow(ws)
        try:
            window.resize(*SIZE)
            window.show()
            if not _wait(app, lambda: window.queue_ready, 30):
                print("待审队列加载超时", file=sys.stderr)
                return EXIT_FAILED
            if reviewer is not None:
                if reviewer not in window.session.roles:
                    print(f"工作区中没有可签名的审核人 {reviewer}", file=sys.stderr)
                    return EXIT_FAILED
                window.preview_as(reviewer)
            if select is not None and select not in window.model.index_data.position_of:
                print(f"工作区中没有申报编号 {select}", file=sys.stderr)
                return EXIT_FAILED
            target = select or (window.model.application_id(0) if window.model.rowCount() else None)
            if view == "queue" and target:
                window.queue.select_application(target)
            elif view == "review" and target:
                window.tabs.setCurrentIndex(REVIEW_TAB)
                _show_review(app, window, target, reviewer is None)
                if draft:
                    _type_draft(app, window, draft)
            elif view == "policy":
                window.tabs.setCurrentIndex(POLICY_TAB)
                browser = window.policy_page.ensure_built()
                if select and hasattr(browser, "show_clause"):
                    browser.show_clause(_clause_of(ws, select))
            elif view == "stats":
                window.tabs.setCurrentIndex(STATS_TAB)
            _settle(app)
            out = Path(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            if not window.grab().save(str(out), "PNG"):
                print(f"无法写入 {out}", file=sys.stderr)
                return EXIT_FAILED
            return EXIT_OK
        finally:
            window.closing = True  # nothing to ask: a draft typed here is thrown away with its folder
            window.close()
            ws.close()
            if data_home is None:
                os.environ.pop("XDG_DATA_HOME", None)
            else:
                os.environ["XDG_DATA_HOME"] = data_home


def _type_draft(app: object, window: object, text: str) -> None:
    """Type ``text`` as the opinion and wait until the form shows it kept as a 草稿."""
    form = window.review.assessment.form  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
    form.opinion.setPlainText(text)
    _wait(app, lambda: "草稿" in form.saved_label.text(), 5)


def _show_review(app: object, window: object, application_id: str, pick_reviewer: bool = True) -> None:
    """Open the application as a reviewer who declared no conflict would see it (nothing is written)."""
    review = window.review  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
    rendered: list[bool] = []
    review.evidence.pdf.first_page_rendered.connect(lambda: rendered.append(True))
    review.show_application(application_id)
    _wait(app, lambda: review.loaded is not None, 15)
    if review.loaded is None:
        return
    conflicts = review.loaded.case.conflicts
    free = [name for name, (has_conflict, _) in conflicts.items() if not has_conflict]
    session = window.session  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
    chosen = next((name for name in session.roles if name in free), None)
    if chosen is not None and pick_reviewer:
        window.preview_as(chosen)  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
    if any(e.file.kind == "pdf" for e in review.loaded.evidence):
        _wait(app, lambda: bool(rendered), 10)


def _clause_of(ws: Workspace, application_id: str) -> str:
    from models.review.casefile import clause_of

    return clause_of(ws, application_id)
