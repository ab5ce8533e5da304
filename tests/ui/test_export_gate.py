"""An export asked for while the safety checks run waits for them, and never re-evaluates the plan on
the GUI thread (issue 19; planner/ui/export_gate.py). Fake runners and session: no window, no CT."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QPushButton

from planner.ui.export_gate import ChecksGate

pytestmark = pytest.mark.gui


class Runner(QObject):
    busy_changed = Signal(bool)

    def __init__(self, busy=False):
        super().__init__()
        self.busy = busy

    def is_busy(self):
        return self.busy

    def end(self, then_busy_again=False):
        """Like OneJobRunner._finish: says idle, may start its next job in the same slot."""
        self.busy = False
        self.busy_changed.emit(False)
        if then_busy_again:
            self.busy = True
            self.busy_changed.emit(True)


class Evaluation:
    def __init__(self, name, complete=True):
        self.name, self.complete = name, complete


class Session:
    def __init__(self):
        self.evaluation = Evaluation("published")
        self.evaluations = 0

    def evaluate(self, corridors=True):
        self.evaluations += 1
        self.evaluation = Evaluation("evaluated")


@pytest.fixture
def setup(qtbot):
    corridors, canal = Runner(), Runner()
    session, messages, started = Session(), [], []
    gate = ChecksGate(session, lambda: [corridors, None, canal], status=messages.append)
    gate.show_dialog = False
    yield gate, session, corridors, canal, messages, started
    gate.shutdown()


def test_with_no_check_running_the_export_starts_at_once_with_the_published_evaluation(setup):
    gate, session, _corridors, _canal, _messages, started = setup
    gate.when_checked("PDF report", lambda: started.append(session.evaluation.name))
    assert started == ["published"] and session.evaluations == 0 and not gate.waiting


def test_a_session_with_no_evaluation_yet_is_evaluated_once_first(setup):
    gate, session, _corridors, _canal, _messages, started = setup
    session.evaluation = None
    gate.when_checked("PDF report", lambda: started.append(session.evaluation.name))
    assert started == ["evaluated"] and session.evaluations == 1


def test_an_incomplete_evaluation_with_no_check_running_is_completed_first(setup):
    """The corridor worker failed (nothing busy, the published evaluation lacks corridors): the report
    must still carry every finding, so the checks are done before the export starts."""
    gate, session, _corridors, _canal, _messages, started = setup
    session.evaluation = Evaluation("without corridors", complete=False)
    gate.when_checked("PDF report", lambda: started.append(session.evaluation.name))
    assert started == ["evaluated"] and session.evaluations == 1


def test_the_export_waits_for_every_busy_check_then_starts_once(setup, qtbot):
    gate, session, corridors, canal, messages, started = setup
    corridors.busy = canal.busy = True
    gate.when_checked("DICOM export", lambda: started.append("go"))
    assert gate.waiting and started == []
    assert "DICOM export: waiting for the safety checks" in messages[-1]
    corridors.end(then_busy_again=True)  # a needle moved meanwhile: the corridor runner goes again
    qtbot.wait(20)
    assert started == []
    corridors.end()
    qtbot.wait(20)
    assert started == []  # the canal is still being prepared
    canal.end()
    assert started == []  # not inside the runner's own slot (its result is stored after it says idle)
    qtbot.waitUntil(lambda: started == ["go"], timeout=2000)
    canal.busy_changed.emit(False)
    qtbot.wait(20)
    assert started == ["go"] and not gate.waiting and session.evaluations == 0


def test_cancel_while_waiting_starts_nothing_and_says_so(setup, qtbot):
    gate, _session, corridors, _canal, messages, started = setup
    corridors.busy = True
    gate.when_checked("Mesh export", lambda: started.append("go"))
    gate.cancel()
    corridors.end()
    qtbot.wait(20)
    assert started == [] and not gate.waiting
    assert messages[-1] == "Mesh export cancelled; nothing was written (files already there are unchanged)."


def test_a_second_export_asked_for_while_one_waits_replaces_it(setup, qtbot):
    gate, _session, corridors, _canal, _messages, started = setup
    corridors.busy = True
    gate.when_checked("PDF report", lambda: started.append("pdf"))
    gate.when_checked("DICOM export", lambda: started.append("dicom"))
    corridors.end()
    qtbot.waitUntil(lambda: bool(started), timeout=2000)
    qtbot.wait(20)
    assert started == ["dicom"]


def test_the_busy_dialog_has_cancel_and_goes_when_the_export_starts(qtbot):
    corridors, started = Runner(busy=True), []
    gate = ChecksGate(Session(), lambda: [corridors])
    gate.when_checked("PDF report", lambda: started.append("go"))
    assert gate.dialog is not None and gate.dialog.isVisible()
    assert gate.dialog.maximum() == 0 and "waiting for the safety checks" in gate.dialog.labelText()
    button, = gate.dialog.findChildren(QPushButton)
    assert button.text() == "Cancel"
    qtbot.mouseClick(button, Qt.LeftButton)
    assert not gate.waiting and gate.dialog is None
    gate.when_checked("PDF report", lambda: started.append("go"))
    corridors.end()
    qtbot.waitUntil(lambda: started == ["go"], timeout=2000)
    assert gate.dialog is None
    gate.shutdown()
