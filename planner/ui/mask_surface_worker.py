"""Mask surfaces (the spinal canal, the CTV, the bioheat damage region) built off the GUI thread (issue 19).

:func:`planner.render.mask_surfaces.mask_surface_polydata` (flying edges, then a windowed-sinc smoothing)
took 0.2-1 s on the GUI thread for the canal of the shared lumbar scan each time it was set or edited.
:class:`MaskSurfaceBuilds` runs it in a worker per request and hands the surface to its
:class:`~planner.render.mask_surfaces.MaskSurface` on the GUI thread (``set_polydata``: assign and
redraw only). Per surface, the latest request wins: a build answering an older request (the canal edited
again, another case opened, the surface cleared) is dropped, never shown. A mask that may be edited in
place while the build runs (the canal brush) is copied first (one memcpy, milliseconds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from planner.render.mask_surfaces import mask_surface_polydata
from planner.ui.load_worker import LoadWorker
from planner.ui.runner_base import RetiringWorkers


class MaskSurfaceBuilds(RetiringWorkers, QObject):
    """``request(surface, mask, grid)`` shows ``mask``'s surface on ``surface`` once built in a worker."""

    busy_changed = Signal(bool)
    shown = Signal(object)  # the MaskSurface whose new surface was just set

    def __init__(self, parent=None):
        super().__init__(parent)
        self._workers: list = []
        self._latest: dict[int, int] = {}  # id(surface) -> the request id it waits for
        self._pending: dict[int, LoadWorker] = {}  # id(surface) -> the worker of its latest request
        self._next = 0
        self._closed = False
        self.built = 0  # surfaces handed over (tests)

    def is_busy(self, surface=None) -> bool:
        if surface is not None:
            return id(surface) in self._pending
        return bool(self._pending)

    def clear(self, surface) -> None:
        """Show no surface on ``surface`` now; a build under way for it is dropped."""
        self._supersede(surface)
        surface.set_mask(None)

    def request(self, surface, mask: np.ndarray | None, grid, box=None, copy: bool = True,
                then: Callable[[], None] | None = None) -> None:
        """Build ``mask``'s surface (full-size on ``grid``, or local with ``box``) in a worker and show it
        on ``surface``; ``copy`` False when the array is never changed in place (a proposal's CTV, a
        bioheat result's damage). ``then()`` runs on the GUI thread after it is shown. None clears."""
        if mask is None or self._closed:
            self.clear(surface)
            if then is not None and mask is None:
                then()
            return
        request_id = self._supersede(surface)
        data = np.array(mask, dtype=bool, copy=True) if copy else mask
        smooth, band = surface.smooth_iterations, surface.pass_band
        worker = LoadWorker(lambda progress, cancel: mask_surface_polydata(data, grid, box, smooth, band), self)
        worker.finished.connect(lambda poly, s=surface, r=request_id, t=then: self._on_done(s, r, poly, t))
        worker.failed.connect(lambda message, s=surface, r=request_id: self._on_failed(s, r, message))
        worker.cancelled.connect(lambda s=surface, r=request_id: self._done(s, r))
        self._keep_until_done(worker)
        was_busy = self.is_busy()
        self._pending[id(surface)] = worker
        if not was_busy:
            self.busy_changed.emit(True)
        worker.start()

    def _supersede(self, surface) -> int:
        self._next += 1
        self._latest[id(surface)] = self._next
        old = self._pending.pop(id(surface), None)
        if old is not None:
            old.cancel()  # its result is dropped by request id; the thread ends on its own
            if not self._pending:
                self.busy_changed.emit(False)
        return self._next

    def _current(self, surface, request_id: int) -> bool:
        return self._latest.get(id(surface)) == request_id

    def _done(self, surface, request_id: int) -> bool:
        if not self._current(surface, request_id):
            return False
        self._pending.pop(id(surface), None)
        if not self._pending:
            self.busy_changed.emit(False)
        return True

    def _on_done(self, surface, request_id: int, poly, then) -> None:
        if not self._done(surface, request_id):
            return  # an older request: dropped
        surface.set_polydata(poly)
        self.built += 1
        self.shown.emit(surface)
        if then is not None:
            then()

    def _on_failed(self, surface, request_id: int, message: str) -> None:
        if self._done(surface, request_id):
            surface.set_mask(None)  # no surface rather than an old one

    def shutdown(self) -> None:
        """Nothing new starts; every build under way is cancelled and waited for (window closing)."""
        self._closed = True
        self._pending.clear()
        self._wait_for_workers()
