"""``LoadWorker``: run a series discovery or load off the GUI thread, with progress and cancel.

The worker object lives in the GUI thread; its job runs in a private ``QThread``. Signals emitted
from the job thread reach GUI-thread receivers as queued calls, and ``cancel()`` is a plain slot
setting a thread-safe flag that the imaging code polls, so it takes effect while the job runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from planner.core.errors import LoadCancelled, PlannerError
from planner.imaging import discover, load_path, load_series

Job = Callable[..., object]  # job(progress=..., cancel=...) -> result


class _JobThread(QThread):
    def __init__(self, worker: LoadWorker):
        super().__init__()
        self._worker = worker

    def run(self) -> None:  # runs in the new thread
        self._worker._execute()


class LoadWorker(QObject):
    """Runs ``job(progress=, cancel=)`` in a QThread; emits progress, finished, failed or cancelled."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Job, parent: QObject | None = None, min_interval_s: float = 0.05):
        super().__init__(parent)
        self._job = job
        self._cancel = threading.Event()
        self._thread: _JobThread | None = None
        self._min_interval_s = min_interval_s
        self._last_emit = 0.0

    @classmethod
    def for_discover(cls, path, parent: QObject | None = None) -> LoadWorker:
        """Worker whose result is ``list[SeriesCandidate]`` for ``path``."""
        return cls(lambda progress, cancel: discover(path, progress, cancel), parent)

    @classmethod
    def for_series(cls, candidate, parent: QObject | None = None) -> LoadWorker:
        """Worker whose result is the ``ImageVolume`` of one candidate."""
        return cls(lambda progress, cancel: load_series(candidate, progress, cancel), parent)

    @classmethod
    def for_path(cls, path, parent: QObject | None = None) -> LoadWorker:
        """Worker whose result is the ``ImageVolume`` of a folder or file (see ``load_path``)."""
        return cls(lambda progress, cancel: load_path(path, progress, cancel), parent)

    def start(self) -> None:
        """Start the job in its own thread (once)."""
        if self._thread is not None:
            raise RuntimeError("a LoadWorker runs its job once")
        self._thread = _JobThread(self)
        self._thread.start()

    @Slot()
    def cancel(self) -> None:
        """Ask the job to stop; ``cancelled`` is emitted when it has."""
        self._cancel.set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the job thread ends (for shutdown and tests)."""
        return self._thread.wait(timeout_ms) if self._thread is not None else True

    def _emit_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_emit >= self._min_interval_s:
            self._last_emit = now
            self.progress.emit(int(done), int(total))

    def _execute(self) -> None:
        try:
            self._run_job()
        except RuntimeError:
            # The worker was deleted with its window while the job ran (closing the app): nobody is
            # left to tell, and nothing was changed.
            pass

    def _run_job(self) -> None:
        try:
            result = self._job(progress=self._emit_progress, cancel=self._cancel.is_set)
        except LoadCancelled:
            self.cancelled.emit()
        except PlannerError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit("Not enough memory to load these images.")
        except Exception as exc:  # last resort: never let a traceback be the user's message
            self.failed.emit(f"Loading failed unexpectedly ({type(exc).__name__}: {exc}).")
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
