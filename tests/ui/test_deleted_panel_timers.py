"""A refresh queued by a panel of the window (a zero-time timer, after a worker finished) must not run
once the panel is gone: the full suite's teardown of a closed window raised "Internal C++ object
(QLabel) already deleted" from FindingsPanel._refresh. The queued calls take the panel as their context
(QTimer.singleShot(0, self, ...)), so Qt drops them with it."""

from __future__ import annotations

import shiboken6

from planner.session.placement import Selection
from planner.session.session import PlanningSession
from planner.ui.findings_panel import FindingsPanel


def test_a_refresh_queued_before_the_findings_panel_is_deleted_does_nothing(qtbot, sample_volume):
    session = PlanningSession()
    session.set_volume(sample_volume)
    panel = FindingsPanel(session, Selection())
    panel.show_evaluation(session.evaluate())
    calls = []
    panel.show_evaluation = lambda ev: calls.append(ev)  # what a refresh of a living panel runs
    panel._on_busy(False)  # a worker finished: a refresh is queued
    qtbot.wait(20)
    assert len(calls) == 1  # the queued refresh runs while the panel lives

    panel._on_busy(False)
    shiboken6.delete(panel)  # the window closed and deleted its docks before the loop turned
    qtbot.wait(20)  # with the old timer: RuntimeError in the event loop (pytest-qt fails the test)
    assert len(calls) == 1
