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


def _leader(labels) -> tuple[np.ndarray, np.ndarray]:
    pts = labels._leaders.GetPoints()
    return np.array(pts.GetPoint(0))[:2], np.array(pts.GetPoint(1))[:2]


def test_a_name_and_its_leader_keep_off_a_shaft_across_its_place(scene):
    """Issue 19 (screenshot round): seen from behind, a transpedicular needle runs across the screen at
    its vertebra's height, through the name's place and the leader's end on the body's side. The name
    and its whole leader keep off the shaft (its drawn radius, 0.9 mm = 1.0 px at 300 px / 268 mm,
    plus SHAFT_AIR_PX); the leader ends on the body's side within 10 mm of the body's centre height."""
    from planner.render.level_labels3d import LEADER_STOP_MM, SHAFT_AIR_PX

    window, renderer, labels = scene
    px_per_mm = SIZE_PX / (2 * 500 * np.tan(np.radians(15)))
    labels.avoid_segments = lambda: [((130.0, 0.0, 0.0), (8.0, 0.0, 0.0), 1.8)]
    labels.set_levels([("L2", (0.0, 0.0, 0.0))])
    window.Render()
    cx, cy = world_to_display(renderer, (0.0, 0.0, 0.0))[:2]
    half = 0.9 * px_per_mm + SHAFT_AIR_PX
    x0, y0, x1, y1 = _box(labels)
    assert labels._labels[0][2].GetVisibility()
    assert y0 > cy + half or y1 < cy - half  # the name above or below the shaft's line
    start, end = _leader(labels)
    ys = start[1] + np.linspace(0.0, 1.0, 200) * (end[1] - start[1])
    assert np.all(np.abs(ys - cy) > half - 1e-9)  # no point of the leader on the shaft
    anchor_x = world_to_display(renderer, (LEADER_STOP_MM, 0.0, 0.0))[0]
    assert end[0] == pytest.approx(anchor_x, abs=0.5)  # at the body's side ...
    assert 0 < abs(end[1] - cy) <= 10.0 * px_per_mm + 0.5  # ... above or below its middle


def test_a_leader_that_cannot_pass_a_zone_stops_short_of_it(scene):
    """A zone's disc (radius 35 mm) around the body, over both its sides (the leaders end 30 mm out): no
    leader end is clear, so the name keeps its free place (60 mm out) and its leader stops outside the
    disc, pointing at the body."""
    window, renderer, labels = scene
    px_per_mm = SIZE_PX / (2 * 500 * np.tan(np.radians(15)))
    labels.avoid_discs = lambda: [(np.array([0.0, 0.0, 0.0]), 35.0)]
    labels.set_levels([("L2", (0.0, 0.0, 0.0))])
    window.Render()
    assert labels._labels[0][2].GetVisibility()
    start, end = _leader(labels)
    zx, zy = world_to_display(renderer, (0.0, 0.0, 0.0))[:2]
    pts = start + np.linspace(0.0, 1.0, 200)[:, None] * (end - start)
    assert np.all(np.hypot(pts[:, 0] - zx, pts[:, 1] - zy) > 35.0 * px_per_mm)
    assert np.linalg.norm(end - start) >= 2.0  # a leader, toward the body
