"""Trilinear resampling of a CT onto an oblique local grid, compiled with numba (issue 13 speed).

:func:`affine_linear` returns exactly what ``scipy.ndimage.affine_transform(src, matrix,
offset=offset, output_shape=shape, output=np.float32, order=1, mode="constant", cval=np.nan)`` returns
(checked bit for bit in tests/anatomy/test_morphology.py): the same double-precision arithmetic in the
same order (coordinate = offset + sum of matrix x index; weights ``1 - t`` and ``1 - (1 - t)`` as in
scipy's ``ni_splines.c``; the 8 corners weighted ``value * w0 * w1 * w2`` and summed in C order), NaN for a point outside ``[0, n - 1]`` along any axis, the far corner clamped
where its weight is 0. About 3x faster than scipy's generic geometric transform, which the vertebra
search calls some fifty times per scan. numba is imported on first use only (a headless run whose
anatomy comes from the cache never pays its import); without numba, scipy is used.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["affine_linear"]

_KERNEL = []


def _kernel_py(src, m, off, out):
    n0, n1, n2 = src.shape
    s0, s1, s2 = out.shape
    for a in range(s0):
        for b in range(s1):
            for c in range(s2):
                x0 = off[0] + a * m[0, 0] + b * m[0, 1] + c * m[0, 2]
                x1 = off[1] + a * m[1, 0] + b * m[1, 1] + c * m[1, 2]
                x2 = off[2] + a * m[2, 0] + b * m[2, 1] + c * m[2, 2]
                if x0 < 0 or x1 < 0 or x2 < 0 or x0 > n0 - 1 or x1 > n1 - 1 or x2 > n2 - 1:
                    out[a, b, c] = np.nan
                    continue
                i0 = int(np.floor(x0))
                i1 = int(np.floor(x1))
                i2 = int(np.floor(x2))
                t0 = x0 - i0
                t1 = x1 - i1
                t2 = x2 - i2
                j0 = min(i0 + 1, n0 - 1)
                j1 = min(i1 + 1, n1 - 1)
                j2 = min(i2 + 1, n2 - 1)
                u0 = 1.0 - t0  # scipy's weights: 1 - t and 1 - (1 - t) (ni_splines.c, order 1)
                u1 = 1.0 - t1
                u2 = 1.0 - t2
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
                out[a, b, c] = t


def _kernel():
    if not _KERNEL:
        try:
            from numba import njit
        except ImportError:  # pragma: no cover - numba is a declared dependency
            _KERNEL.append(None)
        else:
            _KERNEL.append(njit(cache=True, nogil=True)(_kernel_py))
    return _KERNEL[0]


def affine_linear(src: np.ndarray, matrix: np.ndarray, offset: np.ndarray, shape) -> np.ndarray:
    """float32 array of ``shape``: ``src`` (3-D) sampled trilinearly at ``offset + matrix @ index``
    (array-index coordinates), NaN outside (see the module docstring)."""
    shape = tuple(int(s) for s in shape)
    kernel = _kernel()
    m = np.ascontiguousarray(matrix, dtype=np.float64).reshape(3, 3)
    off = np.ascontiguousarray(offset, dtype=np.float64).reshape(3)
    if kernel is None or src.ndim != 3 or min(src.shape) < 1 or src.dtype.kind not in "iuf":
        return ndimage.affine_transform(src, m, offset=off, output_shape=shape, output=np.float32, order=1,
                                        mode="constant", cval=np.nan)
    out = np.empty(shape, dtype=np.float32)
    kernel(src, m, off, out)
    return out
