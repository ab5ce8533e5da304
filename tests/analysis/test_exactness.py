"""Overlap volumes and distances against closed forms and numerical integrals.

A straight cylindrical "canal" (radius R = 8 mm, 240 mm long) is rasterised into grids of several
voxel sizes and orientations; spheres and ellipsoids are placed inside, outside and across it.

Tolerances, and why:
- overlap volume: within 2% of the exact value, or within the voxelisation bound B when that is
  larger. The zone side is analytic (sub-voxel partial volume), so the error comes from the canal's
  binary mask: a voxel is in the mask when its centre is inside the cylinder, so the mask (a union of
  voxel cubes) and the true cylinder differ only within h/2 of the cylinder surface, h the voxel
  diagonal. The excess and the deficit each lie in that shell on one side of the surface, so
  |error| <= B = A * h / 2 with A the area of the cylinder surface inside the zone (integrated
  numerically here). B is rigorous but loose, so an aggregate test also asserts that the errors
  over all configurations are small: sum |error| under 1.5% of the summed exact volumes, and no
  bias (|sum of signed errors| under 1%);
- signed distance within half the largest voxel spacing: the canal's true surface lies between its
  last inside voxel centre and the next one, and the analysis moves the centre-to-zone distance by
  half the voxel extent along the normal (planner/analysis/overlap.py), leaving at most half a voxel.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate  # the ball reference (1-D lens quadrature) only

from planner.analysis.analyze import analyze
from planner.analysis.overlap import PreparedCanal
from planner.geometry.raster import VoxelGrid, rasterise
from planner.geometry.shapes import Cylinder, Ellipsoid, orthonormal_complement

R_CANAL = 8.0
SPACINGS = [(1.0, 1.0, 1.0), (0.78, 0.78, 1.25), (0.6, 0.6, 2.0)]
AXES = [np.array([0.0, 0.0, 1.0]), np.array([np.sin(0.45), 0.0, np.cos(0.45)]),
        np.array([0.3, -0.4, 0.866])]


def _grid(spacing, half=36.0):
    sp = np.asarray(spacing)
    n = np.ceil(2 * half / sp).astype(int) + 1
    m = np.eye(4)
    m[:3, :3] = np.diag(sp)
    m[:3, 3] = -half
    return VoxelGrid((n[2], n[1], n[0]), m)


_CANALS: dict = {}  # (grid, axis) -> the prepared canal: the same rasterisation is asked by several tests


def _canal(grid, axis):
    """The rasterised cylinder on ``grid`` (built once per grid and axis for the module: issue 15)."""
    key = (grid.shape_kji, np.asarray(grid.ijk_to_lps).tobytes(), np.asarray(axis, float).tobytes())
    if key not in _CANALS:
        _CANALS[key] = _build_canal(grid, axis)
    return _CANALS[key]


def _build_canal(grid, axis):
    axis = axis / np.linalg.norm(axis)
    cyl = Cylinder(-120 * axis, 120 * axis, R_CANAL)
    mask, box = rasterise(grid, cyl)
    full = np.zeros(grid.shape_kji, bool)
    full[box] = mask
    return PreparedCanal.build(grid, full), cyl


def _lens_area(r1, r2, d):
    """Area of the intersection of two disks (radii r1, r2, centres d apart)."""
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return np.pi * min(r1, r2) ** 2
    a1 = r1 * r1 * np.arccos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
    a2 = r2 * r2 * np.arccos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
    k = 0.5 * np.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))
    return a1 + a2 - k


def sphere_cylinder_overlap_mm3(r, d_axis, big_r=R_CANAL):
    """Exact (quadrature to 1e-10) volume of a ball of radius r whose centre is d_axis from the
    axis of an infinite cylinder of radius big_r: integral over the axis of the lens areas."""
    val, _ = integrate.quad(lambda t: _lens_area(np.sqrt(max(r * r - t * t, 0.0)), big_r, d_axis), -r, r,
                            epsabs=1e-10, epsrel=1e-12, limit=200)
    return val


def ellipsoid_cylinder_overlap_mm3(ell: Ellipsoid, axis, big_r=R_CANAL, n_angles=20000):
    """Volume of an ellipsoid within an infinite cylinder (axis through the origin), semi-analytic.

    In the plane w (2-D) normal to the axis, the ellipsoid's chord along the axis is
    2 sqrt(q(w)) / alpha with q a concave quadratic, q = q0 (1 - |u|^2) after the affine map
    w = w0 + T u (the ellipsoid's shadow becomes the unit disc). So the volume inside the cylinder is
    K * integral over theta of integral of sqrt(1 - s^2) s ds along the ray u = s (cos, sin), over the
    part of the ray in the unit disc and in the image of the cylinder's disc |w| <= R (an interval
    [s0, s1] found from a quadratic). The radial integral is closed form,
    [(1 - s^2)^(3/2) / 3] between s1 and s0; only the angle is integrated numerically (periodic
    trapezoid rule, n_angles points, error far below the 1e-6 checked against the ball quadrature).
    K = 2 q0^(3/2) / (alpha sqrt(det P)); over the whole disc this gives the ellipsoid's volume."""
    a = axis / np.linalg.norm(axis)
    e1, e2 = orthonormal_complement(a)
    basis = np.stack([e1, e2], axis=1)  # 3 x 2
    m = ell.axes.T @ np.diag(1 / ell.semi_axes_mm ** 2) @ ell.axes
    c = np.asarray(ell.centre_lps, float)
    alpha = a @ m @ a
    g, b0 = basis.T @ m @ a, a @ m @ c
    h_mat, h_vec, k = basis.T @ m @ basis, basis.T @ m @ c, c @ m @ c - 1
    p_mat = alpha * h_mat - np.outer(g, g)
    r_vec = alpha * h_vec - b0 * g
    w0 = np.linalg.solve(p_mat, r_vec)
    q0 = w0 @ p_mat @ w0 + b0 * b0 - alpha * k
    chol = np.linalg.cholesky(p_mat)
    t_mat = np.sqrt(q0) * np.linalg.inv(chol).T
    theta = np.linspace(0.0, 2 * np.pi, n_angles, endpoint=False)
    td = t_mat @ np.stack([np.cos(theta), np.sin(theta)])  # 2 x n
    qa, qb, qc = (td * td).sum(0), 2 * (w0 @ td), w0 @ w0 - big_r * big_r
    disc = qb * qb - 4 * qa * qc
    root = np.sqrt(np.maximum(disc, 0.0))
    s0 = np.clip((-qb - root) / (2 * qa), 0.0, 1.0)
    s1 = np.clip((-qb + root) / (2 * qa), 0.0, 1.0)
    radial = np.where(disc > 0, ((1 - s0 ** 2) ** 1.5 - (1 - s1 ** 2) ** 1.5) / 3.0, 0.0)
    big_k = 2 * q0 ** 1.5 / (alpha * np.sqrt(np.linalg.det(p_mat)))
    return float(big_k * radial.mean() * 2 * np.pi)


