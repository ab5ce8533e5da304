"""Sub-voxel canal boundary on a synthetic CT (HU with partial volume, not a rasterised mask).

A straight canal (CSF, radius R = 8 mm) in a bone ring (tests/analysis/canal_phantom.py:
``make_cylinder_ct``) is segmented by ``segment_canal`` and analysed with the CT's values; a sphere
of radius r whose centre lies d from the axis overlaps it by the lens volume (quadrature of the
closed-form disk-lens areas, ``sphere_cylinder_overlap_mm3``) and its signed distance is
d - R - r exactly. The issue's tolerances: overlap within 2 % of the lens, distance within a
quarter of the voxel's extent along the normal (the in-plane spacing here: the normal is radial),
a tangent zone (d = R + r) gives 0 mL and no critical finding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from planner.analysis.rules.codes import Code
from planner.analysis.analyze import analyze
from planner.analysis.canal_boundary import cube_fraction, cube_offset, joint_fraction
from planner.analysis.overlap import PreparedCanal
from planner.analysis.thresholds import Severity
from planner.anatomy.canal import segment_canal
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid
from tests.analysis.canal_phantom import make_cylinder_ct
from tests.analysis.test_exactness import sphere_cylinder_overlap_mm3

R = 8.0
OBLIQUE = Rotation.from_euler("xyz", [12.0, -9.0, 20.0], degrees=True).as_matrix()
GRIDS = {"0.6 mm": ((0.6, 0.6, 0.6), np.eye(3)), "1.0 mm": ((1.0, 1.0, 1.0), np.eye(3)),
         "0.78x0.78x3 mm": ((0.78, 0.78, 3.0), np.eye(3)), "oblique 0.9x0.9x1.1 mm": ((0.9, 0.9, 1.1), OBLIQUE)}


@pytest.fixture(scope="module", params=list(GRIDS))
def phantom(request):
    spacing, direction = GRIDS[request.param]
    vol = make_cylinder_ct(spacing, direction)
    mask = segment_canal(vol).mask
    return vol, PreparedCanal.build(VoxelGrid.of(vol), mask, vol.hu), PreparedCanal.build(VoxelGrid.of(vol), mask)


def _sphere(d_mm, r_mm, angle=0.0):
    return Ellipsoid.sphere(np.array([d_mm * np.cos(angle), d_mm * np.sin(angle), 2.0]), r_mm)


def _in_plane_spacing(vol):
    return float(min(vol.spacing_mm[:2]))


@pytest.mark.parametrize("d_mm, r_mm, angle", [(12.5, 10.0, 0.0), (13.0, 10.0, 0.3), (6.0, 10.0, 0.5),
                                               (14.0, 9.0, 2.0)])
def test_lens_overlap_and_depth_match_the_closed_form(phantom, d_mm, r_mm, angle):
    vol, canal, _ = phantom
    res = analyze(vol, canal, [_sphere(d_mm, r_mm, angle)])
    exact_ml = sphere_cylinder_overlap_mm3(r_mm, d_mm) / 1000.0
    assert res.canal_overlap_ml == pytest.approx(exact_ml, rel=0.02)
    depth = -(r_mm - max(0.0, d_mm - R)) if d_mm > R else -r_mm
    assert res.canal_signed_distance_mm == pytest.approx(depth, abs=0.25 * _in_plane_spacing(vol))


@pytest.mark.parametrize("gap_mm", [0.0, 0.7, 2.0, 6.0])
def test_gap_and_tangent(phantom, gap_mm):
    vol, canal, _ = phantom
    res = analyze(vol, canal, [_sphere(R + 10.0 + gap_mm, 10.0, 0.8)])
    assert res.canal_overlap_ml == 0.0
    assert res.canal_signed_distance_mm == pytest.approx(gap_mm, abs=0.25 * _in_plane_spacing(vol))
    codes = {f.code: f.severity for f in res.findings}
    assert Code.CANAL_OVERLAP not in codes
    assert codes[Code.CANAL_NEAR if gap_mm < 5.0 else Code.CANAL_CLEAR] in (Severity.WARNING, Severity.INFO)


def test_the_hu_boundary_beats_the_mask_alone():
    """On the 1 mm grid the binary mask puts the boundary half a voxel inside (the segmentation
    keeps voxels whose centre is canal), the HU boundary does not."""
    vol = make_cylinder_ct((1.0, 1.0, 1.0))
    mask = segment_canal(vol).mask
    grid = VoxelGrid.of(vol)
    zone = [_sphere(20.0, 10.0)]
    with_hu = analyze(vol, PreparedCanal.build(grid, mask, vol.hu), zone).canal_signed_distance_mm
    mask_only = analyze(grid, PreparedCanal.build(grid, mask), zone).canal_signed_distance_mm  # no HU: voxel centres
    assert abs(with_hu - 2.0) < 0.25 < abs(mask_only - 2.0) + 0.25


def test_cube_fraction_closed_forms():
    """Plane parallel to a face: fraction linear in the offset; diagonal of a unit cube: the corner
    tetrahedron a^3/6 at alpha = a; inverse round trip; Fréchet bounds of the joint fraction."""
    w = np.array([[1.0, 0.0, 0.0]] * 3)
    assert cube_fraction(np.array([-0.25, 0.0, 0.3]), w) == pytest.approx([0.25, 0.5, 0.8], abs=1e-6)
    diag = np.full((1, 3), 1.0 / np.sqrt(3.0))
    alpha = 0.5  # along the unit normal from the corner: tetrahedron of legs alpha*sqrt(3)
    s = alpha - 0.5 * diag.sum()
    assert cube_fraction(np.array([s]), diag)[0] == pytest.approx((alpha * np.sqrt(3)) ** 3 / 6, rel=1e-9)
    f = np.array([0.05, 0.3, 0.5, 0.9])
    ws = np.array([[0.3, 0.5, 0.2], [0.6, 0.1, 0.0], [0.2, 0.2, 0.9], [0.7, 0.7, 0.1]])
    assert cube_fraction(cube_offset(f, ws), ws) == pytest.approx(f, abs=1e-9)
    fc, fz = np.array([0.7]), np.array([0.6])
    assert joint_fraction(fc, fz, np.array([-1.0]))[0] == pytest.approx(0.3)
    assert joint_fraction(fc, fz, np.array([0.0]))[0] == pytest.approx(0.42)
    assert joint_fraction(fc, fz, np.array([1.0]))[0] == pytest.approx(0.6)
