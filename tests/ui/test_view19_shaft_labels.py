"""Level names in the needle-aligned views never sit on a drawn needle, antenna or thermocouple shaft
(issue 19: they kept off the tips, the zones and each other, but could lie across a shaft's line).

The shafts are taken here from the plan, independently of the layout: each one is the segment the plan
overlay draws (needle entry to tip, needle tip to antenna tip, thermocouple entry to tip), projected with
the view's own ``lps_to_screen``; a label crosses it when the segment, clipped to the label's rectangle
by the Liang-Barsky parametric test (Liang & Barsky 1984, "A new concept and method for line
clipping", ACM TOG 3(1)), keeps a part of positive length inside it, the rectangle grown by half the
widest line the overlay draws (a 3 mm shaft at the view's scale, planner.ui.overlay_geometry.shaft_geometry).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def crosses(rect, a, b) -> bool:
    """True when segment a-b has a piece of positive length inside ``rect`` (x0, y0, x1, y1)."""
    (x0, y0, x1, y1), (ax, ay), (bx, by) = rect, a, b
    dx, dy = bx - ax, by - ay
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0.0:
            if q < 0.0:
                return False
            continue
        t = q / p
        if p < 0.0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return t1 - t0 > 1e-9


def test_crosses_closed_forms():
    square = (0.0, 0.0, 10.0, 10.0)
    assert crosses(square, (-5.0, 5.0), (15.0, 5.0))  # straight through
    assert crosses(square, (-5.0, -5.0), (15.0, 15.0))  # the diagonal
    assert crosses(square, (5.0, 5.0), (6.0, 6.0))  # wholly inside
    assert not crosses(square, (-5.0, 12.0), (15.0, 12.0))  # above it
    assert not crosses(square, (11.0, -5.0), (30.0, 4.0))  # beside it, slanting away
    assert crosses(square, (-2.0, 4.0), (4.0, -2.0))  # cuts the corner (x + y = 2)
    assert not crosses(square, (-4.0, 4.0), (4.0, -4.0))  # touches the corner only (x + y = 0)
    assert not crosses(square, (-6.0, 4.0), (4.0, -6.0))  # passes the corner outside (x + y = -2)


def _shafts_lps(plan):
    out = []
    for needle in plan.needles:
        out.append((needle.entry_lps, needle.tip_lps))
        antenna = plan.antenna_for(needle.id)
        if antenna is not None:
            out.append((needle.tip_lps, antenna.tip_lps(needle)))
    out += [(tc.entry_lps, tc.tip_lps) for tc in plan.thermocouples]
    return out


def test_needle_view_names_are_off_every_drawn_shaft(planned):  # noqa: F811
    w = planned
    crossings, named = [], 0
    try:
        w.set_layout("needle")
        for needle in w.session.plan.needles:
            w.selection.select(needle.id)
            QApplication.processEvents()
            for view in w.needle_views.values():
                sl = view.current_slice()
                half = 0.5 * 3.0 * view.viewport.scale_px_per_mm
                shafts = [(view.lps_to_screen(a), view.lps_to_screen(b)) for a, b in _shafts_lps(w.session.plan)]
                for p in w.level_labels.overlay.layout(view, sl):
                    named += 1
                    grown = (p.rect[0] - half, p.rect[1] - half, p.rect[2] + half, p.rect[3] + half)
                    crossings += [(view.objectName(), needle.name, p.text) for a, b in shafts if crosses(grown, a, b)]
    finally:
        w.set_layout("four_up")
        QApplication.processEvents()
    assert named >= 3  # the case is exercised: several vertebrae named in the needle views
    assert not crossings, f"level names on a drawn shaft: {crossings}"
