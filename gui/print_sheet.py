"""Printing a PDF file through Qt: preview with printer choice, A4 at 100 %, duplex where the printer has it.

Each PDF page is rasterised by ``QPdfDocument.render`` at the printer's own
resolution (capped at 600 dpi) and drawn at the page's exact size (points →
device pixels, never fitted to the paper), in horizontal bands so a 600 dpi
page does not need one huge image. The paper therefore matches the signed file page for page.

A preview may show one file and print another: a sheet not yet issued is
previewed as its 预览 rendering (no number used up), and only the 打印 button
issues and prints the signed original (``to_print``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models.failures import ReviewDeskError

from gui.qt import (
    QImage, QMarginsF, QPageLayout, QPaintEngine, QPageSize, QPainter, QPdfDocument, QPdfDocumentRenderOptions, QRect, QRectF,
    QSize, QSizeF, Qt, QWidget, load_print_support,
)

if TYPE_CHECKING:
    from gui.qt import QPrinter, QPrinterInfo, QPrintPreviewDialog
else:  # this module is itself imported on the first print only
    _print_support = load_print_support()
    QPrinter, QPrinterInfo, QPrintPreviewDialog = (
        _print_support.QPrinter, _print_support.QPrinterInfo, _print_support.QPrintPreviewDialog)

BAND_PIXELS = 1024  # rows rendered at a time
# Above this the raster is made at 600 dpi and drawn to the same physical size: a 1200 dpi A4 page would be
# half a gigabyte of pixels (and the preview keeps every page), with no visible gain for text and rules.
MAX_RENDER_DPI = 600
POINTS_PER_INCH = 72.0


class PrintFailed(ReviewDeskError):
    """The file cannot be read or the printer cannot start; shown to the reviewer as it is."""


def make_printer(printer: QPrinter | None = None) -> QPrinter:
    """A printer set to A4 portrait, no margins (the PDF carries its own), full page, duplex when supported."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(0, 0, 0, 0)))
    if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat:
        modes = QPrinterInfo(printer).supportedDuplexModes()
        if QPrinter.DuplexMode.DuplexAuto in modes or QPrinter.DuplexMode.DuplexLongSide in modes:
            printer.setDuplex(QPrinter.DuplexMode.DuplexAuto)
    return printer


def paint_pdf(printer: QPrinter, pdf_path: str | Path) -> int:
    """Print every page of ``pdf_path`` on ``printer`` at 100 %; returns the number of pages printed."""
    document = QPdfDocument()
    if document.load(str(pdf_path)) != QPdfDocument.Error.None_:
        raise PrintFailed(f"无法读取要打印的文件 {pdf_path}")
    try:
        pages = document.pageCount()
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintFailed("无法开始打印：打印机不可用")
        try:
            dpi_x, dpi_y = printer.logicalDpiX(), printer.logicalDpiY()
            for page in range(pages):
                if page:
                    printer.newPage()
                points = document.pagePointSize(page)
                # The page's exact size in device pixels: 100 %, whatever the paper's printable area.
                target = QSizeF(points.width() * dpi_x / POINTS_PER_INCH, points.height() * dpi_y / POINTS_PER_INCH)
                _paint_page(painter, document, page, target, min(1.0, MAX_RENDER_DPI / max(dpi_x, dpi_y)))
        finally:
            painter.end()
        return pages
    finally:
        document.close()


def _paint_page(painter: QPainter, document: QPdfDocument, page: int, target: QSizeF, scale: float) -> None:
    size = QSize(round(target.width() * scale), round(target.height() * scale))
    options = QPdfDocumentRenderOptions()
    options.setScaledSize(size)
    for top in range(0, size.height(), BAND_PIXELS):
        height = min(BAND_PIXELS, size.height() - top)
        options.setScaledClipRect(QRect(0, top, size.width(), height))
        band = document.render(page, QSize(size.width(), height), options)
        # The PDF has no page background: composite on white so printers and PDF output get opaque pixels.
        opaque = QImage(band.size(), QImage.Format.Format_RGB32)
        opaque.fill(Qt.GlobalColor.white)
        composer = QPainter(opaque)
        composer.drawImage(0, 0, band)
        composer.end()
        painter.drawImage(QRectF(0, top / scale, target.width(), height / scale), opaque)


def is_preview(printer: QPrinter) -> bool:
    """Whether ``printer`` is painting the preview's pages (Qt's preview engine records a picture) rather than paper."""
    engine = printer.paintEngine()
    return engine is not None and engine.type() == QPaintEngine.Type.Picture


def paint_requested(printer: QPrinter, shown: str | Path, to_print: Callable[[], str | Path] | None) -> int:
    """Paint ``shown`` on the preview; on paper, the file ``to_print()`` gives (default ``shown`` itself)."""
    if to_print is None or is_preview(printer):
        return paint_pdf(printer, shown)
    return paint_pdf(printer, to_print())


def preview_and_print(parent: QWidget | None, pdf_path: str | Path, title: str,
                      to_print: Callable[[], str | Path] | None = None) -> bool:
    """The print preview of ``pdf_path`` (its 打印 button chooses the printer); True when it was printed.

    ``to_print``: called only when the 打印 button prints, for the file to put on paper (the signed original
    of a sheet previewed as 预览). Its ``ReviewDeskError`` is raised after the dialog closes, like a print failure.
    """
    printer = make_printer()
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"打印预览 — {title}")
    failures: list[Exception] = []

    def paint(target: QPrinter) -> None:
        try:
            paint_requested(target, pdf_path, to_print)
        except ReviewDeskError as error:
            failures.append(error)

    dialog.paintRequested.connect(paint)
    try:
        accepted = dialog.exec() == QPrintPreviewDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
    if failures:
        raise failures[0]
    return accepted
