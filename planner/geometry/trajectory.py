"""Straight needle trajectories in LPS mm: length, direction, angles, mirroring, distances.

A trajectory runs from ``entry_lps`` (where the needle crosses the skin or the point the user placed
first) to ``tip_lps``. DICOM patient axes (PS3.3 C.7.6.2.1.1): +x patient Left, +y Posterior,
+z Superior (head).

Angles (degrees), both measured as *projections*, as on the two fluoroscopy/CT views used to aim a
transpedicular needle:

* **medial angle**: in the axial plane (the plane spanned by the left-right and anterior-posterior
  axes) the angle between the projected needle direction and the *anterior* direction
  (``-y`` in patient axes). Positive when the needle points medially, i.e. toward the midline:
  toward +x (patient left) for a needle on the patient's right side, toward -x for a needle on the
  left side. For ``side="midline"`` positive means toward the patient's left.
* **cranial angle**: in the sagittal plane (anterior-posterior and cranio-caudal axes) the angle
  between the projected direction and the anterior direction; positive when the needle points
  cranially (toward +z, the head).

A needle pointing straight anterior has both angles 0. The same angles relative to a vertebra use
the vertebra's own axes (left-right toward the patient's left, anterior-posterior toward posterior,
cranio-caudal toward the head) instead of x, y, z. Pedicle medial angulation figures to compare with
are in DOMAIN.md, "Access geometry" (Kaur 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.errors import PlanError

_MIN_LENGTH_MM = 1e-6
SIDES = ("left", "right", "midline")


def _vec3(value, what: str) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    if v.shape != (3,):
        raise PlanError(f"{what}: expected 3 numbers (x, y, z in mm), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise PlanError(f"{what}: coordinates must be finite numbers, got {v.tolist()}")
    return v


def needle_length_mm(entry_lps, tip_lps) -> float:
    """Straight-line distance from entry to tip in mm."""
    return float(np.linalg.norm(_vec3(tip_lps, "tip") - _vec3(entry_lps, "entry")))


def needle_direction(entry_lps, tip_lps) -> np.ndarray:
    """Unit vector from entry toward tip (LPS). Raises PlanError when entry and tip coincide."""
    delta = _vec3(tip_lps, "tip") - _vec3(entry_lps, "entry")
    length = float(np.linalg.norm(delta))
    if length < _MIN_LENGTH_MM:
        raise PlanError("The needle's entry and tip are at the same point; move the tip to give it a direction.")
    return delta / length


def point_at_depth(entry_lps, tip_lps, depth_mm) -> np.ndarray:
    """Point ``depth_mm`` from the entry along the needle (one depth -> (3,), n depths -> (n, 3)).

    Depths beyond the tip or before the entry are allowed (the line is extended).
    """
    entry = _vec3(entry_lps, "entry")
    d = needle_direction(entry, tip_lps)
    depth = np.asarray(depth_mm, dtype=float)
    return entry + depth[..., None] * d


def orthonormal_axes(axes) -> np.ndarray:
    """Validate 3 row unit vectors (left-right, anterior-posterior, cranio-caudal) and return them 3x3.

    They must be unit length within 1e-3 and mutually perpendicular within about 0.1 degree.
    """
    a = np.asarray(axes, dtype=float)
    if a.shape != (3, 3) or not np.all(np.isfinite(a)):
        raise PlanError(f"Axes must be three unit vectors of 3 numbers each, got shape {a.shape}")
    if np.max(np.abs(np.linalg.norm(a, axis=1) - 1.0)) > 1e-3:
        raise PlanError("Axes must be unit vectors (length 1).")
    gram = a @ a.T
    if np.max(np.abs(gram - np.eye(3))) > 2e-3:
        raise PlanError("Axes must be mutually perpendicular.")
    return a


@dataclass(frozen=True)
class TrajectoryAngles:
    """Projected angles of a needle in degrees (see module docstring for the definitions)."""

    medial_deg: float
    cranial_deg: float


def _medial_sign(side: str) -> float:
    if side not in SIDES:
        raise PlanError(f"Side must be one of {', '.join(SIDES)}, got {side!r}")
    # A right-sided needle (patient's right, -x) points medially toward +x.
    return -1.0 if side == "left" else 1.0


def trajectory_angles(entry_lps, tip_lps, side: str, axes=None) -> TrajectoryAngles:
    """Medial and cranial angles of the needle entry->tip.

    ``axes``: optional 3x3, rows = left-right (toward patient left), anterior-posterior (toward
    posterior), cranio-caudal (toward head) unit vectors of a vertebra; default the patient axes.
    """
    d = needle_direction(entry_lps, tip_lps)
    basis = np.eye(3) if axes is None else orthonormal_axes(axes)
    lr, ap, cc = basis @ d
    anterior = -ap
    medial = _medial_sign(side) * lr
    medial_deg = float(np.degrees(np.arctan2(medial, anterior)))
    cranial_deg = float(np.degrees(np.arctan2(cc, anterior)))
    return TrajectoryAngles(medial_deg=medial_deg, cranial_deg=cranial_deg)


def direction_from_angles(medial_deg: float, cranial_deg: float, side: str, axes=None) -> np.ndarray:
    """Unit direction (LPS) whose projected angles are the ones given (inverse of trajectory_angles).

    Angles must lie in (-90, 90) degrees: the needle then points anteriorly.
    """
    if not (-90.0 < medial_deg < 90.0 and -90.0 < cranial_deg < 90.0):
        raise PlanError("Angles must lie strictly between -90 and 90 degrees.")
    basis = np.eye(3) if axes is None else orthonormal_axes(axes)
    local = np.array(
        [_medial_sign(side) * np.tan(np.radians(medial_deg)), -1.0, np.tan(np.radians(cranial_deg))]
    )
    local /= np.linalg.norm(local)
    return basis.T @ local


def mirror_points(points_lps, plane_point_lps, plane_normal) -> np.ndarray:
    """Mirror one point ``(3,)`` or many ``(n, 3)`` across the plane (point, normal)."""
    p0 = _vec3(plane_point_lps, "plane point")
    n = _vec3(plane_normal, "plane normal")
    norm = float(np.linalg.norm(n))
    if norm < 1e-9:
        raise PlanError("The mirror plane's normal has zero length.")
    n = n / norm
    pts = np.asarray(points_lps, dtype=float)
    signed = (pts - p0) @ n
    return pts - 2.0 * signed[..., None] * n


def mirror_vector(vector, plane_normal) -> np.ndarray:
    """Mirror a direction (not a point) across a plane with this normal."""
    n = _vec3(plane_normal, "plane normal")
    n = n / np.linalg.norm(n)
    v = np.asarray(vector, dtype=float)
    return v - 2.0 * (v @ n)[..., None] * n


def mirror_segment(entry_lps, tip_lps, plane_point_lps, plane_normal) -> tuple[np.ndarray, np.ndarray]:
    """Mirror a segment (entry, tip) across a plane; the mirrored entry stays the entry."""
    pts = mirror_points(np.stack([_vec3(entry_lps, "entry"), _vec3(tip_lps, "tip")]), plane_point_lps, plane_normal)
    return pts[0], pts[1]


def point_segment_distance_mm(points_lps, a_lps, b_lps) -> np.ndarray | float:
    """Distance from each point to the segment a-b (vectorised: ``(n, 3)`` -> ``(n,)``)."""
    a = _vec3(a_lps, "segment start")
    b = _vec3(b_lps, "segment end")
    pts = np.asarray(points_lps, dtype=float)
    ab = b - a
    denom = float(ab @ ab)
    if denom < _MIN_LENGTH_MM**2:
        t = np.zeros(pts.shape[:-1])
    else:
        t = np.clip(((pts - a) @ ab) / denom, 0.0, 1.0)
    closest = a + t[..., None] * ab
    dist = np.linalg.norm(pts - closest, axis=-1)
    return float(dist) if np.ndim(dist) == 0 else dist


@dataclass(frozen=True)
class SegmentDistance:
    """Closest approach of two segments: distance and the closest point on each (LPS)."""

    distance_mm: float
    point_on_first_lps: np.ndarray
    point_on_second_lps: np.ndarray


def segment_segment_distance(a0_lps, a1_lps, b0_lps, b1_lps) -> SegmentDistance:
    """Closest distance between segments a0-a1 and b0-b1, with the closest points.

    Minimises |a0 + s(a1-a0) - b0 - t(b1-b0)| over s, t in [0, 1]. The objective is a convex quadratic,
    so its minimum over the square is the stationary point when that lies inside, else on one of the
    four edges, where it is a clamped 1-D minimum; every candidate is evaluated and the least kept.
    (Clamping the stationary point and re-solving one parameter is not exact for nearly parallel
    segments: hypothesis found two that touch at an end reported 2e-6 mm apart.)
    """
    p = _vec3(a0_lps, "first segment start")
    q = _vec3(b0_lps, "second segment start")
    d1 = _vec3(a1_lps, "first segment end") - p
    d2 = _vec3(b1_lps, "second segment end") - q
    r = p - q
    a, e, f = float(d1 @ d1), float(d2 @ d2), float(d2 @ r)
    eps = _MIN_LENGTH_MM**2
    if a < eps and e < eps:
        candidates = [(0.0, 0.0)]
    elif a < eps:
        candidates = [(0.0, float(np.clip(f / e, 0.0, 1.0)))]
    else:
        c = float(d1 @ r)
        if e < eps:
            candidates = [(float(np.clip(-c / a, 0.0, 1.0)), 0.0)]
        else:
            b = float(d1 @ d2)
            candidates = [(0.0, float(np.clip(f / e, 0.0, 1.0))), (1.0, float(np.clip((b + f) / e, 0.0, 1.0))),
                          (float(np.clip(-c / a, 0.0, 1.0)), 0.0), (float(np.clip((b - c) / a, 0.0, 1.0)), 1.0)]
            denom = a * e - b * b
            if denom > eps * max(a * e, 1.0):
                s_in, t_in = (b * f - c * e) / denom, (a * f - b * c) / denom
                if 0.0 <= s_in <= 1.0 and 0.0 <= t_in <= 1.0:
                    candidates.append((float(s_in), float(t_in)))
    s, t = min(candidates, key=lambda st: float(np.linalg.norm(r + st[0] * d1 - st[1] * d2)))
    c1 = p + s * d1
    c2 = q + t * d2
    return SegmentDistance(float(np.linalg.norm(c1 - c2)), c1, c2)
