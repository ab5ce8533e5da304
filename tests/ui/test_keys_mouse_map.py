"""Issue 19: the 3D Slicer mouse map (right drag zooms, middle drag pans, Window/Level mode: left drag
changes window/level), and positions in RAS letters; both kept as preferences in QSettings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QMenu

from planner.ui.mouse_map import (CROSSHAIR, PAN, PLANNER, SLICER, WINDOW, ZOOM, gesture, windowed,
                                  zoom_factor)
from tests.ui.helpers import mouse
from tests.ui.test_keys_focus import _make_window

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("name, button, shift, wl, expected", [
    (PLANNER, "left", False, False, CROSSHAIR), (PLANNER, "middle", False, False, PAN),
    (PLANNER, "right", False, False, WINDOW), (SLICER, "right", False, False, ZOOM),
    (SLICER, "middle", False, False, PAN), (SLICER, "left", True, False, PAN),
    (SLICER, "left", False, False, CROSSHAIR), (SLICER, "left", False, True, WINDOW),
    (PLANNER, "left", False, True, WINDOW), (SLICER, None, False, False, None),
])
def test_gesture_table(name, button, shift, wl, expected):
    assert gesture(name, button, shift, wl) == expected


def test_drag_amounts_and_bad_names():
    assert zoom_factor(0) == 1.0
    assert zoom_factor(-100) == pytest.approx(math.e)  # 100 px up: e times larger
    assert zoom_factor(math.log(2) / 0.01) == pytest.approx(0.5)  # 69.3 px down halves
    assert windowed(40.0, 400.0, 10.0, -5.0) == (50.0, 440.0)
    assert windowed(40.0, 10.0, -100.0, 0.0)[1] == 1.0
    with pytest.raises(ValueError, match="mouse map"):
        gesture("horos", "left")


@pytest.fixture
def window(qtbot):
    """A window with the default preferences, put back afterwards (they persist in the test's QSettings)."""
    w = _make_window(qtbot)
    w.view_prefs.set_mouse_map(PLANNER)
    w.view_prefs.set_position_frame("LPS")
    view = w.views["axial"]
    view.repaint()  # fitted to the image
    yield w
    w.view_prefs.set_mouse_map(PLANNER)
    w.view_prefs.set_position_frame("LPS")
    w.close()


def _drag(view, button, start, end, modifiers_shift=False):
    mouse(view, "press", start, button=button)
    mouse(view, "move", end, button=button, buttons=button)
    mouse(view, "release", end, button=button)


def test_slicer_map_right_drag_zooms_about_the_press_point(window):
    window.view_prefs.set_mouse_map(SLICER)
    view = window.views["axial"]
    scale = view.viewport.scale_px_per_mm
    centre, width = window.state.window
    start = QPointF(view.width() * 0.4, view.height() * 0.5)
    under = view.viewport.screen_to_plane(start.x(), start.y())
    _drag(view, Qt.RightButton, start, QPointF(start.x(), start.y() - 50))
    assert view.viewport.scale_px_per_mm == pytest.approx(scale * math.exp(0.5))
    assert view.viewport.screen_to_plane(start.x(), start.y()) == pytest.approx(under)
    assert window.state.window == (centre, width)  # no window/level change


def test_middle_drag_pans_and_window_level_mode_takes_the_left_button(window):
    window.view_prefs.set_mouse_map(SLICER)
    view = window.views["axial"]
    a0, b0 = view.viewport.center_a_mm, view.viewport.center_b_mm
    s = view.viewport.scale_px_per_mm
    start = QPointF(100, 100)
    _drag(view, Qt.MiddleButton, start, QPointF(130, 100))
    assert (view.viewport.center_a_mm, view.viewport.center_b_mm) == pytest.approx((a0 - 30 / s, b0))
    window.view_prefs.set_window_level_mode(True)
    cursor = window.state.cursor_lps.copy()
    centre, width = window.state.window
    _drag(view, Qt.LeftButton, start, QPointF(110, 95))
    assert window.state.window == pytest.approx((centre + 10.0, width + 40.0))
    assert np.array_equal(window.state.cursor_lps, cursor)  # the crosshair stayed
    window.view_prefs.set_window_level_mode(False)
    _drag(view, Qt.LeftButton, start, QPointF(110, 95))
    assert not np.array_equal(window.state.cursor_lps, cursor)


def test_the_planner_map_keeps_right_drag_for_window_level(window):
    view = window.views["axial"]
    scale = view.viewport.scale_px_per_mm
    centre, width = window.state.window
    _drag(view, Qt.RightButton, QPointF(100, 100), QPointF(120, 100))
    assert window.state.window == pytest.approx((centre, width + 80.0))
    assert view.viewport.scale_px_per_mm == scale


def test_ras_letters_in_the_status_bar_and_the_view_corner(window):
    # the marker voxel (20, 30, 12): origin (60, 40, -30) mm, rows and columns along -x and -y,
    # spacing 0.8 x 0.8 x 2 mm -> LPS (60 - 16, 40 - 24, -30 + 24) = (44, 16, -6)
    lps = np.array([44.0, 16.0, -6.0])
    window.state.set_cursor(lps)
    assert window.cursor_label.text() == "Crosshair LPS (44.0, 16.0, -6.0) mm   HU 1500"
    window.view_prefs.set_position_frame("RAS")
    assert window.cursor_label.text() == "Crosshair L 44.0 mm, P 16.0 mm, I 6.0 mm   HU 1500"
    view = window.views["axial"]
    assert view.source.position_text(view.current_slice()) == "I 6.0 mm"
    window.view_prefs.set_position_frame("LPS")
    assert view.source.position_text(view.current_slice()) == "z = -6.0 mm"


def test_preferences_persist(window, tmp_path):
    from planner.ui.view_prefs import ViewPreferences

    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat)
    first = ViewPreferences(window, QMenu(window), settings=settings)
    assert (first.mouse_map.name, first.position_frame) == (PLANNER, "LPS")
    first.set_mouse_map(SLICER)
    first.set_position_frame("RAS")
    settings.sync()
    again = ViewPreferences(window, QMenu(window), settings=QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat))
    assert (again.mouse_map.name, again.position_frame) == (SLICER, "RAS")
    assert again.map_actions[SLICER].isChecked() and again.ras_action.isChecked()
    assert window.views["axial"].mouse_map is again.mouse_map
