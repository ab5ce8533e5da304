"""``CanalPrepRunner``: prepares the spinal canal after an edit (a brush stroke, its undo or redo, an
imported segment) in a worker, so the window does not freeze for the 0.5-2 s that
:meth:`PreparedCanal.build` takes on a real scan (issue 19). The session hands it the new mask
(:attr:`PlanningSession.canal_preparer`, see :mod:`planner.session.canal_prep`) and waits; the result
goes back through :meth:`PlanningSession.adopt_prepared_canal`, which drops it when the canal changed
again meanwhile. One build at a time: a request arriving during a build is kept (the latest only) and
started when the build ends. While busy, the findings panel greys the findings and says "Rechecking…"
(:meth:`planner.ui.findings_panel.FindingsPanel.watch`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from planner.analysis.overlap import PreparedCanal
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import OneJobRunner


class CanalPrepRunner(OneJobRunner, QObject):
    """``prepare(volume, grid, mask, version)`` is the session's ``canal_preparer``."""

    busy_changed = Signal(bool)
    prepared = Signal(int)  # the canal version whose prepared form the session took

    def __init__(self, session, parent=None, status=None):
        super().__init__(parent)
        self.session = session
        self.status = status  # callable(text) for the status bar, or None
        self.worker: LoadWorker | None = None
        self._again = False
        self._closed = False
        self._request = None  # the latest (volume, grid, mask, version) asked for

    def is_busy(self) -> bool:
        return self.worker is not None or self._request is not None

    def prepare(self, volume, grid, mask, version: int) -> None:
        if self._closed:
            return
        self._request = (volume, grid, mask, version)
        if self.worker is not None:  # the build under way is for an older mask: its result is dropped
            self._again = True
            return
        self._rerun()

    def _rerun(self) -> None:
        request, self._request = self._request, None
        if request is None or self._closed:
            return
        volume, grid, mask, version = request
        worker = LoadWorker(lambda progress, cancel: PreparedCanal.build(grid, mask, volume.hu), self)
        worker.finished.connect(lambda prepared, v=version: self._on_done(prepared, v))
        worker.failed.connect(lambda message, r=request: self._on_failed(r, message))
        worker.cancelled.connect(self._finish)
        self.worker = worker
        if self.status is not None:
            self.status("Rechecking the plan against the edited spinal canal…")
        self.busy_changed.emit(True)
        worker.start()

    def _on_done(self, prepared, version: int) -> None:
        self._hand_over(lambda: self.session.adopt_prepared_canal(prepared, version), version)

    def _on_failed(self, request, message: str) -> None:
        """Should the build fail in the worker, the next evaluation prepares the canal itself (and says
        why in words when that fails too): the findings are never left from a stale canal."""
        if self.status is not None:
            self.status(f"Preparing the edited canal in the background failed ({message}); preparing it now.")
        self._hand_over(lambda: self._prepare_here(request[3]), request[3])

    def _prepare_here(self, version: int) -> bool:
        session = self.session
        if session.volume is None or not session.canal_stale or session.canal.version != version:
            return False
        try:
            session.evaluate(corridors=True)  # prepares the stale canal on this thread first
        except Exception as exc:  # noqa: BLE001 - words in the status bar, never a traceback
            if self.status is not None:
                self.status(f"The edited canal could not be prepared: {exc}")
            return False
        return True

    def _hand_over(self, adopt, version: int) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)
        if self._again:  # a newer mask is waiting: this result is stale, build the newer one
            self._again = False
            self._rerun()
            return
        took = adopt()  # evaluates (the findings panel refreshes when busy goes false)
        self.busy_changed.emit(False)
        if took:
            self.prepared.emit(version)

    def shutdown(self) -> None:
        self._request = None
        super().shutdown()
