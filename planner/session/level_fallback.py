"""A plan level where the level detection cannot measure the body: from the bone around the point.

:func:`planner.anatomy.levels.detect_level` needs the whole body between its endplates and marrow above
its bone threshold; on the 20-slice T11-T12 scan T12 is cut by the scan's end and its marrow reads 60-180
HU, so the level tool refused every click ("too small to be a vertebral body"), the mirror (B) found no
mid-sagittal plane and the corridor check had no vertebra. The CTV already falls back on
:func:`planner.anatomy.body_frame.body_frame_from_bone` bracketed by the neural foramina
(:func:`planner.anatomy.sectors.bracket_by_foramina`, issue 17); the level tool and the mirror use the same
frame here, so all three agree. The frame keeps the patient's axes (no tilt is measured): the user is told so.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.body_frame import body_frame_from_bone
from planner.anatomy.sectors import LevelFrame, bracket_by_foramina
from planner.core.errors import PlannerError
from planner.plan.items import Level


#: A body whose centre lies this close to the scan's first or last slice may be cut by it: half a
#: lumbar body (25-28 mm, DOMAIN.md) plus a disc (8-12 mm) plus a slice.
CUT_REACH_MM = 30.0


def near_scan_end(volume, point_lps, reach_mm: float = CUT_REACH_MM) -> bool:
    """True when ``point_lps`` lies within ``reach_mm`` (along the head-feet axis) of the scan's end, where a
    body can be cut; elsewhere a refused click stays refused (a disc, soft tissue)."""
    lo, hi = volume.bounds_lps
    z = float(np.asarray(point_lps, float)[2])
    return min(z - float(lo[2]), float(hi[2]) - z) < reach_mm


def frame_from_bone(session, name: str, seed_lps) -> LevelFrame:
    """The level frame at ``seed_lps`` from the bone, its height bracketed by the foramina found (PlannerError
    in words when no body is there, or when the point is not near the scan's end: see :func:`near_scan_end`)."""
    if not near_scan_end(session.volume, seed_lps):
        raise PlannerError("The body there could not be measured between its endplates.")
    frame = body_frame_from_bone(session.volume, seed_lps, name, session.canal_mask)
    if session.canal_mask is None:
        return frame
    found = session.foramina.compute(session.volume, session.canal_mask, session.canal.version)
    return bracket_by_foramina(frame, seed_lps, found.foramina)


def level_from_bone(session, name: str, seed_lps) -> Level:
    """A plan :class:`~planner.plan.items.Level` from :func:`frame_from_bone`: centre, patient axes, the
    mid-sagittal plane through the canal's middle (normal: the left-right axis) and the body depth."""
    frame = frame_from_bone(session, name, seed_lps)
    axes = tuple(tuple(float(v) for v in row) for row in np.asarray(frame.axes, float))
    return Level(name=name, body_centre_lps=tuple(float(v) for v in frame.centre_lps), axes=axes,
                 plane_point_lps=tuple(float(v) for v in frame.plane_point_lps), plane_normal_lps=axes[0],
                 body_depth_mm=float(frame.depth_mm))


FALLBACK_NOTE = ("measured from the bone around the point, since the body could not be measured between its "
                 "endplates (cut by the scan's end): the patient's axes are used (no tilt measured); check its "
                 "centre")
