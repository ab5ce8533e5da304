"""Opening a DICOM SEG or RT structure set as the lesion, canal or target without holding the window
(issue 19): the file is read and its segments rasterised on the CT grid in a worker
(:func:`planner.export.seg_import.read_segments`: 2-3 s for the lumbar plan's SEG on the loaded 2-core
machine, on the GUI thread before); the choice of segment and role is asked on the GUI thread once it is
read; applying it is quick, and the evaluation it calls for runs its heavy figures in the evaluation
worker (:meth:`PlanningSession.evaluate_soon`), the old findings greyed "Rechecking…" meanwhile. A read
answering an older request (another file opened, another case) is dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from planner.core.errors import PlannerError
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import RetiringWorkers

TITLE = "Open segmentation"


class SegmentImport(RetiringWorkers, QObject):
    """``open(path)``: read in a worker, then ask which segment and role (``prompts``) and apply it."""

    busy_changed = Signal(bool)
    applied = Signal(str, str)  # segment label, role

    def __init__(self, session, prompts, status, parent=None):
        super().__init__(parent)
        self.session = session
        self.prompts = prompts  # callable () -> the prompts object (the exports' own, replaceable in tests)
        self.status = status  # callable(text)
        self._workers: list = []
        self._request = 0
        self._current = None

    def is_busy(self) -> bool:
        return self._current is not None

    def open(self, path: str) -> None:
        from planner.export.seg_import import read_segments

        volume = self.session.volume
        self._request += 1
        request = self._request

        def read(progress, cancel):
            segments = [s for s in read_segments(path, volume) if s.mask_kji.any()]
            if not segments:
                raise PlannerError("The file holds no segment on the loaded CT.")
            return segments
        worker = LoadWorker(read, self)
        worker.finished.connect(lambda segments, r=request: self._on_read(r, volume, segments))
        worker.failed.connect(lambda message, r=request: self._on_failed(r, message))
        worker.cancelled.connect(lambda r=request: self._end(r))
        self._keep_until_done(worker)
        was_busy = self.is_busy()
        self._current = worker
        if not was_busy:
            self.busy_changed.emit(True)
        self.status(f"Reading the segments of {path}…")
        worker.start()

    def _end(self, request: int) -> bool:
        if request != self._request:
            return False  # an older read: dropped
        self._current = None
        self.busy_changed.emit(False)
        return True

    def _on_failed(self, request: int, message: str) -> None:
        if self._end(request):
            self.prompts().warn(TITLE, message)

    def _on_read(self, request: int, volume, segments) -> None:
        if not self._end(request):
            return
        if self.session.volume is not volume:
            self.prompts().warn(TITLE, "Another CT was opened meanwhile: open the segmentation again.")
            return
        from planner.export.seg_import import ROLES, apply_segment

        prompts = self.prompts()
        try:
            labels = [f"{s.label} ({s.type_meaning or 'no code'})" for s in segments]
            chosen = prompts.choose(TITLE, "Segment:", labels)
            if not chosen:
                return
            segment = segments[labels.index(chosen)]
            roles = [segment.suggested_role] + [r for r in ROLES if r != segment.suggested_role]
            role = prompts.choose(TITLE, f"Use {segment.label!r} as:", roles)
            if not role:
                return
            with self.session.held_evaluation():  # one evaluation, after the segment is in place
                apply_segment(self.session, segment, role)
            self.session.evaluate_soon()  # the heavy figures in the evaluation worker
        except PlannerError as exc:
            prompts.warn(TITLE, str(exc))
            return
        self.status(f"{segment.label} is now the {role}.")
        self.applied.emit(segment.label, role)

    def shutdown(self) -> None:
        self._request += 1
        self._wait_for_workers()
