"""Screen geometry of the plan's overlays, kept per view between repaints (issue 15).

A drag repaints every 2D view once per frame, but only the dragged item moves: the other needles,
antennas, thermocouples, targets and zones stand still, and so does the view (plane, slice, zoom,
pan). Each overlay therefore asks :class:`FrameGeometry` (one per view) for an item's screen geometry
(the segments of a shaft inside and outside the slice, its endpoints, a section outline as a
``QPolygonF``); an entry is reused while

- the view's *frame* is unchanged: the displayed slice (plane, height, sampling, size), the plane the
  view maps points with, the slice's half thickness and the viewport (size, centre, scale). Any change
  of those drops every entry of the view at once;
- the item is the same object (plan items are immutable: an edit replaces the item with a changed copy,
  so a moved needle is a new object and misses) or, for a zone, has the same ellipsoid values.

Besides geometry, one layout decision is kept here: which needle names are written
(planner.ui.needle_name.written), keyed by the values it reads (labels, body centres, zones, ends, font),
not by item identity. Colours (selection, alarm state) and label texts are chosen at every repaint,
so a cached entry draws exactly the pixels a fresh one would: the values are computed by the same
functions in the same order. Entries not used by a repaint are dropped at its end (the dragged item's
previous position does not pile up). ``slice_cache.ENABLED = False`` turns this cache off too, which is
what tests/ui/test_overlay_geometry_cache.py compares against.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF

from planner.geometry.sections import segment_in_slab
from planner.ui import slice_cache


def plane_key(plane) -> tuple:
    """A plane's exact placement (origin, u, v) as a hashable tuple (no rounding)."""
    return (tuple(plane.origin_lps.tolist()), tuple(plane.u_lps.tolist()), tuple(plane.v_lps.tolist()))


def frame_key(view, sl) -> tuple:
    """Everything that maps LPS points of this paint to screen pixels and decides what lies on the
    slice: the slice's plane and placement, the view's mapping plane, half thickness and viewport."""
    vp = view.viewport
    return (plane_key(sl.plane), float(sl.h_mm), float(sl.a0_mm), float(sl.b0_mm), float(sl.da_mm),
            float(sl.db_mm), sl.pixels.shape, plane_key(view.plane()), float(view.half_thickness_mm()),
            vp.width_px, vp.height_px, float(vp.center_a_mm), float(vp.center_b_mm), float(vp.scale_px_per_mm))


class FrameGeometry:
    """One view's cache of overlay geometry for its current frame (see the module docstring)."""

    def __init__(self):
        self._key = None
        self._entries: dict = {}
        self._used: set = set()
        self._off = False
        self._painting = False
        self.hits = self.misses = 0  # tests and the benchmark read these

    def begin(self, view, sl) -> None:
        """Start a paint: a new frame drops every entry. With caching off the paint builds everything
        and leaves the entries alone (a test's fresh reference must not empty the cache it checks)."""
        self._off = not slice_cache.ENABLED
        if self._off:
            return
        key = frame_key(view, sl)
        if key != self._key:
            self._entries.clear()
            self._key = key
        self._used = set()
        self._painting = True

    def end(self) -> None:
        """End a paint: drop the entries it did not use (items removed or replaced since)."""
        if self._off or not self._painting:
            return
        self._painting = False
        if len(self._used) != len(self._entries):
            self._entries = {k: v for k, v in self._entries.items() if k in self._used}

    def get(self, key, build, anchor=None):
        """The entry for ``key`` (built now if missing). ``anchor``: an object whose ``id`` is part of
        the key (or a tuple of such objects), held by the entry so that id cannot be reused by a new
        object while it lives."""
        if self._off or not self._painting:  # caching off, or used outside a paint
            return build()
        entry = self._entries.get(key)
        if entry is None or not _same(entry[0], anchor):
            self.misses += 1
            entry = (anchor, build())
            self._entries[key] = entry
        else:
            self.hits += 1
        self._used.add(key)
        return entry[1]

    def clear(self) -> None:
        self._entries.clear()
        self._key = None

    def __len__(self) -> int:
        return len(self._entries)


