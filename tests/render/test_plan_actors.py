"""PlanActors: needles, antennas, thermocouples and targets drawn at their true size and place."""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.thresholds import Finding, Severity
from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Needle, Target, Thermocouple
from planner.render.plan_actors import FALLBACK_ANTENNA_DIAMETER_MM, PlanActors, PlanStyle, brighten
from planner.render.vtk_bridge import polydata_points
from planner.session.evaluation import Evaluation
from tests.render.helpers import is_background, patch_at

RED = (0.95, 0.08, 0.08)
STYLE = PlanStyle(needle_rgb=RED)


def _radial_distances(points: np.ndarray, p0, p1) -> tuple[np.ndarray, np.ndarray]:
    p0 = np.asarray(p0, dtype=float)
    u = np.asarray(p1, dtype=float) - p0
    length = np.linalg.norm(u)
    u /= length
    d = points - p0
    t = d @ u
    return np.linalg.norm(d - t[:, None] * u, axis=1), t / length


def _plan(*items) -> PlanDocument:
    plan = PlanDocument()
    for item in items:
        plan.insert(item)
    return plan


def test_needle_appears_along_its_projected_line(scene):
    entry, tip = np.array([-30.0, 10.0, 35.0]), np.array([25.0, -5.0, -30.0])
    needle = Needle(entry_lps=tuple(entry), tip_lps=tuple(tip), gauge="10G")
    actors = PlanActors(scene.renderer, style=STYLE)
    actors.update_from_plan(_plan(needle))
    scene.look_at((entry + tip) / 2, (0.0, -1.0, 0.0), 260.0)
    image = scene.image()
    for fraction in (0.25, 0.5, 0.75):
        row, col = scene.project(entry + fraction * (tip - entry))
        r, g, b = patch_at(image, row, col)
        assert r > 60 and r > 3 * g and r > 3 * b, (fraction, (r, g, b))
    # 30 mm beside the needle, on either side of it, there is only background.
    mid = (entry + tip) / 2
    side = np.cross(tip - entry, [0.0, 1.0, 0.0])
    side /= np.linalg.norm(side)
    for sign in (1.0, -1.0):
        row, col = scene.project(mid + sign * 30.0 * side)
        assert is_background(patch_at(image, row, col, half=3))


@pytest.mark.parametrize("gauge", ["10G", "13G", "16G"])
def test_needle_tube_has_the_true_outer_radius(gauge):
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(5.0, 7.0, -30.0), tip_lps=(5.0, 7.0, 40.0), gauge=gauge)
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(_plan(needle))
    poly = actors.tube_shape(needle.id).polydata()
    radius = needle.outer_diameter_mm / 2.0
    x0, x1, y0, y1, z0, z1 = poly.GetBounds()
    assert x0 == pytest.approx(5.0 - radius, abs=1e-5) and x1 == pytest.approx(5.0 + radius, abs=1e-5)
    assert y0 == pytest.approx(7.0 - radius, abs=1e-5) and y1 == pytest.approx(7.0 + radius, abs=1e-5)
    assert (z0, z1) == pytest.approx((-30.0, 40.0), abs=1e-5)
    radial, _ = _radial_distances(polydata_points(poly), needle.entry_lps, needle.tip_lps)
    np.testing.assert_allclose(radial, radius, atol=1e-5)


def test_oblique_tube_points_lie_on_the_cylinder():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(-20.0, 40.0, 10.0), tip_lps=(15.0, -12.0, -22.0))
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(_plan(needle))
    pts = polydata_points(actors.tube_shape(needle.id).polydata())
    radial, t = _radial_distances(pts, needle.entry_lps, needle.tip_lps)
    np.testing.assert_allclose(radial, 2.41 / 2, atol=1e-4)
    assert t.min() == pytest.approx(0.0, abs=1e-5) and t.max() == pytest.approx(1.0, abs=1e-5)


def test_antenna_runs_from_needle_tip_to_antenna_tip_with_device_diameter():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(0.0, 60.0, 0.0), tip_lps=(0.0, 0.0, 0.0))
    antenna = Antenna(needle_id=needle.id, extension_mm=15.0)
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(_plan(needle, antenna))
    assert actors.antenna_diameter_mm(antenna) == pytest.approx(1.6)
    x0, x1, y0, y1, z0, z1 = actors.tube_shape(antenna.id).polydata().GetBounds()
    assert (y0, y1) == pytest.approx((-15.0, 0.0), abs=1e-5)
    assert (x0, x1, z0, z1) == pytest.approx((-0.8, 0.8, -0.8, 0.8), abs=1e-5)
    shaft, ball = actors.actors_of(antenna.id)
    ball.GetMapper().Update()
    ball_bounds = np.array(ball.GetMapper().GetInput().GetBounds()).reshape(3, 2)
    np.testing.assert_allclose(ball_bounds.mean(axis=1), [0.0, -15.0, 0.0], atol=1e-5)


