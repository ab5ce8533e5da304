"""Solid shapes in LPS mm: ellipsoids (ablation zones) and capped cylinders (needles, test canals).

Every shape answers two vectorised questions for points ``(n, 3)`` in LPS mm: *is the point inside*
(exact, algebraic) and *what is its signed distance to the surface* (negative inside). The ellipsoid
distance is the exact Euclidean distance to the surface, found as the root of the one-dimensional
secular equation of the closest-point problem (D. Eberly, "Distance from a Point to an Ellipse, an
Ellipsoid, or a Hyperellipsoid", Geometric Tools 2013), not the algebraic ``(q - 1) / |grad q|``
approximation, which is wrong by millimetres away from the surface of an elongated zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TINY = 1e-12


def _as_points(points) -> np.ndarray:
    return np.asarray(points, dtype=float).reshape(-1, 3)


@dataclass(frozen=True, eq=False)
class Ellipsoid:
    """Solid ellipsoid: ``centre_lps`` (mm), ``axes`` 3x3 with orthonormal unit vectors as *rows*,
    ``semi_axes_mm`` the half-lengths along those rows."""

    centre_lps: np.ndarray
    axes: np.ndarray
    semi_axes_mm: np.ndarray

    def __post_init__(self):
        centre = np.asarray(self.centre_lps, dtype=float).reshape(3)
        axes = np.asarray(self.axes, dtype=float).reshape(3, 3)
        semi = np.asarray(self.semi_axes_mm, dtype=float).reshape(3)
        if np.any(semi <= 0):
            raise ValueError(f"ellipsoid semi-axes must be positive, got {semi}")
        if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6):
            raise ValueError("ellipsoid axes must be orthonormal rows")
        object.__setattr__(self, "centre_lps", centre)
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "semi_axes_mm", semi)

    @classmethod
    def sphere(cls, centre_lps, radius_mm: float) -> "Ellipsoid":
        return cls(centre_lps, np.eye(3), np.full(3, float(radius_mm)))

    @classmethod
    def spheroid(cls, centre_lps, long_axis_dir_lps, long_semi_mm: float, short_semi_mm: float):
        """Rotationally symmetric ellipsoid with its long axis along ``long_axis_dir_lps``."""
        u = np.asarray(long_axis_dir_lps, dtype=float).reshape(3)
        u = u / np.linalg.norm(u)
        v, w = orthonormal_complement(u)
        return cls(centre_lps, np.stack([u, v, w]), [long_semi_mm, short_semi_mm, short_semi_mm])

    @property
    def volume_mm3(self) -> float:
        """Exact volume 4/3 pi a b c."""
        return float(4.0 / 3.0 * np.pi * np.prod(self.semi_axes_mm))

    @property
    def volume_ml(self) -> float:
        return self.volume_mm3 / 1000.0

    def half_extent_lps(self) -> np.ndarray:
        """Half-size of the tight axis-aligned LPS box: sqrt(sum_i (a_i u_i,x)^2) per world axis."""
        return np.sqrt(((self.semi_axes_mm[:, None] * self.axes) ** 2).sum(axis=0))

    def bounds_lps(self, margin_mm: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        h = self.half_extent_lps() + margin_mm
        return self.centre_lps - h, self.centre_lps + h

    def local(self, points) -> np.ndarray:
        """Points in the ellipsoid's own frame (rows of ``axes``), shape (n, 3)."""
        return (_as_points(points) - self.centre_lps) @ self.axes.T

    def algebraic(self, points) -> np.ndarray:
        """q(p) = sum (y_i / a_i)^2; q < 1 inside, exactly."""
        y = self.local(points) / self.semi_axes_mm
        return (y * y).sum(axis=1)

    def contains(self, points) -> np.ndarray:
        return self.algebraic(points) <= 1.0

    def signed_distance(self, points) -> np.ndarray:
        """Exact signed Euclidean distance (mm) to the surface, negative inside."""
        return ellipsoid_signed_distance(self.local(points), self.semi_axes_mm)

    def approx_signed_distance(self, points) -> np.ndarray:
        """First-order distance of the normalised level set, (sqrt(q) - 1) / |grad sqrt(q)|: exact
        for a sphere and unbiased near the surface of an ellipsoid (the usual (q - 1) / |grad q|
        reads every point as nearer to the surface than it is). Only for use within a voxel or so
        of the surface; :meth:`signed_distance` is the exact one."""
        return self.approx_distance_and_normal(points)[0]

    def approx_distance_and_normal(self, points) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`approx_signed_distance` and the unit outward normal (LPS) in one pass."""
        y = self.local(points)
        g = y / self.semi_axes_mm ** 2
        q = (y * g).sum(axis=1)
        n = np.maximum(np.sqrt((g * g).sum(axis=1)), _TINY)
        root = np.sqrt(q)
        centre = q < 1e-18
        normal = np.where(centre[:, None], self.axes[0], (g / n[:, None]) @ self.axes)
        return np.where(centre, -float(self.semi_axes_mm.min()), root * (root - 1.0) / n), normal

    def surface_normal(self, points) -> np.ndarray:
        """Unit outward normal of the level set through each point, in LPS, shape (n, 3)."""
        y = self.local(points)
        g = y / self.semi_axes_mm ** 2
        n = np.linalg.norm(g, axis=1, keepdims=True)
        g = np.where(n > _TINY, g / np.maximum(n, _TINY), np.array([1.0, 0.0, 0.0]))
        return g @ self.axes


@dataclass(frozen=True, eq=False)
class Cylinder:
    """Solid capped cylinder (a segment swept by a ball is ``Capsule``): axis from ``p0_lps`` to
    ``p1_lps``, flat caps, radius ``radius_mm``. Also used as a needle or a straight canal."""

    p0_lps: np.ndarray
    p1_lps: np.ndarray
    radius_mm: float

    def __post_init__(self):
        p0 = np.asarray(self.p0_lps, dtype=float).reshape(3)
        p1 = np.asarray(self.p1_lps, dtype=float).reshape(3)
        if np.linalg.norm(p1 - p0) <= 0 or self.radius_mm <= 0:
            raise ValueError("cylinder needs two distinct end points and a positive radius")
        object.__setattr__(self, "p0_lps", p0)
        object.__setattr__(self, "p1_lps", p1)
        object.__setattr__(self, "radius_mm", float(self.radius_mm))

    @property
    def length_mm(self) -> float:
        return float(np.linalg.norm(self.p1_lps - self.p0_lps))

    @property
    def axis_unit(self) -> np.ndarray:
        return (self.p1_lps - self.p0_lps) / self.length_mm

    @property
    def volume_mm3(self) -> float:
        return float(np.pi * self.radius_mm ** 2 * self.length_mm)

    def bounds_lps(self, margin_mm: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        u = self.axis_unit
        h = self.radius_mm * np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0)) + margin_mm
        lo = np.minimum(self.p0_lps, self.p1_lps) - h
        hi = np.maximum(self.p0_lps, self.p1_lps) + h
        return lo, hi

    def _axial_radial(self, points) -> tuple[np.ndarray, np.ndarray]:
        d = _as_points(points) - self.p0_lps
        t = d @ self.axis_unit
        radial = np.linalg.norm(d - t[:, None] * self.axis_unit, axis=1)
        return t, radial

    def contains(self, points) -> np.ndarray:
        t, r = self._axial_radial(points)
        return (t >= 0) & (t <= self.length_mm) & (r <= self.radius_mm)

    def signed_distance(self, points) -> np.ndarray:
        """Exact signed distance (mm) to the capped cylinder's surface, negative inside."""
        t, r = self._axial_radial(points)
        half = 0.5 * self.length_mm
        da = np.abs(t - half) - half
        dr = r - self.radius_mm
        outside = np.hypot(np.maximum(da, 0.0), np.maximum(dr, 0.0))
        inside = np.minimum(np.maximum(da, dr), 0.0)
        return outside + inside


