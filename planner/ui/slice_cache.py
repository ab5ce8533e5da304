"""Rasters a 2D view keeps between repaints, so a drag redraws only what moved (issue 15).

During a needle drag the CT slice of a standard view does not change, nor does the canal mask; only
the plan's vector overlays and the zone ∩ canal fill do. Three caches make a repaint cheap without
changing a single drawn pixel:

- :class:`CtRaster` (one per view): the windowed grey image of the view's current slice and its copy
  scaled to the screen, kept while the slice object, the window/level and the on-screen size stay
  the same. It holds the slice itself (not its ``id``), so a new slice (new plane, slab or volume)
  can never be mistaken for the old one. The scaled copy is stored in the screen's pixel format
  (``Format_RGB32``: the grey ``g`` becomes ``(g, g, g)``, exactly what Qt does while drawing a
  ``Grayscale8`` image), so a repaint is a plain copy.
- :class:`SliceRasters` (one per overlay, shared by every view): a small least-recently-used table
  keyed by the slice's geometry and the mask's identity and version; one mask overlay draws in six
  views, so a one-entry cache missed on every view of every frame.
- :func:`overlay_image`: an RGBA overlay as a ``QImage`` made once per entry, not at every repaint.
  It stays straight-alpha ``RGBA8888``: converted to premultiplied ARGB32, Qt's scaled drawing takes
  another path that samples a few edge pixels differently (seen on the lumbar scan), so the image
  would not be the same as before.

Setting ``ENABLED = False`` turns every cache and format conversion off (each repaint builds and
draws everything as before issue 15); tests/ui/test_drag_render.py compares the pixels drawn both
ways.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from planner.geometry.mpr import SliceImage
from planner.render.windowing import apply_window

ENABLED = True
MAX_CACHED_PIXELS = 4_000_000  # above this (deep zoom) the image is scaled while drawing instead
DEFAULT_CAPACITY = 8  # six 2D views (three standard, three needle-aligned) and a margin


def slice_geometry_key(sl: SliceImage) -> tuple:
    """Everything that places a slice's pixels: plane, height above it, sampling and size."""
    p = sl.plane
    geometry = tuple(np.round(np.concatenate([p.origin_lps, p.u_lps, p.v_lps]), 6).tolist())
    return (geometry, round(float(sl.h_mm), 6), float(sl.a0_mm), float(sl.b0_mm), float(sl.da_mm),
            float(sl.db_mm), sl.pixels.shape)


def overlay_image(rgba: np.ndarray) -> QImage:
    """A (h, w, 4) uint8 straight-alpha RGBA array as an ``RGBA8888`` image that owns its pixels."""
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    return QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


class SliceRasters:
    """A small LRU table: ``get(key, build)`` returns the cached value or builds and keeps it.

    Keys must hold everything the value depends on (geometry, mask identity and version); an entry
    may also pin objects (``anchor``) whose identity is part of the key, so an ``id`` is never
    reused by a new object while its entry lives."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = int(capacity)
        self._entries: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key, build: Callable[[], object], anchor=None):
        if not ENABLED:
            return build()
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]
        self.misses += 1
        value = build()
        self._entries[key] = (anchor, value)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class CtRaster:
    """The grey CT image of one view, windowed and scaled to the screen, kept between repaints."""

    def __init__(self):
        self._slice: SliceImage | None = None
        self._window = None
        self._image: QImage | None = None
        self._scaled: tuple | None = None  # ((tw, th), QImage)
        self.builds = 0  # how many times the windowed image was made (tests)

    def clear(self) -> None:
        self._slice = self._image = self._scaled = None

    def _grey(self, sl: SliceImage, centre: float, width: float) -> QImage:
        window = (float(centre), float(width))
        if not ENABLED or sl is not self._slice or window != self._window or self._image is None:
            grey = np.ascontiguousarray(apply_window(sl.pixels, centre, width))
            h, w = grey.shape
            self._image = QImage(grey.data, w, h, w, QImage.Format_Grayscale8).copy()
            self._slice, self._window, self._scaled = sl, window, None
            self.builds += 1
        return self._image

    def draw(self, painter: QPainter, viewport, sl: SliceImage, centre: float, width: float,
             smooth: bool = True) -> None:
        """Draw the slice windowed and scaled to the screen; ``smooth=False`` (a drag's draft slice,
        replaced by the exact one on release) scales by nearest neighbour, several times cheaper."""
        image = self._grey(sl, centre, width)
        a0, a1, b0, b1 = sl.extent_mm
        x0, y0 = viewport.plane_to_screen(a0, b0)
        x1, y1 = viewport.plane_to_screen(a1, b1)
        tw, th = int(round(x1 - x0)), int(round(y1 - y0))
        if 0 < tw * th <= MAX_CACHED_PIXELS:
            # Scale once per slice, zoom and window; repaints (crosshair, overlays) only copy.
            if not ENABLED or self._scaled is None or self._scaled[0] != (tw, th, smooth):
                mode = Qt.SmoothTransformation if smooth else Qt.FastTransformation
                scaled = image.scaled(tw, th, Qt.IgnoreAspectRatio, mode)
                self._scaled = ((tw, th, smooth), scaled.convertToFormat(QImage.Format_RGB32) if ENABLED else scaled)
            painter.drawImage(QPointF(round(x0), round(y0)), self._scaled[1])
            return
        painter.setRenderHint(QPainter.SmoothPixmapTransform, smooth)
        painter.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), image)
