"""Issue 19 (brief ui19, item 1): the Temperatures dock's time axis was cut off when the status ran to 4
lines and more. Each line of the wrapped status raised the panel's minimum height; a window that cannot
grow (maximised, a small screen: here a main window of fixed height) squeezed the dock below it and the
plot was pushed off the panel's bottom. The status now scrolls past a few lines, so the panel's minimum
height is the same for any status length, and the plot, its time axis included, stays whole.

The window's height is the one it takes with a one-line status plus room for ``STATUS_MAX_LINES`` lines
(lines of the label's own font): just what the capped status needs, far less than a twelve-line text.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from planner.ui.thermal_dock import ThermalPanel
from planner.ui.thermal_plot import ThermalPlot
from planner.ui.thermal_status import STATUS_MAX_LINES

pytestmark = pytest.mark.gui

SHORT = "No antenna in the plan: nothing to compute."
WARNING = " The thermal region reaches 12 mm beyond the scan; the outermost voxels are taken as muscle at 37 °C."
LONG = ("Bioheat model: damage (CEM43 ≥ 240 min) 19.2 mL, lesion 71 % covered; power off at 360 s. "
        "A model, not a measurement." + 4 * WARNING)  # about 12 lines at 264 px


def _window(qtbot, text: str) -> tuple[QMainWindow, ThermalPanel]:
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget()
    central.setMinimumSize(200, 10)
    window.setCentralWidget(central)
    panel = ThermalPanel()
    panel.status.setText(text)
    dock = QDockWidget("Temperatures", window)
    dock.setWidget(panel)
    dock.setFixedWidth(264)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.resize(600, 50)  # as short as its layout allows
    window.show()
    qtbot.waitExposed(window)
    return window, panel


def _axis_whole(panel: ThermalPanel) -> None:
    plot = panel.plot
    assert panel.rect().contains(plot.geometry()), (panel.rect(), plot.geometry())
    assert plot.visibleRegion().boundingRect().height() == plot.height()
    assert plot.rect().contains(plot.time_axis_rect().toAlignedRect())


def test_a_long_status_leaves_the_time_axis_whole_in_a_window_that_cannot_grow(qtbot):
    window, panel = _window(qtbot, SHORT)
    qtbot.waitUntil(lambda: window.height() > 50, timeout=3000)
    qtbot.wait(100)
    line_px = panel.status.fontMetrics().lineSpacing()
    window.setFixedHeight(window.height() + (STATUS_MAX_LINES - 1) * line_px)
    panel.status.setText(LONG)
    qtbot.wait(200)
    qtbot.waitUntil(lambda: _axis_whole(panel) is None, timeout=3000)
    # the whole text is there: scrolled in the status area, and in the tooltip
    assert panel.status_area.verticalScrollBar().maximum() > 0
    assert panel.status.toolTip() == LONG


def test_the_panel_minimum_does_not_grow_past_the_capped_status(qtbot):
    """Six lines and twelve lines of status: the same minimum height (the old panel's grew by six lines)."""
    _w1, six = _window(qtbot, LONG[:len(LONG) // 2])
    _w2, twelve = _window(qtbot, LONG)
    qtbot.wait(200)
    assert twelve.minimumSizeHint().height() == six.minimumSizeHint().height()


def test_the_time_axis_fits_a_large_font(qtbot):
    plot = ThermalPlot()
    qtbot.addWidget(plot)
    font = QFont(plot.font())
    font.setPixelSize(26)
    plot.setFont(font)
    plot.resize(300, 160)
    plot.set_data([("canal", [0.0, 600.0], [37.0, 44.0])], 360.0)
    below_frame = plot.height() - plot.plot_rect().bottom()
    assert below_frame >= plot.fontMetrics().height() + 4  # the "0 s" ... "600 s" line under the frame
    assert plot.plot_rect().left() >= plot.fontMetrics().horizontalAdvance("46")  # the temperature labels
