"""What counts as inside the vertebra for the corridor check, and which vertebra a needle belongs to.

One rule, used by the safety panel, the training feedback and the report alike (all of them go
through :meth:`planner.session.session.PlanningSession.corridor_job`): a point is inside the
vertebra when it is bone (the corridor check's envelope, inside the body mask), inside the **body
outline** of the needle's vertebra, or inside the target lesion. So bone a lytic lesion has
destroyed inside the body outline counts as inside the vertebra whether or not a target was drawn,
and a cortical breach is measured against the vertebra the needle is linked to, not against any
bright voxel (the CT table is left out by the body mask).

The body outline is an elliptic cylinder in the vertebra's own frame: width and depth of the body
as measured, between its endplates (:class:`planner.anatomy.levels.LevelGeometry`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from planner.analysis.point_tests import AnyOf
from planner.anatomy.body_outline import body_outline_contains, local_uvw as _local
from planner.anatomy.levels import LevelGeometry

__all__ = ["BodyOutline", "body_outline_contains", "inside_vertebra", "vertebra_at"]

PointTest = Callable[[np.ndarray], np.ndarray]


class BodyOutline:
    """:func:`body_outline_contains` of one vertebra as a point test, with the ball bound of
    :mod:`planner.analysis.point_tests` (:meth:`near`)."""

    def __init__(self, g: LevelGeometry):
        self.g = g

    def __call__(self, points) -> np.ndarray:
        return body_outline_contains(self.g, points)

    def near(self, centres: np.ndarray, radius_mm: float) -> np.ndarray:
        """False for a ball (centre ``q``, radius ``r``) holding no point of the outline: a point ``p``
        of the ball has ``|u_p - u_q| <= r |axis_u|`` (Cauchy-Schwarz; likewise v, w), so if
        ``(|u_q| - r_u)+^2 / a^2 + (|v_q| - r_v)+^2 / b^2 > 1`` or ``|w_q| - r_w > h/2`` no point of it
        can pass the outline's test."""
        g = self.g
        r = radius_mm * np.linalg.norm(np.asarray(g.axes_lps, float), axis=1)
        u, v, w = _local(g, centres).T
        du = np.clip(np.abs(u) - r[0], 0.0, None) / (0.5 * g.width_mm)
        dv = np.clip(np.abs(v) - r[1], 0.0, None) / (0.5 * g.depth_mm)
        return (du * du + dv * dv <= 1.0) & (np.abs(w) - r[2] <= 0.5 * g.height_mm)


def inside_vertebra(vertebra: LevelGeometry | None, lesion_inside: PointTest | None) -> PointTest | None:
    """The one "counts as inside the vertebra" test for the corridor check (see the module docstring):
    the body outline of ``vertebra`` or the lesion; None when neither is known. The test bounds where
    it can be True (:mod:`planner.analysis.point_tests`) when the lesion's test does."""
    if vertebra is None:
        return lesion_inside
    if lesion_inside is None:
        return BodyOutline(vertebra)
    return AnyOf(BodyOutline(vertebra), lesion_inside)


def vertebra_at(vertebrae, point_lps) -> LevelGeometry | None:
    """The vertebra whose body (or, failing that, whose pedicles and posterior arch: up to 45 mm behind
    the body and 15 mm beside it, between its endplates) holds ``point_lps``; None when none does."""
    point = np.asarray(point_lps, float).reshape(1, 3)
    for g in vertebrae:
        if body_outline_contains(g, point)[0]:
            return g
    best, best_w = None, np.inf
    for g in vertebrae:
        u, v, w = _local(g, point)[0]
        if abs(w) <= 0.5 * g.height_mm + 2.0 and abs(u) <= 0.5 * g.width_mm + 15.0 and \
                -0.5 * g.depth_mm <= v <= 0.5 * g.depth_mm + 45.0 and abs(w) < best_w:
            best, best_w = g, abs(w)
    return best
