"""A line chart of a total HKD value over blocks, drawn with QPainter (PySide6-Essentials has no QtCharts).

Axes with readable HKD labels ("HK$ 12.3 M"), block dates along the bottom, the line and its points, the last value
written beside the last point, a tooltip with the exact value of the nearest point, and a plain message when there
is nothing to draw. Colours come from the widget's palette, so the chart reads in light and dark themes alike. Values
stay integers (10^-6 HKD) until they are turned into text; positions are the only floating point here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui.models.holdings_rows import hkd_text

MICRO = 10**6  # values are integers of 10^-6 HKD
EMPTY_TEXT = "No values to chart yet."
_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


class ValuePointLike(Protocol):
    """The parts of the core's `ValuePoint` (wallet_app.holdings.value_history) the chart draws."""

    @property
    def block_number(self) -> int: ...
    @property
    def block_time(self) -> datetime | None: ...
    @property
    def value_hkd(self) -> int | None: ...
    @property
    def unpriced_count(self) -> int: ...
    @property
    def note(self) -> str: ...


def format_hkd_short(value: int) -> str:
    """10^-6 HKD as a short label: 'HK$ 950', 'HK$ 12.3 K', 'HK$ 81.9 M', rounded down to a tenth of the unit."""
    sign, value = ("-", -value) if value < 0 else ("", value)
    whole = value // MICRO
    for size, suffix in _UNITS:
        if whole >= size:
            tenths = value * 10 // (MICRO * size)
            digits = f"{tenths // 10:,}" + (f".{tenths % 10}" if tenths % 10 else "")
            return f"{sign}HK$ {digits} {suffix}"
    return f"{sign}HK$ {whole:,}"


