"""A line of text written straight into the page's content, as reportlab's canvas writes it, without its text object.

``Canvas.drawString`` (and its centred and right-aligned forms) builds a ``PDFTextObject`` for every string, formats
it through several calls, and for the left-aligned form measures a width it never uses. A sheet draws some hundred
strings, most of them table cells. :func:`text_line` returns the very operators reportlab writes for a TrueType font
(``BT``, the origin, each subset's ``Tf``/``TL`` and its ``Tj``, ``T*``, ``ET``); anything else (a Type 1 font,
shaped or right-to-left text, character or word spacing, a render mode, a top-down canvas) is left to reportlab.
Text of the fixed wording's characters alone (labels, amounts, dates, hashes) has the same codes on every sheet
(``sheets.subsets.in_fixed_wording``): its operators after the origin are written once per process and font size.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr
from reportlab.pdfgen.canvas import Canvas

from sheets.subsets import in_fixed_wording, subset_name

KEPT_LINES = 4096
_widths: dict[tuple[str, float, str], float] = {}  # a centred or right-aligned text's width: a font's metrics never change
_kept: dict[tuple[str, str, float, float, str], str] = {}  # (font, subset, size, leading, text) → operators after Tm


def text_line(canvas: Any, x: float, y: float, text: str) -> str | None:
    """The operators ``canvas.drawString(x, y, text)`` would append, or None where reportlab must write them."""
    font = pdfmetrics.getFont(canvas._fontname)
    if not getattr(font, "_dynamicFont", False) or not canvas.bottomup or not isinstance(text, str) \
            or isinstance(text, ShapedStr):
        return None
    doc = canvas._doc
    if text and in_fixed_wording(doc, canvas._fontname, text):
        # getSubsetInternalName as the first chunk's would call it (it registers the font with the document)
        key = (canvas._fontname, subset_name(font, 0, doc), canvas._fontsize, canvas._leading, text)
        operators = _kept.get(key)
        if operators is None:
            operators = _operators(canvas, font, text)
            if len(_kept) >= KEPT_LINES:
                _kept.clear()
            _kept[key] = operators
        return f"BT 1 0 0 1 {fp_str(x, y)} Tm {operators} T* ET"
    return f"BT 1 0 0 1 {fp_str(x, y)} Tm {_operators(canvas, font, text)} T* ET"


def _operators(canvas: Any, font: Any, text: str) -> str:
    """Each subset's ``Tf``/``TL`` and its ``Tj``, as reportlab's text object writes them."""
    doc = canvas._doc
    escape = canvas._escape
    parts: list[str] = []
    current = -1
    size_and_leading = ""
    for subset, chunk in font.splitString(text, doc):
        if subset != current:
            if not size_and_leading:
                size_and_leading = f"{fp_str(canvas._fontsize)} Tf {fp_str(canvas._leading)} TL"
            parts.append(f"{subset_name(font, subset, doc)} {size_and_leading}")
            current = subset
        parts.append(f"({escape(chunk)}) Tj")
    return " ".join(parts)


class DirectTextCanvas(Canvas):
    """A reportlab ``Canvas`` writing plain strings through :func:`text_line`: the same bytes, less work."""

    def drawString(self, x: float, y: float, text: str, mode: Any = None, charSpace: float = 0,  # noqa: N802 - reportlab's name
                   direction: Any = None, wordSpace: Any = None, shaping: bool = False) -> None:
        if self._plain(mode, charSpace, direction, wordSpace, shaping) and self._direct(x, y, text):
            return
        super().drawString(x, y, text, mode, charSpace, direction, wordSpace, shaping)

    def drawCentredString(self, x: float, y: float, text: str, mode: Any = None, charSpace: float = 0,  # noqa: N802 - reportlab's name
                          direction: Any = None, wordSpace: Any = None, shaping: bool = False) -> None:
        if self._plain(mode, charSpace, direction, wordSpace, shaping) and \
                self._direct(x - 0.5 * self._width(text), y, text):
            return
        super().drawCentredString(x, y, text, mode, charSpace, direction, wordSpace, shaping)

    def drawRightString(self, x: float, y: float, text: str, mode: Any = None, charSpace: float = 0,  # noqa: N802 - reportlab's name
                        direction: Any = None, wordSpace: Any = None, shaping: bool = False) -> None:
        if self._plain(mode, charSpace, direction, wordSpace, shaping) and self._direct(x - self._width(text), y, text):
            return
        super().drawRightString(x, y, text, mode, charSpace, direction, wordSpace, shaping)

    @staticmethod
    def _plain(mode: Any, char_space: float, direction: Any, word_space: Any, shaping: bool) -> bool:
        return mode is None and not char_space and not direction and not word_space and not shaping

    def _width(self, text: str) -> float:
        key = (self._fontname, self._fontsize, text)
        width = _widths.get(key)
        if width is None:
            width = pdfmetrics.stringWidth(text, self._fontname, self._fontsize)
            if len(_widths) >= KEPT_LINES:
                _widths.clear()
            _widths[key] = width
        return width

    def _direct(self, x: float, y: float, text: str) -> bool:
        code = text_line(self, x, y, text)
        if code is None:
            return False
        self._code.append(code)
        return True
