"""One update per frame while dragging: requests made during a frame run once when it ends.

The session hands its drag evaluation to :meth:`FrameCoalescer.request`; mouse moves arriving faster
than the frame interval (16 ms, 60 Hz) cost one evaluation and one repaint per frame, not one per
event. ``flush`` runs what is pending now (tests and the benchmark call it instead of sleeping).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

FRAME_MS = 16


class FrameCoalescer(QObject):
    def __init__(self, parent=None, interval_ms: int = FRAME_MS):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._jobs: list = []

    def request(self, fn) -> None:
        """Run ``fn`` at the end of this frame (once, however often it is requested)."""
        if fn not in self._jobs:
            self._jobs.append(fn)
        if not self._timer.isActive():
            self._timer.start()

    def pending(self) -> bool:
        return bool(self._jobs)

    def flush(self) -> None:
        self._timer.stop()
        jobs, self._jobs = self._jobs, []
        for fn in jobs:
            fn()
