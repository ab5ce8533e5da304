"""The speed-ups of issue 13 in the body and vertebra search change no number: the compiled point
samplers (planner/anatomy/resample_kernel.py) return what ``scipy.ndimage.map_coordinates`` (order 1)
returns, bit for bit, and the label centroids, the mask centroid, the convex hull from the row ends,
the per-slice distance transform and the body's inner erosion equal the code they replace (the
reference in each test), so no level centre or name can move."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.resample_kernel import points_linear_2d, points_linear_constant, points_linear_nearest


@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.float64])
def test_nearest_mode_points_equal_scipy(dtype):
    rng = np.random.default_rng(11)
    src = rng.integers(-1000, 2000, (30, 40, 35)).astype(dtype)
    pts = rng.uniform(-4.0, 44.0, (3, 20000))  # inside, on the faces and beyond them (clamped)
    pts[:, :50] = np.round(pts[:, :50])  # exact voxel centres, the far faces included
    pts[:, 50:100] = np.array(src.shape)[:, None] - 1.0
    pts[:, 100:200] = rng.uniform(-500.0, 500.0, (3, 100))  # far beyond the array
    got, ref = points_linear_nearest(src, pts), ndimage.map_coordinates(src, pts, order=1, mode="nearest")
    assert got.dtype == ref.dtype and np.array_equal(got, ref)
    # half-way values: integer output rounded like scipy (half away from zero)
    half = np.array([[0.5, 1.5, 2.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    odd = np.zeros((4, 1, 1), np.int16)
    odd[:, 0, 0] = [-3, 0, 3, 4]
    assert np.array_equal(points_linear_nearest(odd, half), ndimage.map_coordinates(odd, half, order=1, mode="nearest"))


@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.float64])
def test_constant_mode_points_equal_scipy(dtype):
    """The corridor check's sampler (issue 17): cval outside [0, n - 1] along any axis, faces inside."""
    rng = np.random.default_rng(13)
    src = rng.integers(-1000, 2000, (30, 40, 35)).astype(dtype)
    pts = rng.uniform(-4.0, 44.0, (3, 20000))
    pts[:, :50] = np.round(pts[:, :50])
    pts[:, 50:100] = np.array(src.shape)[:, None] - 1.0  # the far corner: still inside
    pts[:, 100:110] = np.array(src.shape)[:, None] - 1.0 + 1e-9  # just beyond it: cval
    for cval in (-1000.0, 0.0, 7.3):
        got = points_linear_constant(src, pts, cval)
        ref = ndimage.map_coordinates(src, pts, order=1, mode="constant", cval=cval, prefilter=False)
        assert got.dtype == ref.dtype and np.array_equal(got, ref)
        assert (ref == ref.dtype.type(cval)).sum() > 1000
    half = np.array([[0.5, 1.5, 2.5, 0.25], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    odd = np.zeros((4, 1, 1), np.int16)
    odd[:, 0, 0] = [-3, 0, 3, 4]  # -1.5, 1.5, 3.5, -2.25: rounded half away from zero
    assert np.array_equal(points_linear_constant(odd, half, -1000.0), [-2, 2, 4, -2])
    assert points_linear_constant(src, rng.uniform(0, 29, (3, 7, 11)), 0.0).shape == (7, 11)


def test_nearest_mode_keeps_the_shape_of_the_coordinates():
    src = np.arange(60, dtype=np.int16).reshape(3, 4, 5)
    pts = np.random.default_rng(3).uniform(0, 3, (3, 7, 11))
    assert points_linear_nearest(src, pts).shape == (7, 11)
    assert np.array_equal(points_linear_nearest(src, pts), ndimage.map_coordinates(src, pts, order=1, mode="nearest"))


def test_constant_mode_2d_points_equal_scipy():
    rng = np.random.default_rng(12)
    src = rng.uniform(0.0, 1.0, (81, 85))
    pts = rng.uniform(-3.0, 88.0, (2, 5, 111, 81))
    pts[:, 0, :3, :3] = np.array([[0.0], [84.0]])[:, :, None]  # exactly on the far edge: still inside
    got = points_linear_2d(src, pts)
    ref = ndimage.map_coordinates(src, pts, order=1, mode="constant", cval=0.0)
    assert got.shape == ref.shape and np.array_equal(got, ref)
    assert (ref == 0.0).sum() > 1000 and (ref != 0.0).sum() > 10000  # both outside and inside tested


def test_label_centres_and_mask_centroid_equal_the_scipy_and_numpy_ones():
    from planner.anatomy.spine import _label_centres, _mask_centroid

    rng = np.random.default_rng(5)
    mask = ndimage.binary_opening(rng.random((23, 41, 37)) > 0.55)
    labels, n = ndimage.label(mask)
    assert n > 5
    ref = np.array(ndimage.center_of_mass(mask, labels, np.arange(1, n + 1)))
    assert np.array_equal(_label_centres(mask, labels, n), ref)
    assert np.array_equal(_mask_centroid(mask), np.argwhere(mask).mean(axis=0))


def _hull_of_every_voxel(mask2d):
    """The convex hull as computed before issue 13's speed-up: Qhull over every voxel (the reference)."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.argwhere(mask2d)
    if len(pts) < 4:
        return mask2d.copy()
    lo, hi = pts.min(axis=0), pts.max(axis=0) + 1
    try:
        hull = ConvexHull(pts + 0.0)
    except QhullError:
        return mask2d.copy()
    rr, cc = np.mgrid[lo[0]:hi[0], lo[1]:hi[1]]
    grid = np.stack([rr.ravel(), cc.ravel()], axis=1).astype(float)
    inside = np.all(grid @ hull.equations[:, :2].T + hull.equations[:, 2] <= 0.5, axis=1)
    out = np.zeros_like(mask2d, dtype=bool)
    out[lo[0]:hi[0], lo[1]:hi[1]] = inside.reshape(rr.shape)
    return out | mask2d


def test_hull_from_the_row_ends_equals_the_hull_of_every_voxel():
    from planner.anatomy.levels_grid import convex_hull_2d

    rng = np.random.default_rng(9)
    yy, xx = np.mgrid[:70, :80]
    for n in range(150):
        cy, cx, ry, rx = rng.uniform(20, 50), rng.uniform(20, 60), rng.uniform(3, 25), rng.uniform(3, 25)
        blob = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
        blob &= rng.random(blob.shape) > rng.uniform(0.0, 0.6)  # holes and ragged edges
        if n % 3 == 0:
            blob[:, int(cx):] = False  # a notch: straight edges
        assert np.array_equal(convex_hull_2d(blob), _hull_of_every_voxel(blob)), n
    for tiny in ([(5, 5)], [(5, 5), (5, 6), (5, 7), (5, 9)], [(2, 2), (4, 4), (6, 6), (8, 8)],
                 [(1, 1), (1, 4), (3, 2)], [(1, 1), (1, 2), (1, 3), (2, 2)]):
        m = np.zeros((12, 12), bool)
        m[tuple(np.array(tiny).T)] = True
        assert np.array_equal(convex_hull_2d(m), _hull_of_every_voxel(m)), tiny


def test_slicewise_distance_per_slice_equals_the_3d_transform():
    from planner.anatomy.levels_grid import _SLICEWISE_SAMPLING_W, slicewise_distance_mm

    rng = np.random.default_rng(4)
    mask = ndimage.binary_closing(rng.random((9, 50, 45)) > 0.3, iterations=2)
    for step in (1.0, 1.5, 0.7):
        ref = ndimage.distance_transform_edt(mask, sampling=(_SLICEWISE_SAMPLING_W, step, step))
        assert np.array_equal(slicewise_distance_mm(mask, step), ref), step
    mask[3] = True  # a slice without background: the 3-D transform is used
    ref = ndimage.distance_transform_edt(mask, sampling=(_SLICEWISE_SAMPLING_W, 1.0, 1.0))
    assert np.array_equal(slicewise_distance_mm(mask, 1.0), ref)


def test_body_inner_erosion_equals_scipy():
    from planner.anatomy.body import _disk, _erode_cross

    mask = ndimage.binary_opening(np.random.default_rng(6).random((7, 40, 33)) > 0.4)
    mask[:, 0, :] = True  # set along the edges: beyond the edge counts as set
    assert np.array_equal(_erode_cross(mask), ndimage.binary_erosion(mask, structure=_disk(1), border_value=1))
