"""A ruled form section built row by row, whose long texts continue across pages.

reportlab cannot split a table row whose cells span columns (text is lost or
drawn off the page), so a long text is cut into pieces of whole lines, one row
each, drawn without rules or padding between them: it reads as one cell, and
the table breaks between rows. Rules are drawn explicitly for the same reason.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.tables import CellStyle

from sheets.glyphs import chain_for
from sheets.styles import BODY_LEADING, BODY_SIZE, HEADER_GRAY, PAD, Styles
from sheets.subsets import Memo, subset_name

MAX_LINES = 12  # longest piece of a text kept in one row
RULE = 0.5
FRAME = 1.1
TOP_PAD, BOTTOM_PAD = 3.5, 4.5


@dataclass(frozen=True, slots=True)
class Text:
    """Free text for a cell: one plain line when it fits, else wrapped and, when long, continued over rows."""

    text: str
    style: ParagraphStyle | None = None


class WrappedOnce(Paragraph):
    """A paragraph that keeps its lines for the width it was last wrapped to, and shares them with its copies.

    A table wraps each cell's paragraphs to size its rows, then again to draw them, at the same width: half of a
    sheet's line breaking was done twice. The lines depend on the width alone (and on the text and style, which
    do not change), so they are kept while reportlab still holds them (it drops them when a split finds no room).
    Copies of one paragraph (:func:`paragraph`: the same text in the same style on sheet after sheet, such as a
    clause's text) share the lines found for each width, so a text is broken into lines once per process.
    """

    width: float
    height: float
    _wrapped: tuple[float, Any] | None = None
    _shared: dict[float, tuple[Any, float, tuple[float, ...]]] | None = None  # width → lines, height, line widths

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        wrapped = self._wrapped
        if wrapped is not None and wrapped[0] == availWidth and self.__dict__.get("blPara") is wrapped[1]:
            return self.width, self.height
        shared = self._shared
        if shared is not None:
            found = shared.get(availWidth)
            if found is not None:  # what Paragraph.wrap sets, as it set it for a copy at this width
                self.width = availWidth
                self.blPara, self.height, widths = found
                self._wrapWidths = list(widths)
                self._wrapped = (availWidth, self.blPara)
                return availWidth, self.height
        before = self.__dict__.get("blPara")
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        lines = self.__dict__.get("blPara")
        if lines is not None:
            self._wrapped = (availWidth, lines)
            if shared is not None and lines is not before and size[0] == availWidth:
                shared[availWidth] = (lines, self.height, tuple(self._wrapWidths))
        return size

    def drawPara(self, debug: int = 0) -> None:  # noqa: N802 - reportlab's name
        """A plain left-aligned (or one-line centred) paragraph's lines written as reportlab's text object writes
        them, without it."""
        font = pdfmetrics.getFont(self.blPara.fontName) if self.blPara.kind == 0 else None
        if debug or font is None or not self._plain(font):
            super().drawPara(debug)
            return
        canvas, lines, style = self.canv, self.blPara, self.style
        top = lines.fontSize if rl_paragraph.paraFontSizeHeightOffset else getattr(lines, "ascent", lines.fontSize)
        canvas.saveState()
        canvas.setFillColor(lines.textColor)
        doc, escape = canvas._doc, canvas._escape
        size_and_leading = f"{fp_str(lines.fontSize)} Tf {fp_str(style.leading)} TL"
        code = ["BT", f"1 0 0 1 {fp_str(style.leftIndent, self.height - top)} Tm"]
        centre = 0.5 * lines.lines[0][0] if style.alignment == TA_CENTER else 0.0  # _centerDrawParaLine's setXPos
        moved = centre > 1e-6 or centre < -1e-6
        if moved:
            code.append(f"{fp_str(centre, 0)} Td")
        current = -1
        for _, words in lines.lines:
            parts: list[str] = []
            for subset, chunk in font.splitString(" ".join(words), doc):
                if subset != current:
                    parts.append(f"{subset_name(font, subset, doc)} {size_and_leading}")
                    current = subset
                parts.append(f"({escape(chunk)}) Tj")
            code.append(" ".join(parts) + " T*")
        if moved:
            code.append(f"{fp_str(-centre, 0)} Td")
        code.append("ET")
        canvas._code.append(" ".join(code))
        canvas.restoreState()

    def _plain(self, font: Any) -> bool:
        """Whether reportlab's ``drawPara`` would only set the colour and write each line at the left margin (or one
        line, centred)."""
        style, lines = self.style, self.blPara
        return (getattr(font, "_dynamicFont", False) and self.canv.bottomup and bool(lines.lines)
                and (style.alignment == TA_LEFT or style.alignment == TA_CENTER and len(lines.lines) == 1)
                and style.wordWrap != "RTL" and not self.bulletText
                and not style.backColor and not (getattr(style, "borderColor", None) and getattr(style, "borderWidth", None))
                and getattr(self, "autoLeading", getattr(style, "autoLeading", "")) not in ("max", "min")
                and not style.firstLineIndent and "_offsets" not in self.__dict__
                and not getattr(lines, "us_lines", None) and not getattr(lines, "link", None)
                and all(_simple(space, words) for space, words in lines.lines))

    def copy(self) -> WrappedOnce:
        """A paragraph of the same text and style, sharing its parsed text and the lines found for each width."""
        if self._shared is None:
            self._shared = {}
        twin = WrappedOnce.__new__(WrappedOnce)
        twin.__dict__.update((k, v) for k, v in self.__dict__.items() if k not in _OWN_STATE)
        return twin


def _simple(space: float, words: list[Any]) -> bool:
    """A line reportlab writes with no word spacing (``_leftDrawParaLine``): it fits, or has no space to stretch."""
    if not all(type(word) is str for word in words):
        return False
    return space > -1e-8 or len(words) + " ".join(words).count("\xa0") <= 1


_OWN_STATE = frozenset({"_wrapped", "blPara", "width", "height", "_wrapWidths", "canv"})
KEPT_PARAGRAPHS = 512  # distinct texts; a batch repeats its items' clauses, units and policy lines sheet after sheet
_kept = Memo[WrappedOnce](KEPT_PARAGRAPHS)


def _prepared(text: str, style: ParagraphStyle) -> WrappedOnce:
    return _kept.get((text, style), lambda: WrappedOnce(chain_for(style.fontName).markup(text), style)).copy()


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain ``text`` as a paragraph, characters the style's font lacks in a fallback font."""
    return _prepared(text, style)


