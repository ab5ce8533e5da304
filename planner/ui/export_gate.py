"""An export waits for the safety checks under way instead of redoing them on the GUI thread (issue 19).

In the window the needle corridor checks (about a second per needle) and the foramina run in the
corridor worker (``session.defer_corridors``), and a canal edit is prepared in its own worker; until
they end the session's evaluation is not ``complete``. A report must carry every finding, so an export
asked for meanwhile waits for those workers (a busy dialog with Cancel; the window stays usable) and
starts, with the evaluation their results published, once none of them is busy. Before, the export
re-evaluated the plan on the GUI thread whenever the evaluation was not complete: 0.6-1.4 s on the
lumbar scan on the loaded 2-core machine, plus a redraw of every view (the 3D view's frame alone
0.5-2.3 s), and with deferred corridors that evaluation computed no corridor either.

With no worker busy the export starts at once with the current evaluation (it is published after every
change of the plan); only a session that has none yet, or whose checks' worker failed (the evaluation
still not complete), is evaluated first, on the GUI thread as before.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog


class ChecksGate(QObject):
    """Runs an export's start once the session's background checks have ended (module docstring).

    ``runners``: a function giving the window's check runners now (objects with ``is_busy()`` and a
    ``busy_changed(bool)`` Qt signal: the corridor runner, the canal preparation); asked at each
    export, so runners built after the exports are found."""

    def __init__(self, session, runners: Callable[[], list], parent=None, status: Callable[[str], None] | None = None):
        super().__init__(parent)
        self.session = session
        self.runners = runners
        self.status = status or (lambda _text: None)
        self.show_dialog = True
        self.dialog: QProgressDialog | None = None
        self._pending: tuple[str, Callable[[], None]] | None = None
        self._watched: list = []

    def busy(self) -> list:
        """The check runners that are busy now."""
        return [r for r in self.runners() if r is not None and r.is_busy()]

    @property
    def waiting(self) -> bool:
        """True while an export waits for the checks."""
        return self._pending is not None

    def when_checked(self, title: str, start: Callable[[], None]) -> None:
        """Call ``start()`` now when no check runs, else once the last one has ended (a newer export
        asked for while one waits replaces it: the user asked again)."""
        if not self.busy():
            self._drop()
            evaluation = self.session.evaluation
            if evaluation is None or not evaluation.complete:
                # nothing published yet, or a check's worker failed: a report carries every finding, so
                # the checks are done here (the one case left where an export evaluates on the GUI thread)
                self.session.evaluate(corridors=True)
            start()
            return
        self._pending = (title, start)
        for runner in self.busy():
            if runner not in self._watched:
                runner.busy_changed.connect(self._on_busy_changed)
                self._watched.append(runner)
        text = f"{title}: waiting for the safety checks under way (needle corridors, foramina); it starts when they end."
        self.status(text)
        if self.show_dialog and self.dialog is None:
            self._open_dialog(title, text)

    def cancel(self) -> None:
        """Forget the export waiting (nothing was started, nothing is written)."""
        if self._pending is not None:
            title = self._pending[0]
            self._drop()
            self.status(f"{title} cancelled; nothing was written (files already there are unchanged).")

    def _on_busy_changed(self, busy: bool) -> None:
        if not busy and self._pending is not None:
            # after the runner's slot: it stores its result (a new evaluation) after saying it is idle
            QTimer.singleShot(0, self, self._check)

    def _check(self) -> None:
        if self._pending is None or self.busy():
            return
        _title, start = self._pending
        self._drop()
        start()

    def _drop(self) -> None:
        self._pending = None
        for runner in self._watched:
            runner.busy_changed.disconnect(self._on_busy_changed)
        self._watched = []
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.canceled.disconnect(self.cancel)
            dialog.reset()
            dialog.hide()
            dialog.deleteLater()

    def _open_dialog(self, title: str, text: str) -> None:
        parent = self.parent() if hasattr(self.parent(), "windowTitle") else None
        dialog = QProgressDialog(text, "Cancel", 0, 0, parent)  # 0..0: a busy bar (the checks' length is unknown)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.NonModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.dialog = dialog

    def shutdown(self) -> None:
        """The window is closing: the waiting export is dropped."""
        self._drop()
