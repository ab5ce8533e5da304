"""The compiled convex hull fill (planner/anatomy/hull2d.py) gives the mask that Qhull
(``scipy.spatial.ConvexHull``, an independent implementation) gives, on random blobs, thin and
collinear masks and single voxels, so no vertebral body mask can change."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from planner.anatomy.hull2d import fill_hull
from planner.anatomy.levels_grid import _row_ends, convex_hull_2d


def qhull_reference(mask2d: np.ndarray) -> np.ndarray:
    """The hull fill as it was written with Qhull: every voxel centre of the box within 0.5 of the
    inside of all of Qhull's facet equations."""
    pts = np.argwhere(mask2d)
    if len(pts) < 4:
        return mask2d.copy()
    try:
        hull = ConvexHull(pts + 0.0)
    except QhullError:
        return mask2d.copy()
    lo, hi = pts.min(axis=0), pts.max(axis=0) + 1
    rr, cc = np.mgrid[lo[0]:hi[0], lo[1]:hi[1]]
    grid = np.stack([rr.ravel(), cc.ravel()], axis=1).astype(float)
    inside = np.all(grid @ hull.equations[:, :2].T + hull.equations[:, 2] <= 0.5, axis=1)
    out = np.zeros_like(mask2d)
    out[lo[0]:hi[0], lo[1]:hi[1]] = inside.reshape(rr.shape)
    return out | mask2d


def _blobs(rng, n):
    for _ in range(n):
        shape = tuple(rng.integers(5, 90, 2))
        m = rng.random(shape) < rng.uniform(0.002, 0.4)
        if rng.random() < 0.5:
            m = ndimage.binary_dilation(m, iterations=int(rng.integers(1, 4)))
        yield m


def test_random_masks_equal_qhull():
    rng = np.random.default_rng(2026)
    checked = 0
    for m in _blobs(rng, 400):
        assert np.array_equal(convex_hull_2d(m), qhull_reference(m))
        checked += int(m.sum() >= 4)
    assert checked > 300


@pytest.mark.parametrize("cells", [
    [(3, 3)], [(3, 3), (3, 4)], [(2, 2), (2, 3), (2, 4), (2, 5)],  # a single row: collinear
    [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)],  # a diagonal: collinear
    [(1, 5), (2, 5), (3, 5), (4, 5)],  # a single column
    [(0, 0), (0, 6), (6, 0), (6, 6)],  # the corners of a square
    [(0, 0), (3, 4), (6, 8), (0, 8), (9, 1)],  # a 3-4-5 edge: distances n/5, never 0.5
])
def test_degenerate_and_exact_cases_equal_qhull(cells):
    m = np.zeros((12, 12), bool)
    for rc in cells:
        m[rc] = True
    assert np.array_equal(convex_hull_2d(m), qhull_reference(m))


def test_triangle_closed_form():
    """Right triangle with legs of 20 voxels: the points with r, c >= 0 and r + c <= 20 + 0.5*sqrt(2)
    (within 0.5 voxel beyond the hypotenuse) are inside."""
    m = np.zeros((30, 30), bool)
    m[0, 0] = m[20, 0] = m[0, 20] = m[5, 5] = True
    rr, cc = np.indices(m.shape)
    expected = (rr >= 0) & (cc >= 0) & (rr + cc <= 20 + 0.5 * np.sqrt(2.0))
    assert np.array_equal(convex_hull_2d(m), expected)


def test_no_hull_for_collinear_points():
    assert fill_hull(np.array([[0, 0], [1, 1], [2, 2]]), (4, 4)) is None
    assert fill_hull(np.array([[0, 0], [0, 0], [1, 1]]), (4, 4)) is None
    assert fill_hull(_row_ends(np.eye(5, dtype=bool)), (5, 5)) is None
