"""ZoneActors: translucent ablation zones and thermal shells matching the evaluation's ellipsoids."""

from __future__ import annotations

import numpy as np
import pytest

from planner.ablation.zones import PlannedZone
from planner.geometry.shapes import Ellipsoid
from planner.plan.items import Antenna, Needle
from planner.render.plan_zones import ZoneActors, ZoneStyle
from planner.render.vtk_bridge import polydata_points
from planner.session.evaluation import Evaluation, ZoneResult
from planner.session.session import PlanningSession
from tests.render.helpers import is_background, patch_at


def _evaluation(*pairs, request_id: int = 1) -> Evaluation:
    zones = tuple(ZoneResult(antenna_id, "needle-" + antenna_id, None if ell is None else PlannedZone(ell, 210.0, 30.0))
                  for antenna_id, ell in pairs)
    return Evaluation(request_id, zones, None)


def _oblique_zone(centre=(4.0, -7.0, 12.0)) -> Ellipsoid:
    return Ellipsoid.spheroid(centre, (1.0, 2.0, -1.5), 17.5, 12.0)


def test_zone_actor_bounds_match_the_ellipsoid_extent():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    ell = _oblique_zone()
    zones = ZoneActors(vtkRenderer())
    zones.update_from_evaluation(_evaluation(("a1", ell)))
    actor = zones.zone_actor("a1")
    assert actor.GetVisibility() and actor.GetProperty().GetOpacity() < 1.0
    bounds = np.array(actor.GetBounds()).reshape(3, 2)
    lo, hi = ell.bounds_lps()
    extent = hi - lo
    np.testing.assert_array_less(np.abs(bounds[:, 0] - lo), 0.02 * extent)
    np.testing.assert_array_less(np.abs(bounds[:, 1] - hi), 0.02 * extent)
    # Every vertex lies on the ellipsoid surface (up to float32 storage).
    pts = polydata_points(zones.zone_surface("a1").poly)
    np.testing.assert_allclose(ell.signed_distance(pts), 0.0, atol=1e-4)


def test_shell_is_the_surface_at_the_margin():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    ell = _oblique_zone()
    zones = ZoneActors(vtkRenderer())
    zones.update_from_evaluation(_evaluation(("a1", ell)))
    assert not zones.shell_actor("a1").GetVisibility()
    zones.update_from_evaluation(_evaluation(("a1", ell)), shell_margin_mm=10.0)
    shell = zones.shell_actor("a1")
    assert shell.GetVisibility()
    assert shell.GetProperty().GetOpacity() < zones.zone_actor("a1").GetProperty().GetOpacity()
    pts = polydata_points(zones.shell_surface("a1").poly)
    np.testing.assert_allclose(ell.signed_distance(pts), 10.0, atol=1e-3)
    lo, hi = ell.bounds_lps(10.0)  # the offset body's box is the zone's box grown by the margin
    bounds = np.array(shell.GetBounds()).reshape(3, 2)
    np.testing.assert_array_less(np.abs(bounds[:, 0] - lo), 0.02 * (hi - lo))
    with pytest.raises(ValueError):
        zones.update_from_evaluation(_evaluation(("a1", ell)), shell_margin_mm=-1.0)


def test_zones_update_in_place_and_follow_antennas():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    renderer = vtkRenderer()
    zones = ZoneActors(renderer)
    zones.update_from_evaluation(_evaluation(("a1", _oblique_zone()), ("a2", Ellipsoid.sphere((40, 0, 0), 10.0))))
    assert renderer.GetActors().GetNumberOfItems() == 4
    first = zones.zone_actor("a1")
    moved = _oblique_zone(centre=(-20.0, 5.0, 0.0))
    zones.update_from_evaluation(_evaluation(("a1", moved), ("a2", None)))
    assert zones.zone_actor("a1") is first
    assert renderer.GetActors().GetNumberOfItems() == 4
    centre = np.array(first.GetBounds()).reshape(3, 2).mean(axis=1)
    np.testing.assert_allclose(centre, moved.centre_lps, atol=0.05)
    assert not zones.zone_actor("a2").GetVisibility()  # no zone (e.g. power outside the table)
    zones.update_from_evaluation(_evaluation(("a1", moved)))
    assert zones.antenna_ids() == ["a1"]
    assert renderer.GetActors().GetNumberOfItems() == 2
    zones.set_visible(False)
    assert not first.GetVisibility()
    zones.update_from_evaluation(None)
    assert renderer.GetActors().GetNumberOfItems() == 0


def test_zone_from_the_session_device_table_renders_translucent_orange(scene):
    session = PlanningSession()
    needle = Needle(entry_lps=(0.0, 80.0, 0.0), tip_lps=(0.0, 0.0, 0.0))
    antenna = Antenna(needle_id=needle.id, power_w=30.0, time_s=210.0)
    session.plan.insert(needle)
    session.plan.insert(antenna)
    evaluation = Evaluation(1, tuple(session.zone_results()), None)
    zone = evaluation.zone_for(antenna.id).zone
    assert zone is not None
    zones = ZoneActors(scene.renderer, ZoneStyle())
    zones.update_from_evaluation(evaluation)
    bounds = np.array(zones.zone_actor(antenna.id).GetBounds()).reshape(3, 2)
    lo, hi = zone.ellipsoid.bounds_lps()
    np.testing.assert_allclose(bounds[:, 0], lo, atol=0.02 * (hi - lo).max())
    np.testing.assert_allclose(bounds[:, 1], hi, atol=0.02 * (hi - lo).max())
    scene.look_at(zone.ellipsoid.centre_lps, (1.0, 0.0, 0.0), 200.0)
    image = scene.image()
    r, g, b = patch_at(image, *scene.project(zone.ellipsoid.centre_lps), half=2)
    assert r > 40 and r > g > b  # orange over a black background
    outside = zone.ellipsoid.centre_lps + np.array([0.0, 0.0, 1.5 * zone.ellipsoid.semi_axes_mm.max()])
    assert is_background(patch_at(image, *scene.project(outside), half=2))


def test_translucent_zones_survive_depth_peeling(scene):
    """With depth peeling on a multisampled EGL window translucent actors vanished; the helper fixes it."""
    from planner.render.shapes3d import configure_translucency

    zones = ZoneActors(scene.renderer)
    ell = Ellipsoid.sphere((0.0, 0.0, 0.0), 15.0)
    zones.update_from_evaluation(_evaluation(("a1", ell)), shell_margin_mm=8.0)
    configure_translucency(scene.renderer, scene.window)
    scene.look_at((0.0, 0.0, 0.0), (0.0, -1.0, 0.0), 200.0)
    image = scene.image()
    assert scene.renderer.GetLastRenderingUsedDepthPeeling()
    zone_rgb = patch_at(image, *scene.project((0.0, 0.0, 0.0)), half=2)
    shell_rgb = patch_at(image, *scene.project((0.0, 0.0, 19.0)), half=1)  # between zone and shell
    assert zone_rgb[0] > 40 and zone_rgb[0] > zone_rgb[2]
    assert not is_background(shell_rgb) and shell_rgb[0] < zone_rgb[0]
    assert is_background(patch_at(image, *scene.project((0.0, 0.0, 30.0))))
