"""The session's "inside the lesion" test (what the corridor check counts as inside the vertebra besides
bone) is the bounded test of planner.analysis.point_tests, follows every change of the lesion, and answers
as the plain definitions do: a mask read at the nearest voxel, a sphere by |p - c| <= r."""

from __future__ import annotations

import numpy as np

from planner.core.volume import ImageVolume
from planner.plan.items import Target
from planner.session.session import PlanningSession


def _session():
    hu = np.full((20, 30, 40), 40, np.int16)  # k, j, i; 1 x 1.5 x 2 mm voxels
    volume = ImageVolume(hu, (1.0, 1.5, 2.0), (-20.0, -22.5, 10.0))
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    return s, volume


def _points(volume, n=20000, seed=3):
    lo = np.asarray(volume.origin_lps) - 5.0
    hi = lo + np.array([40 * 1.0, 30 * 1.5, 20 * 2.0]) + 10.0
    return np.random.default_rng(seed).uniform(lo, hi, size=(n, 3))


def test_mask_lesion_matches_nearest_voxel_and_follows_edits():
    s, volume = _session()
    assert s.lesion_inside() is None
    mask = np.zeros(volume.hu.shape, bool)
    mask[5:9, 10:14, 12:20] = True
    s.set_target_mask(mask)
    pts = _points(volume)
    ijk = np.round(volume.to_ijk(pts)).astype(int)
    inside_grid = np.all((ijk >= 0) & (ijk < np.array(volume.shape_ijk)), axis=1)
    expected = np.zeros(len(pts), bool)
    i, j, k = ijk[inside_grid].T
    expected[inside_grid] = mask[k, j, i]
    assert expected.sum() > 20
    np.testing.assert_array_equal(s.lesion_inside()(pts), expected)
    assert s.lesion_inside() is s.lesion_inside()  # kept while nothing changed

    moved = np.zeros_like(mask)
    moved[12:15, 20:25, 30:36] = True
    s.set_target_mask(moved)
    expected_moved = np.zeros(len(pts), bool)
    expected_moved[inside_grid] = moved[k, j, i]
    np.testing.assert_array_equal(s.lesion_inside()(pts), expected_moved)
    s.set_target_mask(None)
    assert s.lesion_inside() is None


def test_sphere_target_matches_distance_and_follows_plan_edits():
    s, volume = _session()
    centre = np.asarray(volume.to_lps(np.array([20.0, 15.0, 10.0])))
    target = Target(tuple(centre), kind="sphere", semi_axes_mm=(8.0, 8.0, 8.0))
    s.plan.insert(target)
    pts = _points(volume)
    expected = np.linalg.norm(pts - centre, axis=1) <= 8.0
    assert expected.sum() > 20
    np.testing.assert_array_equal(s.lesion_inside()(pts), expected)
    s.plan.remove(target.id)
    assert s.lesion_inside() is None
