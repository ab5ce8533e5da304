"""Gaussian smoothing of a small float32 grid, compiled with numba (issue 13 speed).

:func:`gaussian_filter_f32` returns exactly what ``scipy.ndimage.gaussian_filter(a, sigma)`` returns
for a 3-D float32 ``a`` and one ``sigma`` (in voxels) for every axis, with scipy's defaults (``order=0``,
``mode="reflect"``, ``truncate=4.0``), bit for bit (tests/anatomy/test_gauss_kernel.py, random grids
and edges). It does the same arithmetic as scipy 1.x: the weights of ``_gaussian_kernel1d`` (``exp(-0.5
/ sigma^2 * x^2)`` over ``x = -r..r``, ``r = int(truncate * sigma + 0.5)``, divided by their sum), one
pass per axis in the order 0, 1, 2, each rounded to float32 (the output array is float32, scipy's
``gaussian_filter`` runs ``gaussian_filter1d`` into it axis after axis), and in each pass scipy's
symmetric-kernel loop of ``ni_filters.c`` (``NI_Correlate1D``): in double precision, ``x[l] * w[0]``
then ``+= (x[l - d] + x[l + d]) * w[d]`` for ``d = r .. 1`` (outermost tap first); beyond the ends
the line is mirrored (``reflect``: ``d c b a | a b c d | d c b a``). Lines shorter than the radius
(several reflections) go to scipy. The vertebra search smooths its resampled grid once per pass (about
a hundred passes on a scan): scipy's generic line-buffer filter took about a tenth of the search.
numba is imported on first use; without numba, scipy is used.
"""

from __future__ import annotations

import numpy as np

from planner.core.jit import LazyKernels
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["gaussian_filter_f32", "gaussian_weights"]

TRUNCATE = 4.0  # scipy.ndimage.gaussian_filter's default


def _reflected(n: int, r: int) -> np.ndarray:
    """Index of each position -r .. n - 1 + r of a line of ``n`` in the line mirrored at its ends
    (``n > r``; ``reflect``)."""
    x = np.arange(-r, n + r)
    return np.ascontiguousarray(np.where(x < 0, -x - 1, np.where(x >= n, 2 * n - 1 - x, x)), dtype=np.int64)


def _pass_py(src, out, w, axis, ref):
    """One axis of the filter: ``out`` (float32) = ``src`` (float32) correlated along ``axis`` with the
    symmetric weights ``w`` (2r + 1, centre ``w[r]``), scipy's loop (see the module docstring); ``ref``:
    :func:`_reflected` of the axis. Each output voxel sees the same operations in the same order as in
    scipy; the loops run along the contiguous last axis (a row of double accumulators for axes 0 and 1,
    a mirrored double copy of the line for axis 2)."""
    r = (w.size - 1) // 2
    n0, n1, n2 = src.shape
    if axis == 2:
        line = np.empty(n2 + 2 * r, np.float64)
        for a in range(n0):
            for b in range(n1):
                for q in range(n2 + 2 * r):
                    line[q] = src[a, b, ref[q]]
                for c in range(n2):
                    t = line[c + r] * w[r]
                    for d in range(r, 0, -1):
                        t += (line[c + r - d] + line[c + r + d]) * w[r - d]
                    out[a, b, c] = np.float32(t)
        return
    acc = np.empty(n2, np.float64)
    for a in range(n0):
        for b in range(n1):
            for c in range(n2):
                acc[c] = np.float64(src[a, b, c]) * w[r]
            for d in range(r, 0, -1):
                wd = w[r - d]
                if axis == 0:
                    lo, hi = ref[a + r - d], ref[a + r + d]
                    for c in range(n2):
                        acc[c] += (np.float64(src[lo, b, c]) + np.float64(src[hi, b, c])) * wd
                else:
                    lo, hi = ref[b + r - d], ref[b + r + d]
                    for c in range(n2):
                        acc[c] += (np.float64(src[a, lo, c]) + np.float64(src[a, hi, c])) * wd
            for c in range(n2):
                out[a, b, c] = np.float32(acc[c])


_KERNELS = LazyKernels(_pass_py)


def warm_up() -> None:
    """Load the compiled kernel (numba's on-disk cache) on a tiny grid."""
    gaussian_filter_f32(np.zeros((4, 4, 4), np.float32), 0.5)


def gaussian_weights(sigma: float, truncate: float = TRUNCATE) -> np.ndarray:
    """scipy's ``_gaussian_kernel1d(sigma, 0, r)`` with ``r = int(truncate * sigma + 0.5)``: the same
    numpy operations, so the same doubles."""
    radius = int(truncate * float(sigma) + 0.5)
    sigma2 = sigma * sigma
    x = np.arange(-radius, radius + 1)
    phi_x = np.exp(-0.5 / sigma2 * x ** 2)
    return phi_x / phi_x.sum()


def gaussian_filter_f32(a: np.ndarray, sigma: float) -> np.ndarray:
    """``scipy.ndimage.gaussian_filter(a, sigma)`` for a 3-D float32 ``a`` and a scalar ``sigma``
    (voxels), bit for bit; any other input is passed to scipy."""
    kernel = _KERNELS.get()
    sigma = float(sigma)
    if kernel is None or a.ndim != 3 or a.dtype != np.float32 or not sigma > 1e-15:
        return ndimage.gaussian_filter(a, sigma)
    w = np.ascontiguousarray(np.flip(gaussian_weights(sigma)), dtype=np.float64)  # correlate1d's weights
    r = (w.size - 1) // 2
    if min(a.shape) <= r or np.any(np.abs(w - np.flip(w)) > np.finfo(float).eps):
        return ndimage.gaussian_filter(a, sigma)  # several reflections, or scipy's non-symmetric loop
    src = np.ascontiguousarray(a)
    one, two = np.empty_like(src), np.empty_like(src)
    kernel(src, one, w, 0, _reflected(src.shape[0], r))
    kernel(one, two, w, 1, _reflected(src.shape[1], r))
    kernel(two, one, w, 2, _reflected(src.shape[2], r))
    return one
