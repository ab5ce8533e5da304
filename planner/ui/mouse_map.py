"""What a mouse drag does in a 2D view when the active tool leaves it: two maps and a window/level mode.

* ``planner`` (the default): left drag moves the crosshair, middle drag pans, right drag changes the
  window (horizontal) and the level (vertical).
* ``slicer``, as documented for 3D Slicer's slice views (Slicer user guide, "Mouse & Keyboard
  Shortcuts" and "Adjusting image window/level"): right drag up/down zooms, middle drag or
  Shift+left drag pans; left drag changes window/level in its Window/Level mouse mode, otherwise it
  moves the crosshair (our Navigate).

The Window/Level mode (``window_level_mode``) works with either map: left drag changes window/level
and the active tool does not see the left button (no item is picked by accident).
:func:`gesture` is the plain decision; :class:`MouseMap` applies it to a view.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

PLANNER, SLICER = "planner", "slicer"
MAPS = {PLANNER: "Planner (right drag: window/level)", SLICER: "3D Slicer (right drag: zoom, middle: pan)"}
CROSSHAIR, PAN, ZOOM, WINDOW = "crosshair", "pan", "zoom", "window"

WIDTH_HU_PER_PX = 4.0  # window width change per pixel of horizontal drag
CENTRE_HU_PER_PX = 2.0  # level change per pixel of vertical drag (drag down: lower level, brighter)
ZOOM_PER_PX = 0.01  # zoom factor exp(-0.01 * dy): 70 px up doubles the size (ln 2 / 0.01 = 69.3 px)

_BUTTONS = ((Qt.LeftButton, "left"), (Qt.MiddleButton, "middle"), (Qt.RightButton, "right"))


def gesture(map_name: str, button: str | None, shift: bool = False, window_level_mode: bool = False) -> str | None:
    """The navigation a drag with ``button`` ("left", "middle", "right") does, or None."""
    if map_name not in MAPS:
        raise ValueError(f"mouse map must be one of {', '.join(MAPS)}, not {map_name!r}")
    if button == "left":
        if window_level_mode:
            return WINDOW
        return PAN if (map_name == SLICER and shift) else CROSSHAIR
    if button == "middle":
        return PAN
    if button == "right":
        return ZOOM if map_name == SLICER else WINDOW
    return None


def zoom_factor(dy_px: float) -> float:
    """Scale change for a vertical drag of ``dy_px`` (screen y grows downward: up zooms in)."""
    return math.exp(-ZOOM_PER_PX * dy_px)


def windowed(centre_hu: float, width_hu: float, dx_px: float, dy_px: float) -> tuple[float, float]:
    """(centre, width) after a window/level drag of (dx, dy) pixels; the width stays >= 1 HU."""
    return centre_hu - dy_px * CENTRE_HU_PER_PX, max(1.0, width_hu + dx_px * WIDTH_HU_PER_PX)


def _button(event, kind: str) -> str | None:
    buttons = event.buttons() if kind == "move" else event.button()
    return next((name for flag, name in _BUTTONS if buttons & flag), None)


class MouseMap:
    """The map shared by the 2D views (the View menu's choice, :mod:`planner.ui.view_prefs`)."""

    def __init__(self, name: str = PLANNER, window_level_mode: bool = False):
        self.name = name
        self.window_level_mode = window_level_mode
        self._anchor = None  # where a zoom drag started (the point kept under the mouse)

    def set_name(self, name: str) -> None:
        gesture(name, None)  # refuses an unknown name in words
        self.name = name

    def _gesture(self, event, kind: str) -> str | None:
        shift = bool(event.modifiers() & Qt.ShiftModifier)
        return gesture(self.name, _button(event, kind), shift, self.window_level_mode)

    def claims(self, kind: str, event) -> bool:
        """True when the event is navigation before any tool sees it (left button in W/L mode)."""
        return self.window_level_mode and _button(event, kind) == "left" and kind != "release"

    def press(self, view, event) -> None:
        pos = event.position()
        self._anchor = (pos.x(), pos.y())
        if self._gesture(event, "press") == CROSSHAIR:
            self._crosshair(view, pos)

    def drag(self, view, event, dx_px: float, dy_px: float) -> None:
        what = self._gesture(event, "move")
        if what == CROSSHAIR:
            self._crosshair(view, event.position())
        elif what == PAN:
            view.pan_px(dx_px, dy_px)  # the view's own: it remembers that the user moved it
        elif what == ZOOM:
            x, y = self._anchor or (view.width() / 2, view.height() / 2)
            view.zoom_about(x, y, zoom_factor(dy_px))  # kept relative to the fit across resizes
        elif what == WINDOW:
            centre, width = view.state.window
            view.state.set_window(*windowed(centre, width, dx_px, dy_px))

    @staticmethod
    def _crosshair(view, pos) -> None:
        lps = view.screen_to_lps(pos.x(), pos.y())
        if lps is not None:
            view.state.set_cursor(lps)
