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
