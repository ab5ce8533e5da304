"""Planes aligned with a needle: two "along the needle" planes and a probe's-eye plane across it.

The needle runs from ``entry_lps`` to ``tip_lps`` with unit direction d. Its frame:

- ``up``: the patient's head (S) with the needle component removed (or anterior when the needle runs
  nearly head-to-foot), from :func:`~planner.geometry.planes.stable_up_vector`. It changes
  continuously with d, so the image does not spin while the needle is dragged;
- ``side = up x d``: perpendicular to both (close to L-R for a posterior transpedicular needle).

In both along-planes the needle runs down the screen, entry at the top (v = d):

- ``along_side``: u = side (an axial-like plane through the needle);
- ``along_up``: u = up (a sagittal-like plane through the needle).

The probe's-eye plane is perpendicular to the needle at ``depth_mm`` from the entry, with u = side
and v = -up (head up on the screen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.geometry.planes import SlicePlane, stable_up_vector

ALONG_SIDE = "along_side"
ALONG_UP = "along_up"
PROBE = "probe"
NEEDLE_VIEW_KINDS = (ALONG_SIDE, ALONG_UP, PROBE)


@dataclass(frozen=True, eq=False)
class NeedleFrame:
    entry_lps: np.ndarray
    tip_lps: np.ndarray
    direction: np.ndarray
    up: np.ndarray
    side: np.ndarray

    @property
    def length_mm(self) -> float:
        return float(np.linalg.norm(self.tip_lps - self.entry_lps))

    @property
    def midpoint_lps(self) -> np.ndarray:
        return (self.entry_lps + self.tip_lps) / 2


def needle_frame(entry_lps, tip_lps) -> NeedleFrame:
    entry = np.asarray(entry_lps, dtype=float).reshape(3)
    tip = np.asarray(tip_lps, dtype=float).reshape(3)
    axis = tip - entry
    length = np.linalg.norm(axis)
    if length < 1e-9:
        raise ValueError("the needle's entry and tip coincide")
    d = axis / length
    up = stable_up_vector(d)
    side = np.cross(up, d)
    return NeedleFrame(entry, tip, d, up, side / np.linalg.norm(side))


def needle_plane(kind: str, entry_lps, tip_lps, depth_mm: float = 0.0, offset_mm: float = 0.0) -> SlicePlane:
    """The ``kind`` plane (see module doc). Along-planes pass through the needle's midpoint, moved
    ``offset_mm`` along their normal; the probe plane sits ``depth_mm`` from the entry."""
    f = needle_frame(entry_lps, tip_lps)
    if kind == ALONG_SIDE:
        plane = SlicePlane(f.midpoint_lps, f.side, f.direction)
    elif kind == ALONG_UP:
        plane = SlicePlane(f.midpoint_lps, f.up, f.direction)
    elif kind == PROBE:
        return SlicePlane(f.entry_lps + f.direction * depth_mm, f.side, -f.up)
    else:
        raise ValueError(f"unknown needle view {kind!r}")
    return plane.offset(offset_mm) if offset_mm else plane


def trajectory_extent(plane: SlicePlane, entry_lps, tip_lps, margin_mm: float = 30.0):
    """(a_min, a_max, b_min, b_max) in ``plane`` covering the whole needle with a margin, square."""
    ab = plane.to_plane_coords(np.stack([entry_lps, tip_lps]))[:, :2]
    lo, hi = ab.min(axis=0) - margin_mm, ab.max(axis=0) + margin_mm
    centre, half = (lo + hi) / 2, float(max(hi - lo)) / 2
    return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half
