"""The bone surface's background build for :class:`planner.ui.view3d.View3D` (issue 19: long work never
freezes the window): one worker per request, in a ``QThread``; results carry the request id they answer,
so a superseded or cancelled build is dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from planner.core.errors import LoadCancelled
from planner.core.volume import ImageVolume
from planner.render.surfaces import bone_surface, coarse_bone_surface, skeleton_volume


class SurfaceWorker(QObject):
    """Builds the bone surface off the GUI thread; results carry the request id they answer."""

    progress = Signal(int, float)
    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, request_id: int, volume: ImageVolume, threshold_hu: float, body_provider=None):
        super().__init__()
        self.request_id = request_id
        self.volume = volume
        self.threshold_hu = threshold_hu
        # None: everything above the threshold (the table, the kidneys too); else () -> BodyMask | None,
        # and only the skeleton inside the body is drawn (planner.render.surfaces.skeleton_volume, issue 13)
        self.body_provider = body_provider
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @Slot()
    def run(self) -> None:
        try:
            volume = self.volume
            if self.body_provider is not None:
                body = self.body_provider()
                volume = skeleton_volume(volume, self.threshold_hu, body.mask if body is not None else None)
            poly = bone_surface(
                volume, self.threshold_hu,
                progress=lambda f: self.progress.emit(self.request_id, f),
                cancel=lambda: self._cancelled,
            )
            coarse = coarse_bone_surface(volume, self.threshold_hu)
        except LoadCancelled:
            return
        except Exception as exc:  # noqa: BLE001 - a failed surface must not take the app down
            self.failed.emit(self.request_id, f"Could not build the bone surface: {exc}")
            return
        self.finished.emit(self.request_id, (poly, coarse))


class RetiredBuilds:
    """Surface builds cancelled or superseded, kept until their threads have ended (a QThread destroyed
    while running aborts the app); false when none is left. Iterates as ``(thread, worker)`` pairs."""

    def __init__(self):
        self._pairs: list = []

    def __iter__(self):
        return iter(list(self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)

    def retire(self, thread, worker) -> None:
        """Cancel ``worker`` and let ``thread`` end on its own (either may be None); never blocks."""
        if worker is not None:
            worker.cancel()
        if thread is None:
            return
        thread.quit()  # its event loop ends once the worker's run returns
        if thread.isRunning():
            # connected first, then asked again: a thread that ended between the two calls (its
            # ``finished`` already sent) would otherwise stay in the list for good
            self._pairs.append((thread, worker))
            thread.finished.connect(lambda t=thread: self._drop(t))
            if thread.isFinished():
                self._drop(thread)

    def _drop(self, thread) -> None:
        self._pairs = [(t, w) for t, w in self._pairs if t is not thread]

    def wait_all(self) -> None:
        """Wait for every retired thread to end (before the widget goes)."""
        for thread, _worker in self:
            thread.quit()
            thread.wait()
        self._pairs = []
