"""2D overlays of the plan and its evaluation: needles, antennas, thermocouples, zones, canal, overlap,
targets. Geometry comes from :mod:`planner.geometry.sections` (exact ellipsoid sections, the part of a
segment inside the slice); numbers shown come from the session's evaluation, never computed here.

Needles are drawn at their true diameter where they cross the displayed slice; the parts off the slice
are thin dashed lines, so a needle never seems to lie on a slice it does not cross. Endpoints are filled
when on the slice, hollow when not.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from planner.core import palette
from planner.core.errors import LoadError
from planner.core.volume import ImageVolume
from planner.geometry.mpr import is_axis_aligned, reslice
from planner.geometry.raster import mask_box
from planner.geometry.sections import ellipsoid_section
from planner.render.reslice import ObliqueReslicer
from planner.ui.overlay_geometry import cached as _cached
from planner.ui.overlay_geometry import (
    ellipsoid_key, endpoint_geometry, screen_outline, screen_polygon, shaft_geometry,
)
from planner.ui.item_labels import item_labels
from planner.ui.overlays import _labels
from planner.ui import slice_cache
from planner.ui.slice_cache import SliceRasters, overlay_image, slice_geometry_key

NEEDLE_RGB = QColor(*palette.NEEDLE)
SELECTED_RGB = QColor(*palette.SELECTED)
ANTENNA_RGB = QColor(*palette.ANTENNA)
TC_RGB = QColor(*palette.THERMOCOUPLE)
ALARM_RGB = QColor(*palette.THERMOCOUPLE_ALARM)
ZONE_RGB = QColor(*palette.ZONE)
CANAL_RGB = QColor(*palette.CANAL)
OVERLAP_RGB = QColor(*palette.CANAL_IN_ZONE)
TARGET_RGB = QColor(*palette.TARGET)
ANTENNA_DIAMETER_MM = 1.6  # only when the device is unknown; Chen AJNR 2022: 1.6 mm x 20 cm antenna


_DASH, _SOLID, _FLAT, _NO_BRUSH = Qt.DashLine, Qt.SolidLine, Qt.FlatCap, Qt.NoBrush  # looked up once


def _pt(view, lps) -> QPointF:
    return QPointF(*view.lps_to_screen(lps))


def paint_shaft(painter: QPainter, geometry, color: QColor) -> None:
    """Draw :func:`planner.ui.overlay_geometry.shaft_geometry`'s lines: dashed thin, solid at width."""
    dashed, solid, width_px = geometry
    if dashed:
        painter.setPen(QPen(color, 1.0, _DASH))
        for a, b in dashed:
            painter.drawLine(a, b)
    if solid is not None:
        painter.setPen(QPen(color, width_px, _SOLID, _FLAT))
        painter.drawLine(*solid)


def paint_endpoint(painter: QPainter, geometry, color: QColor, radius_px: float = 4.5) -> None:
    """An endpoint: filled when on the slice, hollow when not."""
    centre, on_slice = geometry
    painter.setPen(QPen(color, 1.5))
    painter.setBrush(QBrush(color) if on_slice else _NO_BRUSH)
    painter.drawEllipse(centre, radius_px, radius_px)
    painter.setBrush(_NO_BRUSH)


def draw_shaft(painter: QPainter, view, sl, p0, p1, diameter_mm: float, color: QColor) -> None:
    """A cylinder from p0 to p1: solid at true width inside the slice, dashed outside it."""
    paint_shaft(painter, shaft_geometry(view, sl, p0, p1, diameter_mm), color)


def draw_endpoint(painter: QPainter, view, sl, p, color: QColor, radius_px: float = 4.5) -> None:
    paint_endpoint(painter, endpoint_geometry(view, p), color, radius_px)


def paint_polygon(painter, poly: QPolygonF, pen: QPen, brush=Qt.NoBrush) -> None:
    painter.setPen(pen)
    painter.setBrush(brush)
    painter.drawPolygon(poly)
    painter.setBrush(Qt.NoBrush)


def draw_polygon(painter, view, sl, pts_ab, pen: QPen, brush=Qt.NoBrush) -> None:
    paint_polygon(painter, screen_polygon(view, pts_ab), pen, brush)


def section_polygon(view, sl, centre_lps, axes, semi_axes_mm) -> QPolygonF | None:
    """The ellipsoid's section by the displayed slice as a screen polygon (None: it misses), cached
    per view frame and ellipsoid values."""
    outline = section_outline(view, sl, centre_lps, axes, semi_axes_mm)
    return None if outline is None else outline[0]