def compute_axis_top(largest: int, ticks: int = 4) -> tuple[int, int]:
    """(top of the value axis, step between ticks), both in 10^-6 HKD: the smallest 'nice' step (1, 2, 2.5 or 5
    times a power of ten, at least 1 HKD) for which `ticks` steps reach `largest`."""
    wanted = max(-(-max(largest, 0) // ticks), MICRO)  # ceiling division, never below 1 HKD a step
    magnitude = 10 ** (len(str(wanted)) - 1)
    for step in (magnitude, 2 * magnitude, 5 * magnitude // 2, 5 * magnitude, 10 * magnitude):
        if step >= wanted:
            return step * ticks, step
    return 10 * magnitude * ticks, 10 * magnitude  # not reached: ten times the magnitude is always enough


def format_when(moment: datetime, span_seconds: float) -> str:
    local = moment.astimezone()
    if span_seconds < 2 * 86_400:
        return local.strftime("%d %b %H:%M:%S") if span_seconds < 600 else local.strftime("%d %b %H:%M")
    return local.strftime("%Y-%m-%d")


def describe_point(point: ValuePointLike) -> str:
    """The tooltip of one point: block, time, exact value and what it leaves out."""
    when = point.block_time.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if point.block_time else "time unknown"
    lines = [f"Block {point.block_number:,} ({when})"]
    if point.value_hkd is None:
        lines.append(f"Not read: {point.note}" if point.note else "Not read")
    else:
        lines.append(f"{hkd_text(point.value_hkd)} HKD")
        if point.unpriced_count:
            n = point.unpriced_count
            lines.append(f"{n:,} holding{'s' if n != 1 else ''} without a usable price then: not counted")
    return "\n".join(lines)


class ValueChart(QWidget):
    """Draws the points given to `set_points` (oldest first); `set_message` shows a text instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("valueChart")
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._points: list[ValuePointLike] = []
        self._message = EMPTY_TEXT
        self._positions: list[tuple[float, ValuePointLike]] = []  # x of every drawn point, for tooltips

    # -- what the page tells it -----------------------------------------------------------------------------
    def set_points(self, points: Sequence[ValuePointLike]) -> None:
        self._points = list(points)
        readable = [p for p in self._points if p.value_hkd is not None]
        self._message = "" if readable else (
            "None of the blocks could be read." if self._points else EMPTY_TEXT
        )
        if readable:
            last = readable[-1]
            self.setAccessibleDescription(
                f"{len(readable)} values from block {readable[0].block_number:,} to {last.block_number:,}; "
                f"the last is {hkd_text(last.value_hkd or 0)} HKD"
            )
        self.update()

    def set_message(self, text: str) -> None:
        """Show `text` (plain) instead of a chart: nothing read yet, a failure."""
        self._points = []
        self._positions = []
        self._message = text or EMPTY_TEXT
        self.setAccessibleDescription(self._message)
        self.update()

    @property
    def points(self) -> list[ValuePointLike]:
        return list(self._points)

    @property
    def message(self) -> str:
        return self._message

    def sizeHint(self) -> QSize:
        return QSize(640, 220)

    # -- painting -------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            palette = self.palette()
            painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
            readable = [p for p in self._points if p.value_hkd is not None]
            if self._message or not readable:
                self._positions = []
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                                 Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                                 self._message or EMPTY_TEXT)
                return
            self._paint_chart(painter, palette, readable)
        finally:
            painter.end()

    def _paint_chart(self, painter: QPainter, palette: QPalette, readable: list[ValuePointLike]) -> None:
        metrics = QFontMetrics(self.font())
        line_height = metrics.height()
        top_value, step = compute_axis_top(max(p.value_hkd or 0 for p in readable))
        labels = [format_hkd_short(step * i) for i in range(top_value // step + 1)]
        last_label = format_hkd_short(readable[-1].value_hkd or 0)
        bold = QFont(self.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        left = max(metrics.horizontalAdvance(text) for text in labels) + 14
        right = bold_metrics.horizontalAdvance(last_label) + 18
        plot = QRectF(left, line_height * 1.2, max(40.0, self.width() - left - right),
                      max(40.0, self.height() - line_height * 1.2 - line_height * 2.4))
        text_colour = palette.color(QPalette.ColorRole.Text)
        quiet = palette.color(QPalette.ColorRole.PlaceholderText)
        grid = QColor(text_colour)
        grid.setAlpha(40)

        # value axis: grid lines and labels
        for i, text in enumerate(labels):
            y = plot.bottom() - plot.height() * i / (len(labels) - 1)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(quiet)
            painter.drawText(QRectF(0, y - line_height / 2, left - 8, line_height),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.setPen(QPen(QColor(text_colour), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())

        first_block, last_block = self._points[0].block_number, self._points[-1].block_number
        span_blocks = max(last_block - first_block, 1)

        def x_of(block: int) -> float:
            if last_block == first_block:
                return plot.center().x()
            return plot.left() + plot.width() * (block - first_block) / span_blocks

        def y_of(value: int) -> float:
            return plot.bottom() - plot.height() * value / top_value

        self._paint_time_axis(painter, plot, quiet, x_of, line_height)

        # the line, broken where a block could not be read
        highlight = palette.color(QPalette.ColorRole.Highlight)
        path = QPainterPath()
        drawing = False
        for point in self._points:
            if point.value_hkd is None:
                drawing = False
                continue
            position = QPointF(x_of(point.block_number), y_of(point.value_hkd))
            if drawing:
                path.lineTo(position)
            else:
                path.moveTo(position)
                drawing = True
        painter.setPen(QPen(highlight, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

        # the points (their tooltips say what each leaves out)
        self._positions = []
        for point in self._points:
            x = x_of(point.block_number)
            self._positions.append((x, point))
            if point.value_hkd is None:
                painter.setPen(QPen(quiet, 1.5))
                painter.drawLine(QPointF(x - 3, plot.bottom() - 3), QPointF(x + 3, plot.bottom() + 3))
                painter.drawLine(QPointF(x - 3, plot.bottom() + 3), QPointF(x + 3, plot.bottom() - 3))
                continue
            painter.setPen(QPen(highlight, 1.6))
            painter.setBrush(highlight)
            painter.drawEllipse(QPointF(x, y_of(point.value_hkd)), 3.4, 3.4)

        # the last value, beside the last readable point
        last = readable[-1]
        anchor = QPointF(x_of(last.block_number), y_of(last.value_hkd or 0))
        painter.setFont(bold)
        painter.setPen(text_colour)
        width = bold_metrics.horizontalAdvance(last_label)
        x = min(anchor.x() + 8, self.width() - width - 4)
        y = max(anchor.y() - line_height * 0.6, line_height * 0.2)
        painter.drawText(QRectF(x, y - line_height / 2, width + 2, line_height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, last_label)
        painter.setFont(self.font())

    def _paint_time_axis(self, painter: QPainter, plot: QRectF, colour: QColor, x_of: Callable[[int], float],
                         line_height: int) -> None:
        """Date (or time) and block number under the first, middle and last points, skipping any that would
        overlap."""
        times = [p.block_time for p in self._points if p.block_time is not None]
        span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
        metrics = QFontMetrics(self.font())
        count = len(self._points)
        indexes = sorted({0, count // 2, count - 1}) if count > 2 else list(range(count))
        painter.setPen(colour)
        drawn_right = float("-inf")
        for index in indexes:
            point = self._points[index]
            when = format_when(point.block_time, span) if point.block_time is not None else ""
            block = f"block {point.block_number:,}"
            width = max(metrics.horizontalAdvance(when), metrics.horizontalAdvance(block)) + 6
            centre = x_of(point.block_number)
            left = min(max(centre - width / 2, 0.0), self.width() - width)
            if left < drawn_right + 8:
                continue  # it would overlap the label before it
            drawn_right = left + width
            painter.drawLine(QPointF(centre, plot.bottom()), QPointF(centre, plot.bottom() + 4))
            painter.drawText(QRectF(left, plot.bottom() + 5, width, line_height),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, when)
            painter.drawText(QRectF(left, plot.bottom() + 5 + line_height, width, line_height),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, block)

    # -- tooltips -------------------------------------------------------------------------------------------
    def point_near(self, x: float) -> ValuePointLike | None:
        """The drawn point nearest to `x` (within 24 px), or None."""
        if not self._positions:
            return None
        distance, point = min(((abs(px - x), p) for px, p in self._positions), key=lambda item: item[0])
        return point if distance <= 24 else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            point = self.point_near(event.pos().x())
            if point is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), describe_point(point), self)
            return True
        return super().event(event)
