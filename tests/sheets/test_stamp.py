"""The visible stamp is page content: the app's print path (QtPdf) and pdftoppm both show it, alike."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from sheets.sign import FIELD_NAME
from tests.sheets.support import Exported, run_tool, tool

DPI = 100


def _stamp_box(path: Path) -> tuple[int, tuple[float, float, float, float]]:
    """(0-based page, box in points from the bottom left) of the signature field."""
    reader = PdfFileReader(io.BytesIO(path.read_bytes()))
    for number in range(len(reader.root["/Pages"]["/Kids"])):
        page = reader.root["/Pages"]["/Kids"][number].get_object()
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            if str(widget.get("/T", "")) == FIELD_NAME:
                return number, tuple(float(v) for v in widget["/Rect"])  # type: ignore[return-value]  # a /Rect always has four numbers
    raise AssertionError("no signature field")


def _pdftoppm_gray(path: Path, page: int, out: Path) -> tuple[int, int, bytes]:
    subprocess.run([tool("pdftoppm"), "-gray", "-r", str(DPI), "-f", str(page + 1), "-l", str(page + 1),
                    str(path), str(out)], check=True, timeout=120)
    data = next(out.parent.glob(out.name + "*.pgm")).read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert match is not None
    width, height = int(match[1]), int(match[2])
    return width, height, data[match.end():]


def _ink(pixels: bytes, width: int, box: tuple[int, int, int, int]) -> list[float]:
    """Darkness (0 white … 1 black) of each pixel row inside ``box`` (left, top, right, bottom in pixels)."""
    left, top, right, bottom = box
    return [sum(255 - pixels[y * width + x] for x in range(left, right)) / (255 * (right - left))
            for y in range(top, bottom)]


def _pixel_box(rect: tuple[float, float, float, float], page_height_px: int, inset: float = 3) -> tuple[int, ...]:
    scale = DPI / 72
    x1, y1, x2, y2 = rect
    return (round((x1 + inset) * scale), round(page_height_px - (y2 - inset) * scale),
            round((x2 - inset) * scale), round(page_height_px - (y1 + inset) * scale))


def test_the_print_path_and_pdftoppm_both_show_the_stamp(qtbot, exported: Exported, tmp_path: Path) -> None:
    from gui.print_sheet import make_printer, paint_pdf
    from PySide6.QtPrintSupport import QPrinter

    signed = exported.out / f"{exported.both_stages}.pdf"
    page, rect = _stamp_box(signed)
    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    make_printer(printer)
    printer.setResolution(200)
    assert paint_pdf(printer, signed) >= page + 1
    width, height, direct = _pdftoppm_gray(signed, page, tmp_path / "direct")
    p_width, p_height, via_print = _pdftoppm_gray(printed, page, tmp_path / "printed")
    assert abs(p_width - width) <= 2 and abs(p_height - height) <= 2
    box = _pixel_box(rect, height)
    direct_rows, printed_rows = _ink(direct, width, box), _ink(via_print, p_width, box)
    direct_ink, printed_ink = sum(direct_rows) / len(direct_rows), sum(printed_rows) / len(printed_rows)
    assert direct_ink > 0.04, "pdftoppm shows no stamp"
    assert printed_ink > 0.04, "the print path shows no stamp"
    assert abs(direct_ink - printed_ink) < 0.35 * direct_ink
    # the same lines of text at the same heights: inked rows of one are inked rows of the other
    inked = [row > 0.05 for row in direct_rows]
    agree = sum(a == (b > 0.05) for a, b in zip(inked, printed_rows))
    assert agree >= 0.9 * len(inked)


def test_the_stamp_text_is_on_the_page(exported: Exported) -> None:
    text = run_tool("pdftotext", str(exported.out / f"{exported.both_stages}.pdf"), "-")
    assert "电子签章" in text and "签名时间" in text
