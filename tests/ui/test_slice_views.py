"""The 2D views on a phantom with a marker at a known LPS point, driven by real Qt events."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.ui.main_window import MainWindow
from tests.ui.helpers import click, marker_volume, mouse, wheel

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _load(window, qtbot, **kw):
    volume, marker_lps = marker_volume(**kw)
    with qtbot.waitSignal(window.view3d.surface_ready, timeout=60000):
        window.set_volume(volume)
    return volume, marker_lps


@pytest.mark.parametrize("direction", [np.diag([-1.0, -1.0, 1.0]), np.eye(3),
                                       np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1.0]])])
def test_marker_appears_under_crosshair_in_all_views(window, qtbot, direction):
    volume, marker_lps = _load(window, qtbot, direction=direction)
    axial = window.views[AXIAL]
    window.state.set_cursor(window.state.cursor_lps * [1, 1, 0] + [0, 0, marker_lps[2]])
    x, y = axial.lps_to_screen(marker_lps)
    click(axial, QPointF(x, y))
    assert np.allclose(window.state.cursor_lps, marker_lps, atol=0.5)
    for view in window.views.values():
        sl = view.current_slice()
        vx, vy = view.lps_to_screen(marker_lps)
        lps = view.screen_to_lps(vx, vy)
        assert np.allclose(lps, marker_lps, atol=1e-6), view.orientation
        assert volume.hu_at_lps(lps) == 1500
        # The pixel of the displayed slice under that screen point is the marker's.
        col, row = sl.plane_to_pixel(*sl.plane.to_plane_coords(marker_lps)[:2])
        assert sl.pixels[int(round(row)), int(round(col))] == 1500
    assert "HU 1500" in window.cursor_label.text()


def test_wheel_scrolls_one_slice_in_each_view(window, qtbot):
    volume, _ = _load(window, qtbot)
    for orientation, axis in ((AXIAL, 2), (SAGITTAL, 0), (CORONAL, 1)):
        view = window.views[orientation]
        before = view.slice_position_mm()
        wheel(view, steps=1)
        after = view.slice_position_mm()
        step = [0.8, 0.8, 2.0][axis]
        assert abs(abs(after - before) - step) < 1e-6, orientation
        wheel(view, steps=-1)
        assert abs(view.slice_position_mm() - before) < 1e-6


def test_hover_reports_lps_and_hu_in_status_bar(window, qtbot):
    volume, marker_lps = _load(window, qtbot)
    window.state.set_cursor(marker_lps)
    axial = window.views[AXIAL]
    x, y = axial.lps_to_screen(marker_lps)
    mouse(axial, "move", QPointF(x, y), button=Qt.NoButton, buttons=Qt.NoButton)
    text = window.hover_label.text()
    assert "HU 1500" in text
    assert f"{marker_lps[0]:.1f}" in text and f"{marker_lps[2]:.1f}" in text


def test_radiological_orientation_letters(window, qtbot):
    _load(window, qtbot)
    from planner.core.frames import orientation_letters

    axial = window.views[AXIAL].plane()
    assert orientation_letters(axial.u_lps) == "L"  # patient's left on the screen's right
    assert orientation_letters(-axial.v_lps) == "A"  # anterior up
    sag = window.views[SAGITTAL].plane()
    assert orientation_letters(-sag.u_lps) == "A" and orientation_letters(-sag.v_lps) == "S"
    cor = window.views[CORONAL].plane()
    assert orientation_letters(-cor.u_lps) == "R" and orientation_letters(-cor.v_lps) == "S"


def test_air_side_is_displayed_on_the_patients_right(window, qtbot):
    """In the prone phantom the air columns (i < 4) lie at the largest x... i runs to the patient's
    right, so low i = patient's left = the screen's right in radiological convention."""
    volume, _ = _load(window, qtbot)
    sl = window.views[AXIAL].current_slice()
    # For direction diag(-1,-1,1): i increases toward -x (patient right), so i < 4 are the largest x,
    # i.e. the patient's left, shown at the screen's right: the last columns of the slice image.
    assert (sl.pixels[:, -4:] == -1000).all()
    assert (sl.pixels[:, :-4] != -1000).all()


def test_zoom_pan_and_window_by_mouse(window, qtbot):
    _load(window, qtbot)
    axial = window.views[AXIAL]
    scale = axial.viewport.scale_px_per_mm
    wheel(axial, steps=1, modifiers=Qt.ControlModifier)
    assert axial.viewport.scale_px_per_mm > scale
    centre = axial.viewport.center_a_mm
    mouse(axial, "press", QPointF(100, 100), button=Qt.MiddleButton)
    mouse(axial, "move", QPointF(140, 100), button=Qt.MiddleButton, buttons=Qt.MiddleButton)
    assert axial.viewport.center_a_mm < centre
    mouse(axial, "release", QPointF(140, 100), button=Qt.MiddleButton)
    c0, w0 = window.state.window
    mouse(axial, "press", QPointF(100, 100), button=Qt.RightButton)
    mouse(axial, "move", QPointF(150, 120), button=Qt.RightButton, buttons=Qt.RightButton)
    c1, w1 = window.state.window
    assert w1 > w0 and c1 < c0


def test_ruler_and_angle_tools_measure_in_mm_and_degrees(window, qtbot):
    volume, marker_lps = _load(window, qtbot)
    axial = window.views[AXIAL]
    window.state.set_cursor(marker_lps)
    window.set_tool("ruler")
    p0 = marker_lps
    p1 = marker_lps + np.array([12.0, 0.0, 0.0])  # 12 mm to the patient's left, same slice
    s0, s1 = QPointF(*axial.lps_to_screen(p0)), QPointF(*axial.lps_to_screen(p1))
    mouse(axial, "press", s0)
    mouse(axial, "move", s1, buttons=Qt.LeftButton)
    mouse(axial, "release", s1)
    assert len(window.measurements.items) == 1
    assert window.measurements.items[0].value == pytest.approx(12.0, abs=0.05)
    assert np.allclose(window.state.cursor_lps, marker_lps)  # the ruler did not move the crosshair
    window.set_tool("angle")
    p2 = marker_lps + np.array([0.0, 9.0, 0.0])  # 9 mm posterior: a right angle at p0
    mouse(axial, "press", s1)
    mouse(axial, "move", s0, buttons=Qt.LeftButton)
    mouse(axial, "release", s0)
    s2 = QPointF(*axial.lps_to_screen(p2))
    mouse(axial, "move", s2, buttons=Qt.NoButton)
    mouse(axial, "press", s2)
    mouse(axial, "release", s2)
    assert len(window.measurements.items) == 2
    assert window.measurements.items[1].value == pytest.approx(90.0, abs=0.5)
    window.set_tool("navigate")
    assert axial.tool is window.tools["navigate"]


def test_slab_mip_shows_the_brightest_voxel_within_the_slab(window, qtbot):
    volume, marker_lps = _load(window, qtbot)
    window.state.set_cursor(marker_lps + np.array([0, 0, 2 * volume.spacing_mm[2]]))
    axial = window.views[AXIAL]
    assert axial.current_slice().pixels.max() < 1500  # two slices above the marker's centre
    window.slab_spin.setValue(10.0)
    assert axial.current_slice().pixels.max() == 1500
    window.slab_spin.setValue(0.0)
    assert axial.current_slice().pixels.max() < 1500
