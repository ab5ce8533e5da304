"""Runs the needle corridor checks (about a second per needle) off the GUI thread.

The session asks for them (``corridors_needed``) after a full evaluation that lacked some; the worker
computes the missing reports from snapshots and hands them back with the key they are valid for, so a
needle moved in the meantime simply gets checked again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import OneJobRunner
from planner.ui.qt_links import connect_while_alive


class CorridorRunner(OneJobRunner, QObject):
    busy_changed = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.worker: LoadWorker | None = None
        self._again = False
        self._closed = False  # after shutdown nothing new starts (a QThread outliving the window aborts)
        session.defer_corridors = True
        connect_while_alive(session.corridors_needed, self, self.run)

    def is_busy(self) -> bool:
        return self.worker is not None

    def run(self) -> None:
        if self._closed:
            return
        if self.worker is not None:
            self._again = True
            return
        jobs = [(n.id, *self.session.corridor_job(n)) for n in self.session.missing_corridors()]
        foramina = getattr(self.session, "foramina_job", lambda: None)()  # issue 13: foramina of a new canal
        if not jobs and foramina is None:
            return

        def work(progress, cancel):
            found = foramina() if foramina is not None and not cancel() else None
            reports = []
            for nid, job, key in jobs:
                if cancel():  # the window is closing: stop between checks (each one cannot be interrupted)
                    break
                reports.append((nid, key, job()))
            return found, reports
        worker = LoadWorker(work, self)
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_failed)
        self.worker = worker
        self.busy_changed.emit(True)
        worker.start()

    def _on_done(self, results) -> None:
        self._finish()
        found, reports = results
        for needle_id, key, report in reports:
            self.session.store_corridor(needle_id, key, report)
        if found is not None and not reports:
            self.session.foramina_found(found)

    def _on_failed(self, *args) -> None:
        self._finish()

    def _rerun(self) -> None:
        self.run()
