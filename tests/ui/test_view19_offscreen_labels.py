"""A 2D view zoomed in on one vertebra names only the vertebrae it shows (issue 19: "level labels sit off
the anatomy"). Seen on the shared lumbar scan: zoomed on L2 in the sagittal view, the names of T7-T12 and
L4-S1, whose bodies lay outside the view, were still written at its edges with leader lines running out
of it. Checked from the automatic vertebrae and the plan's levels, independently of the layout: every
name drawn belongs to a vertebra whose body centre, projected with the view's own mapping, lies in the
view; the zoomed-on vertebra is still named; at the fit every vertebra of the sagittal view is named."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import SAGITTAL
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)
from tests.ui.test_view19_needle_labels import _centres

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def _inside(view, lps) -> bool:
    x, y = view.lps_to_screen(np.asarray(lps, float))
    return 0.0 <= x <= view.width() and 0.0 <= y <= view.height()


def test_a_zoomed_view_names_only_the_vertebrae_it_shows(planned):  # noqa: F811
    w = planned
    view = w.views[SAGITTAL]
    centres = _centres(w.session)
    l2 = np.asarray(centres["L2"][0], float)
    w.state.set_cursor(tuple(l2))
    QApplication.processEvents()
    try:
        shown_at_fit = {p.text for p in w.level_labels.overlay.layout(view, view.current_slice())}
        x, y = view.lps_to_screen(l2)
        view.zoom_about(x, y, 4.0)
        QApplication.processEvents()
        assert _inside(view, l2)
        outside = [name for name, cs in centres.items() if not any(_inside(view, c) for c in cs)]
        assert len(outside) >= 4, f"the zoom should leave most vertebrae out of the view: {outside}"
        placed = w.level_labels.overlay.layout(view, view.current_slice())
        names = {p.text for p in placed}
        assert "L2" in names
        for name in names:
            assert any(_inside(view, c) for c in centres[name]), f"{name} is named but its body is out of the view"
        assert set(outside) <= shown_at_fit - names
    finally:
        view.zoom_about(*view.lps_to_screen(l2), 0.25)
        QApplication.processEvents()