def section_outline(view, sl, centre_lps, axes, semi_axes_mm):
    """(screen polygon, its bounding box) of the ellipsoid's section by the displayed slice, or None when
    it misses; one cached entry per view frame and ellipsoid values (the zone overlay draws the polygon,
    the level labels keep off the box: issue 15, one cut per zone and frame)."""
    def build():
        pts = ellipsoid_section(centre_lps, axes, semi_axes_mm, sl.plane, sl.h_mm)
        return None if pts is None else screen_outline(view, pts)

    return _cached(view, ("section",) + ellipsoid_key(centre_lps, axes, semi_axes_mm), build)


LEVEL_RGB = QColor(*palette.LEVEL)
LEVEL_NEAR_MM = 14.0  # about half a lumbar body height: the label shows on the body's own slices


def draw_level(painter: QPainter, view, sl, level) -> None:
    """The level's mid-sagittal plane's trace on the slice (dotted), near its body centre."""
    centre = np.asarray(level.body_centre_lps)
    if abs(float(view.height_above_slice_mm(centre))) > LEVEL_NEAR_MM:
        return
    plane = sl.plane
    n = np.asarray(level.plane_normal_lps)
    q = np.asarray(level.plane_point_lps)
    # points (a, b) of the slice with (p(a, b) - q) . n = 0
    un, vn = float(plane.u_lps @ n), float(plane.v_lps @ n)
    rhs = float((q - plane.origin_lps - sl.h_mm * plane.normal_lps) @ n)
    c_ab = plane.to_plane_coords(centre)[:2]
    if max(abs(un), abs(vn)) > 0.2:  # the plane cuts this slice along a line
        direction = np.array([-vn, un]) / np.hypot(un, vn)
        foot = np.array([un, vn]) * rhs / (un * un + vn * vn)
        foot = foot + direction * float((c_ab - foot) @ direction)  # nearest the body centre
        a0, a1 = foot - 30 * direction, foot + 30 * direction
        painter.setPen(QPen(LEVEL_RGB, 1.0, Qt.DotLine))
        painter.drawLine(QPointF(*view.viewport.plane_to_screen(*a0)), QPointF(*view.viewport.plane_to_screen(*a1)))
    # the name is drawn off the anatomy by planner.ui.level_labels (issue 19), not over the body


class PlanOverlay:
    """Needles, antennas, thermocouples and targets of the session's plan."""

    def __init__(self, session, selection, place_tools=()):
        self.session = session
        self.selection = selection
        self.place_tools = place_tools

    def _antenna_diameter_mm(self, antenna) -> float:
        """The antenna's true diameter from the device library."""
        try:
            return float(self.session.devices.get(antenna.device_id).diameter_mm)
        except LoadError:  # an unknown device has its own finding (zone_unavailable)
            return ANTENNA_DIAMETER_MM

    def __call__(self, painter: QPainter, view, sl) -> None:
        plan = self.session.plan
        evaluation = self.session.evaluation
        for level in plan.levels:
            draw_level(painter, view, sl, level)
        for target in plan.targets:
            if target.kind in ("sphere", "ellipsoid"):
                poly = section_polygon(view, sl, target.centre_lps, target.axes, target.semi_axes_mm)
                if poly is not None:
                    paint_polygon(painter, poly, QPen(TARGET_RGB, 1.5, Qt.DashDotLine))
        colours = {}  # each item's colour, for its label (item_labels), drawn last
        for needle in plan.needles:
            selected = needle.id == self.selection.item_id
            color = SELECTED_RGB if selected else NEEDLE_RGB
            antenna = plan.antenna_for(needle.id)
            if antenna is not None:
                diameter = self._antenna_diameter_mm(antenna)
                shaft, tip = _cached(view, ("antenna", id(antenna), id(needle), diameter),
                                     lambda: self._antenna_geometry(view, sl, antenna, needle, diameter),
                                     anchor=(antenna, needle))
                paint_shaft(painter, shaft, ANTENNA_RGB)
                paint_endpoint(painter, tip, ANTENNA_RGB, 3.5)
            shaft, entry, tip = _cached(view, ("needle", id(needle)),
                                        lambda: self._shaft_geometry(view, sl, needle), anchor=needle)
            paint_shaft(painter, shaft, color)
            paint_endpoint(painter, entry, color)
            paint_endpoint(painter, tip, color)
            colours[needle.id] = color
        for tc in plan.thermocouples:
            # the state of this thermocouple's finding (rule table), the same one the 3D view shows
            alarm = evaluation is not None and evaluation.tc_state(tc.id) in ("prealarm", "alarm")
            color = SELECTED_RGB if tc.id == self.selection.item_id else (ALARM_RGB if alarm else TC_RGB)
            shaft, _entry, tip = _cached(view, ("thermocouple", id(tc)),
                                         lambda: self._shaft_geometry(view, sl, tc), anchor=tc)
            paint_shaft(painter, shaft, color)
            paint_endpoint(painter, tip, color, 4.0)
            colours[tc.id] = color
        labels = [(x, y, text, colours[item_id], away)
                  for x, y, text, item_id, away in item_labels(self.session, view, self.selection.item_id)]
        _labels(painter, labels)  # after every shaft, and none over another
        for tool in self.place_tools:
            if getattr(tool, "entry_lps", None) is not None and tool.hover_lps is not None:
                painter.setPen(QPen(SELECTED_RGB, 1.5, Qt.DashLine))
                painter.drawLine(_pt(view, tool.entry_lps), _pt(view, tool.hover_lps))
                draw_endpoint(painter, view, sl, tool.entry_lps, SELECTED_RGB)

    @staticmethod
    def _shaft_geometry(view, sl, item):
        """(shaft, entry, tip) screen geometry of a needle or thermocouple."""
        return (shaft_geometry(view, sl, item.entry_lps, item.tip_lps, item.outer_diameter_mm),
                endpoint_geometry(view, item.entry_lps), endpoint_geometry(view, item.tip_lps))

    @staticmethod
    def _antenna_geometry(view, sl, antenna, needle, diameter_mm: float):
        """(shaft, tip) screen geometry of the antenna beyond the needle's tip."""
        tip = antenna.tip_lps(needle)
        return shaft_geometry(view, sl, needle.tip_lps, tip, diameter_mm), endpoint_geometry(view, tip)


