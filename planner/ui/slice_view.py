"""A 2D slice view, linked to the others through a ViewState.

What it shows comes from a source (:mod:`planner.render.plane_sources`): an axial, sagittal or
coronal plane through the crosshair, or a plane aligned with the selected needle. The screen mapping is
:class:`planner.geometry.viewport.Viewport`; grey levels are :mod:`planner.render.windowing`; items
drawn on top are overlays (callables ``overlay(painter, view, slice_image)``). Mouse gestures go to
the active tool first (the protocol is :class:`planner.session.tools.ViewTool`); what a tool leaves is navigation:

left click/drag moves the crosshair; wheel (or Up/Down, PageUp/PageDown) changes slice; Ctrl+wheel
zooms about the mouse; middle drag pans; right drag changes window (horizontal) and level (vertical),
or zooms with the 3D Slicer mouse map (:mod:`planner.ui.mouse_map`); R resets the view.

Fit: a view shows its fit box (the patient's body on a case, :mod:`planner.ui.view_fit`) until the user
zooms; a zoom is kept relative to the fit and the view's centre stays put when the view is resized,
so docks, maximise/restore and a maximised view coming back never change what is seen.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from planner.core import palette
from planner.core.frames import orientation_letters
from planner.core.volume import ImageVolume
from planner.geometry.mpr import SliceImage
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL, SlicePlane
from planner.geometry.viewport import MAX_SCALE, MIN_SCALE, Viewport
from planner.render.plane_sources import NeedleSource, SliceSource, StandardSource
from planner.session.tools import ContextTool, ViewContext, ViewTool
from planner.session.view_state import ViewState
from planner.ui.mouse_map import MouseMap
from planner.ui.view_fit import FIT_MARGIN, clip_extent, fit_scale_px_per_mm, plane_extent_of_box
from planner.ui.overlay_geometry import FrameGeometry
from planner.ui.overlays import FONTS, letter_boxes
from planner.ui.slice_cache import CtRaster
from planner.ui.qt_links import connect_while_alive

VIEW_COLORS = {AXIAL: QColor(*palette.VIEW_AXIAL), SAGITTAL: QColor(*palette.VIEW_SAGITTAL),
               CORONAL: QColor(*palette.VIEW_CORONAL)}
NEEDLE_VIEW_COLOR = QColor(*palette.VIEW_NEEDLE)
PICK_TOLERANCE_PX = 7.0
_NORMAL_OF = {AXIAL: 2, SAGITTAL: 0, CORONAL: 1}  # LPS axis each standard view looks along

_BUTTON_NAMES = ((Qt.LeftButton, "left"), (Qt.MiddleButton, "middle"), (Qt.RightButton, "right"))


def _button_name(event, kind: str) -> str | None:
    """The button a press/release is about, or the one held during a move, as a plain name."""
    buttons = event.buttons() if kind == "move" else event.button()
    return next((name for flag, name in _BUTTON_NAMES if buttons & flag), None)


Overlay = Callable[[QPainter, "SliceView", SliceImage], None]


class SliceView(QWidget):
    """One 2D view. ``hovered`` carries (lps ndarray, hu float|None) or None when the mouse leaves."""

    hovered = Signal(object)
    tool_used = Signal()  # the active tool handled a mouse event (its hint may have changed)

    def __init__(self, source: str | SliceSource, state: ViewState, parent=None):
        super().__init__(parent)
        self.source = StandardSource(source) if isinstance(source, str) else source
        self.orientation = self.source.kind
        self.state = state
        self.viewport = Viewport()
        self.overlays: list[Overlay] = []
        self.tool: ViewTool | None = None
        self.mouse_map = MouseMap()  # the window shares one among its views (issue 19)
        self._ct = CtRaster()  # the windowed, scaled CT image, kept between repaints (issue 15)
        self.overlay_geometry = FrameGeometry()  # overlays' screen geometry for this frame (issue 15)
        self._frame = None  # (slice, plane, half thickness) while a paint is under way
        self._letters_memo = None  # ((u, v), orientation letters) of the last plane drawn
        self._last_pos = QPointF()
        self._fitted = False
        self.fit_box_lps = None  # (lo, hi) LPS box a standard view fits (the body), None: the whole slice
        self._fit_extent = None  # (a0, a1, b0, b1) mm the last fit used
        self._zoom_rel = 1.0  # scale / fit scale: 1 while the view is fit, kept across resizes
        self._user_moved = False  # zoomed or panned by the user since the last fit
        self.setObjectName(f"slice_view_{self.orientation}")
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        connect_while_alive(state.cursor_changed, self, self._on_state_changed)
        connect_while_alive(state.window_changed, self, self._on_state_changed)

    @property
    def color(self) -> QColor:
        return VIEW_COLORS.get(self.orientation, NEEDLE_VIEW_COLOR)

    @property
    def is_needle_view(self) -> bool:
        return isinstance(self.source, NeedleSource)

    # --- model ---------------------------------------------------------------------------------
    @property
    def volume(self) -> ImageVolume | None:
        """The volume this view reslices (held once, by its slice source)."""
        return self.source.volume

    def set_volume(self, volume: ImageVolume | None, fit_box_lps=None) -> None:
        self.source.set_volume(volume)
        self._ct.clear()
        self.fit_box_lps = fit_box_lps
        self._fitted = False
        self.update()

    def set_fit_box(self, lo_lps, hi_lps) -> None:
        """Fit this LPS box from now on (the body, once known); a view the user has not zoomed or panned
        is refitted at once, a zoomed one keeps its zoom until R / Ctrl+R."""
        self.fit_box_lps = None if lo_lps is None else (np.asarray(lo_lps, float), np.asarray(hi_lps, float))
        if not self._user_moved:
            self._fitted = False
            self.update()

    def fit_extent_mm(self, sl: SliceImage) -> tuple[float, float, float, float]:
        """The plane box this view fits: the fit box's extent on the plane, within the slice's."""
        if self.fit_box_lps is None or self.is_needle_view:
            return sl.extent_mm
        return clip_extent(plane_extent_of_box(sl.plane, *self.fit_box_lps), sl.extent_mm)

    def _fit_scale_now(self) -> float | None:
        if self._fit_extent is None:
            return None
        return fit_scale_px_per_mm(self.viewport.width_px, self.viewport.height_px, self._fit_extent, FIT_MARGIN)

    def _fit(self, sl: SliceImage) -> None:
        self.viewport.resize(self.width(), self.height())
        self._fit_extent = self.fit_extent_mm(sl)
        self.viewport.fit(*self._fit_extent, margin=FIT_MARGIN)
        self._zoom_rel = 1.0
        self._user_moved = False
        self._fitted = True

    def set_needle(self, entry_lps, tip_lps, refit: bool = False, repaint: bool = True) -> None:
        """For needle views: follow this trajectory (None, None to show nothing). ``repaint=False``
        during a drag: the frame's evaluation repaints every view once (issue 15)."""
        if not self.is_needle_view:
            return
        if getattr(self, "_dragging_here", False) and self.source.has_needle():
            return  # the drag is in this view: its plane holds still under the mouse (else the tip runs away)
        had = self.source.has_needle()
        self.source.set_needle(entry_lps, tip_lps)
        if refit or not had:
            self._fitted = False
        if repaint:
            self.update()

    def set_slab(self, slab_mm: float) -> None:
        """Thick-slab maximum intensity projection over ``slab_mm`` (0 = a single slice)."""
        self.source.slab_mm = max(0.0, float(slab_mm))
        self.update()

    def plane(self) -> SlicePlane | None:
        if self._frame is not None:  # overlays ask many times per paint; nothing moves meanwhile
            return self._frame[1]
        return self.source.plane(self.state.cursor_lps)

    def current_slice(self) -> SliceImage | None:
        if self._frame is not None:
            return self._frame[0]
        return self.source.slice(self.state.cursor_lps)

    def slice_position_mm(self) -> float | None:
        """The LPS coordinate (along a standard view's normal axis) of the displayed voxel slice."""
        sl = self.current_slice()
        if sl is None or self.orientation not in _NORMAL_OF:
            return None
        return float(sl.pixel_to_lps(0, 0)[_NORMAL_OF[self.orientation]])

    def reset_view(self) -> None:
        self._fitted = False
        self._user_moved = False
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

    def height_above_slice_mm(self, lps) -> np.ndarray:
        """Signed distance of point(s) from the displayed slice (after snapping), in mm."""
        sl = self.current_slice()
        return sl.plane.to_plane_coords(np.asarray(lps, dtype=float))[..., 2] - sl.h_mm

    def half_thickness_mm(self) -> float:
        """Half the thickness of what the slice represents: half a voxel step, or half the slab."""
        if self._frame is not None:
            return self._frame[2]
        if self.volume is None:
            return 0.5
        step = self.source.step_mm(self.state.cursor_lps)
        return max(step, self.source.slab_mm) / 2

    def step_slices(self, n: int) -> None:
        """Scroll ``n`` slices: standard views move the crosshair, needle views move their plane."""
        if self.volume is None or n == 0:
            return
        if self.is_needle_view:
            if self.source.has_needle():
                self.source.scroll(n, step_mm=min(self.volume.spacing_mm))
                self.update()
            return
        self.state.set_cursor(self.source.scrolled_cursor(self.state.cursor_lps, n))

    # --- events --------------------------------------------------------------------------------
    def _on_state_changed(self, *args) -> None:
        self.update()

    def resizeEvent(self, event):  # noqa: N802
        # Not a ratio of old and new sizes (that accumulates through hide/show and tiny layouts): the
        # scale is always the fit of the new size times the user's relative zoom; the centre stays.
        self.viewport.resize(self.width(), self.height())
        fit = self._fit_scale_now() if self._fitted else None
        if fit is not None:
            self.viewport.scale_px_per_mm = min(max(fit * self._zoom_rel, MIN_SCALE), MAX_SCALE)
        super().resizeEvent(event)

    def zoom_about(self, x_px: float, y_px: float, factor: float) -> None:
        """Zoom by ``factor`` about a screen point; the zoom is remembered relative to the fit."""
        self.viewport.zoom_about(x_px, y_px, factor)
        fit = self._fit_scale_now()
        if fit:
            self._zoom_rel = self.viewport.scale_px_per_mm / fit
        self._user_moved = True
        self.update()

    def pan_px(self, dx_px: float, dy_px: float) -> None:
        self.viewport.pan_px(dx_px, dy_px)
        self._user_moved = True
        self.update()

    def wheelEvent(self, event):  # noqa: N802
        delta = event.angleDelta().y()
        if delta == 0:
            return
        if event.modifiers() & Qt.ControlModifier:
            pos = event.position()
            self.zoom_about(pos.x(), pos.y(), 1.15 if delta > 0 else 1 / 1.15)
        else:
            self.step_slices(1 if delta > 0 else -1)
        event.accept()

    def keyPressEvent(self, event):  # noqa: N802
        steps = {Qt.Key_Up: 1, Qt.Key_Down: -1, Qt.Key_PageUp: 10, Qt.Key_PageDown: -10}
        if event.key() in steps:
            self.step_slices(steps[event.key()])
        elif event.key() == Qt.Key_R:
            self.reset_view()
        elif event.key() == Qt.Key_Escape and self.tool is not None:
            self.tool.cancel()
            self.update()
        else:
            super().keyPressEvent(event)

    def _tool_event(self, name: str, event) -> bool:
        if self.tool is None or self.volume is None or self.mouse_map.claims(name, event):
            return False
        lps = self.screen_to_lps(event.position().x(), event.position().y())
        if lps is None:
            return False
        if isinstance(self.tool, ContextTool):
            sl = self.current_slice()
            self.tool.context = ViewContext(sl.plane, sl.h_mm, self.half_thickness_mm(),
                                            PICK_TOLERANCE_PX / self.viewport.scale_px_per_mm)
        handled = bool(getattr(self.tool, name)(lps, _button_name(event, name)))
        if handled:
            if not (name == "move" and getattr(self.tool, "coalesced", False)):
                self.update()  # a coalesced drag repaints once per frame, from the session's evaluation
            if name != "move":
                self.tool_used.emit()
        return handled

    def mousePressEvent(self, event):  # noqa: N802
        self._last_pos = event.position()
        if self._tool_event("press", event):
            self._dragging_here = True  # a needle view stops following the needle until the release
            return
        self.mouse_map.press(self, event)  # what the drag will do: planner.ui.mouse_map

    def mouseMoveEvent(self, event):  # noqa: N802
        pos = event.position()
        dx, dy = pos.x() - self._last_pos.x(), pos.y() - self._last_pos.y()
        self._last_pos = pos
        if not self._tool_event("move", event):
            self.mouse_map.drag(self, event, dx, dy)
        self._emit_hover(pos)

    def mouseReleaseEvent(self, event):  # noqa: N802
        self._dragging_here = False  # before the release's edit, so the view follows the needle again
        self._tool_event("release", event)

    def leaveEvent(self, event):  # noqa: N802
        self.hovered.emit(None)
        super().leaveEvent(event)

    def _emit_hover(self, pos: QPointF) -> None:
        lps = self.screen_to_lps(pos.x(), pos.y())
        self.hovered.emit(None if lps is None else (lps, self.volume.hu_at_lps(lps)))

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        sl = self.current_slice()
        if sl is None:
            painter.setPen(QColor(160, 160, 160))
            text = "No image loaded" if self.volume is None else "Select a needle to see this view"
            painter.drawText(self.rect(), Qt.AlignCenter, f"{self.source.title}\n{text}")
            painter.setPen(QPen(self.color, 2))
            painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
            painter.end()
            return
        if not self._fitted:
            self._fit(sl)
        self._draw_image(painter, sl)
        # a drag's frames draw the overlays' edges without antialiasing (about 2 ms a move in the needle
        # layout on the lumbar scan, benchmarks/bench_drag.py); the release's repaint is exact (issue 15)
        painter.setRenderHint(QPainter.Antialiasing, not self.source.draft)
        self._frame = (sl, self.source.plane(self.state.cursor_lps), self.half_thickness_mm())
        self.overlay_geometry.begin(self, sl)
        try:
            for overlay in self.overlays:
                overlay(painter, self, sl)
            self._draw_crosshair(painter)
            self._draw_annotations(painter, sl)
        finally:
            self.overlay_geometry.end()
            self._frame = None
        painter.setPen(QPen(self.color, 2))
        painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()

    def _draw_image(self, painter: QPainter, sl: SliceImage) -> None:
        centre, width = self.state.window
        draft = self.source.draft and self.source.drafts  # a drag's half-resolution slice (issue 15)
        self._ct.draw(painter, self.viewport, sl, centre, width, smooth=not draft)

    def _draw_crosshair(self, painter: QPainter) -> None:
        cursor = self.state.cursor_lps
        if abs(float(self.height_above_slice_mm(cursor))) > self.half_thickness_mm() + 1e-6:
            return  # the crosshair point is not on this slice (needle views)
        x, y = self.lps_to_screen(cursor)
        plane = self.plane()
        gap = 8
        for axis_vec, vertical in ((plane.u_lps, True), (plane.v_lps, False)):
            other = next((o for o, ax in _NORMAL_OF.items() if abs(axis_vec[ax]) > 0.99), None)
            painter.setPen(QPen(VIEW_COLORS[other] if other else QColor(200, 200, 200), 1))
            if vertical:
                painter.drawLine(QPointF(x, 0), QPointF(x, y - gap))
                painter.drawLine(QPointF(x, y + gap), QPointF(x, self.height()))
            else:
                painter.drawLine(QPointF(0, y), QPointF(x - gap, y))
                painter.drawLine(QPointF(x + gap, y), QPointF(self.width(), y))

    def letters(self, plane) -> tuple[str, str, str, str]:
        """Orientation letters (left, right, top, bottom) of the plane, kept while it keeps its axes."""
        key = (tuple(plane.u_lps.tolist()), tuple(plane.v_lps.tolist()))
        if self._letters_memo is None or self._letters_memo[0] != key:
            u, v = plane.u_lps, plane.v_lps
            self._letters_memo = (key, (orientation_letters(-u), orientation_letters(u), orientation_letters(-v),
                                        orientation_letters(v)))
        return self._letters_memo[1]

    def _draw_annotations(self, painter: QPainter, sl: SliceImage) -> None:
        w, h = self.width(), self.height()
        painter.setFont(FONTS["letters"])
        painter.setPen(QColor(255, 220, 120))
        for (rect, align), letter in zip(letter_boxes(w, h), self.letters(sl.plane)):
            painter.drawText(rect, align, letter)
        painter.setFont(FONTS["text"])
        painter.setPen(QColor(220, 220, 220))
        title = self.source.title
        if self.source.slab_mm > 0:
            title += f"  MIP {self.source.slab_mm:.0f} mm"
        painter.drawText(8, 18, f"{title}  {self.source.position_text(sl)}" if sl.inside else title)
        centre, width = self.state.window
        painter.drawText(8, h - 8, f"W {width:.0f}  L {centre:.0f}")
        painter.drawText(QRectF(0, h - 22, w - 8, 18), Qt.AlignRight | Qt.AlignBottom,
                         f"{self.viewport.scale_px_per_mm:.2f} px/mm")

