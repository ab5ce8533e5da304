"""A small temperature-time plot drawn with QPainter (no matplotlib): curves, the pre-alarm and alarm
lines, and the power-off time. Fed plain lists from the thermal report (planner.thermal.report)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from planner.core import palette

PALETTE = tuple(QColor(*rgb) for rgb in palette.THERMAL_CURVES)
AXIS_GAP_PX = 4  # between the frame and its axis labels


class ThermalPlot(QWidget):
    """``set_data(curves, power_off_s, prealarm_c, alarm_c)`` with curves = [(label, times, temps)]."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(260, 160)
        self._curves: list[tuple[str, list[float], list[float]]] = []
        self._power_off_s: float | None = None
        self._lines: tuple[float, ...] = (42.0, 45.0)

    def set_data(self, curves, power_off_s=None, prealarm_c: float = 42.0, alarm_c: float = 45.0) -> None:
        self._curves = [(str(label), list(map(float, t)), list(map(float, T))) for label, t, T in curves if len(t)]
        self._power_off_s = power_off_s
        self._lines = (float(prealarm_c), float(alarm_c))
        self.update()

    def clear(self) -> None:
        self.set_data([])

    def ranges(self):
        """(t_max, T_min, T_max) of what is drawn (the alarm lines included)."""
        t_max = max([t[-1] for _, t, _ in self._curves] + [1.0])
        temps = [v for _, _, T in self._curves for v in T] + list(self._lines) + [37.0]
        lo, hi = min(temps), max(temps)
        pad = max(1.0, 0.05 * (hi - lo))
        return t_max, lo - pad, hi + pad

    def margins_px(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) px around the frame, from the widget's font: the temperature
        labels' width ("100" and a gap) on the left, half a line above the top label, the time axis
        line ("0 s  (°C)" ... "660 s", :data:`AXIS_GAP_PX` below the frame) and a gap at the bottom.
        Fixed margins (44, 10, 10, 24) cut the time axis off with a larger font (issue 19)."""
        m = self.fontMetrics()
        left = m.horizontalAdvance("100") + 2 * AXIS_GAP_PX
        return float(left), float(max(10, m.height() // 2 + 2)), 10.0, float(2 * AXIS_GAP_PX + m.height())

    def plot_rect(self) -> QRectF:
        left, top, right, bottom = self.margins_px()
        return QRectF(left, top, max(10.0, self.width() - left - right), max(10.0, self.height() - top - bottom))

    def time_axis_rect(self) -> QRectF:
        """Where the time axis's labels are written: one line of the font under the frame."""
        r = self.plot_rect()
        return QRectF(r.left(), r.bottom() + AXIS_GAP_PX, r.width(), self.fontMetrics().height())

    def to_px(self, t: float, T: float) -> QPointF:
        r = self.plot_rect()
        t_max, lo, hi = self.ranges()
        return QPointF(r.left() + r.width() * t / t_max, r.bottom() - r.height() * (T - lo) / (hi - lo))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        r = self.plot_rect()
        t_max, lo, hi = self.ranges()
        p.setPen(QPen(QColor(*palette.THERMAL_FRAME), 1))
        p.drawRect(r)
        p.setPen(QColor(*palette.THERMAL_AXIS_TEXT))
        line_h = p.fontMetrics().height()
        for T in (lo, 0.5 * (lo + hi), hi):
            y = self.to_px(0, T).y()
            p.drawText(QRectF(0, y - line_h / 2, r.left() - AXIS_GAP_PX, line_h), Qt.AlignRight | Qt.AlignVCenter,
                       f"{T:.0f}")
        axis = self.time_axis_rect()
        p.drawText(axis, Qt.AlignRight, f"{t_max:.0f} s")
        p.drawText(axis, Qt.AlignLeft, "0 s  (°C)")
        for T, colour in zip(self._lines, (palette.THERMAL_PREALARM_LINE, palette.THERMAL_ALARM_LINE)):
            p.setPen(QPen(QColor(*colour), 1, Qt.DashLine))
            y = math.floor(self.to_px(0, T).y()) + 0.5  # on a pixel row's centre: crisp, not smeared over two
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        if self._power_off_s is not None:
            p.setPen(QPen(QColor(*palette.THERMAL_POWER_OFF_LINE), 1, Qt.DotLine))
            x = self.to_px(self._power_off_s, lo).x()
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        for n, (label, t, T) in enumerate(self._curves):
            path = QPainterPath(self.to_px(t[0], T[0]))
            for a, b in zip(t[1:], T[1:]):
                path.lineTo(self.to_px(a, b))
            p.setPen(QPen(PALETTE[n % len(PALETTE)], 1.6))
            p.drawPath(path)
        metrics = p.fontMetrics()
        for n, (label, _t, _T) in enumerate(self._curves):
            # the legend on a white box over the curves and the alarm lines (screenshot round of issue 19:
            # "canal" was written through the 45 °C alarm line on the lumbar scan)
            box = self.legend_rect(n, metrics.horizontalAdvance(label), metrics.height())
            p.fillRect(box, QColor(255, 255, 255, 225))
            p.setPen(PALETTE[n % len(PALETTE)])
            p.drawText(box.adjusted(2, 0, 0, 0), Qt.AlignLeft | Qt.AlignVCenter, label)
        p.end()

    def legend_rect(self, n: int, text_width: float, text_height: float = 14.0) -> QRectF:
        """The box of the n-th legend line (its text ``text_width`` x ``text_height`` px), in the plot's
        top left corner, one text line below the one before."""
        r, pitch = self.plot_rect(), max(14.0, float(text_height))
        return QRectF(r.left() + 4, r.top() + 4 + pitch * n, min(text_width + 4, r.width() - 8), pitch)