def _same(held, anchor) -> bool:
    """The entry was made for these very objects (a tuple of anchors is compared one by one)."""
    if isinstance(anchor, tuple):
        return isinstance(held, tuple) and len(held) == len(anchor) and all(a is b for a, b in zip(held, anchor))
    return held is anchor


def _pt(view, lps) -> QPointF:
    return QPointF(*view.lps_to_screen(lps))


def shaft_geometry(view, sl, p0, p1, diameter_mm: float):
    """A cylinder from p0 to p1 on screen: (dashed lines off the slice, the solid line inside it or
    None, the solid line's width in px). The rule: solid at true width where the shaft crosses the
    slab of half thickness + radius, thin dashed outside it."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    half = view.half_thickness_mm() + diameter_mm / 2
    interval = segment_in_slab(p0, p1, sl.plane, sl.h_mm, half)
    if interval is None:
        return ((_pt(view, p0), _pt(view, p1)),), None, 0.0
    t0, t1 = interval
    a, b = p0 + t0 * (p1 - p0), p0 + t1 * (p1 - p0)
    dashed = []
    if t0 > 0:
        dashed.append((_pt(view, p0), _pt(view, a)))
    if t1 < 1:
        dashed.append((_pt(view, b), _pt(view, p1)))
    width_px = max(2.0, diameter_mm * view.viewport.scale_px_per_mm)
    return tuple(dashed), (_pt(view, a), _pt(view, b)), width_px


def endpoint_geometry(view, p) -> tuple[QPointF, bool]:
    """(screen centre, lies on the slice within half thickness + 0.5 mm)."""
    on_slice = abs(float(view.height_above_slice_mm(p))) <= view.half_thickness_mm() + 0.5
    return _pt(view, p), on_slice


def screen_polygon(view, pts_ab) -> QPolygonF:
    """Plane points (n x 2, mm) as a screen polygon; the same arithmetic as
    :meth:`planner.geometry.viewport.Viewport.plane_to_screen`, on all points at once."""
    vp = view.viewport
    pts = np.asarray(pts_ab, dtype=float)
    xs = vp.width_px / 2 + (pts[:, 0] - vp.center_a_mm) * vp.scale_px_per_mm
    ys = vp.height_px / 2 + (pts[:, 1] - vp.center_b_mm) * vp.scale_px_per_mm
    return QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())])


def screen_outline(view, pts_ab) -> tuple[QPolygonF, tuple[float, float, float, float]]:
    """:func:`screen_polygon` and its bounding box (x0, y0, x1, y1 px: the extreme vertices), from one
    mapping of the points (the level labels keep off a zone's box, planner.ui.level_labels)."""
    vp = view.viewport
    pts = np.asarray(pts_ab, dtype=float)
    xs = vp.width_px / 2 + (pts[:, 0] - vp.center_a_mm) * vp.scale_px_per_mm
    ys = vp.height_px / 2 + (pts[:, 1] - vp.center_b_mm) * vp.scale_px_per_mm
    box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
    return QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]), box


def ellipsoid_key(centre_lps, axes, semi_axes_mm) -> tuple:
    """An ellipsoid's exact values as a hashable key (zones are rebuilt by every evaluation)."""
    return (tuple(np.asarray(centre_lps, float).ravel().tolist()), tuple(np.asarray(axes, float).ravel().tolist()),
            tuple(np.asarray(semi_axes_mm, float).ravel().tolist()))


def cached(view, key, build, anchor=None):
    """The view's cached entry for ``key`` (its :class:`FrameGeometry`, ``view.overlay_geometry``), or
    ``build()`` for a view without one."""
    cache = getattr(view, "overlay_geometry", None)
    return build() if cache is None else cache.get(key, build, anchor)
