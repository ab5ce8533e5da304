"""Issue 19 (view19): the 3D camera frames the spine's box by its projection (not its bounding sphere)
and at most three levels of a long field, so the lumbar scan's spine is not lost in its ribcage and the
38 mm T11-T12 slab is no thin strip. Expected values: the pinhole closed form, and VTK's own
world-to-view transform of the box's corners (an independent projection)."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkRenderWindow

from planner.core.volume import ImageVolume, SeriesInfo
from planner.render.camera_fit import (
    FRAME_MARGIN, SPINE_FRAME_SPAN_MM, box_corners, fit_distance_mm, framing_pose, spine_window,
)
from planner.render.scene3d import CAMERA_PRESETS

pytestmark = pytest.mark.gui


def test_fit_distance_closed_form():
    # a 90 degree view (tan 45 = 1), no margin: a half height of 50 mm at 50 mm fills the view
    assert fit_distance_mm(10.0, 50.0, 0.0, 90.0, 1.0, margin=0.0) == pytest.approx(50.0)
    # a wide box on a square view: the width decides; the box's depth moves the camera back by it
    assert fit_distance_mm(80.0, 10.0, 5.0, 90.0, 2.0, margin=0.0) == pytest.approx(45.0)
    # margin m: the box spans (1 - 2m) of the view, so the camera is 1 / (1 - 2m) further
    assert fit_distance_mm(0.0, 50.0, 0.0, 90.0, 1.0, margin=0.1) == pytest.approx(62.5)
    with pytest.raises(ValueError):
        fit_distance_mm(1, 1, 1, 0.0, 1.0)


def _view_extent(pose, lo, hi, width_px=400, height_px=300):
    """Max |x| and |y| of the box's corners in VTK's view coordinates ([-1, 1] across the viewport)."""
    window = vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetSize(width_px, height_px)
    renderer = vtkRenderer()
    window.AddRenderer(renderer)
    cam = renderer.GetActiveCamera()
    cam.SetFocalPoint(*pose.focal_lps)
    cam.SetPosition(*pose.position_lps)
    cam.SetViewUp(*pose.view_up)
    cam.SetViewAngle(pose.view_angle_deg)
    renderer.ResetCameraClippingRange(*np.ravel(np.column_stack([lo, hi])))
    points = []
    for corner in box_corners(lo, hi):
        renderer.SetWorldPoint(*corner, 1.0)
        renderer.WorldToView()
        points.append(renderer.GetViewPoint()[:2])
    points = np.abs(np.array(points))
    window.Finalize()
    return points[:, 0].max(), points[:, 1].max()


@pytest.mark.parametrize("name", list(CAMERA_PRESETS))
@pytest.mark.parametrize("lo, hi", [
    (np.array([-50.0, 40.0, -800.0]), np.array([50.0, 145.0, -762.0])),  # the 38 mm T11-T12 slab
    (np.array([-50.0, 80.0, 220.0]), np.array([50.0, 185.0, 350.0])),  # three lumbar levels
])
def test_the_box_projection_fills_the_view(name, lo, hi):
    toward, up = CAMERA_PRESETS[name]
    pose = framing_pose(lo, hi, toward, up, aspect=400 / 300)
    np.testing.assert_allclose(pose.focal_lps, (lo + hi) / 2)
    x, y = _view_extent(pose, lo, hi)
    assert max(x, y) <= 1 - 2 * FRAME_MARGIN + 1e-6  # all in view, margin kept
    assert max(x, y) >= 0.75  # and it fills the view in its limiting direction
    # the bounding sphere framing (vtkRenderer.ResetCamera) leaves the slab seen from behind at < 0.6


def test_spine_window_cuts_a_long_field_around_the_crosshair():
    lo, hi = np.array([-50.0, 80.0, 0.0]), np.array([50.0, 185.0, 400.0])
    wlo, whi = spine_window(lo, hi, (0.0, 0.0, 300.0))
    assert (wlo[2], whi[2]) == pytest.approx((300 - SPINE_FRAME_SPAN_MM / 2, 300 + SPINE_FRAME_SPAN_MM / 2))
    np.testing.assert_allclose([wlo[:2], whi[:2]], [lo[:2], hi[:2]])
    wlo, whi = spine_window(lo, hi, (0.0, 0.0, 395.0))  # near the end: kept inside the box
    assert (wlo[2], whi[2]) == pytest.approx((400 - SPINE_FRAME_SPAN_MM, 400.0))
    wlo, whi = spine_window(lo, hi, None)  # no crosshair: the middle
    assert (wlo[2] + whi[2]) / 2 == pytest.approx(200.0)
    short_lo, short_hi = spine_window(lo, np.array([50.0, 185.0, 38.0]), (0, 0, 300.0))
    assert short_hi[2] == 38.0 and short_lo[2] == 0.0  # a box shorter than the span is kept whole


def _tall_block() -> ImageVolume:
    """A 400 mm tall field (100 slices x 4 mm) with a bone column along it."""
    hu = np.full((100, 60, 60), 40, dtype=np.int16)
    hu[:, 25:35, 25:35] = 1200
    return ImageVolume(hu, (2.0, 2.0, 4.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo(series_description="column"))


def test_view3d_frames_three_levels_around_the_crosshair(qtbot):
    from planner.ui.view3d import View3D

    view = View3D()
    qtbot.addWidget(view)
    view.resize(400, 340)
    view.show()
    qtbot.waitExposed(view)
    try:
        volume = _tall_block()
        crosshair = np.array([60.0, 60.0, 100.0])
        view.focus_provider = lambda: crosshair
        with qtbot.waitSignal(view.surface_ready, timeout=20000):
            view.set_volume(volume)
            view.set_frame_box(np.array([10.0, 10.0, -2.0]), np.array([110.0, 110.0, 398.0]))
        cam = view.scene.renderer.GetActiveCamera()
        focal, position = np.array(cam.GetFocalPoint()), np.array(cam.GetPosition())
        np.testing.assert_allclose(focal, [60.0, 60.0, 100.0], atol=1e-6)  # the crosshair's level
        np.testing.assert_allclose((position - focal) / np.linalg.norm(position - focal), [0, 1, 0], atol=1e-9)
        # the height seen at the focal plane: the framed span over (1 - 2 margin), not the 400 mm field
        seen_mm = 2 * np.linalg.norm(position - focal - [0, 50.0, 0]) * np.tan(np.radians(cam.GetViewAngle() / 2))
        width, height = view.vtk_widget.width(), view.vtk_widget.height()
        limit = max(SPINE_FRAME_SPAN_MM, 100.0 * height / width) / (1 - 2 * FRAME_MARGIN)
        assert seen_mm == pytest.approx(limit, rel=1e-6)
        assert seen_mm < 250.0
        assert view.camera_untouched()
    finally:
        view.shutdown()
