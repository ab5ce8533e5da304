"""Screenshot round of issue 19 ("checked as a person would"): an item's label (a needle's name at its
entry, a thermocouple's reading at its tip) was always written right of its point, so for an item on
the patient's right (left of the spine on the screen) it ran towards the spine and over it: "39 °C ·
22.6 mm" over the spinal canal of the T11-T12 walkthrough. The label now goes on the side of its point
away from the spine (the body centre of the nearest level on the screen), when it fits there.

Here, on the shared lumbar scan with its automatic vertebrae (no plan level) and the two-needle plan of
tests/ui/test_labels_lumbar_plan.py, the right needle ("L2 right", entry 45 mm right of the body centre)
is selected; in the axial and coronal views its name, as drawn (the rectangle the overlay fills), lies
wholly left of its entry on the screen, the spine being right of it; the box the level names keep off
(planner.ui.level_labels.item_label_rects) is the drawn one.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.ui import overlays
from planner.ui.level_labels import item_label_rects
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


@pytest.mark.parametrize("orientation", ["axial", "coronal"])
def test_a_right_needles_name_is_written_away_from_the_spine(planned, orientation, monkeypatch):  # noqa: F811
    w = planned
    needle = next(n for n in w.session.plan.needles if n.side == "right")
    view = w.views[orientation]
    drawn = []
    original = overlays._fill_label

    def record(painter, rect, text, color):
        drawn.append((text, (rect.left(), rect.top(), rect.right(), rect.bottom())))
        original(painter, rect, text, color)

    monkeypatch.setattr(overlays, "_fill_label", record)
    w.selection.select(needle.id)
    try:
        QApplication.processEvents()
        view.grab()  # paints the view now
        entry_x, _entry_y = view.lps_to_screen(needle.entry_lps)
        centres = np.asarray([c for _t, c, _n in _auto(w)], float)
        nearest = centres[np.argmin(np.linalg.norm(centres - np.asarray(needle.tip_lps), axis=1))]
        assert entry_x < view.lps_to_screen(nearest)[0]  # the entry is left of the spine on the screen
        rects = [r for text, r in drawn if text == needle.name]
        assert rects, f"the selected needle's name is not drawn in the {orientation} view"
        assert rects[-1][2] <= entry_x, f"{orientation}: '{needle.name}' runs from its entry towards the spine"
        mirrored = [tuple(r) for r in item_label_rects(w.session, view)]
        assert any(all(abs(a - b) < 1.0 for a, b in zip(rects[-1], m)) for m in mirrored)
    finally:
        w.selection.select(None)
        QApplication.processEvents()


def _auto(w):
    from planner.session.anatomy_state import auto_level_labels

    return auto_level_labels(w.session.anatomy.ready_spine(), w.session.plan.levels)


@pytest.mark.parametrize("orientation", ["axial", "sagittal", "coronal"])
def test_the_level_names_keep_off_exactly_the_item_labels_written(planned, orientation, monkeypatch):  # noqa: F811
    """The boxes the level names keep off (item_label_rects) are the item labels drawn, no more: a box
    kept for a thermocouple reading not written (its tip more than 10 mm off the slice) pushed a level
    name away from its vertebra next to another one's (the lumbar walkthrough's along-needle view, L3
    beside L4). In the coronal view of this plan the thermocouple's tip is 18 mm off the slice."""
    w = planned
    view = w.views[orientation]
    drawn = []
    original = overlays._fill_label

    def record(painter, rect, text, color):
        drawn.append((rect.left(), rect.top(), rect.right(), rect.bottom()))
        original(painter, rect, text, color)

    monkeypatch.setattr(overlays, "_fill_label", record)
    w.selection.select(next(n for n in w.session.plan.needles if n.side == "right").id)
    try:
        QApplication.processEvents()
        drawn.clear()  # what this view draws, not the others' paints
        view.grab()
        kept = [tuple(r) for r in item_label_rects(w.session, view)]
        assert len(kept) == len(drawn), f"{orientation}: {len(kept)} boxes kept off, {len(drawn)} labels drawn"
        for box in kept:
            assert any(all(abs(a - b) < 1.0 for a, b in zip(box, d)) for d in drawn), (orientation, box, drawn)
    finally:
        w.selection.select(None)
        QApplication.processEvents()
