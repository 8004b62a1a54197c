"""PDF (QtPdf) and image viewers with page navigation and zoom, fed with already verified bytes.

While a viewer has focus: PgUp/PgDown turn the page, Ctrl+wheel and Ctrl+＋/－ zoom, Ctrl+0 fits the width.
"""

from __future__ import annotations

from collections.abc import Callable

from gui.qt import (
    QBuffer, QByteArray, QEvent, QHBoxLayout, QImage, QIODevice, QKeyEvent, QLabel, QObject, QPdfDocument,
    QPdfPageRenderer, QPdfView, QPixmap, QPointF, QScrollArea, Qt, QToolButton, QVBoxLayout, QWheelEvent, QWidget,
    Signal,
)

ZOOM_IN_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
ZOOM_OUT_KEYS = (Qt.Key.Key_Minus, Qt.Key.Key_Underscore)
VIEWER_KEYS = (("PgUp / PgDown", "附件上一页 / 下一页（焦点在附件上时）"),
               ("Ctrl+滚轮、Ctrl+＋ / Ctrl+－", "附件放大 / 缩小"), ("Ctrl+0", "附件适合宽度"))

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)


def _tool(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


def _next_zoom(current: float, direction: int) -> float:
    if direction > 0:
        return next((z for z in ZOOM_STEPS if z > current + 1e-3), ZOOM_STEPS[-1])
    return next((z for z in reversed(ZOOM_STEPS) if z < current - 1e-3), ZOOM_STEPS[0])


class _ViewerKeys(QObject):
    """Page and zoom keys for a viewer, taken before its scroll area would scroll by a screenful."""

    def __init__(self, parent: QObject, page: Callable[[int], None] | None, zoom: Callable[[int], None],
                 fit: Callable[[], None]) -> None:
        super().__init__(parent)
        self._page, self._zoom, self._fit = page, zoom, fit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Wheel:
            wheel: QWheelEvent = event  # type: ignore[assignment]  # the event's type() was checked just above
            if wheel.modifiers() & Qt.KeyboardModifier.ControlModifier and wheel.angleDelta().y():
                self._zoom(1 if wheel.angleDelta().y() > 0 else -1)
                return True
        elif event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            key: QKeyEvent = event  # type: ignore[assignment]  # the event's type() was checked just above
            action = self._action(key)
            if action is not None:
                if event.type() == QEvent.Type.KeyPress:
                    action()
                event.accept()
                return True
        return False

    def _action(self, key: QKeyEvent) -> Callable[[], None] | None:
        control = bool(key.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if self._page is not None and not control and key.key() == Qt.Key.Key_PageDown:
            return lambda: self._page(1)  # type: ignore[misc]  # self._page was checked for None just above
        if self._page is not None and not control and key.key() == Qt.Key.Key_PageUp:
            return lambda: self._page(-1)  # type: ignore[misc]  # self._page was checked for None just above
        if control and key.key() in ZOOM_IN_KEYS:
            return lambda: self._zoom(1)
        if control and key.key() in ZOOM_OUT_KEYS:
            return lambda: self._zoom(-1)
        if control and key.key() == Qt.Key.Key_0:
            return self._fit
        return None


def _install_keys(keys: _ViewerKeys, *widgets: QWidget) -> None:
    for widget in widgets:
        widget.installEventFilter(keys)


class _ViewerBar(QWidget):
    """上一页 · 第 n / m 页 · 下一页 | 缩小 · 100% · 放大 · 适合宽度."""

    def __init__(self, parent: QWidget, with_pages: bool) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.previous = _tool(self, "◀ 上一页", "上一页")
        self.page = QLabel(self)
        self.next = _tool(self, "下一页 ▶", "下一页")
        for widget in (self.previous, self.page, self.next):
            widget.setVisible(with_pages)
            row.addWidget(widget)
        row.addStretch(1)
        self.zoom_out = _tool(self, "－", "缩小")
        self.zoom = QLabel(self)
        self.zoom.setMinimumWidth(self.fontMetrics().horizontalAdvance("400%") + 8)
        self.zoom.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in = _tool(self, "＋", "放大")
        self.fit = _tool(self, "适合宽度", "按窗格宽度显示")
        for widget in (self.zoom_out, self.zoom, self.zoom_in, self.fit):
            row.addWidget(widget)


class PdfViewer(QWidget):
    """One QPdfDocument reused for every file: QPdfView renders pages on its own thread."""

    first_page_rendered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.bar = _ViewerBar(self, with_pages=True)
        layout.addWidget(self.bar)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)  # pages follow one another as the reviewer scrolls
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setAccessibleName("PDF 附件")
        _install_keys(_ViewerKeys(self, self.step_page, self.zoom_by, self.fit_width), self.view,
                      self.view.viewport())
        layout.addWidget(self.view, 1)
        self._buffer: QBuffer | None = None
        renderer = self.view.findChild(QPdfPageRenderer)
        if renderer is not None:
            renderer.pageRendered.connect(lambda *args: self.first_page_rendered.emit())
        navigator = self.view.pageNavigator()
        navigator.currentPageChanged.connect(self._update_bar)
        self.document.statusChanged.connect(self._update_bar)
        self.bar.previous.clicked.connect(lambda: self.step_page(-1))
        self.bar.next.clicked.connect(lambda: self.step_page(1))
        self.bar.zoom_in.clicked.connect(lambda: self.zoom_by(+1))
        self.bar.zoom_out.clicked.connect(lambda: self.zoom_by(-1))
        self.bar.fit.clicked.connect(self.fit_width)
        self._update_bar()

    def show_pdf(self, data: bytes) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.view.pageNavigator().jump(0, self.view.pageNavigator().currentLocation(), 0)
        self._update_bar()

    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.document.pageCount():
            navigator = self.view.pageNavigator()
            navigator.jump(page, QPointF(0, 0), navigator.currentZoom())
        self._update_bar()

    def step_page(self, step: int) -> None:
        self.go_to_page(self.current_page() + step)

    def zoom_by(self, direction: int) -> None:
        current = self.view.zoomFactor()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(_next_zoom(current, direction))
        self._update_bar()

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._update_bar()

    def _update_bar(self, *args: object) -> None:
        count = self.document.pageCount()
        page = self.view.pageNavigator().currentPage()
        self.bar.page.setText(f"第 {page + 1} / {count} 页" if count else "")
        self.bar.previous.setEnabled(page > 0)
        self.bar.next.setEnabled(page + 1 < count)
        fitting = self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
        self.bar.zoom.setText("适宽" if fitting else f"{self.view.zoomFactor():.0%}")


class ImageViewer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.bar = _ViewerBar(self, with_pages=False)
        layout.addWidget(self.bar)
        self.area = QScrollArea(self)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel(self.area)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area.setWidget(self.label)
        self.area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.area.setAccessibleName("图片附件")
        layout.addWidget(self.area, 1)
        _install_keys(_ViewerKeys(self, None, self.zoom_by, self.fit_width), self.area, self.area.viewport())
        self._image = QImage()
        self._zoom: float | None = None  # None: fit width
        self.bar.zoom_in.clicked.connect(lambda: self.zoom_by(+1))
        self.bar.zoom_out.clicked.connect(lambda: self.zoom_by(-1))
        self.bar.fit.clicked.connect(self.fit_width)

    def show_image(self, image: QImage) -> None:
        self._image = image
        self._zoom = None
        self._render()

    def zoom_factor(self) -> float:
        if self._zoom is not None:
            return self._zoom
        if self._image.isNull():
            return 1.0
        # 适宽 is the pane's width, for a small photo too; room is kept for the scroll bar a tall image needs.
        frame = 2 * self.area.frameWidth()
        available = max(self.area.width() - frame - self.area.verticalScrollBar().sizeHint().width() - 2, 50)
        return available / self._image.width()

    def zoom_by(self, direction: int) -> None:
        self._zoom = _next_zoom(self.zoom_factor(), direction)
        self._render()

    def fit_width(self) -> None:
        self._zoom = None
        self._render()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)  # type: ignore[arg-type]  # a QResizeEvent from Qt; typed object for the test doubles
        if self._zoom is None:
            self._render()

    def _render(self) -> None:
        self.bar.zoom.setText("适宽" if self._zoom is None else f"{self.zoom_factor():.0%}")
        if self._image.isNull():
            self.label.setPixmap(QPixmap())
            self.label.adjustSize()
            return
        ratio = self.devicePixelRatioF()
        factor = self.zoom_factor()
        width = max(1, round(self._image.width() * factor * ratio))
        scaled = self._image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        pixmap = QPixmap.fromImage(scaled)
        pixmap.setDevicePixelRatio(ratio)  # crisp at 150 % and 200 %
        self.label.setPixmap(pixmap)
        self.label.adjustSize()
