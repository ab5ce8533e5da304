"""Network jobs for the PACS dialogs: a worker on a QThread with progress and a cancel token, and the
small helpers the dialogs share (status label)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QLabel

from planner.core.errors import PlannerError
from planner.pacs import CancelToken, PacsCancelled

log = logging.getLogger(__name__)
JobFn = Callable[[CancelToken, Callable[[int, int, str], None]], object]


class _Worker(QObject):
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str, bool)
    done = Signal()

    def __init__(self, fn: JobFn, token: CancelToken):
        super().__init__()
        self._fn, self._token = fn, token

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._token, lambda done, total, text: self.progress.emit(done, total, text))
        except PlannerError as exc:
            self.failed.emit(str(exc), isinstance(exc, PacsCancelled) or self._token.cancelled)
        except Exception as exc:  # noqa: BLE001 - never let a traceback be the user's message
            log.exception("PACS job failed")
            self.failed.emit(f"Unexpected error during the PACS operation ({type(exc).__name__}: {exc}).", False)
        else:
            self.succeeded.emit(result)
        finally:
            self.done.emit()


class PacsJob(QObject):
    """Runs ``fn(token, report)`` on its own QThread. ``report(done, total, text)`` emits progress."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str, bool)  # message, was cancelled
    finished = Signal()

    def __init__(self, fn: JobFn, parent: QObject | None = None):
        super().__init__(parent)
        self.token = CancelToken()
        self._thread = QThread()
        self._worker = _Worker(fn, self.token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        self._worker.done.connect(self._thread.quit)
        self._thread.finished.connect(self.finished)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 30000) -> bool:
        return self._thread.wait(ms)


class JobHost:
    """Mixin for dialogs: one job at a time, cancelled and joined when the dialog closes."""

    job: PacsJob | None = None

    def run_job(self, fn: JobFn, on_ok: Callable[[object], None], on_progress=None) -> PacsJob:
        self.job = job = PacsJob(fn, self)  # type: ignore[arg-type]
        job.succeeded.connect(on_ok)
        job.failed.connect(self.job_failed)
        if on_progress is not None:
            job.progress.connect(on_progress)
        job.finished.connect(self.job_finished)
        self._job_busy = True
        self.set_busy(True)
        job.start()
        return job

    def job_failed(self, message: str, cancelled: bool) -> None:
        self.show_status("Cancelled." if cancelled else message, error=not cancelled)

    def job_finished(self) -> None:
        self._job_busy = False
        self.set_busy(False)

    def job_idle(self) -> bool:
        """True once the last job has finished AND the dialog has been told (buttons enabled again)."""
        return not getattr(self, "_job_busy", False)

    def stop_job(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.cancel()
            self.job.wait()

    def set_busy(self, busy: bool) -> None:  # overridden
        pass

    def show_status(self, text: str, error: bool = False) -> None:  # overridden
        pass


def status_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    return label


def set_status(label: QLabel, text: str, error: bool) -> None:
    label.setText(text)
    label.setStyleSheet("color: #b00020;" if error else "")


