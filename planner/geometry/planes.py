"""Slice planes for multiplanar reformatting (MPR): axial, sagittal, coronal and oblique.

A :class:`SlicePlane` is a point and two in-plane unit vectors in LPS: ``u_lps`` points to the right
of the screen and ``v_lps`` points *down* the screen, so ``normal_lps = u x v``.

Display conventions (radiological, as PACS viewers and 3D Slicer show them; see
``../shared/docs/DOMAIN.md`` "Coordinates"):

- axial: patient's right on the screen's left, anterior up -> u = +L (1,0,0), v = +P (0,1,0);
- coronal: patient's right on the screen's left, head up -> u = +L (1,0,0), v = -S (0,0,-1);
- sagittal: anterior on the screen's left, head up -> u = +P (0,1,0), v = -S (0,0,-1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AXIAL = "axial"
SAGITTAL = "sagittal"
CORONAL = "coronal"

_STANDARD_AXES = {
    AXIAL: ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    CORONAL: ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    SAGITTAL: ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}


def cross3(a, b) -> np.ndarray:
    """Cross product of two 3-vectors (numpy's general ``np.cross`` costs ~20 us a call)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float).reshape(3)
    n = np.linalg.norm(v)
    if n == 0 or not np.isfinite(n):
        raise ValueError("direction vector has zero length")
    return v / n


@dataclass(frozen=True, eq=False)
class SlicePlane:
    """A plane through ``origin_lps`` spanned by screen-right ``u_lps`` and screen-down ``v_lps``."""

    origin_lps: np.ndarray
    u_lps: np.ndarray
    v_lps: np.ndarray
    normal_lps: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        u = _unit(self.u_lps)
        v = np.asarray(self.v_lps, dtype=float).reshape(3)
        v = _unit(v - np.dot(v, u) * u)  # re-orthogonalise so u, v, n is a right-handed frame
        object.__setattr__(self, "origin_lps", np.asarray(self.origin_lps, dtype=float).reshape(3))
        object.__setattr__(self, "u_lps", u)
        object.__setattr__(self, "v_lps", v)
        object.__setattr__(self, "normal_lps", cross3(u, v))
        object.__setattr__(self, "_basis", np.stack([u, v, self.normal_lps]))

    def with_origin(self, origin_lps) -> "SlicePlane":
        return SlicePlane(np.asarray(origin_lps, dtype=float), self.u_lps, self.v_lps)

    def offset(self, distance_mm: float) -> "SlicePlane":
        """The parallel plane ``distance_mm`` along the normal."""
        return self.with_origin(self.origin_lps + distance_mm * self.normal_lps)

    def to_plane_coords(self, lps) -> np.ndarray:
        """LPS point(s) to (a, b, h) mm: along u, along v, and height above the plane."""
        d = np.asarray(lps, dtype=float) - self.origin_lps
        return d @ self._basis.T

    def to_lps(self, a_mm, b_mm, h_mm=0.0) -> np.ndarray:
        """Plane coordinates (mm along u, v and the normal) back to LPS."""
        a = np.asarray(a_mm, dtype=float)[..., None]
        b = np.asarray(b_mm, dtype=float)[..., None]
        h = np.asarray(h_mm, dtype=float)[..., None]
        return self.origin_lps + a * self.u_lps + b * self.v_lps + h * self.normal_lps

    def distance_mm(self, lps) -> np.ndarray:
        """Signed distance of point(s) from the plane, positive on the normal's side."""
        return (np.asarray(lps, dtype=float) - self.origin_lps) @ self.normal_lps


def standard_plane(orientation: str, origin_lps) -> SlicePlane:
    """The axial, sagittal or coronal plane through ``origin_lps`` in radiological convention."""
    try:
        u, v = _STANDARD_AXES[orientation]
    except KeyError as exc:
        raise ValueError(f"unknown orientation {orientation!r}") from exc
    return SlicePlane(np.asarray(origin_lps, dtype=float), np.array(u), np.array(v))


def stable_up_vector(axis_lps, preferred_up_lps=(0.0, 0.0, 1.0)) -> np.ndarray:
    """A unit vector perpendicular to ``axis_lps``, as close as possible to ``preferred_up_lps``.

    Used for needle-aligned views so the image does not spin as the needle moves: the "up" direction
    is the patient's head (S) projected off the needle axis; when the needle is nearly cranio-caudal,
    anterior (-P) is used instead.
    """
    axis = _unit(axis_lps)
    for candidate in (preferred_up_lps, (0.0, -1.0, 0.0), (1.0, 0.0, 0.0)):
        c = _unit(candidate)
        up = c - np.dot(c, axis) * axis
        if np.linalg.norm(up) > 0.2:
            return _unit(up)
    raise ValueError("cannot find an up vector")  # unreachable: three independent candidates
