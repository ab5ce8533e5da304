"""Issue 15: a view's level-name layout is reused when the obstacles that moved touch none of the spots
its labels tried (:func:`planner.ui.level_labels.unchanged_for`), and is then exactly the layout a
fresh :func:`place_labels` gives among the new obstacles; an obstacle moved onto a tried spot makes a
new layout. The reference is always a fresh layout of the same scene; no Qt needed.
"""

from __future__ import annotations

import numpy as np

from planner.ui import label_layout as ll
from planner.ui import slice_cache
from planner.ui.level_labels import LevelLabelOverlay, unchanged_for

VIEW_W, VIEW_H = 420.0, 330.0


def _size_of(text: str):
    return 8.0 * len(text) + 8.0, 18.0


def _scene(rng):
    """Random labels near the middle, tips and zone boxes, and maybe a body covering a central band."""
    items = [(f"L{n}", (float(rng.uniform(120, 300)), float(rng.uniform(40, 290)))) for n in range(rng.integers(1, 6))]
    obstacles = [ll.point_rect(*rng.uniform((0, 0), (VIEW_W, VIEW_H))) for _ in range(rng.integers(0, 6))]
    for _ in range(rng.integers(0, 3)):
        x, y = rng.uniform((0, 0), (VIEW_W, VIEW_H))
        w, h = rng.uniform(20, 90, 2)
        obstacles.append((float(x), float(y), float(x + w), float(y + h)))
    if rng.random() < 0.5:
        band = float(rng.uniform(30, 200))

        def on_body(rect, band=band):  # the body: a band left of x = band (the edge column on it)
            return rect[0] < band
        return items, obstacles, on_body
    return items, obstacles, None


def _moved(rng, obstacles):
    """The obstacles with one of them moved (or one added), as a drag moves a tip or a zone."""
    moved = list(obstacles)
    dx, dy = rng.normal(0, 25, 2)
    if moved and rng.random() < 0.8:
        n = int(rng.integers(len(moved)))
        x0, y0, x1, y1 = moved[n]
        moved[n] = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    else:
        moved.append(ll.point_rect(*rng.uniform((0, 0), (VIEW_W, VIEW_H))))
    return moved


def _layout(items, obstacles, on_body, tried=None):
    return ll.place_labels(items, _size_of, VIEW_W, VIEW_H, obstacles, on_body=on_body, beside_px=40.0,
                           tried=tried)


def test_tried_changes_no_choice_and_an_untouched_layout_is_the_fresh_one():
    rng = np.random.default_rng(2026)
    kept = redone = redone_differs = 0
    for _ in range(600):
        items, obstacles, on_body = _scene(rng)
        tried: list = []
        before = _layout(items, obstacles, on_body, tried)
        assert before == _layout(items, obstacles, on_body)  # the trace changes nothing
        spots = np.concatenate(tried) if tried else np.zeros((0, 4))
        after_obstacles = _moved(rng, obstacles)
        fresh = _layout(items, after_obstacles, on_body)
        if unchanged_for(spots, tuple(map(tuple, obstacles)), tuple(map(tuple, after_obstacles))):
            kept += 1
            assert fresh == before
        else:
            redone += 1
            redone_differs += fresh != before
    assert kept > 50 and redone > 25  # both cases well exercised (fewer spots tried since edge spots keep near)
    assert redone_differs > 10  # an obstacle moved onto a tried spot does change layouts: they must be redone


class _View:
    def __init__(self, w, h):
        self._w, self._h = w, h

    def width(self):
        return self._w

    def height(self):
        return self._h


def test_overlay_reuses_a_layout_only_while_the_moved_obstacles_miss_its_tried_spots():
    overlay = LevelLabelOverlay(session=None)
    view = _View(VIEW_W, VIEW_H)
    items = [("L2", (200.0, 150.0)), ("L3", (210.0, 220.0))]
    options = {"on_body": None, "beside_px": 40.0}
    tip = ll.point_rect(200.0, 150.0)
    first = overlay._place(view, items, _size_of, [tip], options)
    assert overlay.placements == 1
    (x0, y0, x1, y1) = first[0].rect
    # the tip moves in the middle of the view, far from every edge spot tried: the same layout, no new one
    moved = [ll.point_rect(215.0, 160.0)]
    assert overlay._place(view, items, _size_of, moved, options) == _layout(items, moved, None) == first
    assert overlay.placements == 1
    # an obstacle onto the spot the first label took: laid out again, as a fresh layout
    onto = moved + [(x0 + 2, y0 + 2, x1 - 2, y1 - 2)]
    again = overlay._place(view, items, _size_of, onto, options)
    assert overlay.placements == 2
    assert again == _layout(items, onto, None) and again != first
    # other anchors (a new slice) are a new layout whatever the obstacles
    shifted = [("L2", (200.0, 151.0)), ("L3", (210.0, 220.0))]
    overlay._place(view, shifted, _size_of, onto, options)
    assert overlay.placements == 3
    # with the caches off, every call lays out afresh
    slice_cache.ENABLED = False
    try:
        overlay._place(view, shifted, _size_of, onto, options)
        assert overlay.placements == 4
    finally:
        slice_cache.ENABLED = True


def test_same_levels_is_the_per_label_allclose():
    """The 3D level names are rebuilt when :func:`same_levels` says the levels changed: the same
    answer as comparing each label's name and centre with ``np.allclose`` (the rule before issue 15)."""
    from planner.ui.level_labels import same_levels

    def per_label(a, b):
        return [n for n, _ in a] == [n for n, _ in b] and not any(
            not np.allclose(c, old) for (_, c), (_, old) in zip(a, b))

    rng = np.random.default_rng(15)
    answers = set()
    for _ in range(400):
        n = int(rng.integers(0, 5))
        a = [(f"L{k}", tuple(rng.uniform(-200, 200, 3))) for k in range(n)]
        b = [(name, tuple(np.asarray(c) + rng.choice([0.0, 1e-9, 1e-6, 1e-3], 3) * rng.choice([0, 1], 3)))
             for name, c in a]
        if n and rng.random() < 0.2:
            b[int(rng.integers(n))] = ("T12", b[0][1])
        assert same_levels(a, b) == per_label(a, b)
        answers.add(same_levels(a, b))
    assert answers == {True, False}


def test_needle_view_placers_report_their_tried_spots_in_view_coordinates():
    """The needle views' placers (planner/ui/label_needle.py) hand the reuse rule the spots they tried;
    the transposed one places on the view with x and y swapped, so its spots must be swapped back: each
    label's own rectangle is among the spots reported for it, and an obstacle moved onto that rectangle
    lies on a tried spot (the layout is not reused)."""
    from planner.ui.label_needle import EverywhereBody, place_beside, place_transposed

    rng = np.random.default_rng(7)
    for placer, across in ((place_beside, False), (place_transposed, True)):
        for _ in range(40):
            items, obstacles, _ = _scene(rng)
            tried: list = []
            placed = placer(items, _size_of, VIEW_W, VIEW_H, obstacles, on_body=EverywhereBody(across), tried=tried)
            spots = np.concatenate(tried) if tried else np.zeros((0, 4))
            for label in placed:
                assert np.any(np.all(np.isclose(spots, np.asarray(label.rect, float)), axis=1)), (placer, label)
                assert not unchanged_for(spots, obstacles, obstacles + [tuple(label.rect)])
