"""Level names in the needle-aligned views sit beside the vertebra they name (issue 19).

Observed on the shared lumbar scan with a bipedicular plan in the needle layout: the names of the
vertebrae near the oblique planes but outside the view were drawn at the view's corners ("L3 L4 L5" in
the probe's-eye view's bottom corner), with leader lines running off the view. Checked here from the
plan and the automatic vertebrae, independently of the layout: each name's vertebra (its body centre,
projected with the view's own mapping) is in the view; the name lies within the reach of the rule
(``BESIDE_SPINE_MM`` beside the body, plus half a lumbar body's height of slide, 15 mm: a lumbar body is
about 27-30 mm tall, Panjabi 1992) and never covers a tip, a zone or the body centre it names.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.geometry.sections import ellipsoid_section
from planner.ui.label_body import BESIDE_SPINE_MM
from planner.ui.label_layout import overlaps, point_rect
from tests.ui.test_labels_lumbar_plan import TIP_PX, _tips, planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
SLIDE_MM = 15.0


def _gap_px(rect, x, y) -> float:
    """The distance from point (x, y) to the rectangle (0 inside it)."""
    dx = max(rect[0] - x, 0.0, x - rect[2])
    dy = max(rect[1] - y, 0.0, y - rect[3])
    return float(np.hypot(dx, dy))


def _centres(session) -> dict:
    spine = session.anatomy.ready_spine()
    centres = {v.name: [v.body_centre_lps] for v in spine.vertebrae if v.name}
    for level in session.plan.levels:
        centres.setdefault(level.name, []).append(level.body_centre_lps)
    return centres


def test_needle_view_names_sit_beside_their_vertebrae(planned):  # noqa: F811
    w = planned
    w.selection.select(w.session.plan.needles[0].id)
    w.set_layout("needle")
    QApplication.processEvents()
    try:
        centres = _centres(w.session)
        named = 0
        for view in w.needle_views.values():
            sl = view.current_slice()
            placed = w.level_labels.overlay.layout(view, sl)
            scale = view.viewport.scale_px_per_mm
            obstacles = [point_rect(*view.lps_to_screen(t), TIP_PX) for t in _tips(w.session)]
            for zr in w.session.evaluation.zones:
                e = zr.zone.ellipsoid
                pts = ellipsoid_section(e.centre_lps, e.axes, e.semi_axes_mm, sl.plane, sl.h_mm)
                if pts is not None:
                    xy = np.array([view.viewport.plane_to_screen(a, b) for a, b in pts])
                    obstacles.append((*xy.min(axis=0), *xy.max(axis=0)))
            for p in placed:
                anchors = [view.lps_to_screen(c) for c in centres[p.text]]
                assert any(np.allclose(p.anchor, a, atol=1e-6) for a in anchors), p
                ax, ay = p.anchor
                assert 0 <= ax <= view.width() and 0 <= ay <= view.height(), (view.objectName(), p)
                assert _gap_px(p.rect, ax, ay) <= (BESIDE_SPINE_MM + SLIDE_MM) * scale, (p, scale)
                assert not overlaps(p.rect, point_rect(ax, ay, 10.0)), p  # not on the body it names
                for o in obstacles:
                    assert not overlaps(p.rect, o), (p, o)
                named += 1
        assert named >= 3  # the case is exercised: several vertebrae named in the needle views
    finally:
        w.set_layout("four_up")
        QApplication.processEvents()
