"""``EvaluationRunner``: the heavy part of the evaluation a worker's result asks for, off the GUI thread
(issue 19: the window held 0.65-3.8 s after each corridor or bioheat result on a loaded machine).

The session calls :meth:`run` (its ``figures_runner``, :mod:`planner.session.evaluate_later`) when a
corridor report, a bioheat result, the foramina, a prepared canal or an imported segment arrives and
some zone's figures are missing. The job (:meth:`PlanningSession.figures_job`) computes them in a
worker; on the GUI thread the session keeps those still wanted (:meth:`adopt_figures`: a plan edited
meanwhile drops them) and is asked again (:meth:`evaluate_soon` with ``analysis_kept``), which merges
them into the evaluation published without them (issue 15: no second full evaluation), or publishes one
from the caches in milliseconds when the plan changed meanwhile, or starts another round for a zone that
moved. One job at a time: a request
during a job is run once it ends. While busy, the findings panel keeps the old findings, greyed and
marked "Rechecking…" (:meth:`planner.ui.findings_panel.FindingsPanel.watch`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import OneJobRunner


class EvaluationRunner(OneJobRunner, QObject):
    busy_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, session, parent=None, status=None):
        super().__init__(parent)
        self.session = session
        self.status = status  # callable(text) for the status bar, or None
        self.worker: LoadWorker | None = None
        self._closed = False
        self.rounds = 0  # jobs run (tests, the benchmark)
        session.figures_runner = self.run

    def is_busy(self) -> bool:
        return self.worker is not None

    def run(self) -> None:
        if self._closed:
            return
        if self.worker is not None:  # the job under way is for older inputs: its end asks again
            return                   # (_on_done's evaluate_soon) for whatever is still missing
        job = self.session.figures_job()
        if job is None:
            self.session.evaluate_soon(analysis_kept=True)  # nothing heavy left: merged, or from the caches
            return
        worker = LoadWorker(lambda progress, cancel: job(cancel), self)
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        self.rounds += 1
        self.busy_changed.emit(True)
        worker.start()

    def _release(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)

    def _on_done(self, figures) -> None:
        self._release()
        self.session.adopt_figures(figures)
        # issue 15: merged into the evaluation published without them (no second full evaluation), or,
        # the plan changed meanwhile, evaluated from the caches, or another round for what is missing
        self.session.evaluate_soon(analysis_kept=True)
        if self.worker is None:
            self.busy_changed.emit(False)

    def _on_failed(self, message: str) -> None:
        """Should the job fail in the worker, the evaluation computes the figures here (and a failure
        there is the evaluation's own, in words): the findings are never left from older inputs."""
        self._release()
        if self.status is not None:
            self.status(f"Rechecking the plan in the background failed ({message}); rechecking it now.")
        self.failed.emit(message)
        session = self.session
        if session.volume is not None and session.auto_evaluate and not session.interactive:
            try:
                session.evaluate(corridors=True)
            except Exception as exc:  # noqa: BLE001 - words in the status bar, never a traceback
                if self.status is not None:
                    self.status(f"The plan could not be rechecked: {exc}")
        self.busy_changed.emit(False)

    def _on_cancelled(self) -> None:
        self._release()
        self.busy_changed.emit(False)
