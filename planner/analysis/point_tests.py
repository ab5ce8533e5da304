"""Point tests ("is this LPS point inside the lesion / the vertebra?") that also bound where they can
answer True, so the corridor check asks them only about the cross-sections that can change its answer.

The corridor check (:func:`planner.analysis.corridor.check_corridor`) and the search's first-contact
bound (:func:`planner.planning.search_check.first_possible_contact_mm`) put every point of a window of
cross-sections to the "inside the vertebra" test (:func:`planner.analysis.vertebra_rule.inside_vertebra`:
the body outline or the lesion). Issue 17: on the TCIA L2 that test was a fifth of the reachability
map's time, though most cross-sections of a line (the soft tissue behind the pedicle, the pedicle
itself) lie far from the body outline and from the lesion. A test may carry ``near(centres, radius)``:
False for a ball that cannot hold a point the test answers True for. The callers skip those
cross-sections (each lies in a ball about its axis point), so the answer is the same, point for point,
as asking every point: a skipped point is one the test would have answered False for.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["AnyOf", "MaskInside", "ROUNDING_MM", "ShapesInside", "add_inside", "ball_may_hold", "lesion_test",
           "section_radius_mm"]

#: Added to every ball's radius: the points of a cross-section are sums of floats, so they lie off
#: their exact place by about 1e-13 mm; a bound this much wider stays conservative.
ROUNDING_MM = 1e-6


def ball_may_hold(test: Callable | None, centres: np.ndarray, radius_mm: float) -> np.ndarray | None:
    """Per ball (``centres`` (n, 3), one radius): False where ``test`` answers False for every point
    of the ball; None when the test cannot tell (every ball may then hold a True point)."""
    near = getattr(test, "near", None)
    if near is None:
        return None
    return np.asarray(near(np.asarray(centres, float).reshape(-1, 3), float(radius_mm) + ROUNDING_MM), bool)


def section_radius_mm(offsets: np.ndarray) -> float:
    """Radius of the ball about the axis point holding a cross-section's offsets (..., 3)."""
    flat = np.asarray(offsets, float).reshape(-1, 3)
    return float(np.sqrt((flat * flat).sum(axis=1)).max()) if len(flat) else 0.0


def add_inside(found: np.ndarray, test: Callable, points: np.ndarray, centres: np.ndarray,
               offsets: np.ndarray) -> np.ndarray:
    """``found |= test(points)`` in place, for a boolean ``found`` (n, ...) over ``points`` (n, ..., 3):
    cross-section ``s`` of them is ``centres[s]`` plus ``offsets`` (..., 3). Only the points still False
    are asked, and only in the sections whose ball the test can be True in (the same answer)."""
    ask = ~found
    near = ball_may_hold(test, centres, section_radius_mm(offsets))
    if near is not None:
        ask &= near.reshape((-1,) + (1,) * (found.ndim - 1))
    if ask.any():
        found[ask] = np.asarray(test(points[ask]), dtype=bool).reshape(-1)
    return found


class MaskInside:
    """True for LPS points (n, 3) whose nearest voxel lies in ``mask`` (outside the CT grid: False).

    Only the points inside the LPS box of the mask's voxels (padded by one voxel) are converted to
    voxel indices: the others are outside (the same answer, several times faster on a cross-section
    grid of tens of thousands of points); :meth:`near` is the same box test for a ball.
    """

    def __init__(self, volume, mask: np.ndarray):
        from planner.geometry.raster import mask_box

        self.volume, self.mask = volume, mask
        box = mask_box(np.asarray(mask, bool), pad=1)
        self.empty = box is None
        if self.empty:
            return
        ends = [(s.start - 0.5, s.stop - 0.5) for s in (box[2], box[1], box[0])]  # i, j, k voxel edges
        corners = np.array([[i, j, k] for i in ends[0] for j in ends[1] for k in ends[2]])
        lps = volume.to_lps(corners)
        self.lo, self.hi = lps.min(axis=0), lps.max(axis=0)
        self.shape = np.array(volume.shape_ijk)

    def __call__(self, points) -> np.ndarray:
        pts = np.asarray(points, float).reshape(-1, 3)
        out = np.zeros(len(pts), dtype=bool)
        if self.empty:
            return out
        near = np.nonzero(np.all((pts >= self.lo) & (pts <= self.hi), axis=1))[0]
        if not near.size:
            return out
        idx = np.round(self.volume.to_ijk(pts[near])).astype(int)
        ok = np.all((idx >= 0) & (idx < self.shape), axis=1)
        i, j, k = idx[ok].T
        out[near[ok]] = self.mask[k, j, i]
        return out

    def near(self, centres: np.ndarray, radius_mm: float) -> np.ndarray:
        """False for a ball wholly outside the box (its points are then all outside the box)."""
        if self.empty:
            return np.zeros(len(centres), bool)
        return np.all((centres >= self.lo - radius_mm) & (centres <= self.hi + radius_mm), axis=1)


