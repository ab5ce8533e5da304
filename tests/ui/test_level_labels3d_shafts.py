"""Issue 19 (screenshot round): the 3D level names' leaders avoided only the needles' ends and crossed
the needle shafts. In the window, on the sample with the demo plan (a bipedicular L2 plan and an
epidural thermocouple) and its level L2, seen from behind and from each side: no leader point and no name's box comes
within a shaft's drawn radius plus SHAFT_AIR_PX of any shaft, and no leader enters a zone's disc. The
shafts and discs are projected here with the renderer's own camera (planner.render.level_labels3d
world_to_display), independently of the placement code."""

from __future__ import annotations

import numpy as np
import pytest

from planner.headless.demo import demo_plan
from planner.plan import commands
from planner.plan.items import Level, Needle
from planner.render.level_labels3d import SHAFT_AIR_PX, world_to_display
from planner.ui.label_needle import plan_shafts_lps
from planner.ui.level_labels import zone_discs
from tests.ui.helpers import window_opened

pytestmark = pytest.mark.gui


def _settled(w) -> bool:
    ev = w.session.evaluation
    return (ev is not None and ev.complete and not w.corridors.is_busy() and not w.evaluations.is_busy()
            and not w.scene_plan.surfaces.is_busy() and not w.view3d.is_surface_busy())


def _segment_distance(points, a, b) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def _px_per_mm(renderer, at_lps) -> float:
    cam = renderer.GetActiveCamera()
    right = np.cross(np.array(cam.GetDirectionOfProjection()), np.array(cam.GetViewUp()))
    right /= np.linalg.norm(right)
    p = np.asarray(at_lps, float)
    return float(np.linalg.norm(world_to_display(renderer, p + right)[:2] - world_to_display(renderer, p)[:2]))


def _check_views(w) -> int:
    """Check every leader and name in the P, L and R views; the number of leaders checked."""
    labels = w.level_labels.labels3d
    renderer = w.view3d.scene.renderer
    checked = 0
    for side in ("P", "L", "R"):
        w.view3d.camera_preset(side)
        w.view3d.image_array()  # a frame: the names are placed before it
        shafts = []
        for start, end, diameter_mm in plan_shafts_lps(w.session.plan):
            mid = (np.asarray(start) + np.asarray(end)) / 2
            half = diameter_mm / 2 * _px_per_mm(renderer, mid) + SHAFT_AIR_PX
            shafts.append((world_to_display(renderer, start)[:2], world_to_display(renderer, end)[:2], half))
        discs = []
        for centre, radius_mm in zone_discs(w.session):
            discs.append((world_to_display(renderer, centre)[:2], radius_mm * _px_per_mm(renderer, centre)))
        lines = labels._leaders.GetLines()
        points = labels._leaders.GetPoints()
        for n in range(lines.GetNumberOfCells() if points is not None else 0):
            a = np.array(points.GetPoint(2 * n))[:2]
            b = np.array(points.GetPoint(2 * n + 1))[:2]
            along = a + np.linspace(0.0, 1.0, 400)[:, None] * (b - a)
            for s0, s1, half in shafts:
                assert _segment_distance(along, s0, s1).min() > half - 0.5, f"{side}: a leader crosses a shaft"
            for c, r in discs:
                assert np.linalg.norm(along - c, axis=1).min() > r - 0.5, f"{side}: a leader enters a zone"
            checked += 1
        for _name, (x0, y0, x1, y1) in labels.visible_boxes():
            for s0, s1, half in shafts:
                box = np.array([[x, y] for x in np.linspace(x0, x1, 30) for y in np.linspace(y0, y1, 10)])
                assert _segment_distance(box, s0, s1).min() > half - 0.5, f"{side}: a name on a shaft"
    return checked


def test_leaders_and_names_keep_off_the_shafts_and_zones(qtbot, sample_series):
    w = window_opened(qtbot, sample_series, (1200, 850))
    try:
        w.thermal.panel.auto_box.setChecked(False)
        doc = demo_plan(w.session.plan.series)
        tips = np.array([n.tip_lps for n in doc.needles], float)  # the needle tips lie in the level's body
        doc.insert(Level(name=doc.needles[0].level, body_centre_lps=tuple(np.round(tips.mean(axis=0), 1))))
        w.session.open_plan(doc)
        qtbot.waitUntil(lambda: _settled(w), timeout=120000)
        assert w.level_labels.labels3d.levels()
        assert _check_views(w) >= 3  # the plan's level named, with its leader, in each view
    finally:
        w.close()


def test_on_the_t11_scan_the_leader_keeps_off_the_needle(qtbot, t11_t12_ct_dir):
    """The walkthrough's needles on the T11-T12 scan (its training reference plan and the needle
    mirrored to the other pedicle): seen from behind, the T12 leader ran along the right transpedicular
    needle (screenshot round)."""
    from pathlib import Path

    w = window_opened(qtbot, t11_t12_ct_dir, (1200, 850), timeout_ms=180000)
    try:
        w.thermal.panel.auto_box.setChecked(False)
        plan = Path(__file__).resolve().parents[2] / "resources/training/t11-t12/t12-right-transpedicular.plan.json"
        assert w.plan_files.open_plan_file(plan, on_open_case=True)
        level, needle = w.session.plan.levels[0], w.session.plan.needles[0]
        c, n = np.asarray(level.plane_point_lps, float), np.asarray(level.plane_normal_lps, float)

        def mirrored(point):  # across the level's mid-sagittal plane (the bipedicular step, B)
            q = np.asarray(point, float)
            return tuple(np.round(q - 2.0 * float((q - c) @ n) * n, 2))

        other = "left" if needle.side == "right" else "right"
        w.session.stack.push(commands.add_item(Needle(mirrored(needle.entry_lps), mirrored(needle.tip_lps),
                                                      name="contralateral", level=needle.level, side=other)))
        qtbot.waitUntil(lambda: _settled(w), timeout=120000)
        assert _check_views(w) >= 3
    finally:
        w.close()