def _distance_ellipsoid_to_cylinder(ell: Ellipsoid, axis, big_r=R_CANAL):
    """Gap between an ellipsoid and an infinite cylinder: min over the ellipsoid surface of the
    distance to the axis, minus R (dense sampling then a local refinement)."""
    a = axis / np.linalg.norm(axis)

    def surf(th, ph):
        loc = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1) * ell.semi_axes_mm
        return ell.centre_lps + loc @ ell.axes

    def radial(p):
        return np.linalg.norm(p - np.outer(p @ a, a) if p.ndim > 1 else p - (p @ a) * a, axis=-1)

    th, ph = np.meshgrid(np.linspace(0, np.pi, 361), np.linspace(-np.pi, np.pi, 721), indexing="ij")
    vals = radial(surf(th, ph).reshape(-1, 3))
    k = int(np.argmin(vals))
    from scipy import optimize
    res = optimize.minimize(lambda x: radial(surf(x[0], x[1])[None])[0], [th.ravel()[k], ph.ravel()[k]],
                            method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
    return min(res.fun, vals[k]) - big_r


def _offset_point(axis, distance):
    u, _ = orthonormal_complement(axis / np.linalg.norm(axis))
    return distance * u


def cylinder_area_inside_mm2(shape: Ellipsoid, axis, big_r=R_CANAL, n=1200):
    """Area of the cylinder surface (radius big_r, axis through the origin) inside ``shape``:
    midpoint rule on an (angle, axial position) grid fine enough for the bound below."""
    a = axis / np.linalg.norm(axis)
    e1, e2 = orthonormal_complement(a)
    reach = float(shape.semi_axes_mm.max())
    t0 = float(shape.centre_lps @ a)
    th = (np.arange(n) + 0.5) / n * 2 * np.pi
    t = t0 - reach + (np.arange(n) + 0.5) / n * 2 * reach
    ring = big_r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2)
    pts = (ring[:, None, :] + t[None, :, None] * a).reshape(-1, 3)
    return float(shape.contains(pts).sum()) * (2 * np.pi * big_r / n) * (2 * reach / n)


