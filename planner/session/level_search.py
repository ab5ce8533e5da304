"""A V-click's level search, Qt-free (issue 19: it runs in the window's worker thread,
:mod:`planner.ui.level_job`): measure the vertebral body at the clicked point
(:func:`planner.anatomy.levels_click.measure_body_at`: the automatic vertebra that holds the click when
the automatic search has finished, else a body measured at the click that holds it) and propose one
neighbour each way (the automatic vertebrae beside it, or a walk from the body); where no body can be
measured, the level from the bone around the point (:func:`planner.session.level_fallback.level_from_bone`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.anatomy.levels import LevelGeometry, neighbour_name, propose_neighbours
from planner.anatomy.levels_click import measure_body_at
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
    known = known_vertebrae(session)
    try:
        geometry = measure_body_at(volume, seed, name, known, cancel=cancel)
    except LoadCancelled:
        raise
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
    auto = next((g for g in known if g.body_centre_lps == geometry.body_centre_lps), None)
    if auto is not None:
        return LevelOutcome(request_id, name, seed, geometry, known_neighbours(known, auto, name))
    try:
        found = propose_neighbours(volume, geometry, count_up=1, count_down=1, cancel=cancel)
    except LoadCancelled:
        raise
    except PlannerError:
        found = []
    return LevelOutcome(request_id, name, seed, geometry, tuple(found))


def known_vertebrae(session) -> tuple[LevelGeometry, ...]:
    """The automatic vertebrae when the search has finished (never waits for it), else none."""
    anatomy = getattr(session, "anatomy", None)
    if anatomy is None or not getattr(session, "auto_anatomy", True):
        return ()
    spine = anatomy.ready_spine()
    return tuple(spine.vertebrae) if spine is not None else ()


def known_neighbours(known, body: LevelGeometry, name: str) -> tuple[LevelGeometry, ...]:
    """The automatic vertebrae just above and below ``body`` (one of ``known``), named by counting from
    ``name`` (the user's word for ``body``), head first; none past T1 or S1."""
    head = np.asarray(body.axes_lps, float)[2]
    along = {id(g): float(np.dot(np.asarray(g.body_centre_lps) - np.asarray(body.body_centre_lps), head))
             for g in known}
    above = [g for g in known if along[id(g)] > 0.0]
    below = [g for g in known if along[id(g)] < 0.0]
    found = []
    for side, steps in ((above, -1), (below, +1)):
        new_name = neighbour_name(name, steps)
        if side and new_name is not None:
            g = min(side, key=lambda q: abs(along[id(q)]))
            found.append(replace(g, name=new_name))
    return tuple(found)
