"""A 2D slice view (axial, sagittal or coronal) of the loaded volume, linked through a ViewState.

The widget only translates Qt events and paints: slicing is :mod:`planner.geometry.mpr`, the
screen mapping is :class:`planner.geometry.viewport.Viewport`, grey levels are
:mod:`planner.render.windowing`.

Mouse: left click/drag moves the linked crosshair; wheel (or arrows, PageUp/PageDown) changes slice;
Ctrl+wheel zooms about the cursor; middle drag pans; right drag changes window (horizontal) and level
(vertical). Keys: R resets the view.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from planner.core.frames import orientation_letters
from planner.core.volume import ImageVolume
from planner.geometry.mpr import SliceImage, reslice, slice_step_mm, volume_corners_lps
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL, SlicePlane, standard_plane
from planner.geometry.viewport import Viewport
from planner.render.windowing import apply_window
from planner.session.view_state import ViewState

VIEW_COLORS = {AXIAL: QColor(230, 80, 80), SAGITTAL: QColor(235, 205, 70), CORONAL: QColor(90, 190, 100)}
_NORMAL_OF = {AXIAL: 2, SAGITTAL: 0, CORONAL: 1}  # LPS axis each standard view looks along
_AXIS_NAMES = ("x", "y", "z")


class SliceView(QWidget):
    """One standard-orientation slice view. ``hovered`` carries (lps ndarray, hu float|None) or None."""

    hovered = Signal(object)

    def __init__(self, orientation: str, state: ViewState, parent=None):
        super().__init__(parent)
        self.orientation = orientation
        self.state = state
        self.volume: ImageVolume | None = None
        self.viewport = Viewport()
        self._centre_lps = np.zeros(3)
        self._slice: SliceImage | None = None
        self._qimage: QImage | None = None
        self._image_key = None
        self._drag_button = None
        self._last_pos = QPointF()
        self._fitted = False
        self.setObjectName(f"slice_view_{orientation}")
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        state.cursor_changed.connect(self._on_state_changed)
        state.window_changed.connect(self._on_state_changed)

    # --- model ---------------------------------------------------------------------------------
    def set_volume(self, volume: ImageVolume | None) -> None:
        self.volume = volume
        self._slice = None
        self._image_key = None
        self._fitted = False
        if volume is not None:
            lo, hi = volume.bounds_lps
            self._centre_lps = (lo + hi) / 2
        self.update()

    def plane(self) -> SlicePlane:
        """This view's plane through the cursor; in-plane origin fixed at the volume centre."""
        plane = standard_plane(self.orientation, self._centre_lps)
        return plane.offset(float(plane.distance_mm(self.state.cursor_lps)))

    def current_slice(self) -> SliceImage | None:
        if self.volume is None:
            return None
        plane = self.plane()
        if self._slice is None or not np.allclose(self._slice.plane.origin_lps, plane.origin_lps):
            self._slice = reslice(self.volume, plane)
        return self._slice

    def slice_position_mm(self) -> float | None:
        """The LPS coordinate (along this view's normal axis) of the displayed voxel slice."""
        sl = self.current_slice()
        if sl is None:
            return None
        return float(sl.pixel_to_lps(0, 0)[_NORMAL_OF[self.orientation]])

    def reset_view(self) -> None:
        self._fitted = False
        self.update()

    # --- coordinate helpers --------------------------------------------------------------------
    def screen_to_lps(self, x_px: float, y_px: float) -> np.ndarray | None:
        sl = self.current_slice()
        if sl is None:
            return None
        a, b = self.viewport.screen_to_plane(x_px, y_px)
        return sl.plane.to_lps(a, b, sl.h_mm)

    def lps_to_screen(self, lps) -> tuple[float, float]:
        a, b, _ = self.plane().to_plane_coords(np.asarray(lps, dtype=float))
        return self.viewport.plane_to_screen(a, b)

    def step_slices(self, n: int) -> None:
        """Move the cursor ``n`` voxel slices along this view's normal, staying inside the volume."""
        if self.volume is None or n == 0:
            return
        plane = self.plane()
        step = slice_step_mm(self.volume, plane)
        target = self.state.cursor_lps + plane.normal_lps * step * n
        heights = plane.to_plane_coords(volume_corners_lps(self.volume))[:, 2]
        h = float(plane.distance_mm(target))
        h_lo, h_hi = heights.min() + step / 2, heights.max() - step / 2
        target = target + plane.normal_lps * (min(max(h, h_lo), h_hi) - h)
        self.state.set_cursor(target)

    # --- events --------------------------------------------------------------------------------
    def _on_state_changed(self, *args) -> None:
        self.update()

    def resizeEvent(self, event):  # noqa: N802
        old_w, old_h = self.viewport.width_px, self.viewport.height_px
        self.viewport.resize(self.width(), self.height())
        if self._fitted and old_w > 1:
            factor = min(self.width() / old_w, self.height() / old_h)
            self.viewport.scale_px_per_mm *= factor if factor > 0 else 1.0
        super().resizeEvent(event)

    def wheelEvent(self, event):  # noqa: N802
        delta = event.angleDelta().y()
        if delta == 0:
            return
        if event.modifiers() & Qt.ControlModifier:
            pos = event.position()
            self.viewport.zoom_about(pos.x(), pos.y(), 1.15 if delta > 0 else 1 / 1.15)
            self.update()
        else:
            self.step_slices(1 if delta > 0 else -1)
        event.accept()

    def keyPressEvent(self, event):  # noqa: N802
        key = event.key()
        steps = {Qt.Key_Up: 1, Qt.Key_Down: -1, Qt.Key_PageUp: 10, Qt.Key_PageDown: -10}
        if key in steps:
            self.step_slices(steps[key])
        elif key == Qt.Key_R:
            self.reset_view()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event):  # noqa: N802
        self._drag_button = event.button()
        self._last_pos = event.position()
        if event.button() == Qt.LeftButton:
            self._move_cursor_to(event.position())

    def mouseMoveEvent(self, event):  # noqa: N802
        pos = event.position()
        dx, dy = pos.x() - self._last_pos.x(), pos.y() - self._last_pos.y()
        self._last_pos = pos
        buttons = event.buttons()
        if buttons & Qt.LeftButton:
            self._move_cursor_to(pos)
        elif buttons & Qt.MiddleButton:
            self.viewport.pan_px(dx, dy)
            self.update()
        elif buttons & Qt.RightButton:
            centre, width = self.state.window
            self.state.set_window(centre - dy * 2.0, width + dx * 4.0)
        self._emit_hover(pos)

    def mouseReleaseEvent(self, event):  # noqa: N802
        self._drag_button = None

    def leaveEvent(self, event):  # noqa: N802
        self.hovered.emit(None)
        super().leaveEvent(event)

    def _move_cursor_to(self, pos: QPointF) -> None:
        lps = self.screen_to_lps(pos.x(), pos.y())
        if lps is not None:
            self.state.set_cursor(lps)

    def _emit_hover(self, pos: QPointF) -> None:
        lps = self.screen_to_lps(pos.x(), pos.y())
        if lps is None:
            self.hovered.emit(None)
            return
        self.hovered.emit((lps, self.volume.hu_at_lps(lps)))

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        sl = self.current_slice()
        if sl is None:
            painter.setPen(QColor(160, 160, 160))
            painter.drawText(self.rect(), Qt.AlignCenter, "No image loaded")
            painter.end()
            return
        if not self._fitted:
            self.viewport.resize(self.width(), self.height())
            self.viewport.fit(*sl.extent_mm)
            self._fitted = True
        self._draw_image(painter, sl)
        self._draw_crosshair(painter)
        self._draw_annotations(painter, sl)
        painter.setPen(QPen(VIEW_COLORS[self.orientation], 2))
        painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()

    def _draw_image(self, painter: QPainter, sl: SliceImage) -> None:
        centre, width = self.state.window
        key = (id(sl), centre, width)
        if key != self._image_key:
            grey = np.ascontiguousarray(apply_window(sl.pixels, centre, width))
            h, w = grey.shape
            self._qimage = QImage(grey.data, w, h, w, QImage.Format_Grayscale8).copy()
            self._image_key = key
        a0, a1, b0, b1 = sl.extent_mm
        x0, y0 = self.viewport.plane_to_screen(a0, b0)
        x1, y1 = self.viewport.plane_to_screen(a1, b1)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), self._qimage)

    def _draw_crosshair(self, painter: QPainter) -> None:
        x, y = self.lps_to_screen(self.state.cursor_lps)
        plane = self.plane()
        gap = 8
        for axis_vec, vertical in ((plane.u_lps, True), (plane.v_lps, False)):
            other = next(o for o, ax in _NORMAL_OF.items() if abs(axis_vec[ax]) > 0.99)
            pen = QPen(VIEW_COLORS[other], 1)
            painter.setPen(pen)
            if vertical:
                painter.drawLine(QPointF(x, 0), QPointF(x, y - gap))
                painter.drawLine(QPointF(x, y + gap), QPointF(x, self.height()))
            else:
                painter.drawLine(QPointF(0, y), QPointF(x - gap, y))
                painter.drawLine(QPointF(x + gap, y), QPointF(self.width(), y))

    def _draw_annotations(self, painter: QPainter, sl: SliceImage) -> None:
        plane = self.plane()
        w, h = self.width(), self.height()
        painter.setFont(QFont("Sans", 11, QFont.Bold))
        painter.setPen(QColor(255, 220, 120))
        letters = {
            "right": orientation_letters(plane.u_lps),
            "left": orientation_letters(-plane.u_lps),
            "bottom": orientation_letters(plane.v_lps),
            "top": orientation_letters(-plane.v_lps),
        }
        painter.drawText(QRectF(4, 0, 30, h), Qt.AlignLeft | Qt.AlignVCenter, letters["left"])
        painter.drawText(QRectF(w - 34, 0, 30, h), Qt.AlignRight | Qt.AlignVCenter, letters["right"])
        painter.drawText(QRectF(0, 2, w, 20), Qt.AlignHCenter | Qt.AlignTop, letters["top"])
        painter.drawText(QRectF(0, h - 22, w, 20), Qt.AlignHCenter | Qt.AlignBottom, letters["bottom"])
        painter.setFont(QFont("Sans", 9))
        painter.setPen(QColor(220, 220, 220))
        axis = _NORMAL_OF[self.orientation]
        pos = self.slice_position_mm()
        name = self.orientation.capitalize()
        painter.drawText(8, 18, f"{name}  {_AXIS_NAMES[axis]} = {pos:.1f} mm" if sl.inside else name)
        centre, width = self.state.window
        painter.drawText(8, h - 8, f"W {width:.0f}  L {centre:.0f}")
        painter.drawText(
            QRectF(0, h - 22, w - 8, 18), Qt.AlignRight | Qt.AlignBottom,
            f"{self.viewport.scale_px_per_mm:.2f} px/mm",
        )
