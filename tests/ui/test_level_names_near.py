"""Screenshot round of issue 19: in a coronal view of the lumbar scan narrowed by the training dock, "L2"
slid 81 px down the right edge (off the body there) while the left edge was free at its height, and "T12"
went below "L1". Edge spots are now tried nearest height first in either column, and only within three
label heights of the vertebra's (planner.ui.label_layout.MAX_EDGE_SLIDE_LABELS; else beside it).

On the lumbar plan of tests/ui/test_labels_lumbar_plan.py in a narrow window, in each standard view: every
name at an edge column is within that slide of its vertebra, and the names read in the vertebrae's order
from head to feet (a name below its lower neighbour's reads as that vertebra's)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from planner.ui.label_layout import EDGE_GAP_PX, MAX_EDGE_SLIDE_LABELS
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


@pytest.mark.parametrize("orientation", ["coronal", "sagittal"])
def test_edge_names_stay_near_their_vertebrae_and_in_order(planned, orientation):  # noqa: F811
    w = planned
    old = w.size()
    w.resize(1000, 900)
    try:
        for _ in range(5):
            QApplication.processEvents()
        view = w.views[orientation]
        placed = w.level_labels.overlay.layout(view, view.current_slice())
        assert len(placed) >= 4, [p.text for p in placed]
        edge = [p for p in placed if p.rect[0] == EDGE_GAP_PX or p.rect[2] == view.width() - EDGE_GAP_PX]
        for p in edge:
            h = p.rect[3] - p.rect[1]
            top = min(max(p.anchor[1] - h / 2, 24.0), view.height() - 26.0 - h)  # the spot at the anchor's height
            assert abs(p.rect[1] - top) <= MAX_EDGE_SLIDE_LABELS * h + 1e-6, (p.text, p.rect, p.anchor)
        by_anchor = [p.text for p in sorted(placed, key=lambda p: p.anchor[1])]
        by_label = [p.text for p in sorted(placed, key=lambda p: p.rect[1])]
        assert by_label == by_anchor, (by_anchor, by_label)
    finally:
        w.resize(old)
        QApplication.processEvents()
