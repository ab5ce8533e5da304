"""2D views fit the patient's body and keep that fit through dock resizes, window maximise/restore and a
view's maximise/restore (issue 19). Expected px/mm come from the closed form
``min(view_w / body_extent_a, view_h / body_extent_b) * (1 - 2 * margin)`` with the body's extent known
by construction of the phantom (or, on the real scan, from the 2 mm body segmentation)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from planner.core.volume import ImageVolume, SeriesInfo
from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.ui.view_fit import FIT_MARGIN, body_box_lps, fit_scale_px_per_mm, spine_box_lps
from tests.ui.helpers import wheel

pytestmark = pytest.mark.gui

# The phantom: 1 x 1 x 3 mm voxels, origin 0, identity direction (LPS = (i, j, 3k)). A 'body' of soft
# tissue over voxels i 36..198, j 60..138, all 39 slices, and a 'table' plate (2 voxels thick) below it.
# The body's first and last voxels sit on the 6 mm proxy's samples (every 6th voxel in-plane, every 2nd
# slice); the box is those samples widened by half a step (3 voxels in-plane, 1 slice), cut to the grid:
# x 33..201, y 57..141, z -1.5..115.5 mm (the slices' outer edges).
BODY_LO = np.array([33.0, 57.0, -1.5])
BODY_HI = np.array([201.0, 141.0, 115.5])


def _phantom() -> ImageVolume:
    hu = np.full((39, 200, 240), -1000, dtype=np.int16)
    hu[:, 60:139, 36:199] = 40
    hu[:, 170:172, :] = 300  # the table: thin, apart from the body, across the whole field of view
    return ImageVolume(hu, (1.0, 1.0, 3.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo(series_description="body box"))


# the body's extent (a, b) on each standard plane: axial (x, y), sagittal (y, z), coronal (x, z)
EXTENT_MM = {AXIAL: (168.0, 84.0), SAGITTAL: (84.0, 117.0), CORONAL: (168.0, 117.0)}


def _expected(view, zoom: float = 1.0) -> float:
    span_a, span_b = EXTENT_MM[view.orientation]
    return zoom * min(view.width() / span_a, view.height() / span_b) * (1 - 2 * FIT_MARGIN)


@pytest.fixture
def window(qtbot):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    w.set_volume(_phantom())
    _settle(w)
    yield w
    w.close()


def _settle(w) -> None:
    for _ in range(3):
        QApplication.processEvents()
    for view in w.views.values():
        view.repaint()


def _scales(w) -> dict:
    return {o: v.viewport.scale_px_per_mm for o, v in w.views.items()}


def _assert_fit(w, zoom: dict | None = None) -> None:
    for o, view in w.views.items():
        expected = _expected(view, (zoom or {}).get(o, 1.0))
        assert view.viewport.scale_px_per_mm == pytest.approx(expected, rel=1e-9), (o, view.size())


def test_the_body_box_excludes_the_table_and_is_exact_on_the_proxy_grid():
    lo, hi = body_box_lps(_phantom())
    np.testing.assert_allclose(lo, BODY_LO, atol=1e-9)
    np.testing.assert_allclose(hi, BODY_HI, atol=1e-9)  # y stops at the body (141), not the table (171)


def test_fit_scale_closed_form():
    assert fit_scale_px_per_mm(400, 300, (0, 200, 0, 100), margin=0.0) == pytest.approx(2.0)
    assert fit_scale_px_per_mm(400, 100, (0, 200, 0, 100), margin=0.1) == pytest.approx(0.8)


def test_views_open_fitted_to_the_body_not_the_field_of_view(window):
    _assert_fit(window)
    axial = window.views[AXIAL]
    fov = min(axial.width() / 240.0, axial.height() / 200.0) * (1 - 2 * FIT_MARGIN)
    assert axial.viewport.scale_px_per_mm > 1.4 * fov
    # the body's centre sits at the axial view's centre
    x, y = axial.lps_to_screen((BODY_LO + BODY_HI) / 2)
    assert (x, y) == pytest.approx((axial.width() / 2, axial.height() / 2), abs=1e-6)


def test_fit_is_kept_through_dock_resize_and_window_maximise_restore(window, qtbot):
    before = _scales(window)
    dock = window.findChild(QDockWidget, "dock_plan")
    window.resizeDocks([dock], [620], Qt.Horizontal)
    _settle(window)
    _assert_fit(window)
    window.resizeDocks([dock], [300], Qt.Horizontal)
    window.resize(1100, 700)
    _settle(window)
    _assert_fit(window)
    window.showMaximized()
    _settle(window)
    _assert_fit(window)
    window.showNormal()
    _settle(window)
    _assert_fit(window)
    assert window.views[AXIAL].width() > 160 and set(_scales(window)) == set(before)


def test_the_four_panes_share_the_centre_equally_with_wide_docks(window):
    """The 3D toolbar (camera buttons, threshold, opacity) does not widen its column at the 2D views'
    expense when the docks take most of the window."""
    dock = window.findChild(QDockWidget, "dock_plan")
    window.resizeDocks([dock], [900], Qt.Horizontal)
    _settle(window)
    axial, view3d = window.views[AXIAL], window.view3d
    assert abs(axial.width() - view3d.width()) <= 4 and abs(window.views[SAGITTAL].width() - view3d.width()) <= 4
    _assert_fit(window)


def test_view_maximise_and_restore_give_back_the_same_px_per_mm(window):
    before = _scales(window)
    window.view_actions.toggle_maximise()  # the axial view (first pane) fills the centre
    _settle(window)
    axial = window.views[AXIAL]
    assert axial.viewport.scale_px_per_mm == pytest.approx(_expected(axial), rel=1e-9)
    assert axial.viewport.scale_px_per_mm > before[AXIAL]
    window.view_actions.toggle_maximise()
    _settle(window)
    assert _scales(window) == pytest.approx(before, rel=1e-9)  # was 0.42 px/mm after this until Ctrl+R
    _assert_fit(window)


def test_a_user_zoom_is_kept_relative_to_the_fit(window):
    axial = window.views[AXIAL]
    wheel(axial, 1, modifiers=Qt.ControlModifier)
    wheel(axial, 1, modifiers=Qt.ControlModifier)
    zoom = {AXIAL: 1.15 ** 2}
    _assert_fit(window, zoom)
    window.resize(1200, 800)
    _settle(window)
    _assert_fit(window, zoom)
    window.view_actions.toggle_maximise()
    window.view_actions.toggle_maximise()
    _settle(window)
    _assert_fit(window, zoom)
    window.view_actions.reset_views()  # Ctrl+R: back to the fit
    _settle(window)
    _assert_fit(window)


def test_spine_box_widens_the_canal_box_to_the_vertebra():
    volume = _phantom()
    canal = np.zeros(volume.hu.shape, bool)
    canal[5:30, 100:111, 110:121] = True  # x 109.5..120.5, y 99.5..110.5, z 13.5..88.5 mm
    lo, hi = spine_box_lps(volume, canal)
    np.testing.assert_allclose(lo, [115.0 - 50.0, 99.5 - 60.0, 13.5])
    np.testing.assert_allclose(hi, [115.0 + 50.0, 110.5 + 45.0, 88.5])


# --- the real scans -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_volumes(lumbar_volume, t11_t12_volume, lumbar_body, t11_t12_body):
    """Each real scan and its ``segment_body`` (both computed once per session, read-only: tests/conftest.py)."""
    return {"lumbar": (lumbar_volume, lumbar_body), "t11": (t11_t12_volume, t11_t12_body)}


@pytest.mark.parametrize("name", ["lumbar", "t11"])
def test_real_scan_views_fit_the_body_not_the_table(real_volumes, name, qtbot):
    """The 6 mm proxy's box agrees with the 2 mm segmentation's within one proxy voxel, and the axial
    view opens at the closed-form fit of the 2 mm body box (within that difference)."""
    from planner.ui.main_window import MainWindow
    from planner.ui.view_fit import mask_box_lps

    volume, body = real_volumes[name]  # body: segment_body(volume)
    ref_lo, ref_hi = mask_box_lps(volume, body.mask)
    lo, hi = body_box_lps(volume)
    step_mm = 6 * np.array(volume.spacing_mm)[:2]  # the proxy takes every 6th voxel in-plane (0.98-1.07 mm)
    assert np.all(np.abs(ref_lo - lo)[:2] <= step_mm) and np.all(np.abs(hi - ref_hi)[:2] <= step_mm)
    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    w.set_volume(volume)
    _settle(w)
    axial = w.views[AXIAL]
    span_a, span_b = ref_hi[0] - ref_lo[0], ref_hi[1] - ref_lo[1]
    expected = min(axial.width() / span_a, axial.height() / span_b) * (1 - 2 * FIT_MARGIN)
    assert axial.viewport.scale_px_per_mm == pytest.approx(expected, rel=0.05)
    vlo, vhi = volume.bounds_lps
    fov = min(axial.width() / (vhi[0] - vlo[0]), axial.height() / (vhi[1] - vlo[1])) * (1 - 2 * FIT_MARGIN)
    assert axial.viewport.scale_px_per_mm > 1.1 * fov
    w.close()
