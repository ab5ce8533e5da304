"""Issue 19: a needle whose entry is off a view (a needle view zoomed on another needle's vertebra) had no
name there: its name, pushed to the view's edge, covered the orientation letters and was left out. It is
now written where the shaft comes into the view, NAME_EDGE_INSET_PX inside the edges
(planner.ui.item_labels.name_anchor), and still left out where that spot has no room or the shaft does not
come into the view (it used to be pushed into the view's corner).

Closed forms on a stand-in view (its screen mapping is the identity on the plane z = 0), then the lumbar
plan of tests/ui/test_labels_lumbar_plan.py in the needle layout: with the left needle selected, the right
needle's entry lies far outside its probe's-eye view, and its name is drawn inside the view, beside its
shaft's line, off the orientation letters.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.plan.items import Needle
from planner.ui.item_labels import NAME_EDGE_INSET_PX, name_anchor
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)
from tests.ui.test_ui19_needle_name_room import _drawn


class _View:
    """A 600 x 400 px view whose screen point of (x, y, z) LPS is (x, y)."""

    def width(self):
        return 600

    def height(self):
        return 400

    def lps_to_screen(self, p):
        return float(p[0]), float(p[1])


def _needle(entry_xy, tip_xy):
    return Needle((*entry_xy, 0.0), (*tip_xy, 0.0))


def test_an_entry_on_the_view_keeps_its_place():
    assert name_anchor(_View(), _needle((590.0, 10.0), (300.0, 200.0))) == (590.0, 10.0)


def test_an_entry_off_the_view_is_named_where_the_shaft_comes_in():
    m = NAME_EDGE_INSET_PX
    # off the left edge, a horizontal shaft: where it crosses x = m
    assert name_anchor(_View(), _needle((-300.0, 150.0), (300.0, 150.0))) == pytest.approx((m, 150.0))
    # off the bottom edge, toward (300, 100): x = 400 - 100 t, y = 700 - 600 t enters the inner rectangle
    # [m, 600 - m] x [m, 400 - m] through its bottom edge y = 400 - m, at t = (300 + m) / 600
    t = (300.0 + m) / 600.0
    assert name_anchor(_View(), _needle((400.0, 700.0), (300.0, 100.0))) == pytest.approx((400.0 - 100.0 * t, 400.0 - m))
    # a shaft that never comes within the inner rectangle: no place on this view, the name is not written
    assert name_anchor(_View(), _needle((-300.0, 10.0), (700.0, 10.0))) is None
    assert name_anchor(_View(), _needle((-300.0, -200.0), (-100.0, -20.0))) is None


@pytest.mark.gui
@pytest.mark.realdata
def test_the_other_needle_is_named_in_the_probes_eye_view(planned, monkeypatch):  # noqa: F811
    w = planned
    w.resize(1600, 1000)
    names = {n.name: n for n in w.session.plan.needles}
    w.selection.select(names["L2 left"].id)
    try:
        w.set_layout("needle")
        for _ in range(10):
            QApplication.processEvents()
        view = w.needle_views["probe"]
        right = names["L2 right"]
        ex, ey = view.lps_to_screen(right.entry_lps)
        assert not (0 <= ex <= view.width() and 0 <= ey <= view.height()), "the entry should be off this view"
        rects = [r for t, r in _drawn(view, monkeypatch) if t == "L2 right"]
        assert len(rects) == 1, "the right needle has no name in the left needle's probe's-eye view"
        x0, y0, x1, y1 = rects[0]
        assert 0 <= x0 and x1 <= view.width() and 0 <= y0 and y1 <= view.height()
        # beside its shaft's line: the box's nearest point is within a few px of the segment entry-tip
        a = np.array([ex, ey])
        b = np.array(view.lps_to_screen(right.tip_lps))
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]])
        t = np.clip(((corners - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
        nearest = np.linalg.norm(corners - (a + t[:, None] * (b - a)), axis=1).min()
        assert nearest <= 8.0, f"the name is {nearest:.1f} px from its shaft"
    finally:
        w.set_layout("four_up")
        w.selection.select(None)
        QApplication.processEvents()
