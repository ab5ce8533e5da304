"""Coordinate frames: voxel indices (IJK) and DICOM patient coordinates (LPS, mm).

DICOM patient coordinates (PS3.3 C.7.6.2.1.1): x increases to the patient's Left, y to Posterior,
z to Superior (head). ``ImagePositionPatient`` (0020,0032) is the centre of the first voxel;
``ImageOrientationPatient`` (0020,0037) gives the row (i) and column (j) direction cosines.

Array order convention, used everywhere in the planner: a volume array is indexed ``[k, j, i]``
(slice, row, column), while points are ``(i, j, k)`` or ``(x, y, z)``. This module is the *one* place
that converts between the two orders (:func:`ijk_to_array_index`, :func:`array_shape_to_ijk`).
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
    flat = pts.reshape(-1, 3)
    out = flat @ matrix[:3, :3].T + matrix[:3, 3]
    return out.reshape(pts.shape)


def ijk_to_array_index(ijk) -> tuple[int, int, int]:
    """Round continuous (i, j, k) to the nearest voxel and return the array index ``(k, j, i)``."""
    i, j, k = (int(round(float(v))) for v in np.asarray(ijk).reshape(3))
    return k, j, i


def array_shape_to_ijk(shape) -> tuple[int, int, int]:
    """Array shape ``(nk, nj, ni)`` to dimensions ``(ni, nj, nk)``."""
    nk, nj, ni = shape
    return int(ni), int(nj), int(nk)


def orientation_letters(direction_lps) -> str:
    """Letters naming where a unit vector points in LPS, strongest first (e.g. ``"L"``, ``"PS"``).

    Components under 0.1 are ignored; used to label view edges (R/L, A/P, S/I).
    """
    v = np.asarray(direction_lps, dtype=float).reshape(3)
    names = (("R", "L"), ("A", "P"), ("I", "S"))
    order = np.argsort(-np.abs(v))
    letters = [names[a][1 if v[a] > 0 else 0] for a in order if abs(v[a]) >= 0.1]
    return "".join(letters)