def test_unknown_device_falls_back_to_generic_diameter():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(0.0, 60.0, 0.0), tip_lps=(0.0, 0.0, 0.0))
    antenna = Antenna(needle_id=needle.id, device_id="no-such-device")
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(_plan(needle, antenna))
    assert actors.tube_shape(antenna.id).radius_mm == pytest.approx(FALLBACK_ANTENNA_DIAMETER_MM / 2)


def test_moving_a_needle_updates_actors_in_place(scene):
    needle = Needle(entry_lps=(-40.0, 0.0, 20.0), tip_lps=(40.0, 0.0, 20.0), gauge="10G")
    antenna = Antenna(needle_id=needle.id)
    plan = _plan(needle, antenna)
    actors = PlanActors(scene.renderer, style=STYLE)
    actors.update_from_plan(plan)
    scene.look_at((0.0, 0.0, 0.0), (0.0, -1.0, 0.0), 260.0)
    before = scene.actor_count()
    needle_actors = actors.actors_of(needle.id)
    antenna_actors = actors.actors_of(antenna.id)
    row, col = scene.project((0.0, 0.0, 20.0))
    assert not is_background(patch_at(scene.image(), row, col))
    for z in (10.0, 0.0, -20.0):  # a drag: several steps
        plan.set_fields(needle.id, entry_lps=(-40.0, 0.0, z), tip_lps=(40.0, 0.0, z))
        actors.update_from_plan(plan)
    assert scene.actor_count() == before
    assert all(a is b for a, b in zip(actors.actors_of(needle.id), needle_actors))
    assert all(a is b for a, b in zip(actors.actors_of(antenna.id), antenna_actors))
    bounds = actors.tube_shape(needle.id).polydata().GetBounds()
    assert (bounds[4], bounds[5]) == pytest.approx((-21.7, -18.3), abs=1e-5)
    ab = actors.tube_shape(antenna.id).polydata().GetBounds()
    assert (ab[0], ab[1]) == pytest.approx((40.0, 55.0), abs=1e-5)
    image = scene.image()
    row, col = scene.project((0.0, 0.0, -20.0))
    assert patch_at(image, row, col)[0] > 60
    row, col = scene.project((0.0, 0.0, 20.0))
    assert is_background(patch_at(image, row, col))


def test_removed_items_lose_their_actors():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    renderer = vtkRenderer()
    needle = Needle(entry_lps=(0.0, 60.0, 0.0), tip_lps=(0.0, 0.0, 0.0))
    antenna = Antenna(needle_id=needle.id)
    tc = Thermocouple(entry_lps=(10.0, 60.0, 0.0), tip_lps=(10.0, 5.0, 0.0))
    target = Target(centre_lps=(0.0, -10.0, 0.0), semi_axes_mm=(8.0, 8.0, 8.0))
    plan = _plan(needle, antenna, tc, target)
    actors = PlanActors(renderer)
    empty = renderer.GetActors().GetNumberOfItems()  # the selection halo
    actors.update_from_plan(plan)
    assert renderer.GetActors().GetNumberOfItems() == empty + 1 + 2 + 2 + 1
    plan.remove(antenna.id)
    plan.remove(tc.id)
    actors.update_from_plan(plan)
    assert renderer.GetActors().GetNumberOfItems() == empty + 1 + 1
    assert actors.item_ids() == [needle.id, target.id]
    actors.clear()
    assert renderer.GetActors().GetNumberOfItems() == empty


def test_hidden_kind_stays_hidden_for_new_items(scene):
    needle = Needle(entry_lps=(-40.0, 0.0, 0.0), tip_lps=(40.0, 0.0, 0.0), gauge="10G")
    plan = _plan(needle)
    actors = PlanActors(scene.renderer, style=STYLE)
    actors.update_from_plan(plan)
    actors.set_visible("needle", False)
    second = Needle(entry_lps=(-40.0, 0.0, 20.0), tip_lps=(40.0, 0.0, 20.0), gauge="10G")
    plan.insert(second)
    actors.update_from_plan(plan)
    assert not any(a.GetVisibility() for i in (needle.id, second.id) for a in actors.actors_of(i))
    scene.look_at((0.0, 0.0, 10.0), (0.0, -1.0, 0.0), 260.0)
    image = scene.image()
    for z in (0.0, 20.0):
        assert is_background(patch_at(image, *scene.project((0.0, 0.0, z))))
    actors.set_visible("needle", True)
    image = scene.image()
    assert patch_at(image, *scene.project((0.0, 0.0, 20.0)))[0] > 60
    with pytest.raises(ValueError):
        actors.set_visible("zone", False)