def pieces(text: str, width: float, style: ParagraphStyle) -> list[Any]:
    """``text`` for a cell ``width`` wide: a plain string if it fits one line, else paragraphs of ≤ MAX_LINES lines."""
    inner = width - 2 * PAD
    form = _forms.get((text, inner, style))
    if form is None:
        form = _form(text, inner, style)
        if len(_forms) >= KEPT_PARAGRAPHS:
            _forms.clear()
        _forms[text, inner, style] = form
    if form == "line":
        return [text]
    if form == "paragraph":
        return [paragraph(text, style)]
    para: Paragraph = WrappedOnce(chain_for(style.fontName).markup(text), style)  # its own: split below
    parts: list[Any] = []
    limit = style.leading * MAX_LINES + 0.5
    while True:
        _, height = para.wrap(inner, 1e6)
        if height <= limit:
            return parts + [para]
        split = para.split(inner, limit)
        if len(split) < 2:
            return parts + [para]
        parts.append(split[0])
        para = split[1]


_forms: dict[tuple[str, float, ParagraphStyle], str] = {}  # a text's form in a cell as wide: the same every time


def _form(text: str, inner: float, style: ParagraphStyle) -> str:
    """"line" (a plain string on one line), "paragraph" (one paragraph) or "long" (cut into pieces of rows)."""
    if "\n" not in text and chain_for(style.fontName).in_primary(text) and \
            stringWidth(text, style.fontName, style.fontSize) <= inner:
        return "line"
    if len(text) * style.fontSize <= (inner - style.rightIndent) * MAX_LINES * 0.9:
        return "paragraph"
    return "long"