_AREAS: dict = {}


def _area_inside_once(shape: Ellipsoid, axis) -> float:
    """:func:`cylinder_area_inside_mm2`, integrated once per shape and axis (issue 15: the same shapes are
    checked on three grids, and the area does not depend on the grid)."""
    key = tuple(np.asarray(a, float).tobytes() for a in (shape.centre_lps, shape.semi_axes_mm, shape.axes, axis))
    if key not in _AREAS:
        _AREAS[key] = cylinder_area_inside_mm2(shape, axis)
    return _AREAS[key]


def _check_volume(measured_ml, exact_mm3, shape=None, axis=None, spacing=(1, 1, 1)):
    exact_ml = exact_mm3 / 1000.0
    bound_ml = 0.0
    if shape is not None:
        bound_ml = _area_inside_once(shape, axis) * np.linalg.norm(spacing) / 2 / 1000.0
    tol = max(0.02 * exact_ml, bound_ml)
    assert abs(measured_ml - exact_ml) <= tol, (measured_ml, exact_ml, tol)
    return (measured_ml - exact_ml) / exact_ml


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("axis_n", range(len(AXES)))
def test_sphere_inside_straddling_outside(spacing, axis_n):
    axis = AXES[axis_n] / np.linalg.norm(AXES[axis_n])
    grid = _grid(spacing)
    canal, _ = _canal(grid, axis)
    half_voxel = 0.5 * max(spacing)
    # inside: r = 5 on the axis -> the whole ball; deepest canal point = the centre, depth r
    res = analyze(grid, canal, [Ellipsoid.sphere(_offset_point(axis, 1.0), 5.0)])
    _check_volume(res.canal_overlap_ml, 4 / 3 * np.pi * 125)
    assert res.canal_signed_distance_mm == pytest.approx(-5.0, abs=half_voxel)
    # straddling: r = 10, centre 6 mm off the axis (inside the canal) -> depth r
    ball = Ellipsoid.sphere(_offset_point(axis, 6.0), 10.0)
    res = analyze(grid, canal, [ball])
    _check_volume(res.canal_overlap_ml, sphere_cylinder_overlap_mm3(10.0, 6.0), ball, axis, spacing)
    assert res.canal_signed_distance_mm == pytest.approx(-10.0, abs=half_voxel)
    # straddling with the centre outside the canal: depth = r - (d - R)
    ball = Ellipsoid.sphere(_offset_point(axis, 14.0), 9.0)
    res = analyze(grid, canal, [ball])
    _check_volume(res.canal_overlap_ml, sphere_cylinder_overlap_mm3(9.0, 14.0), ball, axis, spacing)
    assert res.canal_signed_distance_mm == pytest.approx(-(9.0 - (14.0 - R_CANAL)), abs=half_voxel)
    # outside: gap = d - R - r
    for d, r in ((25.0, 10.0), (21.3, 7.5)):
        res = analyze(grid, canal, [Ellipsoid.sphere(_offset_point(axis, d), r)])
        assert res.canal_overlap_ml == 0.0
        assert res.canal_signed_distance_mm == pytest.approx(d - R_CANAL - r, abs=half_voxel)


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("axis_n", range(len(AXES)))
def test_ellipsoid_inside_straddling_outside(spacing, axis_n):
    axis = AXES[axis_n] / np.linalg.norm(AXES[axis_n])
    grid = _grid(spacing)
    canal, _ = _canal(grid, axis)
    half_voxel = 0.5 * max(spacing)
    tilt = np.array([1.0, 2.0, -0.5])
    inside = Ellipsoid.spheroid(_offset_point(axis, 1.0), tilt, 6.0, 4.0)
    res = analyze(grid, canal, [inside])
    _check_volume(res.canal_overlap_ml, inside.volume_mm3)
    across = Ellipsoid.spheroid(_offset_point(axis, 11.0), tilt, 15.0, 7.5)
    res = analyze(grid, canal, [across])
    _check_volume(res.canal_overlap_ml, ellipsoid_cylinder_overlap_mm3(across, axis), across, axis, spacing)
    apart = Ellipsoid.spheroid(_offset_point(axis, 26.0), tilt, 12.0, 6.0)
    res = analyze(grid, canal, [apart])
    assert res.canal_overlap_ml == 0.0
    assert res.canal_signed_distance_mm == pytest.approx(_distance_ellipsoid_to_cylinder(apart, axis), abs=half_voxel)


