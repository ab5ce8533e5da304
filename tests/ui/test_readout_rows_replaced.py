"""Issue 19, seen in the whole-case walkthrough (docs/case_walkthrough.py): after selecting a thermocouple
with a needle selected before, the needle's readout rows ("Antenna", "Zone long × short axis") were
still drawn under the thermocouple's, overlapping them, while a nested event loop ran (the removed
labels wait for ``deleteLater`` until control returns to the loop that posted it). Replaced rows are
hidden at once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from planner.ui.readouts import ReadoutGrid

pytestmark = pytest.mark.gui


def test_rows_of_the_previous_item_are_not_drawn_under_the_new_ones(qtbot):
    grid = ReadoutGrid()
    qtbot.addWidget(grid)
    grid.resize(320, 200)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_rows([("Antenna", "generic-mw-2450-1.6, 30 W, 180 s"), ("Zone long × short axis", "32.0 × 23.0 mm")])
    qtbot.wait(1)
    old = grid.findChildren(QLabel)
    assert len(old) == 4 and all(lb.isVisible() for lb in old)
    grid.set_rows([("Alarm / pre-alarm", "45 / 42 °C"), ("Distance to zone", "18.6 mm")])
    # no return to the event loop here: the old labels still exist, and must not be drawn
    assert not [lb.text() for lb in old if lb.isVisible()]
    qtbot.wait(1)  # the new rows show once the layout runs
    shown = {lb.text() for lb in grid.findChildren(QLabel) if lb.isVisible()}
    assert shown == {"Alarm / pre-alarm", "45 / 42 °C", "Distance to zone", "18.6 mm"}
