"""The 3D view's camera: presets, the automatic framing of the spine and its resets (issue 19).

A mixin of :class:`planner.ui.view3d.View3D` (it uses the view's ``scene``, ``vtk_widget``,
``frame_box_lps``, ``focus_provider``, ``volume`` and ``render``), kept apart so each file stays short.
"""

from __future__ import annotations

import numpy as np

from planner.render.camera_fit import framing_pose, spine_window
from planner.render.scene3d import CAMERA_PRESETS


class CameraMixin:
    """Camera presets and resets of the 3D view (see :mod:`planner.ui.view3d`'s docstring)."""

    def camera_preset(self, name: str, focus_lps=None) -> None:
        """Look from side ``name``, framing the spine (or the body) when known: the box's projection
        fills the view (:mod:`planner.render.camera_fit`), at most ``SPINE_FRAME_SPAN_MM`` of it head to
        feet, around ``focus_lps`` (default: the crosshair, ``focus_provider``). A camera already there
        is not drawn again (a software frame of the lumbar bone takes seconds, issue 19)."""
        before = self._camera_state()
        if self.frame_box_lps is not None:
            if focus_lps is None and self.focus_provider is not None:
                focus_lps = self.focus_provider()
            self._fit_focus_lps = None if focus_lps is None else np.array(focus_lps, float)
            self._frame_box(name, self._fit_focus_lps)
        else:
            self.scene.camera_preset(name)
        self._preset = name
        self._camera_after_reset = self._camera_state()
        if not np.allclose(before, self._camera_after_reset, rtol=0.0, atol=1e-9):
            self.render()

    def _frame_box(self, name: str, focus) -> None:
        lo, hi = spine_window(*self.frame_box_lps, focus)
        width, height = self.vtk_widget.width(), self.vtk_widget.height()
        aspect = width / height if width > 10 and height > 10 else 1.0
        toward, up = CAMERA_PRESETS[name.upper()]
        pose = framing_pose(lo, hi, toward, up, aspect)
        self.scene.set_focus(lo, hi)
        cam = self.scene.renderer.GetActiveCamera()
        cam.SetFocalPoint(*pose.focal_lps)
        cam.SetPosition(*pose.position_lps)
        cam.SetViewUp(*pose.view_up)
        cam.SetViewAngle(pose.view_angle_deg)
        self.scene.renderer.ResetCameraClippingRange()

    def set_frame_box(self, lo_lps, hi_lps) -> None:
        """The LPS box the camera frames from now on (the body at load, the spine once the canal is in)."""
        self.frame_box_lps = None if lo_lps is None else (np.asarray(lo_lps, float), np.asarray(hi_lps, float))

    def reset_camera_to_spine(self) -> None:
        """The camera every case starts with: from behind (P), framing the spine (else the body, else
        the scan) around the crosshair. The one method to call after a load or a training task's start."""
        if self.volume is None:
            return
        self._camera_pending = False
        self.camera_preset("P")

    def reset_camera_after_export(self) -> bool:
        """The reset after an export (issue 19), deliberate and without a jump: the view the last
        automatic fit made, from behind (P) around the height that fit framed, not wherever the crosshair
        is now (observed on the lumbar scan: the export's reset re-centred and re-zoomed an untouched
        camera on the crosshair's new level, a jump nobody asked for). An untouched camera therefore
        stays as it is (no frame is drawn); one the user turned or zoomed comes back to that view.
        True if the camera moved."""
        if self.volume is None or self._camera_pending:
            return False
        if self.camera_untouched() and self._preset == "P":
            return False
        before = self._camera_state()
        self.camera_preset("P", focus_lps=self._fit_focus_lps)
        return not np.allclose(before, self._camera_state(), rtol=0.0, atol=1e-9)

    def refit(self) -> bool:
        """Redo the last fit (same side) for the view's size and crosshair now, unless the user has moved
        the camera since it or the case's first fit is still to come; True if the camera was refitted."""
        if self.volume is None or self._camera_pending or not self.camera_untouched():
            return False
        self.camera_preset(self._preset)
        return True

    @property
    def camera_pending(self) -> bool:
        """True from a case load until its first camera reset (when its bone surface arrives)."""
        return self._camera_pending

    def camera_untouched(self) -> bool:
        """True while the camera is where the last reset or preset put it (the user has not moved it)."""
        state = self._camera_state()
        return self._camera_after_reset is not None and np.allclose(state, self._camera_after_reset, atol=1e-6)

    def _camera_state(self) -> np.ndarray:
        cam = self.scene.renderer.GetActiveCamera()
        return np.array(cam.GetPosition() + cam.GetFocalPoint() + cam.GetViewUp() + (cam.GetViewAngle(),))
