"""Issue 19: the 3D framing is redone when the 3D pane changes size (a dock resized, a view maximised and
restored, the window maximised), unless the user has moved the camera since the last automatic fit.

The expected extent is measured with VTK's own world-to-view transform of the framed box's corners in
the view's renderer at its new size (an independent projection): after a refit the box fills
``1 - 2 * FRAME_MARGIN`` of the view in its limiting direction, as the pinhole closed form of
:mod:`planner.render.camera_fit` promises."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.volume import ImageVolume, SeriesInfo
from planner.render.camera_fit import FRAME_MARGIN, box_corners, spine_window

pytestmark = pytest.mark.gui

BOX_LO, BOX_HI = np.array([10.0, 10.0, 0.0]), np.array([110.0, 60.0, 60.0])  # wider than tall, seen from P


def _block() -> ImageVolume:
    hu = np.full((30, 40, 60), 40, dtype=np.int16)
    hu[5:25, 10:30, 10:50] = 1200
    return ImageVolume(hu, (2.0, 2.0, 2.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo(series_description="block"))


def _extent(view) -> tuple[float, float]:
    """Max |x|, |y| of the framed box's corners in the view's own view coordinates ([-1, 1])."""
    renderer = view.scene.renderer
    lo, hi = spine_window(BOX_LO, BOX_HI, None)
    points = []
    for corner in box_corners(lo, hi):
        renderer.SetWorldPoint(*corner, 1.0)
        renderer.WorldToView()
        points.append(renderer.GetViewPoint()[:2])
    points = np.abs(np.array(points))
    return float(points[:, 0].max()), float(points[:, 1].max())


def _camera(view) -> np.ndarray:
    cam = view.scene.renderer.GetActiveCamera()
    return np.array(cam.GetPosition() + cam.GetFocalPoint() + cam.GetViewUp())


def _resize(qtbot, view, width: int, height: int) -> None:
    before = view.refit_on_resize.refits
    view.resize(width, height)
    qtbot.waitUntil(lambda: view.vtk_widget.width() > 0 and not view.refit_on_resize._pending, timeout=5000)
    qtbot.wait(20)
    view._refits_seen = view.refit_on_resize.refits - before


@pytest.fixture
def view(qtbot):
    from planner.ui.view3d import View3D

    v = View3D()
    qtbot.addWidget(v)
    v.resize(700, 300)
    v.show()
    qtbot.waitExposed(v)
    with qtbot.waitSignal(v.surface_ready, timeout=20000):
        v.set_volume(_block())
        v.set_frame_box(BOX_LO, BOX_HI)
    yield v
    v.shutdown()


def test_a_resize_redoes_the_fit(view, qtbot):
    limit = 1 - 2 * FRAME_MARGIN
    assert max(_extent(view)) == pytest.approx(limit, abs=1e-3)  # wide pane: fitted
    # a narrow pane (a dock widened, the 3D view restored from maximised): fitted again, nothing cut off
    _resize(qtbot, view, 260, 420)
    assert view._refits_seen == 1
    x, y = _extent(view)
    assert max(x, y) == pytest.approx(limit, abs=1e-3)
    assert x == pytest.approx(limit, abs=1e-3)  # the 100 mm width decides in a tall pane
    assert view.camera_untouched()
    # the window maximised: the wide pane is fitted by the box's height again
    _resize(qtbot, view, 1200, 400)
    x, y = _extent(view)
    assert y == pytest.approx(limit, abs=1e-3) and x < limit


def test_without_the_refit_a_narrow_pane_would_cut_the_box_off(view, qtbot):
    """What the refit repairs: the wide pane's camera seen in a narrow pane (the refit switched off)."""
    view.refit = lambda: False
    _resize(qtbot, view, 260, 420)
    x, _y = _extent(view)
    assert x > 1.0  # the box's sides fall outside the view


def test_a_camera_the_user_moved_is_kept_on_resize(view, qtbot):
    view.scene.renderer.GetActiveCamera().Azimuth(30)
    view.scene.renderer.GetActiveCamera().Zoom(1.5)
    moved = _camera(view)
    _resize(qtbot, view, 260, 420)
    assert view._refits_seen == 0
    np.testing.assert_allclose(_camera(view), moved, atol=1e-9)
    # a preset button is an automatic fit again: the next resize refits from that side
    view.camera_preset("L")
    _resize(qtbot, view, 700, 300)
    assert view._refits_seen == 1
    cam = view.scene.renderer.GetActiveCamera()
    direction = np.subtract(cam.GetPosition(), cam.GetFocalPoint())
    np.testing.assert_allclose(direction / np.linalg.norm(direction), [1, 0, 0], atol=1e-9)  # still from L


def test_a_burst_of_resizes_gives_one_refit(view, qtbot):
    before = view.refit_on_resize.refits
    for width in range(300, 700, 40):  # a dock dragged: many resizes in one event-loop turn
        view.resize(width, 320)
    qtbot.waitUntil(lambda: not view.refit_on_resize._pending, timeout=5000)
    assert view.refit_on_resize.refits - before == 1
