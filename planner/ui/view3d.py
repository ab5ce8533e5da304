"""The 3D view: the bone surface (built in the background), orientation cube and camera presets.

The camera frames the spine (:meth:`View3D.reset_camera_to_spine`): on every case load (once the
surface is in, and again when the canal is found unless the user has moved the camera) and on starting a
training task; after an export the last fit's view comes back (:meth:`View3D.reset_camera_after_export`:
a camera left there does not move); the fit is redone when the pane changes size or the crosshair first
lands on a vertebra, unless the user has moved the camera since (:meth:`View3D.refit`,
:mod:`planner.ui.view3d_refit`). The bone's opacity is set in the view's corner (the canal, zones and
needles show through).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSize, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera

from planner.core.volume import ImageVolume
from planner.render.scene3d import CAMERA_PRESETS, Scene3D, capture_array, capture_png
from planner.render.surfaces import DEFAULT_BONE_THRESHOLD_HU
from planner.ui.surface_worker import RetiredBuilds, SurfaceWorker
from planner.ui.view3d_camera import CameraMixin
from planner.ui.view3d_refit import RefitOnResize
from planner.ui.vtk_widget import make_vtk_widget


class View3D(CameraMixin, QWidget):
    """3D view with a toolbar: camera presets, bone threshold, screenshot; progress while building."""

    surface_ready = Signal()
    message = Signal(str)
    surface_busy = Signal(bool)  # a bone surface is being built (the status bar shows progress + Cancel)
    surface_progress = Signal(float)  # 0..1 of the build under way

    def __init__(self, parent=None, volume_provider=None):
        super().__init__(parent)
        self.setObjectName("view_3d")
        self.scene = Scene3D()
        self.vtk_widget = make_vtk_widget(self)
        self.render_window = self.vtk_widget.GetRenderWindow()
        self.render_window.AddRenderer(self.scene.renderer)
        interactor = self.render_window.GetInteractor()
        interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        self.scene.attach_orientation_marker(interactor)
        # The session owns the current volume (issue 14): the main window sets ``volume_provider`` and
        # this view asks it; only a View3D used on its own (no provider) keeps the volume it was given.
        self.volume_provider = volume_provider  # () -> ImageVolume | None
        self._own_volume: ImageVolume | None = None
        self._volume_actor = None
        self._render_pending = False
        self._last_frame_s = 0.0  # how long the last frame took to draw (software OpenGL: seconds on a real CT)
        self._last_frame_end = 0.0  # time.monotonic() when it ended
        self._request_id = 0
        self._thread: QThread | None = None
        self._worker: SurfaceWorker | None = None
        self._retired = RetiredBuilds()  # cancelled or superseded builds, still finishing their stage
        self.body_provider = None  # () -> BodyMask | None; set by the main window (issue 13)
        self.frame_box_lps = None  # (lo, hi) LPS box the camera frames: the spine, else the body
        self.focus_provider = None  # () -> LPS point the framing centres on head to feet (the crosshair)
        self._camera_pending = False  # reset the camera when the new case's surface arrives
        self._camera_after_reset = None  # the camera as the last reset left it (to see if the user moved it)
        self._preset = "P"  # the side the last automatic fit or preset looked from
        self._fit_focus_lps = None  # the point whose height the last fit framed (the crosshair then)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._build_ui()
        self.refit_on_resize = RefitOnResize(self)

    def _build_ui(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(2, 2, 2, 2)
        bar.addWidget(QLabel("3D"))
        for name in CAMERA_PRESETS:
            btn = QToolButton(self)
            btn.setText(name)
            btn.setObjectName(f"camera_{name}")
            btn.setToolTip(f"View from the patient's {_SIDE_NAMES[name]}")
            btn.clicked.connect(lambda _=False, n=name: self.camera_preset(n))
            bar.addWidget(btn)
        bar.addStretch(1)
        self.volume_box = QCheckBox("Volume", self)
        self.volume_box.setObjectName("volume_rendering")
        self.volume_box.setToolTip("Direct volume rendering of the CT instead of the bone surface")
        self.volume_box.toggled.connect(self.set_volume_rendering)
        bar.addWidget(self.volume_box)
        self.table_box = QCheckBox("All", self)
        self.table_box.setObjectName("show_table")
        self.table_box.setToolTip("Show everything above the bone threshold: the CT table, leads and "
                                  "enhancing organs (kidneys, heart, aorta) too (off: only the skeleton "
                                  "inside the patient's body)")
        self.table_box.toggled.connect(lambda _on: self.rebuild_surface())
        bar.addWidget(self.table_box)
        bar.addWidget(QLabel("Bone ≥"))
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("bone_threshold")
        self.threshold.setRange(-500, 3000)
        self.threshold.setSingleStep(50)
        self.threshold.setSuffix(" HU")
        self.threshold.setValue(DEFAULT_BONE_THRESHOLD_HU)
        self.threshold.editingFinished.connect(self.rebuild_surface)
        bar.addWidget(self.threshold)
        self.opacity = QSpinBox(self)
        self.opacity.setObjectName("bone_opacity")
        self.opacity.setRange(0, 100)
        self.opacity.setSingleStep(10)
        self.opacity.setValue(100)
        self.opacity.setPrefix("Bone ")
        self.opacity.setSuffix(" %")
        self.opacity.setToolTip("Opacity of the bone surface: lower it to see the canal, zones and needles "
                                "through the vertebrae (0 hides the bone)")
        self.opacity.valueChanged.connect(self.set_bone_opacity)
        bar.addWidget(self.opacity)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(90)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.toolbar_progress = True  # False where a host shows the build's progress (the window's status bar)
        bar.addWidget(self.progress)
        layout = QVBoxLayout(self)
        # The toolbar never widens the 3D pane beyond its share of the four-up grid (it is clipped on
        # the right when the pane is narrow; maximise the view to reach every control).
        layout.setSizeConstraint(QLayout.SetNoConstraint)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.vtk_widget, 1)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - as small as a slice view (SliceView.setMinimumSize)
        return QSize(160, 160)

    # --- content -------------------------------------------------------------------------------
    @property
    def volume(self) -> ImageVolume | None:
        """The current volume: the provider's (the session's) when one is set, else the one last given."""
        if self.volume_provider is not None:
            return self.volume_provider()
        return self._own_volume

    def set_volume(self, volume: ImageVolume | None) -> None:
        """A new case is shown: ``volume`` is the provider's current volume (the session's), or, for a
        view used without a provider, the volume to show."""
        if self.volume_provider is None:
            self._own_volume = volume
        elif volume is not self.volume_provider():
            raise ValueError("View3D.set_volume: the volume differs from the session's current volume")
        if self._volume_actor is not None:
            self.scene.renderer.RemoveVolume(self._volume_actor)
            self._volume_actor = None
        self.volume_box.setChecked(False)
        self.frame_box_lps = None
        if volume is None:
            return
        self.scene.set_focus(*volume.bounds_lps)
        self._camera_pending = True
        self.rebuild_surface()

    def rebuild_surface(self) -> None:
        """Start (or restart) the background bone-surface build for the current threshold; a build
        under way is cancelled without waiting for it (its result is dropped)."""
        if self.volume is None:
            return
        self._retire_worker()
        self._request_id += 1
        provider = None if self.table_box.isChecked() else self.body_provider
        worker = SurfaceWorker(self._request_id, self.volume, self.threshold.value(), provider)
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        self._thread, self._worker = thread, worker
        self.progress.setValue(0)
        self.progress.setVisible(self.toolbar_progress)
        thread.start()
        self.surface_busy.emit(True)

    def is_surface_busy(self) -> bool:
        """True while a bone surface is being built for the current settings."""
        return self._worker is not None

    def cancel_surface(self) -> bool:
        """Cancel the bone surface under way (issue 19): it is never applied, the view keeps what it
        shows and stays usable at once (the worker stops at its next stage, in the background)."""
        if self._worker is None:
            return False
        self._request_id += 1  # whatever the cancelled build still sends is dropped
        self._retire_worker()
        self._camera_pending = False
        self.progress.setVisible(False)
        self.surface_busy.emit(False)
        self.message.emit("Bone surface cancelled; the 3D view keeps what it showed (change the threshold "
                          "or the All box to build it again).")
        return True

    def _retire_worker(self) -> None:
        """Cancel the build under way without blocking; its thread is kept until it has ended."""
        thread, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        self._retired.retire(thread, worker)

    def _stop_worker(self) -> None:
        """Cancel every build and wait for the threads to end (before the widget goes)."""
        self._retire_worker()
        self._retired.wait_all()

    def _on_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self._request_id:
            self.progress.setValue(int(fraction * 100))
            self.surface_progress.emit(float(fraction))

    def _on_finished(self, request_id: int, surfaces) -> None:
        if request_id != self._request_id:
            return  # a stale result from an earlier threshold
        poly, coarse = surfaces
        self._retire_worker()  # done: its thread is kept until it has quit
        self.surface_busy.emit(False)
        self.scene.set_bone_surface(poly, coarse)
        if self._camera_pending:
            self.reset_camera_to_spine()
        self.scene.renderer.ResetCameraClippingRange()
        self.progress.setVisible(False)
        self.render()
        self.surface_ready.emit()

    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id == self._request_id:
            self._retire_worker()
            self.surface_busy.emit(False)
            self.progress.setVisible(False)
            self.message.emit(message)

    def set_volume_rendering(self, on: bool) -> None:
        """Show the CT as a volume rendering (bone preset) in place of the bone surface."""
        if self.volume is None:
            return
        if on and self._volume_actor is None:
            from planner.render.volume_render import bone_volume

            self._volume_actor = bone_volume(self.volume)
            self.scene.renderer.AddVolume(self._volume_actor)
        if self._volume_actor is not None:
            self._volume_actor.SetVisibility(on)
        if self.scene.bone_actor is not None:
            self.scene.bone_actor.SetVisibility(not on and self.scene.bone_opacity > 0)
        self.render()

    # --- output --------------------------------------------------------------------------------
    def set_bone_opacity(self, percent: int) -> None:
        self.scene.set_bone_opacity(percent / 100.0)
        if self.volume_box.isChecked() and self.scene.bone_actor is not None:
            self.scene.bone_actor.SetVisibility(False)  # the volume rendering stands in for the bone
        self.render()

    def render(self) -> None:
        """Ask for a render; several requests in one event-loop turn (a plan change, its evaluation,
        the selection) give one software render, and a hidden view renders when shown again."""
        if self._render_pending:
            return
        self._render_pending = True
        QTimer.singleShot(self.next_frame_delay_ms(), self._render_now)

    def next_frame_delay_ms(self) -> int:
        """0, unless the last frame took longer than ``LONG_FRAME_S``: then the window gets as long
        again, from that frame's end, before the next one (issue 19: on the lumbar scan under load a frame
        took 3-5 s, and an evaluation after each corridor or bioheat result drew them back to back); at
        most ``MAX_FRAME_PAUSE_S``. Requests meanwhile give that one frame."""
        if self._last_frame_s <= LONG_FRAME_S:
            return 0
        wait_s = min(self._last_frame_s, MAX_FRAME_PAUSE_S) - (time.monotonic() - self._last_frame_end)
        return max(0, int(round(wait_s * 1000)))

    def hold(self, on: bool) -> None:
        """Hold (or resume) rendering: held, neither :meth:`render` nor Qt repaints draw a new frame."""
        self.vtk_widget.held = bool(on)

    def _render_now(self) -> None:
        self._render_pending = False
        if self.isVisible() and not self.vtk_widget.held:
            start = time.monotonic()
            self.render_window.Render()
            self._last_frame_end = time.monotonic()
            self._last_frame_s = self._last_frame_end - start

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.render()

    def save_png(self, path: str | Path) -> Path:
        return capture_png(self.render_window, path)

    def image_array(self):
        return capture_array(self.render_window)

    def shutdown(self) -> None:
        """Stop background work and release the render window (call before the widget is deleted)."""
        self._stop_worker()
        self.vtk_widget.Finalize()


#: A frame longer than this is followed by a pause as long (see :meth:`View3D.next_frame_delay_ms`);
#: shorter ones (a small scene, hardware OpenGL) are drawn at once, as before.
LONG_FRAME_S = 0.15
MAX_FRAME_PAUSE_S = 2.0

_SIDE_NAMES = {"A": "front", "P": "back", "L": "left", "R": "right", "S": "head end", "I": "feet end"}
