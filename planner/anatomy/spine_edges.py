"""Say so when a vertebra is cut by the scan's top or bottom edge.

The automatic search (:mod:`planner.anatomy.spine`) keeps whole bodies only: a body the scan's edge
cuts has no second endplate, so its centre and height are partial and it cannot be counted. Such a body
is still there, and a user who sees it on the images must not read "not found" as "not there": the
status message says that a cut vertebra lies at that edge and why it is left out.

A cut body is seen from the last whole body found at that end: its profile along the spine showed the
next body begin (``next_above_mm``/``next_below_mm`` of :class:`~planner.anatomy.levels.LevelGeometry`)
and the scan ends less than ``min_height_mm`` (a body's least height, 12 mm: the spine search's
``min_height_mm``) past that start. On the shared T11-T12 scan (38 mm, 20 slices) T12 is whole and
T11 begins 19 mm above T12's centre and the scan's top (voxel edge) lies about 4 mm beyond.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.core.volume import ImageVolume

__all__ = ["cut_vertebra_note", "with_cut_note"]


def _reach_mm(volume: ImageVolume, point_lps: np.ndarray, direction: np.ndarray) -> float:
    """How far the ray from ``point_lps`` along the unit ``direction`` runs inside the scan (mm): where it
    leaves the box of voxel edges, in the volume's index space (any orientation)."""
    p = np.asarray(volume.to_ijk(point_lps), float)
    d = np.asarray(volume.to_ijk(point_lps + direction), float) - p  # index steps per mm
    lo, hi = np.full(3, -0.5), np.asarray(volume.shape_ijk, float) - 0.5
    exits = [max((lo[a] - p[a]) / d[a], (hi[a] - p[a]) / d[a]) for a in range(3) if abs(d[a]) > 1e-12]
    return float(min(exits)) if exits else float("inf")


def cut_vertebra_note(volume: ImageVolume, vertebrae, min_height_mm: float = 12.0) -> str:
    """A sentence per scan edge (top, bottom) where a vertebra cut by the edge lies beyond the last whole
    body found (``vertebrae`` from feet to head); "" when there is none."""
    whole = [v for v in vertebrae if v.complete]
    if not whole:
        return ""
    notes = []
    for v, sign, start_mm, edge in ((whole[-1], 1.0, whole[-1].next_above_mm, "top"),
                                    (whole[0], -1.0, whole[0].next_below_mm, "bottom")):
        if start_mm is None:
            continue
        head = np.asarray(v.axes_lps[2], float) * sign
        inside_mm = _reach_mm(volume, np.asarray(v.body_centre_lps, float), head) - float(start_mm)
        if 0.0 < inside_mm < min_height_mm:
            where = "above the highest" if sign > 0 else "below the lowest"
            notes.append(f"A vertebra cut by the scan's {edge} edge lies {where} body found (about "
                         f"{inside_mm:.0f} mm of it is in the scan): it is not counted because it is incomplete.")
    return " ".join(notes)


def with_cut_note(volume: ImageVolume, result, min_height_mm: float = 12.0):
    """``result`` (a :class:`~planner.anatomy.spine_names.SpineResult`) with :func:`cut_vertebra_note`
    appended to its message (unchanged when no vertebra is cut)."""
    cut = cut_vertebra_note(volume, result.vertebrae, min_height_mm)
    return replace(result, message=f"{result.message} {cut}") if cut else result
