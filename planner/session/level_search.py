"""A V-click's level search, Qt-free (issue 19: it runs in the window's worker thread,
:mod:`planner.ui.level_job`): measure the vertebral body at the clicked point
(:func:`planner.anatomy.levels.detect_level`) and propose one neighbour each way; where the body cannot
be measured between its endplates, the level from the bone around the point
(:func:`planner.session.level_fallback.level_from_bone`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.anatomy.levels import LevelGeometry, detect_level, propose_neighbours
from planner.core.errors import LoadCancelled, PlannerError
from planner.core.progress import check_cancel

#: What the bar says at each step (short: the status bar is shared with the other jobs).
STEPS = ("measuring the body", "its neighbours")


@dataclass(frozen=True)
class LevelOutcome:
    """What one click found: the body's ``geometry`` with the ``proposals`` for its neighbours, or, when
    the body could not be measured, ``fallback`` (a plan Level from the bone) or only ``why`` in words."""

    request_id: int
    name: str
    seed_lps: tuple
    geometry: LevelGeometry | None = None
    proposals: tuple = ()
    fallback: object = None  # planner.plan.items.Level
    why: str = ""


def find_level(session, volume, seed_lps, name: str, request_id: int = 0, cancel=None, progress=None) -> LevelOutcome:
    """The worker's job (no Qt): measure the body at ``seed_lps`` and propose one neighbour each way;
    ``progress(step, len(STEPS))`` before each step, ``cancel`` checked between them."""
    if progress is not None:
        progress(0, len(STEPS))
    seed = tuple(float(v) for v in np.asarray(seed_lps, float).reshape(3))
    try:
        geometry = detect_level(volume, seed, name)
    except PlannerError as exc:
        check_cancel(cancel, "the level detection")
        from planner.session.level_fallback import level_from_bone  # not at start-up: sectors, scipy

        try:
            return LevelOutcome(request_id, name, seed, fallback=level_from_bone(session, name, seed), why=str(exc))
        except PlannerError:
            return LevelOutcome(request_id, name, seed, why=str(exc))
    check_cancel(cancel, "the level detection")
    if progress is not None:
        progress(1, len(STEPS))
    try:
        found = propose_neighbours(volume, geometry, count_up=1, count_down=1, cancel=cancel)
    except LoadCancelled:
        raise
    except PlannerError:
        found = []
    return LevelOutcome(request_id, name, seed, geometry, tuple(found))
