"""A planning session on a shared scan with one 15 mm target: the set-up the CTV and proposal tests share."""

from __future__ import annotations

from planner.plan.items import Target
from planner.session.session import PlanningSession


def target_session(volume, canal, centre_lps, level: str | None):
    """A session on ``volume`` with ``canal`` (segment_canal's result, copied) and a 7.5 mm-radius target at
    ``centre_lps`` named to ``level``; no automatic evaluation. ``volume`` and ``canal`` are the suite's
    shared ones (tests/conftest.py)."""
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal.mask.copy())
    s.plan.insert(Target(tuple(float(v) for v in centre_lps), semi_axes_mm=(7.5, 7.5, 7.5), level=level))
    return s
