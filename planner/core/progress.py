"""Progress and cancel for long jobs, without Qt.

Exports: an exporter calls ``progress(fraction, text)`` between its steps (per page, per image, per
object); a ``False`` answer means the user pressed Cancel, and the exporter stops there by raising
:class:`ExportCancelled` (its staged files are discarded, see :mod:`planner.export.atomic`).
``progress=None`` means nobody is watching and nothing can cancel.

Computations (the automatic anatomy: body mask, spinal canal, vertebrae, foramina; issue 19): a
function takes ``cancel``, a :data:`Cancel` callable answering True once the user pressed Cancel, and
calls :func:`check_cancel` between its stages (per seed, per vertebra, per pass); a True answer raises
:class:`JobCancelled`, which nothing in between catches as a failure (it is not cached, not turned into
"no body found"), so the worker thread ends at the next stage instead of running the step to its end.
``cancel=None``: nothing can cancel.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.core.errors import LoadCancelled

Progress = Callable[[float, str], bool]  # progress(fraction 0..1, text) -> continue?
Cancel = Callable[[], bool]  # cancel() -> True once the user asked the job to stop


class JobCancelled(LoadCancelled):
    """The user cancelled a computation (``what`` names it); nothing was changed or cached."""

    def __init__(self, what: str = "the computation"):
        super().__init__(f"Cancelled: {what} was stopped; nothing was changed.")
        self.what = what


def check_cancel(cancel: Cancel | None, what: str = "the computation") -> None:
    """Raise :class:`JobCancelled` when ``cancel`` (None: never) answers True."""
    if cancel is not None and cancel():
        raise JobCancelled(what)


class ExportCancelled(LoadCancelled):
    """The user cancelled an export; nothing was written (the files there before are unchanged)."""

    def __init__(self, message: str = "Export cancelled; nothing was written."):
        super().__init__(message)


def report(progress: Progress | None, fraction: float, text: str = "") -> None:
    """Tell ``progress`` how far the export is; raise :class:`ExportCancelled` when it answers False."""
    if progress is not None and progress(min(max(float(fraction), 0.0), 1.0), text) is False:
        raise ExportCancelled()


def scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress callback for one part of a job that covers ``start``..``end`` of the whole."""
    if progress is None:
        return None
    return lambda fraction, text="": progress(start + (end - start) * fraction, text)
