"""Horizontal grouped bar charts drawn with QPainter (no QtCharts): CJK labels, any DPI.

Bars run left to right so long Chinese category names (award items, counties)
sit in a label column and stay readable; the chart grows in height with the
number of categories and is meant to live in a QScrollArea.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gui.money import wan_text
from gui.qt import (
    Qt, QColor, QEvent, QFontMetricsF, QHelpEvent, QPaintEvent, QPainter, QPalette, QPen, QPointF, QRectF,
    QSize, QSizePolicy, QToolTip, QWidget,
)


SERIES_COLOURS = ("#5B8FD9", "#F0A04B", "#4CAF7A", "#A77BCA")
WAN = 10000.0  # geometry only: every figure shown is formatted from its Decimal


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[Decimal]
    colour: str


# Bars spanning this many times from smallest to largest are drawn on a log scale by default.
LOG_SPREAD = 100.0


def spread(values: Sequence[float]) -> float:
    """Largest over smallest positive value (1 when there is nothing to compare)."""
    positive = [v for v in values if v > 0]
    return max(positive) / min(positive) if len(positive) > 1 else 1.0


def log_bounds(values: Sequence[float]) -> tuple[int, int]:
    """Powers of ten that hold every positive value: 10**low ≤ v ≤ 10**high, low < high."""
    positive = [v for v in values if v > 0] or [1.0]
    low = math.floor(math.log10(min(positive)))
    if 10.0 ** low >= min(positive):  # the smallest bar keeps a visible length
        low -= 1
    high = max(math.ceil(math.log10(max(positive))), low + 1)
    return low, high


def nice_step(largest: float, ticks: int = 5) -> float:
    """A 1/2/5×10^k step so that about ``ticks`` steps cover ``largest``."""
    if largest <= 0:
        return 1.0
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


class BarChart(QWidget):
    """Categories down the left, one bar per series each, values written at the bar ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._categories: list[str] = []
        self._series: list[Series] = []
        self._title = ""
        self._value_text: Callable[[Decimal], str] = wan_text
        self._empty_text = "暂无数据"
        self._unit = "万元"
        self._divisor = WAN
        self._log = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    # --- data ---------------------------------------------------------------

    def set_data(self, title: str, categories: Sequence[str], series: Sequence[Series],
                 value_text: Callable[[Decimal], str] = wan_text, *, unit: str = "万元",
                 divisor: float = WAN) -> None:
        """``divisor`` turns a value into axis units (元 → 万元 by default)."""
        if any(len(s.values) != len(categories) for s in series):
            raise ValueError("each series needs one value per category")
        self._title = title
        self._categories = list(categories)
        self._series = list(series)
        self._value_text = value_text
        self._unit, self._divisor = unit, divisor
        self.updateGeometry()
        self.update()

    def categories(self) -> list[str]:
        return list(self._categories)

    def set_log_scale(self, log: bool) -> None:
        """Logarithmic axis: a bar of 1万元 stays visible beside one of 10000万元."""
        self._log = log
        self.update()

    def log_scale(self) -> bool:
        return self._log

    def bar_length(self, value: Decimal, plot_width: float) -> float:
        """How long the bar of ``value`` is in a plot ``plot_width`` wide, on the current scale."""
        units = float(value) / self._divisor
        if units <= 0:
            return 0.0
        if self._log:
            low, high = log_bounds(self._axis_values())
            return plot_width * max(math.log10(units) - low, 0.0) / (high - low)
        step, ticks = self._linear_axis()
        return plot_width * units / (ticks * step)

    def _axis_values(self) -> list[float]:
        return [float(v) / self._divisor for s in self._series for v in s.values]

    def _linear_axis(self) -> tuple[float, int]:
        step = nice_step(self._largest() / self._divisor)
        if self._divisor == 1.0:  # plain counts: whole-number ticks
            step = max(step, 1.0)
        return step, max(1, math.ceil(self._largest() / self._divisor / step))

    def _ticks(self) -> list[tuple[float, str]]:
        """(fraction of the plot width, label) of each axis tick."""
        if self._log:
            low, high = log_bounds(self._axis_values())
            return [((power - low) / (high - low), f"{10.0 ** power:g}") for power in range(low, high + 1)]
        step, ticks = self._linear_axis()
        return [(tick / ticks, f"{tick * step:g}") for tick in range(ticks + 1)]

    # --- geometry -----------------------------------------------------------

    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.font())

    def _bar_height(self) -> float:
        return round(self._metrics().height() * 1.05)

    def _group_height(self) -> float:
        return self._bar_height() * max(len(self._series), 1) + self._metrics().height() * 0.8

    def _header_height(self) -> float:
        line = self._metrics().height()
        return line * 1.6 + line * 1.4 + line * 1.2  # title, legend, axis labels

    def _content_height(self) -> int:
        rows = max(len(self._categories), 1)
        return math.ceil(self._header_height() + rows * self._group_height() + self._metrics().height())

    def sizeHint(self) -> QSize:
        return QSize(round(self._metrics().horizontalAdvance("字") * 40), self._content_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(round(self._metrics().horizontalAdvance("字") * 24), self._content_height())

    def _label_width(self) -> float:
        fm = self._metrics()
        widest = max((fm.horizontalAdvance(text) for text in self._categories), default=0.0)
        return min(widest + fm.horizontalAdvance("字"), self.width() * 0.38)

    def _largest(self) -> float:
        return max((float(v) for s in self._series for v in s.values), default=0.0)

    def _row_at(self, y: float) -> int | None:
        top = self._header_height()
        if y < top:
            return None
        index = int((y - top) // self._group_height())
        return index if 0 <= index < len(self._categories) else None

    # --- painting -----------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        fm = self._metrics()
        line = fm.height()
        margin = fm.horizontalAdvance("字") * 0.8
        text_colour = palette.color(QPalette.ColorRole.Text)

        title_font = self.font()
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text_colour)
        painter.drawText(QRectF(margin, 0, self.width() - 2 * margin, line * 1.6),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         (f"{self._title}（单位：{self._unit}{'，对数刻度' if self._log else ''}）" if self._unit
                          else self._title))
        painter.setFont(self.font())
        if not self._categories or not self._series:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            return
        self._paint_legend(painter, margin, line * 1.6, line)

        label_width = self._label_width()
        left = margin + label_width + margin
        value_room = fm.horizontalAdvance("0000000.00万元")
        right = max(left + line * 4, self.width() - margin - value_room)
        top = self._header_height()
        plot_width = right - left
        bottom = top + len(self._categories) * self._group_height()

        grid = QColor(text_colour)
        grid.setAlpha(40)
        for fraction, label in self._ticks():
            x = left + plot_width * fraction
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, top - line * 0.2), QPointF(x, bottom))
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            width = fm.horizontalAdvance(label)
            painter.drawText(QRectF(x - width / 2 - 2, top - line * 1.3, width + 4, line),
                             Qt.AlignmentFlag.AlignCenter, label)

        bar = self._bar_height()
        for index, category in enumerate(self._categories):
            group_top = top + index * self._group_height()
            painter.setPen(text_colour)
            shown = fm.elidedText(category, Qt.TextElideMode.ElideRight, label_width)
            painter.drawText(QRectF(margin, group_top, label_width, bar * len(self._series)),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)
            for number, series in enumerate(self._series):
                value = series.values[index]
                y = group_top + number * bar
                length = self.bar_length(value, plot_width)
                painter.fillRect(QRectF(left, y + bar * 0.12, max(length, 1.0), bar * 0.76),
                                 QColor(series.colour))
                painter.setPen(text_colour)
                painter.drawText(QRectF(left + length + margin * 0.4, y, value_room, bar),
                                 Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                                 self._value_text(value))
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(QPointF(left, top - line * 0.2), QPointF(left, bottom))

    def _paint_legend(self, painter: QPainter, x: float, y: float, line: float) -> None:
        fm = self._metrics()
        for series in self._series:
            painter.fillRect(QRectF(x, y + line * 0.3, line * 0.8, line * 0.8), QColor(series.colour))
            x += line * 1.1
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            width = fm.horizontalAdvance(series.name)
            painter.drawText(QRectF(x, y, width + 2, line * 1.4),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, series.name)
            x += width + line * 1.2

    # --- tool tips ----------------------------------------------------------

    def tooltip_at(self, y: float) -> str:
        index = self._row_at(y)
        if index is None:
            return ""
        lines = [self._categories[index]]
        lines += [f"{series.name}：{self._value_text(series.values[index])}" for series in self._series]
        return "\n".join(lines)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            text = self.tooltip_at(event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
