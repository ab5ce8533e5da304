"""Shapes (exact ellipsoid distance), rasterising, zones along the antenna, thermal shell."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from planner.ablation.devices import load_library
from planner.ablation.zones import (TISSUE_PROPERTIES, conduction_length_mm, planned_zone, thermal_shell_mask,
                                    union_volume_ml, zone_for_antenna, zone_volume_ml)
from planner.geometry.raster import VoxelGrid, rasterise, signed_distance_mm
from planner.geometry.shapes import Capsule, Cylinder, Ellipsoid, orthonormal_complement


def _grid(spacing=(1.0, 1.0, 1.0), shape=(80, 80, 80), origin=(-40.0, -40.0, -40.0), direction=np.eye(3)):
    m = np.eye(4)
    m[:3, :3] = np.asarray(direction) * np.asarray(spacing)[None, :]
    m[:3, 3] = origin
    return VoxelGrid(shape, m)


def _reference_distance(y, e):
    """Distance to an ellipsoid by brute force over a dense surface sampling, refined by a local
    minimiser (independent of the secular-equation method under test)."""
    th, ph = np.meshgrid(np.linspace(0, np.pi, 181), np.linspace(-np.pi, np.pi, 361), indexing="ij")
    surf = np.stack([e[0] * np.sin(th) * np.cos(ph), e[1] * np.sin(th) * np.sin(ph), e[2] * np.cos(th)], -1)
    k = np.argmin(((surf - y) ** 2).sum(-1))
    start = [th.ravel()[k], ph.ravel()[k]]

    def f(a):
        x = np.array([e[0] * np.sin(a[0]) * np.cos(a[1]), e[1] * np.sin(a[0]) * np.sin(a[1]), e[2] * np.cos(a[0])])
        return np.sum((x - y) ** 2)

    res = optimize.minimize(f, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    return np.sqrt(min(res.fun, f(start)))


def test_ellipsoid_distance_is_exact_inside_and_outside():
    rng = np.random.default_rng(3)
    e = np.array([20.0, 12.0, 7.0])
    ell = Ellipsoid([0, 0, 0], np.eye(3), e)
    pts = rng.uniform(-30, 30, size=(25, 3))
    pts = np.vstack([pts, [[0, 0, 0], [0, 0, 3], [19, 0, 0], [0, 0, 30]]])
    d = ell.signed_distance(pts)
    for p, dv in zip(pts, d):
        ref = _reference_distance(p, e)
        assert abs(abs(dv) - ref) < 1e-5, (p, dv, ref)
        assert (dv < 0) == bool(ell.contains(p[None])[0])
    # far along an axis: plain difference; off the axes the first-order estimate is not exact
    assert ell.signed_distance([[0, 0, 30]])[0] == pytest.approx(23.0)
    far = np.array([[25.0, 20.0, 5.0]])
    assert abs(ell.approx_signed_distance(far)[0] - ell.signed_distance(far)[0]) > 0.5


def test_rotated_ellipsoid_and_sphere_distance():
    u = np.array([1.0, 2.0, 2.0]) / 3.0
    ell = Ellipsoid.spheroid([5, -3, 2], u, 15.0, 6.0)
    assert ell.signed_distance([np.array([5, -3, 2]) + 20 * u])[0] == pytest.approx(5.0)
    v, _ = orthonormal_complement(u)
    assert ell.signed_distance([np.array([5, -3, 2]) + 10 * v])[0] == pytest.approx(4.0)
    s = Ellipsoid.sphere([1, 1, 1], 5)
    assert s.signed_distance([[1, 1, 1]])[0] == pytest.approx(-5.0)
    assert s.volume_mm3 == pytest.approx(4 / 3 * np.pi * 125)


def test_cylinder_and_capsule_distances():
    c = Cylinder([0, 0, -10], [0, 0, 10], 4.0)
    assert c.signed_distance([[7, 0, 0], [0, 0, 0], [0, 0, 13], [7, 0, 14]]) == pytest.approx([3, -4, 3, 5])
    cap = Capsule([0, 0, 0], [0, 0, 10], 1.0)
    assert cap.signed_distance([[0, 0, 12], [3, 0, 5]]) == pytest.approx([1, 2])


def test_rasterise_is_local_and_matches_the_analytic_volume():
    g = _grid((0.7, 0.8, 1.25), shape=(70, 110, 120))
    ell = Ellipsoid.spheroid([3, -2, 4], [1, 1, 0], 14, 9)
    mask, box = rasterise(g, ell)
    assert mask.shape == tuple(s.stop - s.start for s in box)
    assert mask.size < 0.1 * np.prod(g.shape_kji)
    assert mask.sum() * g.voxel_volume_mm3 == pytest.approx(ell.volume_mm3, rel=0.01)
    # the box holds the whole shape: nothing on its faces
    assert not mask[0].any() and not mask[-1].any() and not mask[:, :, 0].any() and not mask[:, :, -1].any()


def test_anisotropic_distance_transform():
    spacing = (2.5, 0.5, 1.0)
    m = np.zeros((20, 40, 30), bool)
    m[10, 20, 15] = True
    sd = signed_distance_mm(m, spacing)
    assert sd[13, 20, 15] == pytest.approx(3 * 2.5 - 0.25)
    assert sd[10, 28, 15] == pytest.approx(8 * 0.5 - 0.25)


def test_zone_for_antenna_geometry():
    lib = load_library()
    mw = lib.get("generic-mw-2450-1.6")
    tip = np.array([10.0, 20.0, 30.0])
    d = np.array([0.0, 0.6, 0.8])
    ell = zone_for_antenna(tip, d, mw, 40, 240)
    dims = mw.zone_dimensions(40, 240)
    assert ell.centre_lps == pytest.approx(tip - dims.center_offset_mm * d)
    assert abs(ell.axes[0] @ d) == pytest.approx(1.0)
    assert ell.semi_axes_mm == pytest.approx([dims.long_axis_mm / 2, dims.short_axis_mm / 2, dims.short_axis_mm / 2])
    # the zone reaches 4 mm beyond the tip (center_offset = long/2 - 4 in the shipped table)
    assert ell.signed_distance([tip + 4 * d])[0] == pytest.approx(0.0, abs=1e-6)
    assert zone_volume_ml(ell) == pytest.approx(4 / 3 * np.pi * 20.5 * 15 * 15 / 1000)
    pz = planned_zone(tip, d * 3, mw, 40, 240, item_id="a1")
    assert pz.item_id == "a1" and pz.estimated and pz.ellipsoid.centre_lps == pytest.approx(ell.centre_lps)


def test_union_volume_of_two_spheres_matches_the_lens_formula():
    g = _grid((0.5, 0.5, 0.5), shape=(100, 100, 140), origin=(-35, -25, -25))
    r, dist = 10.0, 12.0
    a, b = Ellipsoid.sphere([-6, 0, 0], r), Ellipsoid.sphere([6, 0, 0], r)
    lens = np.pi * (4 * r + dist) * (2 * r - dist) ** 2 / 12
    exact = (2 * 4 / 3 * np.pi * r ** 3 - lens) / 1000
    assert union_volume_ml(g, [a, b]) == pytest.approx(exact, rel=0.005)
    assert union_volume_ml(g, [a]) == pytest.approx(a.volume_ml, rel=0.005)


def test_conduction_length_from_domain_properties():
    """sqrt(4 alpha t) is about 11-13 mm after 5 min for every tissue of DOMAIN.md."""
    for tissue in TISSUE_PROPERTIES:
        assert 10.5 <= conduction_length_mm(300, tissue) <= 13.1
    assert conduction_length_mm(300) == pytest.approx(np.sqrt(4 * 0.52 / (1050 * 3540) * 300) * 1000)
    assert conduction_length_mm(0) == 0


def test_thermal_shell_is_the_exact_offset_band():
    g = _grid((0.8, 0.8, 0.8), shape=(90, 90, 90), origin=(-36, -36, -36))
    ell = Ellipsoid.spheroid([0, 0, 0], [0, 0, 1], 12, 6)
    shell, box = thermal_shell_mask(g, [ell], time_s=120)
    length = conduction_length_mm(120)
    pts = g.box_points_lps(box)
    d = ell.signed_distance(pts).reshape(shell.shape)
    assert np.array_equal(shell, (d > 0) & (d <= length))
    assert shell.any()
