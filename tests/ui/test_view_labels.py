"""Level names sit off the anatomy, never over needle tips or zones, and can be hidden (issue 19).
The obstacles are computed here independently of the overlay: tips projected with the view's own
mapping, zones as the exact ellipsoid section's screen bounding box."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.geometry.sections import ellipsoid_section
from planner.plan.commands import add_item
from planner.plan.items import Antenna, Level, Needle
from planner.ui.label_layout import overlaps, place_labels, point_rect
from tests.ui.test_view_fit import BODY_HI, BODY_LO, _phantom

pytestmark = pytest.mark.gui

CENTRE = (BODY_LO + BODY_HI) / 2  # (118, 99, 58.5): the phantom body's centre


def test_layout_keeps_labels_off_obstacles_and_each_other():
    size = lambda text: (30.0, 16.0)  # noqa: E731
    obstacles = [(0.0, 90.0, 400.0, 130.0)]  # a band across the whole view at the anchors' height
    placed = place_labels([("L1", (100.0, 110.0)), ("L2", (110.0, 112.0))], size, 400, 300, obstacles)
    assert [p.text for p in placed] == ["L1", "L2"]
    for p in placed:
        assert not overlaps(p.rect, obstacles[0]) and p.rect[0] >= 46.0  # off the orientation letters
    assert not overlaps(placed[0].rect, placed[1].rect)
    # no free place at all: the label is left out rather than drawn over what is planned
    assert place_labels([("L3", (100.0, 100.0))], size, 400, 300, [(0.0, 0.0, 400.0, 300.0)]) == []


@pytest.fixture(scope="module")
def window(qapp):
    """One window for the module: the phantom with a level, a needle and its antenna at the body centre."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.loader.quiet = True
    w.show()
    w.set_volume(_phantom())
    s = w.session
    s.stack.push(add_item(Level(name="L2", body_centre_lps=tuple(CENTRE))))
    needle = Needle(tuple(CENTRE + [-30.0, 60.0, 0.0]), tuple(CENTRE + [-2.0, 4.0, 0.0]), name="L2 left", level="L2")
    s.stack.push(add_item(needle))
    s.stack.push(add_item(Antenna(needle.id)))
    s.evaluate(corridors=False)
    w.state.set_cursor(CENTRE)
    QApplication.processEvents()
    for view in w.views.values():
        view.repaint()
    yield w
    w.close()
    w.deleteLater()
    qapp.processEvents()


def _obstacles(w, view, sl):
    s = w.session
    needle = s.plan.needles[0]
    tips = [needle.tip_lps, s.plan.antenna_for(needle.id).tip_lps(needle)]
    rects = [point_rect(*view.lps_to_screen(t)) for t in tips]
    for zr in s.evaluation.zones:
        e = zr.zone.ellipsoid
        pts = ellipsoid_section(e.centre_lps, e.axes, e.semi_axes_mm, sl.plane, sl.h_mm)
        if pts is not None:
            xy = np.array([view.viewport.plane_to_screen(a, b) for a, b in pts])
            rects.append((*xy.min(axis=0), *xy.max(axis=0)))
    return rects


@pytest.mark.parametrize("orientation", [AXIAL, SAGITTAL, CORONAL])
def test_level_label_avoids_tips_and_zone_and_sits_off_the_body_centre(window, orientation):
    view = window.views[orientation]
    sl = view.current_slice()
    assert window.session.evaluation.zones and window.session.evaluation.zones[0].zone is not None
    placed = window.level_labels.overlay.layout(view, sl)
    assert [p.text for p in placed] == ["L2"]
    rect = placed[0].rect
    obstacles = _obstacles(window, view, sl)
    assert len(obstacles) >= 3  # two tips and the zone's section (the zone is centred on this slice)
    for o in obstacles:
        assert not overlaps(rect, o), (orientation, rect, o)
    cx, cy = view.lps_to_screen(CENTRE)
    assert not overlaps(rect, point_rect(cx, cy, 10.0))  # not on the vertebral body it names
    assert placed[0].anchor == pytest.approx((cx, cy))  # its leader line ends on the body centre


def test_level_labels_can_be_hidden_from_the_view_menu(window):
    action = window.level_labels.action
    assert action.isCheckable() and action.isChecked() and action in window.view_actions.menu.actions()
    action.trigger()
    view = window.views[AXIAL]
    assert window.level_labels.overlay.layout(view, view.current_slice()) == []
    action.trigger()
    assert len(window.level_labels.overlay.layout(view, view.current_slice())) == 1


def test_3d_level_label_sits_beside_the_spine_clear_of_tips_and_zone(window):
    """From behind and from the side: the 3D name's box keeps off the projected tips and the zone's disc
    (radius: its longest semi-axis), computed here with the renderer's own world-to-display mapping."""
    view3d, s = window.view3d, window.session
    renderer = view3d.scene.renderer
    needle = s.plan.needles[0]
    tips = [needle.tip_lps, s.plan.antenna_for(needle.id).tip_lps(needle)]
    zone = s.evaluation.zones[0].zone.ellipsoid
    for side in ("P", "L", "A"):
        view3d.camera_preset(side)
        view3d.render_window.Render()
        assert window.level_labels.labels3d.levels()[0][0] == "L2"
        x0, y0, x1, y1 = window.level_labels.labels3d.text_boxes()[0]
        assert x1 - x0 > 5 and y1 - y0 > 5

        def display(p):
            renderer.SetWorldPoint(*p, 1.0)
            renderer.WorldToDisplay()
            return np.array(renderer.GetDisplayPoint()[:2])

        for tip in tips:
            tx, ty = display(tip)
            assert not (x0 - 7 < tx < x1 + 7 and y0 - 7 < ty < y1 + 7), side
        cx, cy = display(zone.centre_lps)
        cam = renderer.GetActiveCamera()
        right = np.cross(cam.GetDirectionOfProjection(), cam.GetViewUp())
        r_px = np.linalg.norm(display(np.asarray(zone.centre_lps) + max(zone.semi_axes_mm) * right) - (cx, cy))
        nearest = np.array([min(max(cx, x0), x1), min(max(cy, y0), y1)])
        assert np.linalg.norm(nearest - (cx, cy)) > r_px, side
    window.level_labels.action.trigger()
    assert not window.level_labels.labels3d._leader_actor.GetVisibility()
    window.level_labels.action.trigger()