class ShapesInside:
    """True for LPS points (n, 3) inside any of ``shapes`` (each with ``contains`` and ``bounds_lps``:
    the plan's sphere and ellipsoid targets, :class:`~planner.geometry.shapes.Ellipsoid`).

    A shape is asked only about the points inside its axis-aligned LPS box (``bounds_lps``, widened
    by :data:`ROUNDING_MM`): a point a shape contains lies in its box, so the answer is the same as
    asking it every point. :meth:`near` is the same box test for a ball (the union of the boxes).
    """

    def __init__(self, shapes):
        self.shapes = list(shapes)
        boxes = [s.bounds_lps(ROUNDING_MM) for s in self.shapes]
        self.lo = np.array([b[0] for b in boxes], float).reshape(-1, 3)
        self.hi = np.array([b[1] for b in boxes], float).reshape(-1, 3)

    def __call__(self, points) -> np.ndarray:
        pts = np.asarray(points, float).reshape(-1, 3)
        out = np.zeros(len(pts), dtype=bool)
        for shape, lo, hi in zip(self.shapes, self.lo, self.hi):
            ask = np.nonzero(~out & np.all((pts >= lo) & (pts <= hi), axis=1))[0]
            if ask.size:
                out[ask] = np.asarray(shape.contains(pts[ask]), dtype=bool).reshape(-1)
        return out

    def near(self, centres: np.ndarray, radius_mm: float) -> np.ndarray:
        """False for a ball wholly outside every shape's box."""
        c = np.asarray(centres, float).reshape(-1, 3)[:, None, :]
        hit = np.all((c >= self.lo[None] - radius_mm) & (c <= self.hi[None] + radius_mm), axis=2)
        return hit.any(axis=1)


def lesion_test(volume, mask: np.ndarray | None = None, shapes=()):
    """The "inside the target lesion" test with its bound: a mask (nearest voxel, as
    :func:`planner.core.frames.nearest_voxel_values` reads it) when given, else the shapes; None
    without either. For the session's ``lesion_inside`` (its unbounded functions gave the corridor
    check no cross-section to skip: :class:`AnyOf` cannot bound a union with a plain function)."""
    if mask is not None:
        return MaskInside(volume, np.asarray(mask, bool))
    shapes = [s for s in shapes if s is not None]
    return ShapesInside(shapes) if shapes else None


class AnyOf:
    """True where any of the tests is (the first test's shape; the others' answers flattened to it);
    :meth:`near` is the union of theirs (None when one of them cannot tell)."""

    def __init__(self, *tests: Callable):
        self.tests = tests

    def __call__(self, points) -> np.ndarray:
        out = self.tests[0](points)
        for t in self.tests[1:]:
            out = out | np.asarray(t(points), dtype=bool)
        return out

    def near(self, centres: np.ndarray, radius_mm: float) -> np.ndarray | None:
        out = np.zeros(len(centres), bool)
        for t in self.tests:
            near = getattr(t, "near", None)
            if near is None:
                return np.ones(len(centres), bool)
            out |= np.asarray(near(centres, radius_mm), bool)
        return out
