"""The attachment viewers: pages one after another, PgUp/PgDown for the page, Ctrl+wheel and Ctrl+± to zoom."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from gui.evidence_viewers import ImageViewer, PdfViewer
from gui.qt import QApplication, QColor, QImage, QPdfDocument, QPoint, QPointF, Qt, QWheelEvent, QWidget

CTRL = Qt.KeyboardModifier.ControlModifier


def three_pages() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for n in range(3):
        page.drawString(72, 760, f"page {n + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def ctrl_wheel(widget: QWidget, up: bool) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 if up else -120),
                        Qt.MouseButton.NoButton, CTRL, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_pdf_pages_scroll_continuously_and_keys_turn_pages_and_zoom(qtbot):
    viewer = PdfViewer()
    qtbot.addWidget(viewer)
    viewer.resize(500, 600)
    viewer.show()
    viewer.show_pdf(three_pages())
    qtbot.waitUntil(lambda: viewer.document.status() == QPdfDocument.Status.Ready and viewer.page_count() == 3)
    bar = viewer.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.maximum() > 2 * viewer.view.viewport().height()  # all three pages in one scrolling column

    viewer.view.setFocus()
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    assert viewer.current_page() == 1 and bar.value() > 0
    assert viewer.bar.page.text() == "第 2 / 3 页"
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(viewer.view, Qt.Key.Key_PageUp)
    assert viewer.current_page() == 1

    assert viewer.bar.zoom.text() == "适宽"
    qtbot.keyClick(viewer.view, Qt.Key.Key_Equal, CTRL)
    zoomed = viewer.view.zoomFactor()
    assert viewer.bar.zoom.text() == f"{zoomed:.0%}"
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus, CTRL)
    assert viewer.view.zoomFactor() < zoomed
    ctrl_wheel(viewer.view.viewport(), up=True)
    assert viewer.view.zoomFactor() == zoomed
    qtbot.keyClick(viewer.view, Qt.Key.Key_0, CTRL)
    assert viewer.bar.zoom.text() == "适宽"


def test_fit_width_enlarges_a_small_photo_to_the_pane(qtbot):
    viewer = ImageViewer()
    qtbot.addWidget(viewer)
    viewer.resize(600, 500)
    viewer.show()
    photo = QImage(300, 200, QImage.Format.Format_RGB32)
    photo.fill(QColor("#c0a080"))
    viewer.show_image(photo)
    shown = viewer.label.pixmap()
    assert shown.width() / shown.devicePixelRatio() > 500  # not left at 120 px under a label saying 适宽
    assert viewer.bar.zoom.text() == "适宽"
    viewer.area.setFocus()
    qtbot.keyClick(viewer.area, Qt.Key.Key_Minus, CTRL)
    assert viewer.bar.zoom.text() != "适宽" and viewer.zoom_factor() < shown.width() / 300
    ctrl_wheel(viewer.area.viewport(), up=True)
    ctrl_wheel(viewer.area.viewport(), up=True)
    assert viewer.label.pixmap().width() > shown.width()
