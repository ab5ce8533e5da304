"""When the window has settled: nothing left to compute, lay out or paint (issue 19, ``--screenshot``).

``--screenshot`` used to grab 0.3 s after the 3D surface, the canal and the anatomy were in and the
plan's evaluation was complete (planner.ui.app). Work started by those results could still be under
way then: the evaluation's per-zone figures (planner.ui.evaluation_worker), the 3D mask surfaces
(planner.ui.mask_surface_worker), a frame's coalesced update (planner.ui.frame), and the layouts and
repaints their results post (the docks' and the properties panel's relayout, issue 19's "settle once
per edit"). The grab then caught the window between two layouts.

Here the window is settled when the app's own idle notion holds (:func:`busy_parts` is empty: every
worker the window owns is idle, the evaluation is complete and nothing is being rechecked, no frame
update is pending, no status-bar message shown for a few seconds is still up: on the sample the
vertebrae's 20 s message was in one screenshot and not in the next) and, after the posted events (layout requests, deferred deletes, repaints) have been
delivered, two grabs :data:`CHECK_MS` apart are the same pixels. Qt-only; no domain code.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

CHECK_MS = 250  # between two checks (and the two grabs that must agree)


def _busy(obj, name: str = "is_busy") -> bool:
    fn = getattr(obj, name, None)
    return bool(fn()) if callable(fn) else False


def busy_parts(window) -> list[str]:
    """What is still under way in ``window`` (empty: idle). The workers are the window's own (the ones
    ``closeEvent`` shuts down); the evaluation counts only with needles in the plan (a plan without
    needles has nothing to recheck: planner.ui.findings_panel.FindingsPanel.rechecking)."""
    loader = getattr(window, "loader", None)
    parts = {
        "loading": _busy(loader),
        "anatomy": _busy(getattr(loader, "anatomy", None)),
        "levels": _busy(getattr(window, "levels", None)),
        "bone surface": _busy(getattr(window, "view3d", None), "is_surface_busy"),
        "3D mask surfaces": _busy(getattr(getattr(window, "scene_plan", None), "surfaces", None)),
        "corridors": _busy(getattr(window, "corridors", None)),
        "canal preparation": _busy(getattr(window, "canal_prep", None)),
        "figures": _busy(getattr(window, "evaluations", None)),
        "bioheat": _busy(getattr(getattr(window, "thermal", None), "runner", None)),
        "proposals": _busy(getattr(window, "proposals", None)),
        "export": _busy(getattr(getattr(getattr(window, "plan_files", None), "exports", None), "runner", None)),
        "frame update": _busy(getattr(window, "frame", None), "pending"),
        # a message with a timeout goes by itself: whether a grab caught it depended on the timing
        "status message": _busy(window.statusBar(), "timed_message_up"),
    }
    session = getattr(window, "session", None)
    if session is not None and session.volume is not None and session.plan.needles:
        ev = session.evaluation
        findings = getattr(window, "findings", None)
        parts["evaluation"] = ev is None or not ev.complete or session.interactive or _busy(findings, "rechecking")
    return [name for name, busy in parts.items() if busy]


def deliver_posted_events() -> None:
    """Deliver every posted event (layout requests, deferred deletes, update requests) and those they
    post in turn, a few rounds."""
    for _ in range(4):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents(QEventLoop.AllEvents, 10)


def when_settled(window, grab: Callable[[], bytes], then: Callable[[list[str]], None], timeout_s: float = 180.0) -> None:
    """Call ``then(still_busy)`` once ``window`` has settled (``still_busy`` empty), or when ``timeout_s``
    has passed (``still_busy`` names what was still under way). ``grab()`` returns the window's pixels
    as bytes (the same function the caller saves with): settled means idle, and the same pixels at two
    checks in a row with the window idle at both."""
    deadline = time.monotonic() + timeout_s
    last: list = [None]

    def check() -> None:
        busy = busy_parts(window)
        if not busy:
            deliver_posted_events()
            busy = busy_parts(window)  # a delivered event may have started work (a result's relayout)
        if busy:
            last[0] = None
        else:
            pixels = grab()
            if pixels == last[0]:
                then([])
                return
            last[0] = pixels
        if time.monotonic() > deadline:
            then(busy or ["the window still changing"])
            return
        QTimer.singleShot(CHECK_MS, check)

    QTimer.singleShot(CHECK_MS, check)
