"""Trilinear resampling of a CT onto an oblique local grid, compiled with numba (issue 13 speed).

:func:`affine_linear` returns exactly what ``scipy.ndimage.affine_transform(src, matrix,
offset=offset, output_shape=shape, output=np.float32, order=1, mode="constant", cval=np.nan)`` returns
(checked bit for bit in tests/anatomy/test_morphology.py): the same double-precision arithmetic in the
same order (coordinate = offset + sum of matrix x index; weights ``1 - t`` and ``1 - (1 - t)`` as in
scipy's ``ni_splines.c``; the 8 corners weighted ``value * w0 * w1 * w2`` and summed in C order), NaN for a point outside ``[0, n - 1]`` along any axis, the far corner clamped
where its weight is 0. About 3x faster than scipy's generic geometric transform, which the vertebra
search calls some fifty times per scan. :func:`points_linear_nearest` and :func:`points_linear_2d`
are the same for scattered points: ``scipy.ndimage.map_coordinates`` with ``order=1`` and
``mode="nearest"`` (3-D; the weights from the coordinate, the neighbours' indices clamped) or
``mode="constant", cval=0`` (2-D), bit for bit; the tilt and mirror searches sample all their
candidate angles in one call each instead of some 900 scipy calls per scan. numba is imported on
first use only (a headless run whose anatomy comes from the cache never pays its import); without
numba, scipy is used.
"""

from __future__ import annotations

import numpy as np

from planner.core.jit import LazyKernels
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["affine_linear", "points_linear_2d", "points_linear_constant", "points_linear_nearest"]



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


def _points_nearest_py(src, k, j, i, out):
    """Trilinear values at the points (k[n], j[n], i[n]) with scipy's ``mode="nearest"``: the weights
    from the coordinate itself, the two neighbours' indices clamped to the array (a point beyond a face
    mixes the face voxel with itself); the same arithmetic as :func:`_kernel_py`."""
    n0, n1, n2 = src.shape
    for n in range(out.size):
        x0 = k[n]
        x1 = j[n]
        x2 = i[n]
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
        out[n] = t


def _points_2d_constant_py(src, r, c, out):
    """Bilinear values at the points (r[n], c[n]), 0 outside ``[0, n - 1]`` along either axis (scipy's
    ``mode="constant", cval=0``), the same arithmetic as :func:`_kernel_py`."""
    n0, n1 = src.shape
    for n in range(out.size):
        x0 = r[n]
        x1 = c[n]
        if x0 < 0 or x1 < 0 or x0 > n0 - 1 or x1 > n1 - 1:
            out[n] = 0.0
            continue
        i0 = int(np.floor(x0))
        i1 = int(np.floor(x1))
        j0 = min(i0 + 1, n0 - 1)
        j1 = min(i1 + 1, n1 - 1)
        u0 = 1.0 - (x0 - i0)
        u1 = 1.0 - (x1 - i1)
        t0 = 1.0 - u0
        t1 = 1.0 - u1
        t = 0.0
        t += src[i0, i1] * u0 * u1
        t += src[i0, j1] * u0 * t1
        t += src[j0, i1] * t0 * u1
        t += src[j0, j1] * t0 * t1
        out[n] = t


def _points_constant_py(src, k, j, i, cval, round_half, out):
    """Trilinear values at the points (k[n], j[n], i[n]), ``cval`` outside ``[0, n - 1]`` along any axis
    (scipy's ``mode="constant"``), the same arithmetic as :func:`_kernel_py`; ``round_half``: ``out`` is
    an integer array, given ``t + 0.5`` (``t > 0``) or ``t - 0.5`` truncated toward zero, as scipy's
    ``ni_interpolation.c`` rounds (half away from zero)."""
    n0, n1, n2 = src.shape
    for n in range(out.size):
        x0 = k[n]
        x1 = j[n]
        x2 = i[n]
        if x0 < 0 or x1 < 0 or x2 < 0 or x0 > n0 - 1 or x1 > n1 - 1 or x2 > n2 - 1:
            t = cval
        else:
            i0 = int(np.floor(x0))
            i1 = int(np.floor(x1))
            i2 = int(np.floor(x2))
            j0 = min(i0 + 1, n0 - 1)
            j1 = min(i1 + 1, n1 - 1)
            j2 = min(i2 + 1, n2 - 1)
            u0 = 1.0 - (x0 - i0)
            u1 = 1.0 - (x1 - i1)
            u2 = 1.0 - (x2 - i2)
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
        if round_half:
            out[n] = int(t + 0.5) if t > 0 else int(t - 0.5)
        else:
            out[n] = t


