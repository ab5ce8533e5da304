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
