"""Level names in the standard axial, sagittal and coronal views never sit on a drawn shaft (issue 19,
"checked as a person would": the needle-aligned views kept their names off the shafts, the standard
views only off the tips, so a thermocouple drawn across a name's edge spot lay under the name).

For each standard view, a thermocouple is laid on the slice straight through the box of the first
name the view shows (its entry 40 px beyond the box, its tip 220 px before it, so neither end nor the
thermocouple's reading, written at its tip, is near the box). The shafts are then taken from the plan
independently of the layout (entry to tip, projected with the view's own ``lps_to_screen``), and a
name crosses one when the segment, clipped to the name's box grown by half the widest line the overlay
draws, keeps a piece of positive length inside it (Liang & Barsky 1984, ACM TOG 3(1):
:func:`tests.ui.test_view19_shaft_labels.crosses`).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.plan import commands
from planner.plan.items import Thermocouple
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)
from tests.ui.test_view19_shaft_labels import _shafts_lps, crosses

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def _across(view, rect) -> tuple[tuple, tuple]:
    """(entry, tip) LPS of a segment on the displayed slice crossing ``rect`` through its middle row."""
    y = 0.5 * (rect[1] + rect[3])
    right = rect[2] + 40.0 <= view.width() - 4.0
    x_entry, x_tip = (rect[2] + 40.0, rect[0] - 220.0) if right else (rect[0] - 40.0, rect[2] + 220.0)
    entry, tip = view.screen_to_lps(x_entry, y), view.screen_to_lps(x_tip, y)
    return tuple(np.round(entry, 3)), tuple(np.round(tip, 3))


@pytest.mark.parametrize("orientation", ["axial", "sagittal", "coronal"])
def test_standard_view_names_are_off_a_shaft_drawn_across_them(planned, orientation):  # noqa: F811
    w = planned
    view = w.views[orientation]
    QApplication.processEvents()
    first = w.level_labels.overlay.layout(view, view.current_slice())
    assert first, f"no level named in the {orientation} view: the case does not exercise it"
    entry, tip = _across(view, first[0].rect)
    assert crosses(first[0].rect, view.lps_to_screen(entry), view.lps_to_screen(tip))  # laid across it
    tc = Thermocouple(entry, tip, name="across the name")
    w.session.stack.push(commands.add_item(tc))
    try:
        QApplication.processEvents()
        half = 0.5 * 3.0 * view.viewport.scale_px_per_mm  # the widest line drawn (a 3 mm shaft)
        shafts = [(view.lps_to_screen(a), view.lps_to_screen(b)) for a, b in _shafts_lps(w.session.plan)]
        placed = w.level_labels.overlay.layout(view, view.current_slice())
        crossings = []
        for p in placed:
            grown = (p.rect[0] - half, p.rect[1] - half, p.rect[2] + half, p.rect[3] + half)
            crossings += [p.text for a, b in shafts if crosses(grown, a, b)]
        assert first[0].text in {p.text for p in placed}, "the name moved off the shaft, not hidden"
        assert not crossings, f"{orientation}: level names on a drawn shaft: {crossings}"
    finally:
        w.session.stack.push(commands.remove_item(tc.id))
        QApplication.processEvents()
