"""Issue 15: the label layout tests its candidate spots all at once (numpy) and samples the body only in
the grid columns they reach; it must place every label exactly where the one-spot-at-a-time rule does.

The reference here is that rule written out as plain loops (since the screenshot round of issue 19: the
nearest heights first in either column, edge spots only within three label heights of the anchor's) (one rectangle against one obstacle at a
time, the body sampled over the whole view, a rectangle on the body when a sample in its cell block
is), on random scenes; no Qt needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.geometry.planes import SlicePlane
from planner.geometry.viewport import Viewport
from planner.ui import label_layout as ll
from planner.ui.label_body import SAMPLE_STEP_PX, BodyTest


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _free_spot_ref(columns, anchor_y, w, h, y_lo, y_hi, taken, on_body=None, max_slide=None):
    """The heights nearest the anchor's first (up before down), at each height every column in the order
    given; with ``max_slide`` (px), no spot farther than that from the anchor's height (the edge columns)."""
    start = min(max(anchor_y - h / 2, y_lo), y_hi - h)
    n = int((y_hi - y_lo) / ll.SLIDE_STEP_PX) + 1
    for k in range(n):
        for sign in ((1,) if k == 0 else (-1, 1)):
            y0 = start + sign * k * ll.SLIDE_STEP_PX
            if y0 < y_lo or y0 + h > y_hi or (max_slide is not None and abs(y0 - start) > max_slide):
                continue
            for x0 in columns:
                if x0 < 0:
                    continue
                rect = (x0, y0, x0 + w, y0 + h)
                if not any(_overlaps(rect, o) for o in taken) and not (on_body is not None and on_body(rect)):
                    return rect
    return None


def _place_ref(items, size_of, view_w, view_h, obstacles, on_body=None, beside_px=ll.BESIDE_PX):
    """The layout rule one rectangle at a time (the code before issue 15's vectorisation)."""
    taken, placed = list(obstacles), []
    y_lo, y_hi = ll.TOP_RESERVED_PX, view_h - ll.BOTTOM_RESERVED_PX
    for text, (ax, ay) in items:
        w, h = size_of(text)
        if y_hi - y_lo < h:
            continue
        near_left = ax <= view_w / 2
        columns = [ll.EDGE_GAP_PX, view_w - ll.EDGE_GAP_PX - w]
        columns = columns if near_left else columns[::-1]
        spot = _free_spot_ref(columns, ay, w, h, y_lo, y_hi, taken, on_body,
                              None if on_body is None else ll.MAX_EDGE_SLIDE_LABELS * h)
        if spot is None and on_body is not None:
            beside = [ax - beside_px - w, ax + beside_px] if near_left else [ax + beside_px, ax - beside_px - w]
            beside = [x0 for x0 in beside if ll.EDGE_GAP_PX <= x0 <= view_w - ll.EDGE_GAP_PX - w]
            spot = _free_spot_ref(beside, ay, w, h, y_lo, y_hi, taken)
        if spot is None:
            continue
        placed.append(ll.PlacedLabel(text, spot, (ax, ay)))
        taken.append(spot)
    return placed


class _Disc:
    """A body mask stand-in: the points within ``r`` mm of (cx, cy) in x, y."""

    def __init__(self, cx, cy, r):
        self.cx, self.cy, self.r = cx, cy, r
        self.points = 0

    def contains(self, pts):
        pts = np.asarray(pts, float)
        self.points += pts.reshape(-1, 3).shape[0]
        return (pts[..., 0] - self.cx) ** 2 + (pts[..., 1] - self.cy) ** 2 < self.r ** 2


class _View:
    def __init__(self, w, h, scale):
        self._w, self._h = w, h
        self.viewport = Viewport(w, h, 0.0, 0.0, scale)

    def width(self):
        return self._w

    def height(self):
        return self._h


