"""A V-click's level detection in a worker (issue 19): the window stays usable while the body is measured.

:func:`planner.anatomy.levels.detect_level` and the neighbour proposals take 2-7 s on a loaded 2-core
machine; they ran on the GUI thread. Here they run in a :class:`~planner.ui.load_worker.LoadWorker`
thread behind a status-bar progress bar ("Level L2: measuring the body…") with a Cancel button, the
pattern of the automatic anatomy (:mod:`planner.ui.anatomy_job`); the search itself is Qt-free
(:func:`planner.session.level_search.find_level`):

- the result comes back as one :class:`LevelOutcome`, which :class:`~planner.ui.level_actions.LevelActions`
  applies on the GUI thread as one undoable step (the level; the neighbours wait in the Plan menu);
- a second V-click while one runs replaces it: the first is cancelled and its result dropped (a request
  id, as every worker of the window does), and a new case cancels it too;
- Cancel stops the job before the neighbour search and between the neighbours
  (:func:`~planner.core.progress.check_cancel`); one body measurement under way runs to its end in the
  thread and is dropped;
- where the body cannot be measured between its endplates, the level from the bone around the point
  (:func:`planner.session.level_fallback.level_from_bone`) is found in the same worker.

:meth:`LevelJob.shutdown` (the window closes) cancels and waits for every thread (a ``QThread``
destroyed while it runs aborts the app).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar, QToolButton

from planner.session.level_search import STEPS, LevelOutcome, find_level
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import RetiringWorkers

class LevelJob(RetiringWorkers, QObject):
    """Runs :func:`find_level` for ``host`` (an ActionHost) and hands the outcome to ``apply``."""

    busy_changed = Signal(bool)
    arrived = Signal(object)  # LevelOutcome, current requests only (applied by the owner)

    def __init__(self, host, parent: QObject | None = None):
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self.worker: LoadWorker | None = None
        self._workers: list[LoadWorker] = []  # every thread not yet ended (cancelled ones too)
        self._request_id = 0
        self._volume = None
        self._name = ""
        self._closed = False
        self._build_widgets()

    def _build_widgets(self) -> None:
        parent = self.host.widget()
        self.progress = QProgressBar(parent)
        self.progress.setObjectName("level_progress")
        self.progress.setRange(0, len(STEPS))
        longest = max((f"Level T12: {step}…" for step in STEPS), key=len)
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(longest) + 24)
        self.progress.setToolTip("The clicked vertebral body is being measured (its level is added when done)")
        self.cancel_button = QToolButton(parent)
        self.cancel_button.setObjectName("level_cancel")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop measuring this level (nothing is added)")
        self.cancel_button.clicked.connect(self.cancel)
        bar = getattr(parent, "statusBar", None)
        if callable(bar):
            bar().addPermanentWidget(self.progress)
            bar().addPermanentWidget(self.cancel_button)
        self._show(False)

    def _show(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _on_progress(self, request_id: int, done: int) -> None:
        if request_id == self._request_id and self.worker is not None:
            self.progress.setValue(int(done))
            self.progress.setFormat(f"Level {self._name}: {STEPS[min(max(int(done), 0), len(STEPS) - 1)]}…")

    # --- running -------------------------------------------------------------------------------------
    def is_busy(self) -> bool:
        return self.worker is not None

    def start(self, seed_lps, name: str) -> None:
        """Measure the level ``name`` at ``seed_lps`` on the session's volume; a job under way is cancelled."""
        if self._closed or self.session.volume is None:
            return
        self._drop_current()
        self._request_id += 1
        request_id, volume, session = self._request_id, self.session.volume, self.session
        self._volume, self._name = volume, name

        def run(progress, cancel):
            return find_level(session, volume, seed_lps, name, request_id, cancel=cancel, progress=progress)

        worker = LoadWorker(run, self, min_interval_s=0.0)
        worker.progress.connect(lambda done, _total, r=request_id: self._on_progress(r, done))
        worker.finished.connect(self._on_finished)
        worker.failed.connect(lambda message, r=request_id: self._on_failed(r, message))
        worker.cancelled.connect(lambda r=request_id: self._end(r))
        self.worker = worker
        self._keep_until_done(worker)
        self._show(True)
        self._on_progress(request_id, 0)
        self.busy_changed.emit(True)
        worker.start()

    def cancel(self) -> None:
        """Stop the detection under way; nothing is added."""
        if self.worker is None:
            return
        name = self._name
        self._drop_current()
        self.host.show_status(f"Level {name} cancelled: nothing was added.", 8000)

    def _drop_current(self) -> None:
        worker, self.worker = self.worker, None
        self._request_id += 1  # whatever the old job still sends is stale now
        if worker is not None:
            worker.cancel()
            self._show(False)
            self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """The window closes: cancel, then wait for every thread (see the module docstring)."""
        self._closed = True
        self._drop_current()
        self._wait_for_workers()

    # --- results (GUI thread) ------------------------------------------------------------------------
    def _current(self, request_id: int) -> bool:
        return (request_id == self._request_id and self.worker is not None and not self._closed
                and self._volume is self.session.volume)

    def _on_finished(self, outcome: LevelOutcome) -> None:
        if not self._current(outcome.request_id):
            return
        self._end(outcome.request_id)
        self.arrived.emit(outcome)

    def _on_failed(self, request_id: int, message: str) -> None:
        if not self._current(request_id):
            return
        self._end(request_id)
        self.host.warn("Vertebral level", message)

    def _end(self, request_id: int) -> None:
        if request_id == self._request_id and self.worker is not None:
            self.worker = None
            self._show(False)
            self.busy_changed.emit(False)
