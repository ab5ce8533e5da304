"""The plane a needle is mirrored across for a bipedicular pair: one rule for the app and the scenarios."""

from __future__ import annotations

import numpy as np


def mid_sagittal_plane(session, needle) -> tuple[tuple, tuple]:
    """``(point_lps, normal_lps)`` of the mid-sagittal plane to mirror ``needle`` across.

    The needle's level in the plan when it has one; else the vertebra at the needle's tip
    (:func:`planner.anatomy.levels_click.measure_body_at`: the automatic vertebra holding the tip, or the
    body measured there, or where it cannot measure the body the frame from the bone,
    :mod:`planner.session.level_fallback`). PlannerError, in words, when none works.
    """
    level = session.plan.level_named(needle.level) if needle.level else None
    if level is not None:
        return level.plane_point_lps, level.plane_normal_lps
    from planner.anatomy.levels_click import measure_body_at
    from planner.core.errors import PlannerError
    from planner.session.level_fallback import frame_from_bone
    from planner.session.level_search import known_vertebrae

    try:
        geometry = measure_body_at(session.volume, np.asarray(needle.tip_lps), needle.level or "L1",
                                   known_vertebrae(session))
    except PlannerError:  # the body cannot be measured (cut by the scan's end): the frame from the bone
        frame = frame_from_bone(session, needle.level or "L1", np.asarray(needle.tip_lps))
        return tuple(frame.plane_point_lps), tuple(frame.axes[0])
    return geometry.plane_point_lps, geometry.plane_normal_lps
