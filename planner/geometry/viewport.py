"""Mapping between a slice plane's coordinates (a, b in mm) and a 2D view's pixels, with zoom and pan.

Plain logic with no toolkit: the Qt widget feeds it sizes and mouse positions (ARCHITECTURE.md
habit 8). Screen x grows to the right along the plane's u axis, screen y grows down along v, and one
millimetre is ``scale_px_per_mm`` pixels in both directions, so anisotropic voxels keep their true
aspect ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_SCALE = 0.05  # px per mm
MAX_SCALE = 80.0


@dataclass
class Viewport:
    """The view's window onto its plane: ``center_a_mm, center_b_mm`` sit at the widget's centre."""

    width_px: int = 1
    height_px: int = 1
    center_a_mm: float = 0.0
    center_b_mm: float = 0.0
    scale_px_per_mm: float = 1.0

    def resize(self, width_px: int, height_px: int) -> None:
        self.width_px, self.height_px = max(1, int(width_px)), max(1, int(height_px))

    def plane_to_screen(self, a_mm: float, b_mm: float) -> tuple[float, float]:
        x = self.width_px / 2 + (a_mm - self.center_a_mm) * self.scale_px_per_mm
        y = self.height_px / 2 + (b_mm - self.center_b_mm) * self.scale_px_per_mm
        return x, y

    def screen_to_plane(self, x_px: float, y_px: float) -> tuple[float, float]:
        a = self.center_a_mm + (x_px - self.width_px / 2) / self.scale_px_per_mm
        b = self.center_b_mm + (y_px - self.height_px / 2) / self.scale_px_per_mm
        return a, b

    def fit(self, a_min: float, a_max: float, b_min: float, b_max: float, margin: float = 0.04) -> None:
        """Show the whole box [a_min, a_max] x [b_min, b_max] mm, centred, with a small margin."""
        self.center_a_mm = (a_min + a_max) / 2
        self.center_b_mm = (b_min + b_max) / 2
        span_a = max(a_max - a_min, 1e-6)
        span_b = max(b_max - b_min, 1e-6)
        scale = min(self.width_px / span_a, self.height_px / span_b) * (1 - 2 * margin)
        self.scale_px_per_mm = min(max(scale, MIN_SCALE), MAX_SCALE)

    def zoom_about(self, x_px: float, y_px: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the point under (x_px, y_px) fixed on screen."""
        a, b = self.screen_to_plane(x_px, y_px)
        new_scale = min(max(self.scale_px_per_mm * factor, MIN_SCALE), MAX_SCALE)
        self.scale_px_per_mm = new_scale
        self.center_a_mm = a - (x_px - self.width_px / 2) / new_scale
        self.center_b_mm = b - (y_px - self.height_px / 2) / new_scale

    def pan_px(self, dx_px: float, dy_px: float) -> None:
        """Move the image with the mouse by (dx, dy) pixels."""
        self.center_a_mm -= dx_px / self.scale_px_per_mm
        self.center_b_mm -= dy_px / self.scale_px_per_mm
