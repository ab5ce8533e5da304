"""``ExportRunner``: runs an :class:`~planner.headless.export_steps.ExportJob` off the GUI thread with a
progress dialog and a Cancel button (issue 19: exports froze the window for about 24 s).

The steps of a job run in order: consecutive worker steps in one :class:`~planner.ui.load_worker.LoadWorker`
(its QThread), a step marked ``on_gui`` in the GUI thread between two workers. A worker step that
returns an iterator (the 3D key image, rendered tile by tile in its own offscreen EGL window) is
exhausted in the worker, Cancel checked between two pieces; a GUI step that does runs one piece per
event-loop turn (a 5 ms QTimer), so the window repaints and takes clicks (Cancel too) between two
pieces. No export has a GUI step now (issue 19: the 3D key image's tiles held the GUI thread up to 1.2 s
each on the lumbar scan). The job reads a session snapshot taken on
the GUI thread before it starts, so the user may go on working while it runs. Cancel sets the
worker's flag; the job's ``progress`` callback answers False at its next check (a needle's key
images, a PDF page, a DICOM file, a mesh), the staged files are discarded and the target is left as
it was. A step that is one library call (highdicom building a SEG, VTK's marching cubes) cannot be
interrupted: Cancel takes effect when it returns.
"""

from __future__ import annotations

import threading
import time

from collections.abc import Iterator

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog

from planner.core.errors import PlannerError
from planner.core.progress import ExportCancelled
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import OneJobRunner

PROGRESS_STEPS = 1000
_DONE = object()  # a GUI step's pieces are exhausted
#: The pause before a GUI step's next piece: a zero-time timer (a posted event) can run before timers
#: that fell due during the piece, so the window's own timers and repaints would wait for two pieces.
PIECE_PAUSE_MS = 5


def _exhaust(outcome, cancel) -> None:
    """A worker step's pieces (when it returned an iterator), Cancel checked between two; the
    iterator is closed however it ends (a render releases its window)."""
    if not isinstance(outcome, Iterator):
        return
    try:
        for _piece in outcome:
            if cancel():
                raise ExportCancelled()
    finally:
        close = getattr(outcome, "close", None)
        if close is not None:
            close()


