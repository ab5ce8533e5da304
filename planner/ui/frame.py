"""One update per frame while dragging: requests made during a frame run once when it ends.

The session hands its drag evaluation to :meth:`FrameCoalescer.request`; mouse moves arriving faster
than the frame interval (16 ms, 60 Hz) cost one evaluation and one repaint per frame, not one per
event. ``flush`` runs what is pending now (tests and the benchmark call it instead of sleeping).

Issue 15, one window redraw per mouse move: a request made when the last flush is at least a frame
old is run from a posted event, not from the frame timer. Qt posts a widget's repaint request
(``QEvent.UpdateRequest``) at ``Qt.LowEventPriority`` (``QWidgetRepaintManager::sendUpdateRequest``),
and a posted event of normal priority is delivered before it, so the move's own edits (the property
boxes, the plan row, the status bar) and the frame's work (views, findings, readouts) are painted by
one and the same backing-store sync. A request within a frame of the last flush waits for the timer,
as before: never more than one flush per frame.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer

FRAME_MS = 16
_FLUSH_EVENT = QEvent.Type(QEvent.registerEventType())


class FrameCoalescer(QObject):
    def __init__(self, parent=None, interval_ms: int = FRAME_MS):
        super().__init__(parent)
        self.interval_ms = int(interval_ms)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.interval_ms)
        self._timer.timeout.connect(self.flush)
        self._jobs: list = []
        self._posted = False  # a flush event is on its way (delivered before the repaint it precedes)
        self._last_flush_s = -1e9  # time.monotonic() of the last flush
        self.flushes = 0  # how many flushes ran jobs (tests, the benchmark)

    def request(self, fn) -> None:
        """Run ``fn`` at the end of this frame (once, however often it is requested): right after the
        current event when the last flush is a frame old or older, else when the frame ends."""
        if fn not in self._jobs:
            self._jobs.append(fn)
        if self._posted or self._timer.isActive():
            return
        since_ms = (time.monotonic() - self._last_flush_s) * 1000.0
        if since_ms >= self.interval_ms:
            self._posted = True
            QCoreApplication.postEvent(self, QEvent(_FLUSH_EVENT), int(Qt.NormalEventPriority.value))
        else:
            self._timer.start(max(1, int(round(self.interval_ms - since_ms))))

    def pending(self) -> bool:
        return bool(self._jobs)

    def event(self, event) -> bool:
        if event.type() == _FLUSH_EVENT:
            self._posted = False
            self.flush()
            return True
        return super().event(event)

    def flush(self) -> None:
        self._timer.stop()
        jobs, self._jobs = self._jobs, []
        if jobs:
            self._last_flush_s = time.monotonic()
            self.flushes += 1
        for fn in jobs:
            fn()
