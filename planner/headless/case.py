"""Open a case for a headless command: the series loaded into a session, and its automatic spinal
canal found through the on-disk anatomy cache (planner/anatomy/cache.py), as the window does.

One preamble for ``analyze``, ``thermal``, ``propose`` and ``export`` (they each had their own copy,
and only ``analyze`` used the cache)."""

from __future__ import annotations

import sys

from planner.core.errors import PlannerError
from planner.imaging import load_path
from planner.session.session import PlanningSession


def open_case(series, canal: bool = True, use_cache: bool | None = None,
              canal_required: bool = True, volume=None) -> tuple[PlanningSession, str]:
    """(session, canal_error) for ``series``: a session that does not re-evaluate on every change,
    with the volume set and (``canal``) the automatic canal. When no canal is found, ``canal_required``
    raises the segmentation's own :class:`PlannerError`; otherwise its message is returned and the
    session has no canal. Cache messages (a file ignored, and why) go to stderr. ``volume``: ``series``
    already loaded (``analyze`` reads it before importing the session's modules)."""
    volume = volume if volume is not None else load_path(series)
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(volume)
    if use_cache is not None:
        session.anatomy.cache.enabled = use_cache
    canal_error = ""
    if canal:
        try:
            session.set_canal(session.anatomy.canal().mask)
        except PlannerError as exc:
            if canal_required:
                raise
            canal_error = str(exc)
    for message in session.anatomy.cache_messages:
        print(message, file=sys.stderr)
    return session, canal_error