def test_overlap_errors_are_small_on_average():
    """Aggregate of the straddling cases over every spacing and orientation: no systematic bias."""
    errors = []
    for spacing in SPACINGS:
        grid = _grid(spacing)
        for axis in AXES:
            axis = axis / np.linalg.norm(axis)
            canal, _ = _canal(grid, axis)
            for d, r in ((6.0, 10.0), (14.0, 9.0), (0.0, 10.0)):
                res = analyze(grid, canal, [Ellipsoid.sphere(_offset_point(axis, d), r)])
                exact = sphere_cylinder_overlap_mm3(r, d) / 1000.0
                errors.append((res.canal_overlap_ml - exact, exact))
    err, exact = np.array(errors).T
    assert np.abs(err).sum() < 0.015 * exact.sum(), err / exact
    assert abs(err.sum()) < 0.01 * exact.sum(), err / exact


def test_two_zones_union_counts_the_shared_part_once():
    axis = AXES[0]
    grid = _grid((0.78, 0.78, 1.25))
    canal, _ = _canal(grid, axis)
    a = Ellipsoid.sphere([0.0, 0.0, -3.0], 5.0)
    b = Ellipsoid.sphere([0.0, 0.0, 3.0], 5.0)
    lens = np.pi * (4 * 5 + 6) * (2 * 5 - 6) ** 2 / 12
    res = analyze(grid, canal, [a, b])
    _check_volume(res.canal_overlap_ml, 2 * a.volume_mm3 - lens)


def test_reference_integrals_agree_with_closed_forms():
    """The quadratures themselves: ball fully inside; ball centred on the axis of a thinner
    cylinder = ball minus two caps' worth computed by hand."""
    assert sphere_cylinder_overlap_mm3(5.0, 1.0) == pytest.approx(4 / 3 * np.pi * 125, rel=1e-10)
    r, big_r = 10.0, R_CANAL
    h = np.sqrt(r * r - big_r * big_r)
    # ball ∩ infinite cylinder, centred on the axis: cylinder part 2h*pi*R^2 + two caps of height r-h
    caps = 2 * np.pi * (r - h) ** 2 * (3 * r - (r - h)) / 3
    assert sphere_cylinder_overlap_mm3(r, 0.0) == pytest.approx(2 * h * np.pi * big_r ** 2 + caps, rel=1e-9)
    ell = Ellipsoid.sphere([0, 0, 0], 10.0)
    assert ellipsoid_cylinder_overlap_mm3(ell, np.array([0, 0, 1.0])) == pytest.approx(
        sphere_cylinder_overlap_mm3(10.0, 0.0), rel=1e-6)
    # off-axis balls against the independent 1-D lens quadrature, along tilted axes
    for d, r in ((6.0, 10.0), (14.0, 9.0), (3.0, 4.0)):
        for axis in AXES:
            axis = axis / np.linalg.norm(axis)
            ball = Ellipsoid.sphere(_offset_point(axis, d), r)
            assert ellipsoid_cylinder_overlap_mm3(ball, axis) == pytest.approx(
                sphere_cylinder_overlap_mm3(r, d), rel=1e-6)
    # a tilted spheroid wholly inside a wide cylinder: its own volume, 4/3 pi a b^2
    tilted = Ellipsoid.spheroid([1.0, -2.0, 0.5], np.array([1.0, 2.0, -0.5]), 15.0, 7.5)
    assert ellipsoid_cylinder_overlap_mm3(tilted, AXES[1] / np.linalg.norm(AXES[1]), big_r=60.0) == pytest.approx(
        4 / 3 * np.pi * 15.0 * 7.5 ** 2, rel=1e-9)
