"""The convex hull of a 2-D mask filled as a mask, compiled with numba (issue 13 speed).

:func:`fill_hull` returns what :func:`planner.anatomy.levels_grid.convex_hull_2d` returned with
``scipy.spatial.ConvexHull`` (Qhull): every grid point of the hull's bounding box within 0.5 voxel
outside every hull edge's line (``normal . p + offset <= 0.5``, unit normals), or the mask itself
when the points are collinear (Qhull's ``QhullError``). The hull comes from Andrew's monotone chain
(A. M. Andrew, "Another efficient algorithm for convex hulls in two dimensions", Inf. Process. Lett.
9, 1979) on the rows' end voxels, with exact integer orientation tests; Qhull finds the same hull of
integer points. Rounding cannot change the inside test: a grid point's distance to the line through
two grid points is ``n / m`` with ``n`` an integer and ``m`` the edge's primitive length (odd for a
Pythagorean direction, irrational otherwise), never exactly 0.5 and, for edges under 200 voxels,
more than 1e-6 away from it, a million times the error of either computation. The vertebra search
calls the hull some 900 times per scan: Qhull's set-up per call cost more than the whole search of
this module, and ``scipy.spatial`` took 0.2 s to import. Checked against Qhull on random masks in
tests/anatomy/test_hull2d.py.
"""

from __future__ import annotations

import numpy as np

from planner.core.jit import LazyKernels

__all__ = ["fill_hull"]


def _fill_hull_py(pr, pc, out, r0, c0):
    """Hull of the points (pr, pc) (sorted by row, then column; at least 3) filled into ``out`` (the
    bounding box, origin (r0, c0)). Returns False when the points are collinear (``out`` untouched)."""
    n = pr.size
    hr = np.empty(2 * n + 1, np.int64)
    hc = np.empty(2 * n + 1, np.int64)
    k = 0
    for i in range(n):  # lower chain
        while k >= 2 and ((hr[k - 1] - hr[k - 2]) * (pc[i] - hc[k - 2])
                          - (hc[k - 1] - hc[k - 2]) * (pr[i] - hr[k - 2])) <= 0:
            k -= 1
        hr[k] = pr[i]
        hc[k] = pc[i]
        k += 1
    lower = k + 1
    for i in range(n - 2, -1, -1):  # upper chain
        while k >= lower and ((hr[k - 1] - hr[k - 2]) * (pc[i] - hc[k - 2])
                              - (hc[k - 1] - hc[k - 2]) * (pr[i] - hr[k - 2])) <= 0:
            k -= 1
        hr[k] = pr[i]
        hc[k] = pc[i]
        k += 1
    m = k - 1  # the last vertex repeats the first
    if m < 3:
        return False
    a = np.empty(m)
    b = np.empty(m)
    d = np.empty(m)
    for e in range(m):  # counter-clockwise in (row, column): the outward normal is (dc, -dr)
        dr = float(hr[e + 1] - hr[e])
        dc = float(hc[e + 1] - hc[e])
        length = np.sqrt(dr * dr + dc * dc)
        a[e] = dc / length
        b[e] = -dr / length
        d[e] = -(a[e] * hr[e] + b[e] * hc[e])
    nr, nc = out.shape
    for i in range(nr):
        r = float(r0 + i)
        for j in range(nc):
            c = float(c0 + j)
            inside = True
            for e in range(m):
                if a[e] * r + b[e] * c + d[e] > 0.5:
                    inside = False
                    break
            out[i, j] = inside
    return True


_KERNELS = LazyKernels(_fill_hull_py, python_fallback=True)


def _kernel():
    return _KERNELS.get()


def warm_up() -> None:
    """Load the compiled kernel (numba's on-disk cache) on a tiny triangle."""
    fill_hull(np.array([[0, 0], [0, 1], [1, 0]]), (2, 2))


def fill_hull(points_rc: np.ndarray, shape) -> np.ndarray | None:
    """Boolean array of ``shape``: the convex hull of the integer (row, column) points ``points_rc``
    (n, 2) filled, ``normal . p + offset <= 0.5`` for every edge (Qhull's unit-normal equations), in
    the points' bounding box; None when there is no 2-D hull (fewer than three points, or collinear)."""
    pts = np.asarray(points_rc, dtype=np.int64).reshape(-1, 2)
    if len(pts) < 3:
        return None
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    pts = pts[order]
    keep = np.ones(len(pts), bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)  # duplicates would break the chain's tests
    pts = pts[keep]
    if len(pts) < 3:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0) + 1
    box = np.zeros((int(hi[0] - lo[0]), int(hi[1] - lo[1])), dtype=np.bool_)
    pr, pc = np.ascontiguousarray(pts[:, 0]), np.ascontiguousarray(pts[:, 1])
    if not _kernel()(pr, pc, box, int(lo[0]), int(lo[1])):
        return None
    out = np.zeros(tuple(int(s) for s in shape), dtype=bool)
    out[lo[0]:hi[0], lo[1]:hi[1]] = box
    return out
