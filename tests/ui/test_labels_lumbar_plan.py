"""Level names on the shared lumbar scan with a two-needle plan (issue 19): short (the name only), and
never over a needle tip, a zone or the 3D view's orientation cube, in every 2D view and from every
side in 3D, the case's first 3D framing included (the L4 name sat by the cube at the pane's bottom).

The obstacles are computed here from the plan and the evaluation, independently of the layout: the tips
and antenna tips projected with each view's own mapping (2D: the view's ``lps_to_screen``; 3D: the
renderer's world-to-display), the zones' outlines as the exact ellipsoid section's screen bounding
box (2D) or the disc of the longest semi-axis (3D), and the cube's viewport from the marker widget."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.geometry.sections import ellipsoid_section
from planner.ui.label_layout import overlaps
from tests.export.realplans import TCIA_L2_BODY_IJK, bipedicular_plan

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
TIP_PX = 7.0  # a tip marker's radius with its pen (label_layout.TIP_HALF_PX, level_labels3d.AVOID_PX)


@pytest.fixture(scope="module")
def planned(qapp, lumbar_volume, lumbar_canal, lumbar_spine):
    """One window for the module (the tests only read it, except the 3D camera each one sets)."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.loader.quiet = True
    w.set_volume(lumbar_volume)
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()  # the labels do not need the bone surface
    w.corridors.shutdown()
    session = w.session
    session.set_canal(lumbar_canal.mask.copy())
    session.anatomy.body()
    session.anatomy.set_spine(lumbar_spine)
    body_lps = lumbar_volume.to_lps(np.asarray(TCIA_L2_BODY_IJK, float))
    session.open_plan(bipedicular_plan(session.plan.series, body_lps))
    session.evaluate(corridors=False)
    w.level_labels._on_vertebrae(lumbar_spine)
    w.state.set_cursor(body_lps)  # the slices through the needles' tips and the zones' centres
    w.view3d.reset_camera_to_spine()
    QApplication.processEvents()
    yield w
    w.plan_files.confirm_close = lambda: True
    w.close()
    w.deleteLater()
    qapp.processEvents()
    # deleted now, not at some later loop: a closed window is still a top-level widget until then, and a
    # later module's fixture that watches every MainWindow's findings (test_auto_levels' t11) read this
    # plan's "Rechecking…" as its own
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def _tips(session):
    plan = session.plan
    tips = [n.tip_lps for n in plan.needles] + [plan.antenna_for(n.id).tip_lps(n) for n in plan.needles]
    return tips + [n.entry_lps for n in plan.needles] + [t.tip_lps for t in plan.thermocouples]


@pytest.mark.parametrize("orientation", [AXIAL, SAGITTAL, CORONAL])
def test_2d_names_are_short_and_clear_of_tips_and_zones(planned, orientation):
    w = planned
    view = w.views[orientation]
    sl = view.current_slice()
    placed = w.level_labels.overlay.layout(view, sl)
    assert placed, "no level name near the L2 slice"
    assert all(p.text in {v.name for v in w.session.anatomy.ready_spine().vertebrae} for p in placed)
    zones = w.session.evaluation.zones
    assert len(zones) == 2 and all(z.zone is not None for z in zones)
    obstacles = []
    for tip in _tips(w.session):
        x, y = view.lps_to_screen(tip)
        obstacles.append((x - TIP_PX, y - TIP_PX, x + TIP_PX, y + TIP_PX))
    sections = 0
    for zr in zones:
        e = zr.zone.ellipsoid
        pts = ellipsoid_section(e.centre_lps, e.axes, e.semi_axes_mm, sl.plane, sl.h_mm)
        if pts is not None:
            xy = np.array([view.viewport.plane_to_screen(a, b) for a, b in pts])
            obstacles.append((*xy.min(axis=0), *xy.max(axis=0)))
            sections += 1
    assert sections >= 1
    for label in placed:
        for o in obstacles:
            assert not overlaps(label.rect, o), (orientation, label.text, label.rect, o)


def _display(renderer, p):
    renderer.SetWorldPoint(*p, 1.0)
    renderer.WorldToDisplay()
    return np.array(renderer.GetDisplayPoint()[:2])


@pytest.mark.parametrize("side", ["first framing", "P", "L", "R", "A"])
def test_3d_names_are_short_and_clear_of_tips_zones_and_the_cube(planned, side):
    w = planned
    view3d = w.view3d
    renderer = view3d.scene.renderer
    view3d.reset_camera_to_spine()  # the case's first framing
    if side != "first framing":
        view3d.camera_preset(side)
    view3d.render_window.Render()
    labels = w.level_labels.labels3d
    shown = labels.visible_boxes()
    assert shown, f"no level name in view from {side}"
    assert all(" " not in name for name, _box in shown)  # the name only
    width, height = view3d.render_window.GetSize()
    marker = view3d.scene._marker
    vx0, vy0, vx1, vy1 = marker.GetViewport()
    cube = (vx0 * width, vy0 * height, vx1 * width, vy1 * height)
    cam = renderer.GetActiveCamera()
    right = np.cross(cam.GetDirectionOfProjection(), cam.GetViewUp())
    right /= np.linalg.norm(right)
    for name, (x0, y0, x1, y1) in shown:
        assert not overlaps((x0, y0, x1, y1), cube), (side, name)
        for tip in _tips(w.session):
            tx, ty = _display(renderer, tip)
            assert not (x0 - TIP_PX < tx < x1 + TIP_PX and y0 - TIP_PX < ty < y1 + TIP_PX), (side, name)
        for zr in w.session.evaluation.zones:
            e = zr.zone.ellipsoid
            c = _display(renderer, e.centre_lps)
            r_px = np.linalg.norm(_display(renderer, np.asarray(e.centre_lps) + max(e.semi_axes_mm) * right) - c)
            nearest = np.array([min(max(c[0], x0), x1), min(max(c[1], y0), y1)])
            assert np.linalg.norm(nearest - c) > r_px, (side, name)
