"""Screenshot round of issue 19: on the lumbar scan the Temperatures plot wrote its legend ("canal")
straight through the dashed 45 °C alarm line. The legend lines sit on a box that hides what runs under
them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFontMetrics, QImage

from planner.core import palette
from planner.ui.thermal_plot import ThermalPlot

pytestmark = pytest.mark.gui


def _pixels(plot: ThermalPlot) -> np.ndarray:
    image = QImage(plot.size(), QImage.Format_RGB32)
    image.fill(QColor("white"))
    plot.render(image)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    out = rgb[:, :image.width(), 2::-1].copy()  # BGRA in memory -> RGB
    del image
    return out


def test_legend_hides_the_alarm_line(qtbot):
    plot = ThermalPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 180)
    # one curve from 37 to 40 °C, alarm 45 °C: the drawn range is 36..46 °C (37 °C and the alarm lines
    # included, padded by max(1, 5 %) = 1 °C), so the alarm line lies a tenth of the frame's height below
    # its top (about 25 px down with the default font): inside the first legend line (4 px below the top,
    # 14 px or a font line high), the lumbar screenshot's case
    plot.set_data([("canal", [0.0, 100.0, 200.0], [37.0, 40.0, 39.0])], prealarm_c=42.0, alarm_c=45.0)
    rect = plot.plot_rect()
    alarm_y = rect.bottom() - rect.height() * (45.0 - 36.0) / 10.0
    # where the first legend line is written: 6 px inside the frame's left, 4 px below its top, the
    # word's advance wide and 14 px high (the legend's line pitch)
    width = QFontMetrics(plot.font()).horizontalAdvance("canal")
    box = QRectF(rect.left() + 6, rect.top() + 4, width, 14)
    assert box.top() < alarm_y < box.bottom()
    rgb = _pixels(plot).astype(int)
    alarm = np.array(palette.THERMAL_ALARM_LINE)
    line_like = (np.abs(rgb - alarm) < 50).all(axis=2)
    # the line is drawn right of the box (it is dashed: some of its pixels on that row)
    right = line_like[int(alarm_y) - 1:int(alarm_y) + 2, int(box.right()) + 2:int(rect.right()) - 2]
    assert right.sum() > 10
    inside = line_like[int(box.top()) + 1:int(box.bottom()) - 1, int(box.left()) + 1:int(box.right()) - 1]
    assert inside.sum() == 0
