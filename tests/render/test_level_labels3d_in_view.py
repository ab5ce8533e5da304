"""Issue 19: the 3D level names stay inside the view (on the lumbar scan's first framing the names were
cut off at the view's left edge and the lowest one at its bottom edge), unless moving one in would put
it on a needle's entry or tip; a name whose vertebra is above or below the view is hidden.

The scene is set up by hand: a camera 500 mm behind the origin (from P, LPS +y) with a 30 degree view
angle on a 300 x 300 window sees 2 * 500 * tan(15 deg) = 268 mm across, so a vertebra 60 mm to the
patient's left (screen-left from behind) has its name's end 60 mm further, 16 px from the left edge:
the text, right-justified there, runs off the view."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderer

from planner.render.level_labels3d import EDGE_PX, LevelLabels3D, world_to_display
from planner.render.offscreen import offscreen_render_window

SIZE_PX = 300


@pytest.fixture
def scene():
    window = offscreen_render_window(SIZE_PX, SIZE_PX)
    renderer = vtkRenderer()
    window.AddRenderer(renderer)
    cam = renderer.GetActiveCamera()
    cam.SetFocalPoint(0.0, 0.0, 0.0)
    cam.SetPosition(0.0, 500.0, 0.0)
    cam.SetViewUp(0.0, 0.0, 1.0)
    cam.SetViewAngle(30.0)
    labels = LevelLabels3D(renderer)
    yield window, renderer, labels
    window.Finalize()


def _box(labels):
    return labels.text_boxes()[0]


def test_the_left_edge_is_where_the_name_would_be_cut(scene):
    window, renderer, _labels = scene
    end_px = world_to_display(renderer, (120.0, 0.0, 0.0))[0]
    assert end_px == pytest.approx(SIZE_PX / 2 * (1 - 120 / (500 * np.tan(np.radians(15)))), abs=0.5)


def test_a_name_at_the_left_edge_is_moved_into_view(scene):
    window, renderer, labels = scene
    labels.set_levels([], auto=[("T11 (auto, confidence high)", (60.0, 0.0, 0.0))])
    window.Render()
    x0, y0, x1, y1 = _box(labels)
    assert x1 - x0 > 100  # a long name, wider than the room left of its vertebra
    assert x0 >= EDGE_PX - 1 and x1 <= SIZE_PX
    assert labels._labels[0][2].GetVisibility()


def test_a_name_is_not_moved_onto_a_needle_tip(scene):
    """A tip where the name would come once moved into view (27 px from the left edge), and an entry
    by the other side's place (2 px from it): the name slides up or down the left edge, inside the view
    and clear of the tip, its leader still ending at the body (issue 19: before, it stayed cut off)."""
    window, renderer, labels = scene
    labels.avoid_lps = np.array([[110.0, 0.0, 0.0], [-2.0, 0.0, 0.0]])
    labels.set_levels([], auto=[("T11 (auto, confidence high)", (60.0, 0.0, 0.0))])
    window.Render()
    x0, y0, x1, y1 = _box(labels)
    tx, ty = world_to_display(renderer, (110.0, 0.0, 0.0))[:2]
    assert x0 >= EDGE_PX - 1 and x1 <= SIZE_PX  # inside the view
    assert not (x0 - 7 < tx < x1 + 7 and y0 - 7 < ty < y1 + 7)  # clear of the tip and its marker
    assert abs((y0 + y1) / 2 - ty) < 40  # slid, not flung far from its vertebra
    assert labels._labels[0][2].GetVisibility() and labels._leaders.GetNumberOfLines() == 1


def test_a_name_keeps_off_a_zone_and_the_marker_corner_or_is_hidden(scene):
    """The zone's disc (radius 30 mm, 15 px at this scale) around the name's place and the
    orientation marker's corner below it: the name goes where neither is."""
    window, renderer, labels = scene
    labels.avoid_discs = lambda: [(np.array([60.0, 0.0, 0.0]), 30.0)]  # the left place, seen from P
    labels.keep_out = lambda: [(0.0, 0.0, 0.5, 0.5)]  # the lower-left quarter
    labels.set_levels([("L2", (0.0, 0.0, 0.0))])
    window.Render()
    (name, (x0, y0, x1, y1)), = labels.visible_boxes()
    cx, cy = world_to_display(renderer, (60.0, 0.0, 0.0))[:2]
    r_px = abs(world_to_display(renderer, (90.0, 0.0, 0.0))[0] - cx)
    nearest = np.array([min(max(cx, x0), x1), min(max(cy, y0), y1)])
    assert name == "L2" and np.hypot(*(nearest - (cx, cy))) > r_px
    assert not (x0 < SIZE_PX / 2 and y0 < SIZE_PX / 2)  # off the keep-out quarter
    labels.keep_out = lambda: [(0.0, 0.0, 1.0, 1.0)]  # no room anywhere: hidden, not drawn over it
    window.Render()
    assert labels.visible_boxes() == [] and labels._leaders.GetNumberOfLines() == 0


def test_a_name_whose_vertebra_is_below_the_view_is_hidden(scene):
    window, renderer, labels = scene
    labels.set_levels([("L4", (0.0, 0.0, -200.0)), ("L2", (0.0, 0.0, 0.0))])
    window.Render()
    actors = [actor for _n, _c, actor in labels._labels]
    assert not actors[0].GetVisibility() and actors[1].GetVisibility()
    assert labels._leaders.GetNumberOfLines() == 1  # no leader to a vertebra out of view
