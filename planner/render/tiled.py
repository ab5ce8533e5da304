"""An offscreen render taken tile by tile, so the thread doing it gets its event loop (the GUI thread) or
its Cancel check (the export's worker, which renders the 3D key image now) back between tiles (issue
19: the 3D key image held the window for 10-20 s on the shared lumbar scan in one ``Render()``).

The idea of ``vtkRenderLargeImage``: the camera keeps its position, focal point and clipping range;
for each tile its view angle is narrowed to the tile's share of the image and the projection window
is shifted onto the tile (``vtkCamera.SetWindowCenter``, an off-axis projection), so every tile is
exactly that part of the one big picture. Unlike ``vtkRenderLargeImage`` the tiles are rendered one
per call of :meth:`TiledCapture.steps` (a generator), each with a margin that is cut off again so
screen-space passes that read neighbouring pixels (FXAA) see the same neighbours as in the whole
image. A vertical gradient background is interpolated per tile. Depth peeling is per pixel, so
translucent surfaces blend as in one render.

The camera's vertical view angle ``a`` spans the image height ``H``: a pixel is ``2 tan(a/2) / H``
at unit distance. A tile ``h`` pixels high therefore gets the view angle ``2 atan(tan(a/2) h / H)``,
and a tile centred ``(dx, dy)`` pixels right of and above the image centre the window centre
``(2 dx / w, 2 dy / h)`` (in units of half the tile's size; see vtkCamera::SetWindowCenter).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from planner.render.readback import frame_rgb_bottom_up

DEFAULT_TILE_PX = 120  # 48 tiles for 960 x 720: depth peeling costs per pixel (8 s -> 0.9 s without it, sample scene)
DEFAULT_MARGIN_PX = 8


def tile_layout(width: int, height: int, tile_px: int = DEFAULT_TILE_PX) -> list[tuple[int, int, int, int]]:
    """The tiles (x0, y0, w, h) covering a ``width`` x ``height`` image, in pixels from the bottom-left
    corner (VTK's image origin), row by row from the bottom; tiles are at most ``tile_px`` a side."""
    if width < 1 or height < 1 or tile_px < 1:
        raise ValueError(f"a tiled render needs a positive size and tile (got {width} x {height}, tile {tile_px})")
    nx, ny = math.ceil(width / tile_px), math.ceil(height / tile_px)
    xs = np.linspace(0, width, nx + 1).round().astype(int)
    ys = np.linspace(0, height, ny + 1).round().astype(int)
    return [(int(xs[i]), int(ys[j]), int(xs[i + 1] - xs[i]), int(ys[j + 1] - ys[j]))
            for j in range(ny) for i in range(nx)]


class TiledCapture:
    """Renders ``renderer`` (its only window being ``window``, an offscreen one this object resizes)
    as a ``width`` x ``height`` image, one tile per step; :attr:`image` is the (h, w, 3) uint8 result,
    top row first (as :func:`planner.render.scene3d.capture_array`)."""

    def __init__(self, window, renderer, width: int, height: int, tile_px: int = DEFAULT_TILE_PX,
                 margin_px: int = DEFAULT_MARGIN_PX):
        self.window = window
        self.renderer = renderer
        self.width, self.height = int(width), int(height)
        self.margin = int(margin_px)
        self.tiles = tile_layout(self.width, self.height, tile_px)
        self.image: np.ndarray | None = None

    def steps(self) -> Iterator[float]:
        """Render the tiles one by one, yielding the fraction done after each; the camera and the
        background are restored at the end (also when the caller stops early)."""
        cam = self.renderer.GetActiveCamera()
        if cam.GetParallelProjection():
            raise ValueError("a tiled render needs a perspective camera")
        self.renderer.ResetCameraClippingRange()
        angle, centre = cam.GetViewAngle(), cam.GetWindowCenter()
        clipping = cam.GetClippingRange()
        bottom, top = np.array(self.renderer.GetBackground()), np.array(self.renderer.GetBackground2())
        gradient = bool(self.renderer.GetGradientBackground())
        half_tan = math.tan(math.radians(angle) / 2)
        out = np.zeros((self.height, self.width, 3), dtype=np.uint8)  # bottom row first while filling
        m = self.margin
        try:
            for number, (x0, y0, w, h) in enumerate(self.tiles):
                tw, th = w + 2 * m, h + 2 * m
                self.window.SetSize(tw, th)
                cam.SetViewAngle(math.degrees(2 * math.atan(half_tan * th / self.height)))
                dx = x0 + w / 2 - self.width / 2
                dy = y0 + h / 2 - self.height / 2
                cam.SetWindowCenter(2 * dx / tw, 2 * dy / th)
                cam.SetClippingRange(*clipping)
                if gradient:  # the gradient runs bottom (Background) to top (Background2) of the image
                    lo, hi = (y0 - m) / self.height, (y0 + h + m) / self.height
                    self.renderer.SetBackground(*(bottom + (top - bottom) * lo))
                    self.renderer.SetBackground2(*(bottom + (top - bottom) * hi))
                tile = frame_rgb_bottom_up(self.window)
                out[y0:y0 + h, x0:x0 + w] = tile[m:m + h, m:m + w]
                yield (number + 1) / len(self.tiles)
        finally:
            cam.SetViewAngle(angle)
            cam.SetWindowCenter(*centre)
            cam.SetClippingRange(*clipping)
            self.renderer.SetBackground(*bottom)
            self.renderer.SetBackground2(*top)
        self.image = out[::-1].copy()

    def run(self) -> np.ndarray:
        """All tiles at once (headless use); the image."""
        for _ in self.steps():
            pass
        return self.image
