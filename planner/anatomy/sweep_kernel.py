"""The HU a tilt search sweeps (:func:`planner.anatomy.levels_align._f_ratios`), compiled with numba
(issue 13, the cold ``analyze``).

The tilt search samples the CT at some 500 000 points per search (a body's core swept along each of 25
candidate axes). :func:`swept_hu` gives exactly what the search computed before, in one pass over the
points: ``np.clip(points_linear_nearest(hu, kji).astype(float), lo, hi)`` for an integer CT
(:func:`planner.anatomy.resample_kernel.points_linear_nearest`: scipy's ``map_coordinates`` with
``order=1, mode="nearest"``, rounded half away from zero into the CT's integer type), read straight
from the ``(n, 3)`` voxel coordinates ``(i, j, k)`` instead of a transposed, concatenated copy, with
the rounding and the clipping done on the fly (the same arithmetic, value by value: checked bit for
bit in tests/anatomy/test_spine_speed.py). Without numba, or for a CT that is not integer, the numpy
path itself is used.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.resample_kernel import points_linear_nearest
from planner.core.frames import map_coordinates_kji
from planner.core.jit import LazyKernels

__all__ = ["swept_hu", "warm_up"]


def _swept_py(src, ijk, lo, hi, out):
    """:func:`planner.anatomy.resample_kernel._points_nearest_py`'s trilinear value at ``ijk[n]``
    (array axes k, j, i = ijk[n, 2], ijk[n, 1], ijk[n, 0]), rounded half away from zero, truncated
    to an integer (numpy's float -> integer cast) and clipped to ``[lo, hi]``."""
    n0, n1, n2 = src.shape
    for n in range(out.size):
        x0 = ijk[n, 2]
        x1 = ijk[n, 1]
        x2 = ijk[n, 0]
        f0 = np.floor(x0)
        f1 = np.floor(x1)
        f2 = np.floor(x2)
        u0 = 1.0 - (x0 - f0)
        u1 = 1.0 - (x1 - f1)
        u2 = 1.0 - (x2 - f2)
        i0 = min(max(int(f0), 0), n0 - 1)
        i1 = min(max(int(f1), 0), n1 - 1)
        i2 = min(max(int(f2), 0), n2 - 1)
        j0 = min(max(int(f0) + 1, 0), n0 - 1)
        j1 = min(max(int(f1) + 1, 0), n1 - 1)
        j2 = min(max(int(f2) + 1, 0), n2 - 1)
        t0 = 1.0 - u0
        t1 = 1.0 - u1
        t2 = 1.0 - u2
        t = 0.0
        t += src[i0, i1, i2] * u0 * u1 * u2
        t += src[i0, i1, j2] * u0 * u1 * t2
        t += src[i0, j1, i2] * u0 * t1 * u2
        t += src[i0, j1, j2] * u0 * t1 * t2
        t += src[j0, i1, i2] * t0 * u1 * u2
        t += src[j0, i1, j2] * t0 * u1 * t2
        t += src[j0, j1, i2] * t0 * t1 * u2
        t += src[j0, j1, j2] * t0 * t1 * t2
        r = t + 0.5 if t > 0 else t - 0.5
        value = float(int(r))
        out[n] = min(max(value, lo), hi)


_KERNELS = LazyKernels(_swept_py)


def _kernel():
    return _KERNELS.get()


def warm_up(src_dtype=np.int16) -> None:
    """Load the compiled kernel (numba's on-disk cache) for a ``src_dtype`` CT, on a tiny array."""
    swept_hu(np.zeros((2, 2, 2), dtype=src_dtype), np.zeros((1, 3)), -100.0, 600.0)


def _numpy_path(src: np.ndarray, ijk: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(points_linear_nearest(src, map_coordinates_kji(ijk)).astype(float), lo, hi)


def swept_hu(src: np.ndarray, ijk: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """float64 ``(n,)``: ``src`` (an integer CT ``[k, j, i]``) at the continuous voxel points ``ijk``
    ``(n, 3)``, as the module docstring says."""
    ijk = np.ascontiguousarray(ijk, dtype=np.float64).reshape(-1, 3)
    kernel = _kernel()
    if (kernel is None or src.ndim != 3 or min(src.shape) < 1 or src.dtype.kind not in "iu"
            or src.dtype.itemsize > 4):
        return _numpy_path(src, ijk, lo, hi)
    out = np.empty(len(ijk), dtype=np.float64)
    kernel(src, ijk, float(lo), float(hi), out)
    return out
