"""Exact cross-sections of shapes with a slice plane, for drawing: ellipsoid -> ellipse, segment ->
the part within a slab.

An ellipsoid {x : (x - c)^T M (x - c) <= 1}, M = R^T diag(1/s^2) R (rows of R = its axes, s = semi-axes),
cut by the plane x = p + a u + b v gives a quadratic in (a, b): [a b] A [a b]^T + 2 g.[a b] + k0 <= 1.
Its centre is -A^-1 g; with k = k0 - g^T A^-1 g the section is empty when k >= 1, otherwise the ellipse
(y - y0)^T A (y - y0) <= 1 - k, whose semi-axes are sqrt((1 - k) / eigenvalues of A).
"""

from __future__ import annotations

import numpy as np

from planner.geometry.planes import SlicePlane


def ellipsoid_section(centre_lps, axes_rows, semi_axes_mm, plane: SlicePlane, h_mm: float = 0.0,
                      n_points: int = 96) -> np.ndarray | None:
    """The outline (n_points x 2, plane coordinates a, b in mm) of the ellipsoid's section by the plane
    lifted ``h_mm`` along its normal, or None when the plane misses the ellipsoid."""
    r = np.asarray(axes_rows, dtype=float).reshape(3, 3)
    s = np.asarray(semi_axes_mm, dtype=float).reshape(3)
    m = r.T @ np.diag(1.0 / s**2) @ r
    p = plane.origin_lps + h_mm * plane.normal_lps
    d = p - np.asarray(centre_lps, dtype=float)
    u, v = plane.u_lps, plane.v_lps
    a_mat = np.array([[u @ m @ u, u @ m @ v], [v @ m @ u, v @ m @ v]])
    g = np.array([d @ m @ u, d @ m @ v])
    k0 = d @ m @ d
    y0 = -np.linalg.solve(a_mat, g)
    k = k0 + g @ y0
    if k >= 1.0:
        return None
    evals, evecs = np.linalg.eigh(a_mat)
    semi = np.sqrt((1.0 - k) / evals)
    t = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
    pts = y0 + (np.cos(t)[:, None] * semi[0]) * evecs[:, 0] + (np.sin(t)[:, None] * semi[1]) * evecs[:, 1]
    return pts


def segment_in_slab(p0_lps, p1_lps, plane: SlicePlane, h_mm: float, half_thickness_mm: float):
    """The parameter interval [t0, t1] (0 = p0, 1 = p1) of the segment lying within the slab
    |height - h_mm| <= half_thickness_mm, or None when it never does."""
    h0 = float(plane.distance_mm(np.asarray(p0_lps, float))) - h_mm
    h1 = float(plane.distance_mm(np.asarray(p1_lps, float))) - h_mm
    if abs(h1 - h0) < 1e-12:
        return (0.0, 1.0) if abs(h0) <= half_thickness_mm else None
    ta = (-half_thickness_mm - h0) / (h1 - h0)
    tb = (half_thickness_mm - h0) / (h1 - h0)
    t0, t1 = max(0.0, min(ta, tb)), min(1.0, max(ta, tb))
    return (t0, t1) if t0 <= t1 else None
