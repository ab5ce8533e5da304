"""Readout rows replaced by another item's rows are hidden at once (planner/ui/readouts.py).

Found while chasing the overlapping readout rows of the whole-case walkthrough (docs/case_walkthrough.py,
issue 19): the removed labels wait for ``deleteLater`` until control returns to the event loop that
posted it, and until then they stayed visible at their old places (under a nested event loop, e.g. a
dialog's, they are drawn under the new rows). The walkthrough's overlap itself turned out to be a
different, transient squeeze of the rows (see the report), not this."""

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