_KERNELS = LazyKernels(_kernel_py, _points_nearest_py, _points_2d_constant_py, _points_constant_py)


def _kernel(which: int = 0):
    """The compiled kernels (affine grid, 3-D points clamped, 2-D points constant, 3-D points constant),
    or None each."""
    return _KERNELS.get(which)


def warm_up(src_dtype=np.int16) -> None:
    """Import numba and load the compiled kernels for a ``src_dtype`` volume (from numba's on-disk
    cache: about 0.7 s of CPU on the first call of a process, mostly numba's import and LLVM's set-up),
    on tiny arrays. The vertebra search runs it in a second thread while its first, numpy-only, step
    runs (planner/anatomy/spine.py); any thread may call it, the kernels are made once."""
    src = np.zeros((2, 2, 2), dtype=src_dtype)
    affine_linear(src, np.eye(3), np.zeros(3), (1, 1, 1))
    points_linear_nearest(src, np.zeros((3, 1)))
    points_linear_2d(np.zeros((2, 2)), np.zeros((2, 1)))
    points_linear_constant(src, np.zeros((3, 1)), 0.0)


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


def points_linear_nearest(src: np.ndarray, kji: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.map_coordinates(src, kji, order=1, mode="nearest")`` for a 3-D ``src`` and
    ``kji`` of shape (3, ...): the same values and dtype (an integer ``src`` gives values rounded half
    away from zero, as scipy's ``ni_interpolation.c`` does), checked bit for bit in
    tests/anatomy/test_sample_kernels_speed.py."""
    kji = np.asarray(kji, dtype=np.float64)
    kernel = _kernel(1)
    if kernel is None or src.ndim != 3 or kji.shape[0] != 3 or src.dtype.kind not in "iuf" or min(src.shape) < 1:
        return ndimage.map_coordinates(src, kji, order=1, mode="nearest")
    k, j, i = (np.ascontiguousarray(a.reshape(-1)) for a in kji)
    out = np.empty(k.size, dtype=np.float64)
    kernel(src, k, j, i, out)
    if src.dtype.kind in "iu":
        out = np.where(out > 0, out + 0.5, out - 0.5)
    return out.astype(src.dtype).reshape(kji.shape[1:])


def points_linear_2d(src: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.map_coordinates(src, rc, order=1, mode="constant", cval=0.0)`` for a float64
    2-D ``src`` and ``rc`` of shape (2, ...): the same values (bit for bit, see the test above)."""
    rc = np.asarray(rc, dtype=np.float64)
    kernel = _kernel(2)
    if kernel is None or src.ndim != 2 or rc.shape[0] != 2 or src.dtype != np.float64 or min(src.shape) < 1:
        return ndimage.map_coordinates(src, rc, order=1, mode="constant", cval=0.0)
    r, c = (np.ascontiguousarray(a.reshape(-1)) for a in rc)
    out = np.empty(r.size, dtype=np.float64)
    kernel(src, r, c, out)
    return out.reshape(rc.shape[1:])


def points_linear_constant(src: np.ndarray, kji: np.ndarray, cval: float) -> np.ndarray:
    """``scipy.ndimage.map_coordinates(src, kji, order=1, mode="constant", cval=cval, prefilter=False)``
    for a 3-D ``src`` and ``kji`` of shape (3, ...): the same values and dtype (integers rounded half away
    from zero, as :func:`points_linear_nearest`), bit for bit (tests/anatomy/test_sample_kernels_speed.py);
    the corridor check samples the CT this way (issue 17: about a sixth of the proposal's search)."""
    kji = np.asarray(kji, dtype=np.float64)
    kernel = _kernel(3)
    if kernel is None or src.ndim != 3 or kji.shape[0] != 3 or src.dtype.kind not in "iuf" or min(src.shape) < 1:
        return ndimage.map_coordinates(src, kji, order=1, mode="constant", cval=cval, prefilter=False)
    k, j, i = (np.ascontiguousarray(a.reshape(-1)) for a in kji)
    out = np.empty(k.size, dtype=src.dtype)
    kernel(src, k, j, i, float(cval), src.dtype.kind in "iu", out)
    return out.reshape(kji.shape[1:])
