"""The body outline of a measured vertebra: an elliptic cylinder in the vertebra's own frame, the body's
measured width and depth, between its endplates (:class:`planner.anatomy.levels.LevelGeometry`).

In the anatomy layer so that the level search (:mod:`planner.anatomy.levels_click`) and the corridor
check's vertebra rule (:mod:`planner.analysis.vertebra_rule`) use one outline.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels import LevelGeometry
from planner.core.frames import rows_times

__all__ = ["body_outline_contains", "local_uvw"]


def local_uvw(g: LevelGeometry, points) -> np.ndarray:
    """LPS points ``(..., 3)`` as ``(n, 3)`` mm in the vertebra's frame (left, posterior, head) about its
    body centre."""
    p = np.asarray(points, float)
    return rows_times(p.reshape(-1, 3) - np.asarray(g.body_centre_lps), np.asarray(g.axes_lps))


def body_outline_contains(g: LevelGeometry, points, margin_mm: float = 0.0) -> np.ndarray:
    """True for LPS points (..., 3) inside the body outline of ``g`` grown by ``margin_mm``."""
    pts = np.asarray(points, float)
    u, v, w = local_uvw(g, pts).T
    a = 0.5 * g.width_mm + margin_mm
    b = 0.5 * g.depth_mm + margin_mm
    inside = ((u / a) ** 2 + (v / b) ** 2 <= 1.0) & (np.abs(w) <= 0.5 * g.height_mm + margin_mm)
    return inside.reshape(pts.shape[:-1])
