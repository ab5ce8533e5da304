"""Offscreen scene helpers for the 3D tests: a 300x300 EGL window, projection, pixel probes."""

from __future__ import annotations

import numpy as np

from planner.render.offscreen import offscreen_render_window

BACKGROUND_RGB = (0.0, 0.0, 0.0)


class OffscreenScene:
    """A renderer in a 300x300 offscreen window, a black background and a fixed camera helper."""

    def __init__(self):
        from vtkmodules.vtkRenderingCore import vtkRenderer

        self.renderer = vtkRenderer()
        self.renderer.SetBackground(*BACKGROUND_RGB)
        self.window = offscreen_render_window(300, 300)
        self.window.AddRenderer(self.renderer)

    def look_at(self, focal_lps, from_direction, distance_mm: float, view_up=(0.0, 0.0, 1.0),
                view_angle_deg: float = 30.0) -> None:
        cam = self.renderer.GetActiveCamera()
        focal = np.asarray(focal_lps, dtype=float)
        cam.SetFocalPoint(*focal)
        cam.SetPosition(*(focal + distance_mm * np.asarray(from_direction, dtype=float)))
        cam.SetViewUp(*view_up)
        cam.SetViewAngle(view_angle_deg)
        self.renderer.ResetCameraClippingRange()

    def image(self) -> np.ndarray:
        """(h, w, 3) uint8, top row first."""
        from planner.render.scene3d import capture_array

        self.renderer.ResetCameraClippingRange()
        return capture_array(self.window)

    def project(self, point_lps) -> tuple[int, int]:
        """(row, column) in :meth:`image` of an LPS point (display y grows upward, rows downward)."""
        self.renderer.ResetCameraClippingRange()
        self.window.Render()
        self.renderer.SetWorldPoint(*[float(v) for v in point_lps], 1.0)
        self.renderer.WorldToDisplay()
        x, y, _ = self.renderer.GetDisplayPoint()
        height = self.window.GetSize()[1]
        return int(round(height - 1 - y)), int(round(x))

    def actor_count(self) -> int:
        return self.renderer.GetActors().GetNumberOfItems()

    def close(self) -> None:
        self.window.Finalize()


def patch_at(image: np.ndarray, row: int, col: int, half: int = 1) -> np.ndarray:
    """Mean colour (0..255 floats) of a small square around (row, col)."""
    return image[max(row - half, 0):row + half + 1, max(col - half, 0):col + half + 1].reshape(-1, 3).mean(axis=0)


def is_background(rgb) -> bool:
    return bool(np.all(np.abs(np.asarray(rgb, dtype=float) - 255.0 * np.asarray(BACKGROUND_RGB)) < 3.0))
