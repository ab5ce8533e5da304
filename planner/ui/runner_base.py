"""What the window's background runners share (corridor checks, the bioheat model): one job at a time,
one more run when inputs changed meanwhile, and a shutdown that never leaves a QThread running."""

from __future__ import annotations


class OneJobRunner:
    """Mixin for a QObject with ``worker`` (a LoadWorker or None), ``_again``, ``_closed`` and a
    ``busy_changed`` signal; ``_rerun()`` starts the next job when one was asked for meanwhile."""

    def _rerun(self) -> None:  # overridden: the runner's own start method
        return None

    def _finish(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)
        self.busy_changed.emit(False)
        if self._again:
            self._again = False
            self._rerun()

    def shutdown(self) -> None:
        """Stop before the window goes: nothing new starts, the job under way is cancelled and waited
        for (a timed wait could leave a running QThread to be destroyed, which aborts the app)."""
        self._closed = True
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()


class RetiringWorkers:
    """Mixin for a job that may supersede or cancel its worker while it runs (the automatic anatomy, a
    V-click's level): the old thread finishes its step in the background and is kept in ``_workers``
    until its last signal, so that closing the window can wait for every thread (a QThread destroyed
    while running aborts the app). The host keeps ``_workers = []``."""

    def _keep_until_done(self, worker) -> None:
        """Track ``worker`` until it sends its last signal (finished, failed or cancelled)."""
        for signal in (worker.finished, worker.failed, worker.cancelled):
            signal.connect(lambda *_a, wk=worker: self._forget(wk))
        self._workers.append(worker)

    def _forget(self, worker) -> None:
        """A thread sent its last signal: let it return (microseconds) before dropping it."""
        worker.wait(1000)
        if worker in self._workers:
            self._workers.remove(worker)

    def _wait_for_workers(self) -> None:
        """Cancel every thread still running, then wait for each (the window is closing)."""
        for worker in list(self._workers):
            worker.cancel()
            worker.wait(120000)
