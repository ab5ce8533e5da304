"""Issue 15: the frame coalescer (planner/ui/frame.py) runs a drag's update before the repaint the move
asked for when the last update is a frame old, and never more than once per frame."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from planner.ui.frame import FRAME_MS, FrameCoalescer

pytestmark = pytest.mark.gui


class Order(QObject):
    """Records 'paint' when the watched widget is painted, in one list with the jobs' names."""

    def __init__(self, widget):
        super().__init__()
        self.log: list[str] = []
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Paint:
            self.log.append("paint")
        return False


@pytest.fixture
def widget(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.resize(120, 80)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(20)
    return w


def test_a_first_request_runs_before_the_repaint_already_asked_for(widget, qtbot):
    frame = FrameCoalescer()
    order = Order(widget)
    widget.update()  # what a mouse move's own edits do: Qt posts the window's repaint request
    frame.request(lambda: order.log.append("job"))
    QApplication.processEvents()
    assert order.log == ["job", "paint"]  # one repaint shows the move's edits and the frame's work


def test_requests_within_a_frame_wait_for_its_end_and_run_once(widget, qtbot):
    frame = FrameCoalescer()
    runs = []

    def job():
        runs.append(time.monotonic())

    frame.request(job)
    QApplication.processEvents()
    assert len(runs) == 1
    frame.request(job)  # a frame has not passed yet: these two wait for the frame's timer
    frame.request(job)
    QApplication.processEvents()
    assert len(runs) == 1 and frame.pending()
    qtbot.waitUntil(lambda: len(runs) == 2, timeout=1000)
    assert runs[1] - runs[0] >= (FRAME_MS - 2) / 1000  # (a timer may fire a millisecond early)
    qtbot.wait(3 * FRAME_MS)
    assert len(runs) == 2 and not frame.pending()


def test_flush_runs_what_is_pending_now_and_once(widget):
    frame = FrameCoalescer()
    runs = []
    frame.request(lambda: runs.append(1))
    frame.flush()
    assert runs == [1] and not frame.pending()
    QApplication.processEvents()  # the posted event finds nothing left to run
    assert runs == [1]
