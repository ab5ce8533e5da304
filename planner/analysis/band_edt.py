"""The 3-D Euclidean distance to the nearest set voxel of a whole stack, for the central band of its
cross-sections only (the corridor check's distance field, :func:`planner.analysis.corridor_distance.
outside_distance_mm`; issue 17).

The corridor check reads the distance from each needle-surface point to the nearest bone of the whole
stack, but only near the needle: at the ring and disk of the needle's radius, their neighbours for the
gradient, and at the axis. ``scipy.ndimage.distance_transform_edt`` computes it at every point of the
window (8 mm beside the needle in the full check), a fifth of the proposal's search. This computes it
exactly for a square band of columns ``lo..hi-1`` in both in-plane axes, in three separable passes
(the decomposition of Saito & Toriwaki 1994; Maurer et al. 2003, which scipy implements, is the same
minimum): along the rows for the band's columns (nearest set pixel left and right), along the
columns for the band's rows (a minimum over every row), then along the stack (a minimum searched
outward from each section, stopped once the section distance alone exceeds the best found). The
distance is then formed from the nearest voxel as scipy forms it (``sqrt(sum(((f - i) * s)**2))``, the
axes summed in order), so where the nearest voxel is unique the value is scipy's bit for bit; where
several are equally near, any of them may be returned (their distances agree to rounding).
"""

from __future__ import annotations

import numpy as np

from planner.core.jit import LazyKernels


def _band_py(mask, lo, hi, s0, s1, s2, d_out, f_out):
    n, na, nb = mask.shape
    m = hi - lo
    # pass 1: per row (k, a), the nearest set column to each band column (ties: the lower column)
    c1 = np.full((n, na, m), -1, np.int64)
    left = np.full(nb, -1, np.int64)
    for k in range(n):
        for a in range(na):
            last = -1
            for b in range(nb):
                if mask[k, a, b]:
                    last = b
                left[b] = last
            nxt = -1
            for b in range(nb - 1, lo - 1, -1):
                if mask[k, a, b]:
                    nxt = b
                if b < hi:
                    lb = left[b]
                    if lb < 0:
                        c1[k, a, b - lo] = nxt
                    elif nxt < 0 or b - lb <= nxt - b:
                        c1[k, a, b - lo] = lb
                    else:
                        c1[k, a, b - lo] = nxt
    # pass 2: per section, the nearest set pixel of the plane to each band pixel (ties: the first row)
    g2 = np.full((n, m, m), -1.0)
    fa = np.zeros((n, m, m), np.int64)
    fb = np.zeros((n, m, m), np.int64)
    for k in range(n):
        for j in range(m):
            for i in range(m):
                best = -1.0
                ba = 0
                bb = 0
                for a in range(na):
                    cb = c1[k, a, j]
                    if cb < 0:
                        continue
                    da = (a - (lo + i)) * s1
                    db = (cb - (lo + j)) * s2
                    v = da * da + db * db
                    if best < 0 or v < best:
                        best = v
                        ba = a
                        bb = cb
                g2[k, i, j] = best
                fa[k, i, j] = ba
                fb[k, i, j] = bb
    # pass 3: along the stack, searched outward and stopped when the section distance alone is larger
    for i in range(m):
        for j in range(m):
            for k in range(n):
                best = -1.0
                bk = -1
                for r in range(n):
                    dk = r * s0
                    if best >= 0 and dk * dk > best:
                        break
                    for kk in (k - r, k + r):
                        if kk < 0 or kk >= n or (r == 0 and kk != k) or g2[kk, i, j] < 0:
                            continue
                        v = dk * dk + g2[kk, i, j]
                        if best < 0 or v < best:
                            best = v
                            bk = kk
                if bk < 0:
                    d_out[k, i, j] = np.inf
                    f_out[0, k, i, j] = -1
                    continue
                f0 = (bk - k) * s0
                f1 = (fa[bk, i, j] - (lo + i)) * s1
                f2 = (fb[bk, i, j] - (lo + j)) * s2
                d_out[k, i, j] = np.sqrt(f0 * f0 + f1 * f1 + f2 * f2)
                f_out[0, k, i, j] = bk
                f_out[1, k, i, j] = fa[bk, i, j]
                f_out[2, k, i, j] = fb[bk, i, j]


_KERNELS = LazyKernels(_band_py, python_fallback=True)


def band_distance(mask: np.ndarray, lo: int, hi: int, sampling) -> tuple[np.ndarray, np.ndarray]:
    """(distance (n, m, m) from each point of the band ``[:, lo:hi, lo:hi]`` to the nearest set voxel
    of the whole ``mask`` (n, A, B), inf without one; that voxel's indices (3, n, m, m) in ``mask``),
    with voxel spacing ``sampling`` per axis. ``mask`` must hold a set voxel."""
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    lo, hi = max(int(lo), 0), min(int(hi), mask.shape[1], mask.shape[2])
    n, m = mask.shape[0], hi - lo
    d = np.empty((n, m, m))
    f = np.zeros((3, n, m, m), np.int64)
    s0, s1, s2 = (float(s) for s in sampling)
    _KERNELS.get()(mask, lo, hi, s0, s1, s2, d, f)
    return d, f
