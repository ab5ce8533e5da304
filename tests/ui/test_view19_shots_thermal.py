"""Screenshot round of issue 19: in the window on the sample and on the lumbar scan the Temperatures
dock's plot ran 12 px off the dock's bottom, cutting off its time axis ("0 s", "660 s"): the dock was
given the panel's plain minimum size, which does not count the status line's second (wrapped) line.
The whole plot must lie inside the panel whatever the status line says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from planner.ui.thermal_dock import ThermalPanel

pytestmark = pytest.mark.gui

# the status line of the sample's demo plan (two lines in a 264 px dock), and a longer one
BIOHEAT = "Bioheat model: damage (CEM43 ≥ 240 min) 21.3 mL; power off at 480 s. A model, not a measurement."
LONGER = BIOHEAT + " The canal is predicted to reach the alarm 45 °C at 36 s; peak 70.4 °C at 240 s."


def _squeezed_window(qtbot, text_before_show: str) -> tuple[QMainWindow, ThermalPanel]:
    """A main window whose only dock is the panel, 264 px wide, asked to be 50 px tall: it gets the
    least height its layout allows, the case of the real window's right column of four docks."""
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget()
    central.setMinimumSize(200, 10)
    window.setCentralWidget(central)
    panel = ThermalPanel()
    panel.status.setText(text_before_show)
    dock = QDockWidget("Temperatures", window)
    dock.setWidget(panel)
    dock.setFixedWidth(264)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.resize(600, 50)
    window.show()
    qtbot.waitExposed(window)
    return window, panel


def _plot_inside(qtbot, panel: ThermalPanel) -> None:
    def check():
        assert panel.status.height() >= 2 * panel.status.fontMetrics().height()  # it does wrap
        assert panel.rect().contains(panel.plot.geometry())
        assert panel.plot.visibleRegion().boundingRect().height() == panel.plot.height()
    qtbot.waitUntil(check, timeout=3000)


def test_plot_whole_with_a_two_line_status(qtbot):
    _window, panel = _squeezed_window(qtbot, BIOHEAT)
    _plot_inside(qtbot, panel)


def test_plot_whole_after_the_status_grows(qtbot):
    _window, panel = _squeezed_window(qtbot, "No antenna in the plan: nothing to compute.")
    panel.status.setText(LONGER)
    _plot_inside(qtbot, panel)
