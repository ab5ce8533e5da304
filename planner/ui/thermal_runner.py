"""Runs the bioheat model (planner.thermal) off the GUI thread after a needle is released.

``request()`` snapshots the plan (items are immutable) and starts a worker; a request made while one
runs cancels it and starts again when it has stopped. A result is published (``result_ready``) only
when the plan still has the key it was computed for, so a plan changed meanwhile drops it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from planner.thermal.findings import thermal_findings
from planner.thermal.report import thermal_report
from planner.thermal.simulate import simulate_plan
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import OneJobRunner


class _PlanSnapshot:
    """What the model reads of a plan, frozen at request time."""

    def __init__(self, plan):
        self.antennas = tuple(plan.antennas)
        self.thermocouples = tuple(plan.thermocouples)
        self._items = {x.id: x for x in (*plan.needles, *self.antennas, *self.thermocouples)}

    def get(self, item_id):
        return self._items[item_id]


def plan_key(plan) -> tuple:
    return tuple(plan.needles) + tuple(plan.antennas) + tuple(plan.thermocouples)


def session_key(session) -> tuple:
    """The inputs a result is valid for: the session's own key (plan, canal, lesion) when it has one."""
    key = getattr(session, "thermal_key", None)
    return key() if callable(key) else plan_key(session.plan)


class ThermalRunner(OneJobRunner, QObject):
    busy_changed = Signal(bool)
    progress = Signal(int, int)
    result_ready = Signal(object)  # (report dict, findings list, ThermalResult, key)
    failed = Signal(str)

    def __init__(self, session, parent=None, structures=()):
        super().__init__(parent)
        self.session = session
        self.structures = tuple(structures)  # StructureMask (foramina) the lead wires in
        self.worker: LoadWorker | None = None
        self._again = False
        self._closed = False  # after shutdown nothing new starts (a QThread outliving the window aborts)

    def is_busy(self) -> bool:
        return self.worker is not None

    def request(self) -> None:
        s = self.session
        if self._closed or s.volume is None or not s.plan.antennas:
            return
        if self.worker is not None:
            self._again = True
            self.worker.cancel()
            return
        snapshot, key = _PlanSnapshot(s.plan), session_key(s)
        volume, devices, canal, lesion, structures = s.volume, s.devices, s.canal_mask, s.lesion_mask(), self.structures
        thresholds = s.thresholds

        def job(progress, cancel):
            res = simulate_plan(volume, snapshot, devices, canal, lesion, structures,
                                progress=lambda f: progress(int(1000 * f), 1000), cancelled=cancel)
            report = thermal_report(res, snapshot, thresholds)
            return key, report, thermal_findings(report, thresholds), res

        worker = LoadWorker(job, self)
        worker.progress.connect(self.progress)
        worker.finished.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        self.busy_changed.emit(True)
        worker.start()

    def cancel(self) -> None:
        self._again = False
        if self.worker is not None:
            self.worker.cancel()

    def _on_done(self, out) -> None:
        key, report, findings, res = out
        self._finish()
        if key == session_key(self.session):
            self.result_ready.emit((report, findings, res, key))

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._finish()

    def _rerun(self) -> None:
        self.request()
