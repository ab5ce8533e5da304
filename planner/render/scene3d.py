"""The 3D scene of a case: bone surface, orientation marker, camera presets, PNG capture. No Qt.

World coordinates are LPS mm. Camera presets name the side the viewer looks *from*: "A" puts the
camera in front of the patient (at -P), "L" at the patient's left (+L), "S" above the head.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingAnnotation import vtkAnnotatedCubeActor
from vtkmodules.vtkRenderingLOD import vtkLODActor
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkPolyDataMapper,
    vtkRenderer,
)
from vtkmodules.vtkInteractionWidgets import vtkOrientationMarkerWidget

import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (registers the OpenGL back end)
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (text rendering for the marker)

from planner.core import palette
from planner.render.readback import frame_rgb_bottom_up, rendered_frame

BONE_RGB = palette.unit(palette.BONE_3D)

# Camera presets: direction from the focal point to the camera (LPS), and the view-up vector.
CAMERA_PRESETS = {
    "A": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
    "P": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "L": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "R": ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "S": ((0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),
    "I": ((0.0, 0.0, -1.0), (0.0, -1.0, 0.0)),
}


def orientation_cube() -> vtkAnnotatedCubeActor:
    """A cube labelled with patient directions for LPS world axes (+x = L, +y = P, +z = S)."""
    cube = vtkAnnotatedCubeActor()
    cube.SetXPlusFaceText("L")
    cube.SetXMinusFaceText("R")
    cube.SetYPlusFaceText("P")
    cube.SetYMinusFaceText("A")
    cube.SetZPlusFaceText("S")
    cube.SetZMinusFaceText("I")
    cube.SetFaceTextScale(0.65)
    cube.GetCubeProperty().SetColor(0.35, 0.45, 0.6)
    cube.GetTextEdgesProperty().SetColor(0.9, 0.9, 0.9)
    return cube


class Scene3D:
    """Owns a vtkRenderer with the case's actors; a view (Qt or offscreen) supplies the window."""

    def __init__(self):
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0.08, 0.09, 0.12)
        self.renderer.SetBackground2(0.22, 0.25, 0.32)
        self.renderer.GradientBackgroundOn()
        self.bone_actor: vtkActor | None = None
        self.bone_lod_mapper = None
        self._marker: vtkOrientationMarkerWidget | None = None
        self._focus_lps = np.zeros(3)
        self._radius_mm = 100.0
        self.bone_opacity = 1.0  # 0..1; below 1 the canal, zones and needles show through the bone

    # --- content -------------------------------------------------------------------------------
    def set_bone_surface(self, polydata, coarse=None) -> None:
        """Show ``polydata`` (LPS mm) as the bone surface, replacing any previous one. With ``coarse``
        (a lighter surface), that one is drawn while the camera moves (vtkLODActor picks it when the
        window asks for a fast frame) and the full one when it stops."""
        if self.bone_actor is not None:
            self.renderer.RemoveActor(self.bone_actor)
        mapper = vtkPolyDataMapper()
        mapper.SetInputData(polydata)
        mapper.ScalarVisibilityOff()
        self.bone_lod_mapper = None
        if coarse is not None:
            actor = vtkLODActor()
            lod = vtkPolyDataMapper()
            lod.SetInputData(coarse)
            lod.ScalarVisibilityOff()
            actor.AddLODMapper(lod)
            self.bone_lod_mapper = lod
        else:
            actor = vtkActor()
        actor.SetMapper(mapper)
        prop = actor.GetProperty()
        prop.SetColor(*BONE_RGB)
        prop.SetSpecular(0.15)
        prop.SetSpecularPower(20)
        prop.SetOpacity(self.bone_opacity)
        self.bone_actor = actor
        self.renderer.AddActor(actor)

    def set_focus(self, bounds_min_lps, bounds_max_lps) -> None:
        """Centre the camera presets on a box (usually the volume's) in LPS mm."""
        lo = np.asarray(bounds_min_lps, dtype=float)
        hi = np.asarray(bounds_max_lps, dtype=float)
        self._focus_lps = (lo + hi) / 2
        self._radius_mm = max(float(np.linalg.norm(hi - lo)) / 2, 1.0)

    def set_bone_opacity(self, opacity: float) -> None:
        """Opacity of the bone surface (0 = hidden, 1 = opaque); kept for the surfaces built later."""
        self.bone_opacity = min(max(float(opacity), 0.0), 1.0)
        if self.bone_actor is not None:
            self.bone_actor.GetProperty().SetOpacity(self.bone_opacity)
            self.bone_actor.SetVisibility(self.bone_opacity > 0.0)

    def bone_triangle_count(self) -> int:
        if self.bone_actor is None:
            return 0
        return int(self.bone_actor.GetMapper().GetInput().GetNumberOfPolys())

    # --- camera --------------------------------------------------------------------------------
    def camera_preset(self, name: str) -> None:
        """Look at the focus from side ``name`` (A, P, L, R, S, I)."""
        self._aim(name)
        self.renderer.ResetCamera()
        self.renderer.ResetCameraClippingRange()

    def _aim(self, name: str) -> None:
        """Point the camera at the focus from side ``name`` (before the renderer frames the scene)."""
        direction, up = CAMERA_PRESETS[name.upper()]
        cam = self.renderer.GetActiveCamera()
        cam.SetFocalPoint(*self._focus_lps)
        cam.SetPosition(*(self._focus_lps + np.asarray(direction) * self._radius_mm * 4.0))
        cam.SetViewUp(*up)
        cam.SetViewAngle(30.0)

    def frame_box(self, lo_lps, hi_lps, name: str = "P") -> None:
        """Look from side ``name`` at the LPS box [lo, hi], framing it whole (its bounding sphere fills
        the view: vtkRenderer.ResetCamera(bounds)), whatever else the scene holds (the table, ribs)."""
        lo, hi = np.asarray(lo_lps, float), np.asarray(hi_lps, float)
        self.set_focus(lo, hi)
        self._aim(name)
        self.renderer.ResetCamera(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])
        self.renderer.ResetCameraClippingRange()

    def attach_orientation_marker(self, interactor) -> None:
        """An orientation cube in the lower-left corner (needs the window's interactor)."""
        marker = vtkOrientationMarkerWidget()
        marker.SetOrientationMarker(orientation_cube())
        marker.SetInteractor(interactor)
        marker.SetViewport(0.0, 0.0, 0.18, 0.18)
        marker.SetEnabled(1)
        marker.InteractiveOff()
        self._marker = marker


def capture_png(render_window, path: str | Path) -> Path:
    """Write what ``render_window`` shows to a PNG (read back by planner.render.readback; Qt's grab() fails on VTK)."""
    path = Path(path)
    grab = rendered_frame(render_window)  # held until written: the connection does not keep the filter alive
    writer = vtkPNGWriter()
    writer.SetFileName(str(path))
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()
    return path


def capture_array(render_window) -> np.ndarray:
    """The rendered image as an (h, w, 3) uint8 array, top row first."""
    return frame_rgb_bottom_up(render_window)[::-1].copy()
