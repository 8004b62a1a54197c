"""Focus on the queue, Enter in search, the review pane from its top, the window on the screen, the About box."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gui.main_window import REVIEW_TAB
from gui.money import wan_text
from gui.qt import QGuiApplication, Qt


def test_the_queue_has_the_keyboard_at_launch_and_after_a_dialog(qtbot, window, monkeypatch):
    window.activateWindow()
    qtbot.waitUntil(lambda: window.queue.table.hasFocus(), timeout=3_000)
    shown: list[str] = []
    monkeypatch.setattr("gui.main_window.QMessageBox.about", lambda parent, title, text: shown.append(text))
    window.queue.search.setFocus()
    window.queue.search.clearFocus()
    window.reviewer_combo.setFocus()
    window.actions_by_name["about"].trigger()
    assert "版本 0.1.0" in shown[0]
    assert window.queue.table.hasFocus()


def test_enter_in_search_opens_the_first_hit(qtbot, window):
    window.activateWindow()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.queue.search, "0002")
    first = window.model.application_id(0)
    assert "0002" in first
    qtbot.keyClick(window.queue.search, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB and window.review.current_id == first


def test_each_application_is_shown_from_the_top_of_the_review_pane(qtbot, window):
    window.resize(1366, 600)
    window.open_application(window.model.application_id(0))
    qtbot.waitUntil(lambda: window.review.loaded is not None, timeout=10_000)
    bar = window.review.assessment.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3_000)
    bar.setValue(bar.maximum())
    window.review.go(1)
    qtbot.waitUntil(lambda: window.review.loaded is not None
                    and window.review.loaded.application_id == window.model.application_id(1), timeout=10_000)
    assert bar.value() == 0


def test_the_window_fits_the_free_area_of_its_screen(window):
    free = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    window.move(free.left() + 200, free.top() + 100)
    window.resize(free.width() + 500, free.height() + 400)
    window.fit_to_screen()
    assert free.contains(window.frameGeometry()) or (
        window.width() <= free.width() and window.height() <= free.height()
        and window.x() >= free.left() and window.y() >= free.top())


@pytest.mark.parametrize(("yuan", "shown"), [
    ("103796251", "10379.63万元"), ("209750", "20.98万元"), ("500000", "50.00万元"), ("123", "0.01万元"),
])
def test_money_on_screen_is_wan_with_two_decimals(yuan: str, shown: str):
    assert wan_text(Decimal(yuan)) == shown