class Section:
    """Rows of one ruled table; ``build()`` gives the reportlab ``Table``."""

    def __init__(self, s: Styles, widths: Sequence[float], heading: str | None = None) -> None:
        self.s = s
        self.widths = list(widths)
        self.rows: list[list[Any]] = []
        self.heights: list[float | None] = []
        self.rules: list[int | None] = []  # per row: first column of its bottom rule, None for none
        self.commands: list[tuple[Any, ...]] = []
        self.centred: list[tuple[int, int, int]] = []  # (column, first row, last row) centred, before any command
        self.repeat = 0
        if heading:
            self.heading(heading)

    def heading(self, text: str, *, shade: Any = HEADER_GRAY, size: float = 11, repeat: bool = True) -> None:
        r = self._append([text] + [""] * (len(self.widths) - 1), None, 0)
        self.commands += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), shade),
                          ("FONT", (0, r), (-1, r), self.s.font, size)]
        if repeat and r == self.repeat:
            self.repeat = r + 1

    def row(self, *cells: Any, spans: Sequence[tuple[int, int]] = (), height: float | None = None,
            center: Sequence[int] = (0,), rule_from: int | None = 0, shade: Any = None,
            repeat: bool = False) -> None:
        """One logical row; a :class:`Text` cell that is long becomes several table rows."""
        span_end = {first: last for first, last in spans}
        resolved: list[list[Any]] = []
        for column, cell in enumerate(cells):
            if isinstance(cell, Text):
                width = sum(self.widths[column:span_end.get(column, column) + 1])
                resolved.append(pieces(cell.text, width, cell.style or self.s.body))
            else:
                resolved.append([cell])
        count = max(len(parts) for parts in resolved)
        first = len(self.rows)
        for k in range(count):
            last_piece = k == count - 1
            self._append([parts[k] if k < len(parts) else "" for parts in resolved],
                         height if count == 1 else None, rule_from if last_piece else None)
        last = len(self.rows) - 1
        for start, end in spans:
            self.commands += [("SPAN", (start, r), (end, r)) for r in range(first, last + 1)]
        self.centred += [(c, first, last) for c in center]
        if shade is not None:
            self.commands.append(("BACKGROUND", (0, first), (-1, last), shade))
        if count > 1:
            self.commands += [("VALIGN", (0, first), (-1, last), "TOP"),
                              ("BOTTOMPADDING", (0, first), (-1, last - 1), 0),
                              ("TOPPADDING", (0, first + 1), (-1, last), 0)]
        if repeat and first == self.repeat:
            self.repeat = last + 1

    def _append(self, cells: list[Any], height: float | None, rule_from: int | None) -> int:
        self.rows.append(cells)
        self.heights.append(height)
        self.rules.append(rule_from)
        return len(self.rows) - 1

    def build(self) -> Table:
        # Every cell starts from the section's font, alignment and padding (a CellStyle class of its own, made
        # once per font) instead of six commands that reportlab applies cell by cell to every table.
        cell = _section_cell(self.s.font)
        cells = [[cell("cell") for _ in self.widths] for _ in self.rows]  # a name only; nothing reads it
        for column, first, last in self.centred:  # what ("ALIGN", …, "CENTER") commands would set, cell by cell
            for row in cells[first:last + 1]:
                row[column].alignment = "CENTER"
        style: list[tuple[Any, ...]] = [
            ("LINEAFTER", (0, 0), (-2, -1), RULE, colors.black),
            ("BOX", (0, 0), (-1, -1), FRAME, colors.black),
            # where the table breaks across pages, close the part above and open the part below
            ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), FRAME, colors.black),
            ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), FRAME, colors.black),
        ]
        style += [("LINEBELOW", (start, r), (-1, r), RULE, colors.black)
                  for r, start in enumerate(self.rules) if start is not None]
        return RuledTable(self.rows, colWidths=self.widths, rowHeights=self.heights, repeatRows=self.repeat,
                          style=style + self.commands, cellStyles=cells)


class RuledTable(Table):
    """A section's table, not sized again for room it is known to fit in.

    A table that must stay with the next (``KeepTogether``) is sized with unbounded height to see whether both fit,
    then again when it is placed. Its rows depend on the width alone (the cells do not change) as long as they all
    fit in the height: reportlab stops sizing rows only past the room it is given. So a table whose every row was
    sized for this width, and that fits the room, keeps what it found.
    """

    _sized_for: float | None = None  # the width all rows were sized for

    def _calc(self, availWidth: float, availHeight: float) -> None:
        if self._sized_for == availWidth and sum(self._rowHeights) <= availHeight:
            return
        super()._calc(availWidth, availHeight)
        self._sized_for = availWidth if self._hmax == self._nrows else None


@functools.cache
def _section_cell(font: str) -> type[CellStyle]:
    """A cell as ``("FONT", font, BODY_SIZE, BODY_LEADING)``, ``("VALIGN", "MIDDLE")`` and the paddings make it."""
    return type("SectionCell", (CellStyle,), {
        "fontname": font, "fontsize": BODY_SIZE, "leading": BODY_LEADING, "valign": "MIDDLE",
        "topPadding": TOP_PAD, "bottomPadding": BOTTOM_PAD, "leftPadding": PAD, "rightPadding": PAD})
