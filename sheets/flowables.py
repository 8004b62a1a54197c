"""Two small flowables: the QR code, and the reserved box where the signature stamp goes."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus import Flowable


class QrFlowable(Flowable):
    """A QR code drawn as filled runs straight on the canvas (a graphics ``Drawing`` would set Helvetica).

    One fixed mask pattern: every mask is valid, and scoring all eight costs eight encodings.
    """

    def __init__(self, value: str, size: float, border: int = 1) -> None:
        super().__init__()
        qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        qr.addData(value)
        qr.version = qr.calculate_version()
        qr.makeImpl(False, 0)
        self.modules: list[list[bool]] = [[bool(cell) for cell in row] for row in qr.modules]
        self.width = self.height = size
        self.border = border

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        count = len(self.modules)
        box = self.width / (count + 2 * self.border)
        for r, row in enumerate(self.modules):
            y = self.height - (r + self.border + 1) * box
            c = 0
            while c < count:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < count and row[c]:
                    c += 1
                self.canv.rect((start + self.border) * box, y, (c - start) * box, box * 1.04, stroke=0, fill=1)


class StampSpot(Flowable):
    """Reserves the box for the signature's visible stamp and records where it landed (page, box)."""

    def __init__(self, width: float, height: float, sink: dict[str, Any]) -> None:
        super().__init__()
        self.width, self.height, self.sink = width, height, sink

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["page"] = self.canv.getPageNumber() - 1
        self.sink["box"] = (x, y, x + self.width, y + self.height)