class ZoneOverlay:
    """Exact sections of the predicted zones (and the thermal shell, dashed) from the evaluation."""

    def __init__(self, session, shell_margin_mm: float | None = None):
        self.session = session
        self.shell_margin_mm = shell_margin_mm

    def __call__(self, painter: QPainter, view, sl) -> None:
        evaluation = self.session.evaluation
        if evaluation is None:
            return
        for zr in evaluation.zones:
            if zr.zone is None:
                continue
            e = zr.zone.ellipsoid
            poly = section_polygon(view, sl, e.centre_lps, e.axes, e.semi_axes_mm)
            if poly is not None:
                paint_polygon(painter, poly, QPen(ZONE_RGB, 2.0), QBrush(QColor(*palette.ZONE, 40)))
            if self.shell_margin_mm:
                shell = section_polygon(view, sl, e.centre_lps, e.axes,
                                        np.asarray(e.semi_axes_mm, float) + self.shell_margin_mm)
                if shell is not None:
                    paint_polygon(painter, shell, QPen(QColor(*palette.ZONE_SHELL, 160), 1.0, Qt.DashLine))


class MaskOverlay:
    """A mask on the slice (outline + light fill): the spinal canal by default, with the zone ∩ canal
    overlap filled in a warning colour; or the lesion (``get_mask``, ``rgb``, ``show_overlap=False``).

    Mask slices are taken exactly like the image (same plane, nearest voxel), so the outline sits on
    the voxels the analysis used."""

    def __init__(self, session, get_mask=None, rgb: QColor = CANAL_RGB, show_overlap: bool = True):
        self.session = session
        self.get_mask = get_mask or (lambda: session.canal_mask)
        self.rgb = rgb
        self.show_overlap = show_overlap
        self._mask_volume: ImageVolume | None = None
        self._mask_id = None
        self._reslicer: ObliqueReslicer | None = None
        self._box_memo = None  # (key, mask, its voxel box): see _box
        self._rasters = SliceRasters()  # per slice geometry and mask version (planner.ui.slice_cache)
        self._filled = SliceRasters()  # the same with the evaluation's zone ∩ canal fill

    def _mask_slice(self, view, sl) -> np.ndarray | None:
        mask = self.get_mask()
        volume = self.session.volume
        if mask is None or volume is None:
            return None
        if self._mask_id != id(mask):
            self._mask_volume = ImageVolume(mask.view(np.uint8), volume.spacing_mm, volume.origin_lps,
                                            volume.direction)
            self._reslicer = None
            self._mask_id = id(mask)
        plane = sl.plane.offset(sl.h_mm) if sl.h_mm else sl.plane
        if is_axis_aligned(self._mask_volume, plane):
            return reslice(self._mask_volume, plane).pixels > 0
        if self._reslicer is None:
            self._reslicer = ObliqueReslicer(self._mask_volume, interpolation="nearest")
        box = self._box(mask) if slice_cache.ENABLED else None
        if box is False:  # an empty mask
            return np.zeros(sl.pixels.shape, bool)
        out = self._reslicer.reslice(sl.plane, sl.extent_mm, sl.da_mm, box_ijk=box)
        return out.pixels > 0.5

    def _box(self, mask):
        """The (lo, hi) voxel index box (i, j, k) of the mask's voxels, False when it has none, kept
        per mask identity and versions (like the rasters): an oblique slice is resliced only where it
        may cut the box (issue 15: the canal is a few per cent of a needle view)."""
        key = (id(mask), self.session.canal.version, self.session.lesion.version)
        if self._box_memo is None or self._box_memo[0] != key or self._box_memo[1] is not mask:
            kji = mask_box(mask)  # slices along the mask's axes (k, j, i)
            box = False
            if kji is not None:
                k, j, i = kji
                box = ([i.start, j.start, k.start], [i.stop - 1, j.stop - 1, k.stop - 1])  # inclusive (i, j, k)
            self._box_memo = (key, mask, box)
        return self._box_memo[2]

    def _slice_key(self, sl, mask):
        return slice_geometry_key(sl) + (id(mask), self.session.canal.version, self.session.lesion.version)

    def _build(self, view, sl):
        """(mask slice, straight RGBA outline + fill, its image, the mask's pixels) of
        this slice, or None when the mask misses it."""
        canal = self._mask_slice(view, sl)
        if canal is None or canal.shape != sl.pixels.shape or not canal.any():
            return None
        rgba = np.zeros(canal.shape + (4,), dtype=np.uint8)
        edge = canal & ~(
            np.roll(canal, 1, 0) & np.roll(canal, -1, 0) & np.roll(canal, 1, 1) & np.roll(canal, -1, 1))
        c = self.rgb
        rgba[canal] = (c.red(), c.green(), c.blue(), 45)
        rgba[edge] = (c.red(), c.green(), c.blue(), 230)
        rows, cols = np.nonzero(canal)
        return canal, rgba, overlay_image(rgba), (rows, cols)

    def _image(self, view, sl):
        """The image to draw on this slice, or None. The mask's raster is kept per slice geometry
        and mask version (one overlay draws in every view; a drag repaints often and the mask does
        not change meanwhile); with the zone ∩ canal fill, per evaluated overlap too."""
        mask = self.get_mask()
        if mask is None or self.session.volume is None:
            return None
        key = self._slice_key(sl, mask)
        base = self._rasters.get(key, lambda: self._build(view, sl), anchor=mask)
        if base is None:
            return None
        evaluation = self.session.evaluation
        analysis = evaluation.analysis if evaluation is not None else None
        overlap = None if analysis is None else analysis.canal_overlap
        if not self.show_overlap or overlap is None:
            return base[2]
        return self._filled.get(key + (id(overlap),), lambda: self._fill(sl, base), anchor=(mask, overlap))

    def _fill(self, sl, base):
        canal, rgba, image, pixels = base
        overlap = self._overlap(sl, canal, pixels)
        if overlap is None:
            return image
        rgba = rgba.copy()
        rgba[overlap] = (OVERLAP_RGB.red(), OVERLAP_RGB.green(), OVERLAP_RGB.blue(), 170)
        return overlay_image(rgba)

    def __call__(self, painter: QPainter, view, sl) -> None:
        image = self._image(view, sl)
        if image is None:
            return
        a0, a1, b0, b1 = sl.extent_mm
        x0, y0 = view.viewport.plane_to_screen(a0, b0)
        x1, y1 = view.viewport.plane_to_screen(a1, b1)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), image)

    def _overlap(self, sl, canal: np.ndarray, pixels) -> np.ndarray | None:
        """The evaluation's zone ∩ canal voxels on this slice (computed once, in the analysis)."""
        evaluation = self.session.evaluation
        analysis = evaluation.analysis if evaluation is not None else None
        if analysis is None or analysis.canal_overlap is None:
            return None
        rows, cols = pixels
        inside = analysis.overlap_at(self.session.grid, sl.pixel_to_lps(cols, rows))
        if not inside.any():
            return None
        out = np.zeros_like(canal)
        out[rows[inside], cols[inside]] = True
        return out