@dataclass(frozen=True, eq=False)
class Capsule:
    """Segment ``p0_lps``-``p1_lps`` swept by a ball of ``radius_mm`` (needle with rounded tip)."""

    p0_lps: np.ndarray
    p1_lps: np.ndarray
    radius_mm: float

    def __post_init__(self):
        object.__setattr__(self, "p0_lps", np.asarray(self.p0_lps, dtype=float).reshape(3))
        object.__setattr__(self, "p1_lps", np.asarray(self.p1_lps, dtype=float).reshape(3))
        object.__setattr__(self, "radius_mm", float(self.radius_mm))

    def bounds_lps(self, margin_mm: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        h = self.radius_mm + margin_mm
        return np.minimum(self.p0_lps, self.p1_lps) - h, np.maximum(self.p0_lps, self.p1_lps) + h

    def signed_distance(self, points) -> np.ndarray:
        return point_segment_distance(points, self.p0_lps, self.p1_lps) - self.radius_mm

    def contains(self, points) -> np.ndarray:
        return self.signed_distance(points) <= 0.0


def point_segment_distance(points, p0_lps, p1_lps) -> np.ndarray:
    """Euclidean distance (mm) from each point to the segment p0-p1."""
    p = _as_points(points)
    a = np.asarray(p0_lps, dtype=float).reshape(3)
    ab = np.asarray(p1_lps, dtype=float).reshape(3) - a
    denom = float(ab @ ab)
    t = np.zeros(len(p)) if denom == 0 else np.clip((p - a) @ ab / denom, 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def orthonormal_complement(u) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors completing unit ``u`` to a right-handed orthonormal basis (u, v, w)."""
    u = np.asarray(u, dtype=float).reshape(3)
    helper = np.array([1.0, 0.0, 0.0]) if abs(u[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    v = np.cross(u, helper)
    v /= np.linalg.norm(v)
    return v, np.cross(u, v)


def _secular(s: np.ndarray, ey: np.ndarray, e2: np.ndarray, em2: float) -> np.ndarray:
    r = ey / (s[:, None] - em2 + e2)
    return (r * r).sum(axis=1) - 1.0


def ellipsoid_signed_distance(y_local, semi_axes_mm, iterations: int = 40) -> np.ndarray:
    """Exact signed distance from points in an ellipsoid's frame to its surface (Eberly 2013).

    With z_i = |y_i| and e_i the semi-axes, the closest surface point is x_i = e_i^2 z_i / (t + e_i^2)
    where t is the unique root above -min(e_i^2) of F(t) = sum (e_i z_i / (t + e_i^2))^2 - 1
    (t > 0 outside, t < 0 inside). F is strictly decreasing there; with s = t + e_m^2 (e_m the
    smallest semi-axis) the root is bracketed by [e_m z_m, |e * z|]; 12 geometric bisections (points
    near the centre have s close to 0, so the bracket is split in ratio, not in difference) then
    Newton steps from the left end, which converge monotonically because F is convex, to a relative
    step of 1e-13. Points exactly on a symmetry plane inside the ellipsoid are nudged by
    1e-9 mm, which picks the limit solution (the closest point then leaves the plane, as it should).
    """
    y = np.abs(np.asarray(y_local, dtype=float).reshape(-1, 3))
    e = np.asarray(semi_axes_mm, dtype=float).reshape(3)
    z = np.maximum(y, 1e-9 * float(e.max()))
    e2 = e * e
    ey = e * z
    m = int(np.argmin(e))
    em2 = float(e2[m])
    lo = e[m] * z[:, m]
    hi = np.maximum(np.linalg.norm(ey, axis=1), lo)
    for _ in range(12):
        mid = np.sqrt(lo * hi)
        positive = _secular(mid, ey, e2, em2) > 0
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
    # F is convex and decreasing in s: Newton from the left end (F > 0) climbs monotonically to the
    # root without overshooting, quadratically once close.
    s_val = lo
    for _ in range(iterations):
        q = s_val[:, None] - em2 + e2
        r = ey / q
        f = (r * r).sum(axis=1) - 1.0
        df = -2.0 * (r * r / q).sum(axis=1)
        step = -f / df
        s_val = np.minimum(s_val + np.maximum(step, 0.0), hi)
        if np.all(step <= 1e-13 * s_val):
            break
    lo = hi = s_val
    t = np.sqrt(lo * hi) - em2
    x = e2 * z / (t[:, None] + e2)
    dist = np.linalg.norm(z - x, axis=1)
    inside = ((y / e) ** 2).sum(axis=1) <= 1.0
    return np.where(inside, -dist, dist)
