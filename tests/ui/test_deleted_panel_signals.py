"""The session's psygnal events must not reach a panel Qt has deleted.

psygnal holds a weak reference to a bound method's Python wrapper only; once the C++ widget is gone (its window
closed and deleted) the wrapper can outlive it, and the next ``session.evaluated`` called into the deleted
object: "Internal C++ object already deleted", raised through psygnal's EmitLoopError. The panels connect with
``planner.ui.qt_links.connect_while_alive``, which disconnects on ``QObject.destroyed``."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtWidgets import QLabel
from psygnal import Signal

from planner.session.placement import Selection
from planner.session.session import PlanningSession
from planner.session.view_state import ViewState
from planner.ui.findings_panel import FindingsPanel
from planner.ui.plan_panel import PlanTree
from planner.ui.properties_panel import PropertiesPanel
from planner.ui.qt_links import connect_while_alive
from planner.geometry.planes import AXIAL
from planner.ui.slice_view import SliceView


class _Emitter:
    fired = Signal(object)


class _Label(QLabel):
    def show_value(self, value) -> None:
        self.setText(str(value))


def test_a_slot_runs_while_its_object_lives_and_is_dropped_when_it_is_deleted(qtbot):
    emitter = _Emitter()
    label = _Label()
    connect_while_alive(emitter.fired, label, label.show_value)
    emitter.fired.emit(7)
    assert label.text() == "7"
    shiboken6.delete(label)
    emitter.fired.emit(8)  # a plain connect: EmitLoopError (RuntimeError: Internal C++ object already deleted)
    assert len(emitter.fired) == 0


def test_panels_deleted_before_the_session_emits_are_not_called(qtbot, sample_volume):
    session = PlanningSession()
    session.set_volume(sample_volume)
    selection = Selection()
    state = ViewState()
    panels = [FindingsPanel(session, selection), PlanTree(session, selection),
              PropertiesPanel(session, selection), SliceView(AXIAL, state)]
    session.evaluate()  # every panel alive: they take the evaluation
    for panel in panels:
        shiboken6.delete(panel)
    session.evaluate()  # emits evaluated to nobody
    selection.select("needle-1")
    state.set_cursor(np.asarray(state.cursor_lps) + 1.0)
    state.set_window(400.0, 1800.0)
