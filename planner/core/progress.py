"""Progress and cancel for exports, without Qt: an exporter calls ``progress(fraction, text)`` between
its steps (per page, per image, per object); a ``False`` answer means the user pressed Cancel, and the
exporter stops there by raising :class:`ExportCancelled` (its staged files are discarded, see
:mod:`planner.export.atomic`). ``progress=None`` means nobody is watching and nothing can cancel.
"""

from __future__ import annotations

from collections.abc import Callable

from planner.core.errors import LoadCancelled

Progress = Callable[[float, str], bool]  # progress(fraction 0..1, text) -> continue?


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