class ExportRunner(OneJobRunner, QObject):
    """One export at a time; emits ``done(title, paths)``, ``failed(title, message)`` or ``cancelled(title)``."""

    busy_changed = Signal(bool)
    done = Signal(str, list)
    failed = Signal(str, str)
    cancelled = Signal(str)
    progressed = Signal(float, str)  # fraction, text (for tests and a status bar)

    def __init__(self, parent=None, show_dialog: bool = True):
        super().__init__(parent)
        self.worker: LoadWorker | None = None
        self._again = False  # exports are never re-run by themselves
        self._closed = False
        self._job = None
        self._next = 0
        self._cancel_asked = False
        self._lock = threading.Lock()
        self._latest = (0.0, "")
        self.show_dialog = show_dialog
        self.dialog: QProgressDialog | None = None
        self.gui_step_s: list[float] = []  # how long each GUI-thread piece held the event loop
        self.gui_intervals: list[tuple[float, float]] = []  # (start, end) time.monotonic() of each piece
        self._pieces: Iterator | None = None  # the GUI step under way, when it runs in pieces

    # --- public --------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self._job is not None

    def start(self, job) -> bool:
        """Start ``job``; False (nothing started) while another export runs or after shutdown."""
        if self._closed or self._job is not None:
            return False
        self._job, self._next, self._cancel_asked = job, 0, False
        self.gui_step_s, self.gui_intervals = [], []
        self._latest = (0.0, job.title)
        if self.show_dialog:
            self._open_dialog(job.title)
        self.busy_changed.emit(True)
        self._advance()
        return True

    def cancel(self) -> None:
        """Stop at the job's next check; the target is left as it was."""
        self._cancel_asked = True
        if self.worker is not None:
            self.worker.cancel()

    # --- steps ---------------------------------------------------------------------------------
    def _advance(self) -> None:
        job = self._job
        while self._next < len(job.steps) and job.steps[self._next].on_gui:
            if self._cancel_asked:
                return self._end_cancelled()
            outcome = self._run_gui_step(self._next)
            if outcome is not True:  # False: the job ended; None: the step goes on in pieces
                return
            self._next += 1
        if self._next >= len(job.steps):
            return self._end_done()
        if self._cancel_asked or self._closed:
            return self._end_cancelled()
        first = self._next
        last = first
        while last < len(job.steps) and not job.steps[last].on_gui:
            last += 1
        self._next = last
        worker = LoadWorker(lambda progress, cancel: self._run_batch(job, first, last, progress, cancel), self)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_batch_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        worker.start()

    def _run_batch(self, job, first: int, last: int, emit, cancel) -> None:
        """Runs in the worker thread: steps ``first``..``last - 1``; errors become words."""
        def progress(fraction: float, text: str = "") -> bool:
            with self._lock:
                self._latest = (fraction, text or self._latest[1])
            emit(int(round(fraction * PROGRESS_STEPS)), PROGRESS_STEPS)
            return not cancel()
        try:
            for index in range(first, last):
                if cancel():
                    raise ExportCancelled()
                _exhaust(job.run_step(index, progress), cancel)
        except PlannerError:
            job.staging.discard()
            raise
        except OSError as exc:
            job.staging.discard()
            raise PlannerError(f"{job.title} failed: {exc.strerror or exc}"
                               f"{f' ({exc.filename})' if exc.filename else ''}.") from None
        except Exception as exc:  # noqa: BLE001 - the user gets words, never a traceback
            job.staging.discard()
            raise PlannerError(f"{job.title} failed unexpectedly ({type(exc).__name__}: {exc}).") from None

    def _run_gui_step(self, index: int) -> bool | None:
        """Run GUI step ``index``: True when done, False when the job ended (cancelled or failed),
        None when it returned pieces (they run from the event loop, see :meth:`_next_piece`)."""
        job = self._job
        outcome = self._guarded(lambda: job.run_step(index, self._gui_progress))
        if outcome is False or not isinstance(outcome, Iterator):
            return outcome is not False
        self._pieces = outcome
        QTimer.singleShot(PIECE_PAUSE_MS, self._next_piece)
        return None

    def _next_piece(self) -> None:
        """One piece of the GUI step under way; the next one after the event loop has run."""
        pieces = self._pieces
        if pieces is None or self._job is None:
            return
        if self._cancel_asked or self._closed:
            return self._end_cancelled()
        outcome = self._guarded(lambda: next(pieces, _DONE))
        if outcome is False:
            return
        if outcome is _DONE:
            self._pieces = None
            self._next += 1
            return self._advance()
        QTimer.singleShot(PIECE_PAUSE_MS, self._next_piece)

    def _guarded(self, call):
        """``call()`` timed (one hold of the event loop); a cancel or an error ends the job (False)."""
        job = self._job
        start = time.monotonic()
        try:
            return call()
        except ExportCancelled:
            self._end_cancelled()
            return False
        except Exception as exc:  # noqa: BLE001 - from a timer slot: the user gets words, the job ends
            job.staging.discard()
            self._end_failed(str(exc) if isinstance(exc, PlannerError) else
                             f"{job.title} failed ({type(exc).__name__}: {exc}).")
            return False
        finally:
            end = time.monotonic()
            self.gui_step_s.append(end - start)
            self.gui_intervals.append((start, end))

    def _gui_progress(self, fraction: float, text: str = "") -> bool:
        self._latest = (fraction, text or self._latest[1])
        self._on_progress(int(round(fraction * PROGRESS_STEPS)), PROGRESS_STEPS)
        return not self._cancel_asked

    # --- worker signals (GUI thread) -------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        with self._lock:
            fraction, text = self._latest
        fraction = done / total if total else fraction
        if self.dialog is not None:
            self.dialog.setValue(min(int(round(fraction * PROGRESS_STEPS)), PROGRESS_STEPS - 1))
            if text:
                self.dialog.setLabelText(text)
        self.progressed.emit(fraction, text)

    def _release_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)

    def _on_batch_done(self, _result) -> None:
        self._release_worker()
        if self._job is not None:
            self._advance()

    def _on_failed(self, message: str) -> None:
        self._release_worker()
        self._end_failed(message)

    def _on_cancelled(self) -> None:
        self._release_worker()
        if self._job is not None and self._job.committed:  # Cancel came after the files were in place
            self._advance()
        else:
            self._end_cancelled()

    # --- endings -------------------------------------------------------------------------------
    def _end(self):
        job, self._job = self._job, None
        pieces, self._pieces = self._pieces, None
        if pieces is not None and hasattr(pieces, "close"):
            pieces.close()  # a GUI step stopped between two pieces releases what it holds
        if job is not None:
            job.staging.discard()
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self.busy_changed.emit(False)
        return job

    def _end_done(self) -> None:
        self.progressed.emit(1.0, "done")
        job = self._end()
        self.done.emit(job.title, list(job.written))

    def _end_failed(self, message: str) -> None:
        job = self._end()
        if job is not None:
            self.failed.emit(job.title, message)

    def _end_cancelled(self) -> None:
        job = self._end()
        if job is not None:
            self.cancelled.emit(job.title)

    def _open_dialog(self, title: str) -> None:
        parent = self.parent() if hasattr(self.parent(), "windowTitle") else None
        dialog = QProgressDialog(f"{title}…", "Cancel", 0, PROGRESS_STEPS, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.NonModal)  # the window stays usable: the export works on a snapshot
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        dialog.show()
        self.dialog = dialog

    def shutdown(self) -> None:
        """The window is closing: cancel and wait for the worker (never a running QThread left behind)."""
        self._cancel_asked = True
        super().shutdown()
        self._release_worker()
        if self._job is not None:
            self._end_cancelled()
