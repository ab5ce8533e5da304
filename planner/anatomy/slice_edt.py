"""In-plane Euclidean distance transforms of a stack of slices, compiled with numba (issue 13, the cold
``analyze``): the vertebra search's openings (:func:`planner.anatomy.levels_grid.slicewise_opening`)
run some 1 500 small 2-D transforms per scan, a third of them scipy's per-call overhead.

:func:`slicewise_edt` computes the *exact* squared distance, in voxels, from every voxel to the
nearest background voxel of its slice with the linear-time algorithm of Meijster, Roerdink and
Hesselink ("A general algorithm for computing distance transforms in linear time", Mathematical
Morphology and its Applications to Image and Signal Processing, 2000; integer arithmetic only), and
returns ``sqrt(D * step**2)``. For a grid step that is a small dyadic fraction (1.5 mm, 1 mm, 0.5 mm:
:func:`exact_step`) that is bit for bit what ``scipy.ndimage.distance_transform_edt(slice,
sampling=(step, step))`` returns, ``sqrt((dv * step)**2 + (du * step)**2)`` for the nearest
background voxel ``(dv, du)`` away: every product and sum is exact in double precision, so the
value depends on ``D = dv**2 + du**2`` alone (checked against scipy in
tests/anatomy/test_spine_speed.py). Other steps, slices without background, or no numba: scipy.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from planner.core.jit import LazyKernels

__all__ = ["exact_step", "slicewise_edt"]


def _edt_py(mask, out):
    """Squared distance (voxels, int64) from each voxel of each slice ``mask[w]`` to the nearest
    ``False`` voxel of that slice (Meijster et al. 2000: columns, then the rows' lower envelope of
    parabolas; every slice must hold a ``False`` voxel)."""
    nw, m, n = mask.shape
    inf = m + n
    g = np.empty((m, n), dtype=np.int64)
    s = np.empty(n, dtype=np.int64)
    t = np.empty(n, dtype=np.int64)
    for w in range(nw):
        for x in range(n):  # phase 1: distance along each column
            g[0, x] = inf if mask[w, 0, x] else 0
            for y in range(1, m):
                g[y, x] = g[y - 1, x] + 1 if mask[w, y, x] else 0
            for y in range(m - 2, -1, -1):
                if g[y + 1, x] < g[y, x]:
                    g[y, x] = g[y + 1, x] + 1
        for y in range(m):  # phase 2: along each row
            q = 0
            s[0] = 0
            t[0] = 0
            for u in range(1, n):
                while q >= 0 and ((t[q] - s[q]) ** 2 + g[y, s[q]] ** 2) > ((t[q] - u) ** 2 + g[y, u] ** 2):
                    q -= 1
                if q < 0:
                    q = 0
                    s[0] = u
                else:
                    sq = s[q]
                    sep = (u * u - sq * sq + g[y, u] ** 2 - g[y, sq] ** 2) // (2 * (u - sq))
                    if sep + 1 < n:
                        q += 1
                        s[q] = u
                        t[q] = sep + 1
            for u in range(n - 1, -1, -1):
                out[w, y, u] = (u - s[q]) ** 2 + g[y, s[q]] ** 2
                if u == t[q]:
                    q -= 1


_KERNELS = LazyKernels(_edt_py)


def _kernel():
    return _KERNELS.get()


def warm_up() -> None:
    """Load the compiled kernel (numba's on-disk cache) on a tiny stack."""
    slicewise_edt(np.array([[[True, False]]]), 1.5)


def exact_step(step_mm: float) -> bool:
    """True when ``step_mm`` is ``p / 2**q`` with a small odd ``p`` (below 2**12): then ``(a * step)**2
    + (b * step)**2`` and ``(a**2 + b**2) * step**2`` are both exact in double precision for any grid
    offsets ``a, b`` below 2**14 (all products below 2**53), i.e. equal."""
    f = Fraction(float(step_mm))
    return f > 0 and f.numerator < 2 ** 12 and (f.denominator & (f.denominator - 1)) == 0 and f.denominator <= 2 ** 12


def slicewise_edt(mask: np.ndarray, step_mm: float) -> np.ndarray | None:
    """float64 in-plane distance (mm) of each voxel of ``mask`` (3-D bool, slices along axis 0) to the
    nearest ``False`` voxel of its slice, equal to scipy's per-slice transform; None when this path
    does not apply (a step that is not :func:`exact_step`, a slice without background, a grid of
    2**14 voxels or more across, no numba): the caller then uses scipy."""
    mask = np.ascontiguousarray(mask, dtype=bool)
    kernel = _kernel()
    if (kernel is None or mask.ndim != 3 or mask.size == 0 or max(mask.shape[1:]) >= 2 ** 14
            or not exact_step(step_mm) or mask.reshape(mask.shape[0], -1).all(axis=1).any()):
        return None
    squared = np.empty(mask.shape, dtype=np.int64)
    kernel(mask, squared)
    return np.sqrt(squared * (float(step_mm) * float(step_mm)))
