"""Coordinate frames: voxel indices (IJK) and DICOM patient coordinates (LPS, mm).

DICOM patient coordinates (PS3.3 C.7.6.2.1.1): x increases to the patient's Left, y to Posterior,
z to Superior (head). ``ImagePositionPatient`` (0020,0032) is the centre of the first voxel;
``ImageOrientationPatient`` (0020,0037) gives the row (i) and column (j) direction cosines.

Array order convention, used everywhere in the planner: a volume array is indexed ``[k, j, i]``
(slice, row, column), while points are ``(i, j, k)`` or ``(x, y, z)``. This module is the *one* place
that converts between the two orders (:func:`ijk_to_array_index`, :func:`array_shape_to_ijk`,
:func:`kji_to_ijk`, :func:`ijk_to_kji`, :func:`map_coordinates_kji`, :func:`spacing_kji`,
:func:`nearest_voxel_values`).
"""

from __future__ import annotations

import numpy as np


def affine_ijk_to_lps(origin_lps, spacing_mm, direction) -> np.ndarray:
    """4x4 matrix taking homogeneous (i, j, k, 1) voxel indices to (x, y, z, 1) LPS mm.

    ``direction`` is 3x3 with the unit vectors of the i, j and k axes as *columns*.
    """
    direction = np.asarray(direction, dtype=float).reshape(3, 3)
    spacing = np.asarray(spacing_mm, dtype=float).reshape(3)
    m = np.eye(4)
    m[:3, :3] = direction * spacing[None, :]
    m[:3, 3] = np.asarray(origin_lps, dtype=float).reshape(3)
    return m


def apply_affine(matrix: np.ndarray, points) -> np.ndarray:
    """Apply a 4x4 affine to one point ``(3,)`` or many ``(n, 3)``; returns the same shape."""
    pts = np.asarray(points, dtype=float)
    return rows_times(pts.reshape(-1, 3), np.asarray(matrix, float)[:3, :3], matrix[:3, 3]).reshape(pts.shape)


def rows_times(points: np.ndarray, matrix: np.ndarray, shift=None) -> np.ndarray:
    """``points @ matrix.T + shift`` for many points ``(n, 3)`` and a 3x3 ``matrix``, column by column.

    Not a BLAS product: OpenBLAS splits a tall ``(n, 3) @ (3, 3)`` product over threads, and on a
    shared machine (2 cores, several processes) that took 10x the single-thread time (issue 17:
    148 ms against 14 ms for 200 000 points, a fifth of the proposal's search); three multiply-adds per
    output column take the single-thread time either way. Same values to rounding (about 1e-16 relative).
    """
    flat = np.asarray(points, dtype=float)
    m = np.asarray(matrix, dtype=float)
    out = np.empty((flat.shape[0], 3))
    x, y, z = flat[:, 0], flat[:, 1], flat[:, 2]
    for r in range(3):
        col = out[:, r]
        np.multiply(x, m[r, 0], out=col)
        col += y * m[r, 1]
        col += z * m[r, 2]
        if shift is not None:
            col += shift[r]
    return out


def ijk_to_array_index(ijk) -> tuple[int, int, int]:
    """Round continuous (i, j, k) to the nearest voxel and return the array index ``(k, j, i)``."""
    i, j, k = (int(round(float(v))) for v in np.asarray(ijk).reshape(3))
    return k, j, i


def array_shape_to_ijk(shape) -> tuple[int, int, int]:
    """Array shape ``(nk, nj, ni)`` to dimensions ``(ni, nj, nk)``."""
    nk, nj, ni = shape
    return int(ni), int(nj), int(nk)


def kji_to_ijk(points_kji) -> np.ndarray:
    """Array-order indices ``(k, j, i)``, one ``(3,)`` or many ``(n, 3)``, to point order ``(i, j, k)``."""
    return np.asarray(points_kji)[..., ::-1]


def ijk_to_kji(points_ijk) -> np.ndarray:
    """Point-order indices ``(i, j, k)``, one ``(3,)`` or many ``(n, 3)``, to array order ``(k, j, i)``."""
    return np.asarray(points_ijk)[..., ::-1]


def map_coordinates_kji(points_ijk) -> np.ndarray:
    """``(n, 3)`` continuous (i, j, k) as the ``(3, n)`` array-order coordinates that
    :func:`scipy.ndimage.map_coordinates` samples a ``[k, j, i]`` array with."""
    return ijk_to_kji(np.asarray(points_ijk, dtype=float).reshape(-1, 3)).T


def spacing_kji(spacing_mm) -> np.ndarray:
    """Voxel spacing ``(si, sj, sk)`` in array order ``(sk, sj, si)`` (for filters on a ``[k, j, i]`` array)."""
    return np.asarray(spacing_mm, dtype=float)[::-1]


def nearest_voxel_values(array_kji: np.ndarray, points_ijk, outside=False) -> np.ndarray:
    """Values of a ``[k, j, i]`` array at the voxels nearest to continuous ``(n, 3)`` (i, j, k) points;
    ``outside`` where a point's nearest voxel is off the grid."""
    idx = np.round(np.asarray(points_ijk, dtype=float).reshape(-1, 3)).astype(int)
    ok = np.all((idx >= 0) & (idx < np.array(array_shape_to_ijk(array_kji.shape))), axis=1)
    out = np.full(len(idx), outside, dtype=array_kji.dtype)
    i, j, k = idx[ok].T
    out[ok] = array_kji[k, j, i]
    return out


def orientation_letters(direction_lps) -> str:
    """Letters naming where a unit vector points in LPS, strongest first (e.g. ``"L"``, ``"PS"``).

    Components under 0.1 are ignored; used to label view edges (R/L, A/P, S/I).
    """
    v = np.asarray(direction_lps, dtype=float).reshape(3)
    names = (("R", "L"), ("A", "P"), ("I", "S"))
    order = np.argsort(-np.abs(v))
    letters = [names[a][1 if v[a] > 0 else 0] for a in order if abs(v[a]) >= 0.1]
    return "".join(letters)
