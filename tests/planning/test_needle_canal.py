"""The needle's distance to the canal's sub-voxel surface (planner/planning/needle_canal.py, issue 17)
against closed forms: a straight CSF cylinder of radius 8 mm in bone on a synthetic CT (partial volume by
supersampling, tests/analysis/canal_phantom.py), so a point at radial distance D lies D - 8 mm from the
canal. The binary mask given is the voxel centres inside the cylinder (what a perfect voxel segmenter
returns); the surface comes from the CT's values."""

from __future__ import annotations

import numpy as np
import pytest

from planner.planning.needle_canal import CanalSurfaceDistance
from planner.planning.reach import CanalDistance
from tests.analysis.canal_phantom import make_cylinder_ct

R_CANAL_MM = 8.0


def _rotation(ax_deg: float, ay_deg: float, az_deg: float) -> np.ndarray:
    a, b, c = np.radians([ax_deg, ay_deg, az_deg])
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


GRIDS = {
    "0.6 mm": ((0.6, 0.6, 0.6), np.eye(3)),
    "1.0 mm": ((1.0, 1.0, 1.0), np.eye(3)),
    "0.78 x 0.78 x 3 mm": ((0.78, 0.78, 3.0), np.eye(3)),
    "oblique 0.8 x 0.8 x 1.2 mm": ((0.8, 0.8, 1.2), _rotation(12.0, -9.0, 20.0)),
}


def _case(spacing, direction):
    volume = make_cylinder_ct(spacing, direction, half_mm=22.0)
    ijk = np.argwhere(np.ones(volume.hu.shape, bool))[:, ::-1].astype(float)
    radial = np.linalg.norm(volume.to_lps(ijk)[:, :2], axis=1).reshape(volume.hu.shape)  # axis: LPS z
    mask = radial < R_CANAL_MM
    return volume, mask


def _points(n: int = 300, seed: int = 1):
    """Points 1.5-4 mm outside the cylinder (a needle's axis at its margin), their closed-form distance."""
    rng = np.random.default_rng(seed)
    angle, z = rng.uniform(0.0, 2 * np.pi, n), rng.uniform(-8.0, 8.0, n)
    radial = rng.uniform(R_CANAL_MM + 1.5, R_CANAL_MM + 4.0, n)
    return np.stack([radial * np.cos(angle), radial * np.sin(angle), z], axis=1), radial - R_CANAL_MM


@pytest.fixture(scope="module", params=list(GRIDS), ids=list(GRIDS))
def grid_case(request):
    spacing, direction = GRIDS[request.param]
    volume, mask = _case(spacing, direction)
    return spacing, volume, mask


def test_distance_to_the_cylinder_within_four_tenths_of_a_voxel(grid_case):
    """Every point within 0.4 of the in-plane voxel of the closed form, less than the up to half a voxel
    (and more) the mask's voxel-centre map is off by (next test); no bias over a tenth of a voxel; and never
    more than 0.3 voxel too far (too far is the unsafe direction for a margin). The residue is the band's
    plane model on an 8 mm radius (planner/analysis/canal_boundary.py) and the linear interpolation."""
    spacing, volume, mask = grid_case
    points, truth_mm = _points()
    got = CanalSurfaceDistance.build(volume, mask, mask, pad_mm=12.0).at(points)
    err = got - truth_mm
    voxel = float(max(spacing[:2]))
    assert np.abs(err).max() <= 0.4 * voxel, np.abs(err).max()
    assert abs(err.mean()) <= voxel / 10.0, err.mean()
    assert err.max() <= 0.3 * voxel, err.max()


def test_the_mask_centre_distance_it_replaces_runs_long(grid_case):
    """Why the search needed it: the distance map of the mask's voxel centres reads on average at least a
    fifth of a voxel more than the closed form (the boundary lies beyond the last canal voxel centre), the
    sub-voxel surface less than a tenth."""
    spacing, volume, mask = grid_case
    points, truth_mm = _points()
    voxel = float(max(spacing[:2]))
    old = CanalDistance.build(volume, mask, mask, pad_mm=12.0, outside_mm=1e3).at(points) - truth_mm
    new = CanalSurfaceDistance.build(volume, mask, mask, pad_mm=12.0).at(points) - truth_mm
    assert old.mean() >= voxel / 5.0
    assert abs(new.mean()) < voxel / 10.0


def test_inside_the_canal_the_distance_is_zero_and_far_away_it_is_the_outside_value():
    volume, mask = _case((1.0, 1.0, 1.0), np.eye(3))
    csd = CanalSurfaceDistance.build(volume, mask, mask, pad_mm=5.0, outside_mm=1e3)
    inside = np.array([[0.0, 0.0, 0.0], [5.0, 3.0, 4.0], [-6.5, 0.0, -3.0]])  # radial 0, 5.8, 6.5 mm
    assert np.all(csd.at(inside) == 0.0)
    assert csd.at(np.array([[0.0, 0.0, 500.0]]))[0] == 1e3  # beyond the box
    assert np.isinf(CanalSurfaceDistance.build(volume, None, mask).at(inside)).all()  # no canal
