"""Two small flowables: the QR code, and the signature's visible stamp, drawn into the page."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import PATH_OPS
from reportlab.platypus import Flowable

from sheets.glyphs import chain_for
from sheets.qr import qr_modules


class QrFlowable(Flowable):
    """A QR code drawn as filled runs straight on the canvas (a graphics ``Drawing`` would set Helvetica).

    One fixed mask pattern: every mask is valid, and scoring all eight costs eight encodings. Each run of dark
    modules is filled on its own (one path for all would print the same code, but anti-aliased differently).
    """

    def __init__(self, value: str, size: float, border: int = 1) -> None:
        super().__init__()
        self.modules: list[list[bool]] = qr_modules(value)
        self.width = self.height = size
        self.border = border

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        """Each run as ``canvas.rect(..., stroke=0, fill=1)`` draws it; the operators written at once (the same bytes
        as one ``rect`` call a run, which was a twentieth of a sheet's rendering), from numbers formatted once."""
        count = len(self.modules)
        xs, widths, height = _grid(count, self.width, self.border)
        box = self.width / (count + 2 * self.border)
        fill = PATH_OPS[0, 1, self.canv._fillMode]
        runs: list[str] = []
        for r, row in enumerate(self.modules):
            y = fp_str(self.height - (r + self.border + 1) * box)
            dark = "".join("1" if module else "0" for module in row)
            runs += [f"n {xs[run.start()]} {y} {widths[run.end() - run.start()]} {height} re {fill}"
                     for run in _DARK.finditer(dark)]
        self.canv._code.extend(runs)


_DARK = re.compile("1+")


@functools.cache
def _grid(count: int, size: float, border: int) -> tuple[list[str], list[str], str]:
    """A code's column positions, run widths and module height as ``fp_str`` writes them (the same for every code
    of one version and size: fp_str formats each of its numbers alone)."""
    box = size / (count + 2 * border)
    return ([fp_str((start + border) * box) for start in range(count)],
            [fp_str(length * box) for length in range(count + 1)], fp_str(box * 1.04))


class StampSpot(Flowable):
    """The signature's visible stamp as page content, and where it landed (page, box) for the signature field.

    Drawn into the page rather than into the signature widget's appearance, every renderer shows it:
    QtPdf (print and its preview), paper, pdftoppm, as well as viewers that show signature widgets.
    """

    FONT_SIZE, LEADING, LEFT = 10.0, 14.0, 12.0

    def __init__(self, width: float, height: float, sink: dict[str, Any], lines: Sequence[str] = (),
                 font: str = "Helvetica") -> None:
        super().__init__()
        self.width, self.height, self.sink = width, height, sink
        self.lines, self.font = tuple(line for line in lines if line), font

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["page"] = self.canv.getPageNumber() - 1
        self.sink["box"] = (x, y, x + self.width, y + self.height)
        if not self.lines:
            return
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(1)
        canvas.rect(0.5, 0.5, self.width - 1, self.height - 1, stroke=1, fill=0)
        block = self.LEADING * (len(self.lines) - 1) + self.FONT_SIZE
        baseline = (self.height + block) / 2 - self.FONT_SIZE * 0.88
        chain = chain_for(self.font)
        for n, line in enumerate(self.lines):
            x = self.LEFT
            for font, run in chain.runs(line):
                canvas.setFont(font, self.FONT_SIZE)
                canvas.drawString(x, baseline - n * self.LEADING, run)
                x += stringWidth(run, font, self.FONT_SIZE)
        canvas.restoreState()


class CheckBoxes(Flowable):
    """A row of empty squares, each followed by its label, to be ticked by pen: □通过 □部分通过 …

    The squares are drawn (``SIDE`` points, 4.5 mm), not a "□" glyph, which prints at about 5 pt.
    """

    SIDE = 4.5 * 72 / 25.4
    GAP = 4.0

    def __init__(self, labels: Sequence[str], font: str, size: float = 9.5) -> None:
        super().__init__()
        self.labels, self.font, self.size = tuple(labels), font, size

    def _item_width(self, label: str) -> float:
        return self.SIDE + 3 + stringWidth(label, self.font, self.size) + 3 * self.GAP

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        rows, used = 1, 0.0
        for label in self.labels:
            if used and used + self._item_width(label) > available_width:
                rows, used = rows + 1, 0.0
            used += self._item_width(label)
        self.height = rows * (self.SIDE + 5)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(0.8)
        canvas.setFont(self.font, self.size)
        x, top = 0.0, self.height
        for label in self.labels:
            if x and x + self._item_width(label) > self.width:
                x, top = 0.0, top - (self.SIDE + 5)
            bottom = top - 2.5 - self.SIDE
            canvas.rect(x, bottom, self.SIDE, self.SIDE, stroke=1, fill=0)
            canvas.drawString(x + self.SIDE + 3, bottom + (self.SIDE - self.size * 0.72) / 2, label)
            x += self._item_width(label)
        canvas.restoreState()
