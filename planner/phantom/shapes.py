"""Implicit shapes as approximate signed distances (mm), vectorised over coordinate arrays.

Negative inside, positive outside. The ellipse/ellipsoid distances use the first-order estimate
``k0 (k0 - 1) / k1`` with ``k0 = |p / r|`` and ``k1 = |p / r^2|``, which is exact on the surface, has a
unit gradient there and is good to a fraction of a millimetre within a few millimetres of it: enough
to draw a 1 mm cortical shell as ``-t < d <= 0``.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-6


def _ratio(k0, k1, r_min):
    """``k0 (k0 - 1) / k1``, taking its limit ``-r_min`` at the very centre where both vanish."""
    out = k0 * (k0 - 1.0)
    out /= np.maximum(k1, _EPS)
    centre = k1 < _EPS
    if np.any(centre):
        out = np.where(centre, -r_min, out)
    return out


def ellipse_sd(a: np.ndarray, b: np.ndarray, ra: float, rb: float) -> np.ndarray:
    """Approximate signed distance (mm) to the ellipse ``(a/ra)^2 + (b/rb)^2 = 1`` in a plane."""
    k0 = np.sqrt((a / ra) ** 2 + (b / rb) ** 2)
    k1 = np.sqrt((a / ra**2) ** 2 + (b / rb**2) ** 2)
    return _ratio(k0, k1, np.minimum(ra, rb))


def ellipsoid_sd(a: np.ndarray, b: np.ndarray, c: np.ndarray, radii_mm) -> np.ndarray:
    """Approximate signed distance (mm) to an axis-aligned ellipsoid in local coordinates (a, b, c)."""
    ra, rb, rc = radii_mm
    k0 = np.sqrt((a / ra) ** 2 + (b / rb) ** 2 + (c / rc) ** 2)
    k1 = np.sqrt((a / ra**2) ** 2 + (b / rb**2) ** 2 + (c / rc**2) ** 2)
    return _ratio(k0, k1, np.minimum(np.minimum(ra, rb), rc))


def smooth_union(d1: np.ndarray, d2: np.ndarray, k_mm: float) -> np.ndarray:
    """Polynomial smooth minimum: a union whose creases are filleted over about ``k_mm``."""
    h = np.clip(k_mm - np.abs(d1 - d2), 0.0, None) / k_mm
    return np.minimum(d1, d2) - h * h * k_mm * 0.25


def rod_sd(
    coords: tuple[np.ndarray, np.ndarray, np.ndarray],
    start_mm,
    end_mm,
    radius_a_mm: float,
    radius_b_mm: float,
    a_axis=(0.0, 0.0, 1.0),
) -> np.ndarray:
    """Signed distance (mm) to a rod of elliptic cross-section with rounded (ellipsoidal) ends.

    The rod runs from ``start_mm`` to ``end_mm``; ``radius_a_mm`` lies along ``a_axis`` (made
    perpendicular to the rod), ``radius_b_mm`` along the third direction. ``coords`` are three arrays
    (x, y, z) in the same frame as the points.
    """
    p0 = np.asarray(start_mm, dtype=float)
    p1 = np.asarray(end_mm, dtype=float)
    axis = p1 - p0
    length = float(np.linalg.norm(axis))
    t_hat = axis / length
    a_hat = np.asarray(a_axis, dtype=float) - np.dot(a_axis, t_hat) * t_hat
    a_hat /= np.linalg.norm(a_hat)
    b_hat = np.cross(t_hat, a_hat)
    # Python floats (not numpy float64 scalars) so float32 coordinates stay float32 (NEP 50).
    t_x, t_y, t_z = (float(c) for c in t_hat)
    a_x, a_y, a_z = (float(c) for c in a_hat)
    b_x, b_y, b_z = (float(c) for c in b_hat)
    dx, dy, dz = coords[0] - float(p0[0]), coords[1] - float(p0[1]), coords[2] - float(p0[2])
    t = dx * t_x + dy * t_y + dz * t_z
    along = t - np.clip(t, 0.0, length)
    a = dx * a_x + dy * a_y + dz * a_z
    b = dx * b_x + dy * b_y + dz * b_z
    return ellipsoid_sd(a, b, along, (radius_a_mm, radius_b_mm, min(radius_a_mm, radius_b_mm)))