def test_selection_brightens_and_shows_a_halo():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(0.0, 0.0, -30.0), tip_lps=(0.0, 0.0, 30.0))
    other = Needle(entry_lps=(20.0, 0.0, -30.0), tip_lps=(20.0, 0.0, 30.0))
    actors = PlanActors(vtkRenderer(), style=STYLE)
    actors.update_from_plan(_plan(needle, other))
    shaft = actors.actors_of(needle.id)[0]
    assert shaft.GetProperty().GetColor() == pytest.approx(RED)
    actors.set_selected(needle.id)
    assert shaft.GetProperty().GetColor() == pytest.approx(brighten(RED, STYLE.selected_mix))
    assert actors.actors_of(other.id)[0].GetProperty().GetColor() == pytest.approx(RED)
    halo = actors.halo_actor()
    assert halo.GetVisibility()
    halo.GetMapper().Update()
    hb = halo.GetMapper().GetInput().GetBounds()
    assert hb[1] == pytest.approx(2.41 / 2 * STYLE.halo_radius_scale, abs=1e-5)
    actors.set_selected(None)
    assert not halo.GetVisibility()
    assert shaft.GetProperty().GetColor() == pytest.approx(RED)


def test_thermocouple_tip_colour_follows_the_evaluation():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    tc = Thermocouple(entry_lps=(10.0, 60.0, 0.0), tip_lps=(10.0, 5.0, 0.0))
    tc2 = Thermocouple(entry_lps=(-10.0, 60.0, 0.0), tip_lps=(-10.0, 5.0, 0.0))
    style = PlanStyle()
    actors = PlanActors(vtkRenderer(), style=style)
    actors.update_from_plan(_plan(tc, tc2))
    tip = actors.actors_of(tc.id)[1]
    assert tip.GetProperty().GetColor() == pytest.approx(style.tc_state_rgb["unknown"])
    findings = (Finding(Severity.INFO, "tc_ok", "ok", tc2.id),
                Finding(Severity.WARNING, "tc_prealarm", "warm", tc.id),
                Finding(Severity.INFO, "canal_clear", "clear", ""))
    actors.update_from_evaluation(Evaluation(1, (), None, findings=findings))
    assert tip.GetProperty().GetColor() == pytest.approx(style.tc_state_rgb["prealarm"])
    assert actors.actors_of(tc2.id)[1].GetProperty().GetColor() == pytest.approx(style.tc_state_rgb["ok"])
    findings += (Finding(Severity.CRITICAL, "tc_alarm", "hot", tc.id),)
    actors.update_from_evaluation(Evaluation(2, (), None, findings=findings))
    assert tip.GetProperty().GetColor() == pytest.approx(style.tc_state_rgb["alarm"])
    radial, _ = _radial_distances(polydata_points(actors.tube_shape(tc.id).polydata()), tc.entry_lps, tc.tip_lps)
    np.testing.assert_allclose(radial, 1.65 / 2, atol=1e-5)


def test_target_is_a_translucent_ellipsoid_of_the_right_size():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    target = Target(centre_lps=(3.0, -4.0, 5.0), kind="ellipsoid", semi_axes_mm=(12.0, 8.0, 6.0))
    mask_target = Target(centre_lps=(0.0, 0.0, 0.0), kind="mask", mask_ref="lesion.nii")
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(_plan(target, mask_target))
    assert actors.item_ids("target") == [target.id]
    (actor,) = actors.actors_of(target.id)
    assert actor.GetProperty().GetOpacity() < 1.0
    bounds = np.array(actor.GetBounds()).reshape(3, 2)
    np.testing.assert_allclose(bounds[:, 0], [-9.0, -12.0, -1.0], atol=1e-4)
    np.testing.assert_allclose(bounds[:, 1], [15.0, 4.0, 11.0], atol=1e-4)


def test_antenna_without_extension_shows_only_its_tip():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    needle = Needle(entry_lps=(0.0, 60.0, 0.0), tip_lps=(0.0, 0.0, 0.0))
    antenna = Antenna(needle_id=needle.id, extension_mm=0.0)
    plan = _plan(needle, antenna)
    actors = PlanActors(vtkRenderer())
    actors.update_from_plan(plan)
    shaft, ball = actors.actors_of(antenna.id)
    assert not shaft.GetVisibility() and ball.GetVisibility()
    plan.set_fields(antenna.id, extension_mm=10.0)
    actors.update_from_plan(plan)
    assert shaft.GetVisibility() and ball.GetVisibility()
