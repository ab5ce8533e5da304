"""Screenshot round of issue 19 ("checked as a person would"): in the Temperatures dock the spinal
canal's curve was blue before a thermocouple was placed and red after it (the first thermocouple took
the first colour), so a reader comparing two screenshots read the wrong curve. A structure's curve keeps
its colour when thermocouples come or go.

The colour is read from the rendered plot: each curve is flat at its own temperature, so along the row
of that temperature (ThermalPlot.to_px) its pixels, right of the legend, are the curve's pen colour.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from planner.core import palette
from planner.ui.thermal_dock import report_curves
from planner.ui.thermal_plot import ThermalPlot

pytestmark = pytest.mark.gui
TIMES = [0.0, 100.0, 200.0, 300.0]


def _report(with_thermocouple: bool) -> dict:
    flat = (lambda T: {"time_s": TIMES, "temperature_c": [T] * len(TIMES)})
    report = {"structures": [{"name": "canal", "level": None, "side": None, "curve": flat(40.0)},
                             {"name": "cord", "level": None, "side": None, "curve": flat(38.0)}],
              "thermocouples": []}
    if with_thermocouple:
        report["thermocouples"].append({"name": "Thermocouple 1", "curve": flat(39.0)})
    return report


def _curve_at(plot: ThermalPlot, temperature_c: float) -> int:
    """Which of the palette's curve colours is drawn on the plot's row of ``temperature_c`` (right half,
    off the legend): the palette colour nearest the pixel farthest from white on the rows beside it
    (the pen is antialiased over two rows)."""
    image = QImage(plot.size(), QImage.Format_RGB32)
    image.fill(QColor("white"))
    plot.render(image)
    bgra = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = bgra[:, :image.width(), 2::-1].astype(int)
    del image
    y = int(round(plot.to_px(150.0, temperature_c).y()))
    rect = plot.plot_rect()
    band = rgb[y - 1:y + 2, int(rect.center().x()):int(rect.right()) - 2].reshape(-1, 3)
    pixel = band[np.argmax(np.abs(band - 255).sum(axis=1))]
    curves = np.asarray(palette.THERMAL_CURVES, int)
    return int(np.argmin(np.abs(curves - pixel).sum(axis=1)))


def test_canal_and_cord_keep_their_colours_when_a_thermocouple_is_added(qtbot):
    plot = ThermalPlot()
    qtbot.addWidget(plot)
    plot.resize(320, 200)
    curves = {}
    for with_tc in (False, True):
        plot.set_data(report_curves(_report(with_tc)), prealarm_c=42.0, alarm_c=45.0)
        curves[with_tc] = {"canal": _curve_at(plot, 40.0), "cord": _curve_at(plot, 38.0)}
    assert curves[False] == {"canal": 0, "cord": 1}, curves  # the palette's first two colours
    assert curves[True] == curves[False], f"a structure's curve changed colour with a thermocouple: {curves}"