class _Slice:
    plane = SlicePlane(np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    h_mm = 0.0


def _whole_view_rule(view, body):
    """rect -> bool from a sampling of the whole view (the rule before: one grid, one cell block)."""
    cols = int(np.ceil(view.width() / SAMPLE_STEP_PX)) + 1
    rows = int(np.ceil(view.height() / SAMPLE_STEP_PX)) + 1
    on = np.zeros((rows, cols), bool)
    for r in range(rows):
        for c in range(cols):
            a, b = view.viewport.screen_to_plane(c * SAMPLE_STEP_PX, r * SAMPLE_STEP_PX)
            on[r, c] = body.contains(np.array([a, b, 0.0]))

    def on_body(rect):
        x0, y0, x1, y1 = rect
        c0, c1 = int(np.floor(x0 / SAMPLE_STEP_PX)), int(np.ceil(x1 / SAMPLE_STEP_PX))
        r0, r1 = int(np.floor(y0 / SAMPLE_STEP_PX)), int(np.ceil(y1 / SAMPLE_STEP_PX))
        if r1 < 0 or c1 < 0 or r0 >= rows or c0 >= cols:
            return False
        return bool(on[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1].any())

    return on_body


def seed_dense(rng) -> bool:
    """Half the scenes are crowded (40-90 obstacles: some labels find no place and are left out)."""
    return bool(rng.integers(0, 2))


def _scene(rng, view_w, view_h):
    items = [(f"L{n}", (float(rng.uniform(0, view_w)), float(rng.uniform(0, view_h)))) for n in range(rng.integers(1, 8))]
    obstacles = []
    for _ in range(rng.integers(0, 25) if seed_dense(rng) else rng.integers(40, 90)):
        x, y = rng.uniform(-20, view_w), rng.uniform(-20, view_h)
        obstacles.append((float(x), float(y), float(x + rng.uniform(3, 120)), float(y + rng.uniform(3, 90))))
    return items, obstacles


def size_of(text):
    return 8.0 * len(text) + 8.0, 19.0


@pytest.mark.parametrize("seed", range(12))
def test_the_layout_places_every_label_where_the_one_at_a_time_rule_does(seed):
    rng = np.random.default_rng(seed)
    view_w, view_h = float(rng.integers(200, 700)), float(rng.integers(150, 600))
    items, obstacles = _scene(rng, view_w, view_h)
    assert ll.place_labels(items, size_of, view_w, view_h, obstacles) == _place_ref(
        items, size_of, view_w, view_h, obstacles)
    # with the body: a plain callable, and the sampled body test that answers many spots at once
    view = _View(int(view_w), int(view_h), float(rng.uniform(0.8, 3.0)))
    body = _Disc(float(rng.uniform(-60, 60)), float(rng.uniform(-60, 60)), float(rng.uniform(20, 200)))
    rule = _whole_view_rule(view, body)
    beside = float(rng.uniform(20, 90))
    expected = _place_ref(items, size_of, view.width(), view.height(), obstacles, on_body=rule, beside_px=beside)
    assert ll.place_labels(items, size_of, view.width(), view.height(), obstacles, on_body=rule,
                           beside_px=beside) == expected
    body.points = 0
    sampled = BodyTest(view, _Slice(), body)
    assert ll.place_labels(items, size_of, view.width(), view.height(), obstacles, on_body=sampled,
                           beside_px=beside) == expected
    whole = (int(np.ceil(view.width() / SAMPLE_STEP_PX)) + 1) * (int(np.ceil(view.height() / SAMPLE_STEP_PX)) + 1)
    assert body.points <= whole  # each grid point sampled at most once


def test_the_body_test_answers_like_the_whole_view_rule_for_any_rectangle():
    rng = np.random.default_rng(7)
    view = _View(333, 241, 1.7)
    body = _Disc(10.0, -5.0, 60.0)
    rule = _whole_view_rule(view, body)
    test = BodyTest(view, _Slice(), body)
    x0, y0 = rng.uniform(-60, 360, 400), rng.uniform(-60, 260, 400)
    rects = np.column_stack([x0, y0, x0 + rng.uniform(0.5, 90, 400), y0 + rng.uniform(0.5, 60, 400)])
    expected = [rule(tuple(r)) for r in rects.tolist()]
    assert test.many(rects).tolist() == expected
    assert [test(tuple(r)) for r in rects.tolist()] == expected
    assert any(expected) and not all(expected)  # the scene has both answers (the test proves something)
