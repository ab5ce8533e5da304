"""Rename every level at once, one step toward the head or the feet (Qt-free, one undo step).

When the count of the vertebrae is off by one (a transitional vertebra, a scan that shows neither
the sacrum nor the last rib), all names are wrong together: this shifts the plan's levels, the
needles' levels and the automatic vertebrae's names consistently.
"""

from __future__ import annotations

from dataclasses import replace

from planner.anatomy.levels import LEVEL_ORDER, neighbour_name
from planner.core.errors import PlanError
from planner.plan import commands

__all__ = ["shifted_name", "shift_all_levels"]


def shifted_name(name: str, steps: int) -> str:
    """``name`` moved ``steps`` levels toward the feet (negative: toward the head). Raises
    :class:`PlanError` past T1 or S1."""
    new = neighbour_name(name, steps)
    if new is None:
        raise PlanError(f"Level {name} cannot be renamed {abs(steps)} level(s) toward the "
                        f"{'feet' if steps > 0 else 'head'}: the planner names T1 to S1.")
    return new


def shift_all_levels(session, steps: int) -> int:
    """Rename the plan's levels, the needles' levels and the automatic vertebrae by ``steps`` (+1: L2
    becomes L3). Returns how many plan items changed. Nothing changes when any name would fall off."""
    if steps == 0:
        return 0
    plan = session.plan
    levels = sorted(plan.levels, key=lambda lv: LEVEL_ORDER.index(lv.name), reverse=steps > 0)
    needles = [n for n in plan.needles if n.level]
    new_names = {lv.id: shifted_name(lv.name, steps) for lv in levels}
    new_needle = {n.id: shifted_name(n.level, steps) for n in needles}
    spine = session.anatomy.spine() if session.anatomy is not None and session.anatomy.ready else None
    auto = [] if spine is None else [replace(v, name=shifted_name(v.name, steps) if v.name else "")
                                     for v in spine.vertebrae]
    with session.stack.macro(f"Rename all levels {'down' if steps > 0 else 'up'} by {abs(steps)}"):
        for lv in levels:  # the far end first, so two levels never share a name on the way
            session.stack.push(commands.set_fields(lv.id, name=new_names[lv.id], text="Rename level"))
        for n in needles:
            session.stack.push(commands.set_fields(n.id, level=new_needle[n.id], text="Rename level"))
    if spine is not None:
        session.anatomy.set_spine(replace(spine, vertebrae=tuple(auto),
                                          message=spine.message + f" Renamed by the user by {steps:+d}."))
    return len(levels) + len(needles)
