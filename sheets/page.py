"""What every page carries: footer (audit head, code, 第 n 页 共 m 页), continuation header, 演示数据 mark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from sheets.direct_text import DirectTextCanvas
from sheets.subsets import assign_fixed_wording
from sheets.styles import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, TITLE

WATERMARK_GRAY = colors.Color(0.55, 0.55, 0.55, alpha=0.22)


@dataclass(frozen=True, slots=True)
class Furniture:
    font: str
    application_id: str
    serial: str
    code: str
    audit_head: str
    demo: bool
    blank: bool
    preview: bool = False  # a print preview: no number, code or signature yet


class SheetCanvas(DirectTextCanvas):
    """Holds pages back until the end so each can say 第 n 页 共 m 页."""

    def __init__(self, *args: Any, furniture: Furniture, creation_date: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        assign_fixed_wording(self._doc, furniture.font)
        if creation_date:
            # invariant mode keeps the file reproducible but would date it 2000-01-01: the real date instead
            self.setDateFormatter(lambda *_: creation_date)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            draw_footer(self, self._furniture, total)
            Canvas.showPage(self)
        Canvas.save(self)


def draw_footer(canvas: Canvas, f: Furniture, total: int) -> None:
    canvas.saveState()
    canvas.setStrokeColor(colors.black)
    canvas.setFillColor(colors.black)
    canvas.setLineWidth(0.5)
    top = MARGIN_BOTTOM - 6
    canvas.line(MARGIN_X, top, PAGE_WIDTH - MARGIN_X, top)
    canvas.setFont(f.font, 7)
    if f.blank:
        canvas.drawString(MARGIN_X, top - 10, "空白表（供专家纸质评审填写），未经电子签名，不作兑现依据")
    elif f.preview:
        canvas.drawString(MARGIN_X, top - 10, "预览：尚未编号、未经电子签名，打印时签发正式审核表")
        canvas.setFont(f.font, 8)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top - 10, f"校验码 {f.code}")
    else:
        canvas.drawString(MARGIN_X, top - 10, f"审计链头哈希 {f.audit_head}")
        canvas.setFont(f.font, 8)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top - 10, f"校验码 {f.code}")
    canvas.setFont(f.font, 9)
    canvas.drawCentredString(PAGE_WIDTH / 2, top - 24, f"第 {canvas.getPageNumber()} 页　共 {total} 页")
    canvas.restoreState()


def draw_page(canvas: Canvas, f: Furniture) -> None:
    """Under the page's content: the demo watermark and badge, and the header of continuation pages."""
    canvas.saveState()
    if f.demo:
        canvas.setFillColor(WATERMARK_GRAY)
        canvas.setFont(f.font, 88)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -30, "演示数据")
        canvas.rotate(-35)
        canvas.translate(-PAGE_WIDTH / 2, -PAGE_HEIGHT / 2)
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(1)
        canvas.rect(MARGIN_X, PAGE_HEIGHT - 11 * mm, 118, 15, stroke=1, fill=0)
        canvas.setFont(f.font, 9)
        canvas.drawString(MARGIN_X + 5, PAGE_HEIGHT - 11 * mm + 4, "演示数据 · 不作兑现依据")
    if canvas.getPageNumber() > 1:
        canvas.setFillColor(colors.black)
        canvas.setFont(f.font, 8.5)
        y = PAGE_HEIGHT - MARGIN_TOP + 4
        serial = f"　表号 {f.serial}" if f.serial else ""
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, f"{TITLE}（续）　申报编号 {f.application_id}{serial}")
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y - 4, PAGE_WIDTH - MARGIN_X, y - 4)
    canvas.restoreState()
