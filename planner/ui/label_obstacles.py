"""The level names' obstacles, kept per view frame and per plan item between repaints (issue 15).

What the level names keep off (:func:`planner.ui.level_labels.LevelLabelOverlay.layout`): every needle,
antenna and thermocouple end as drawn (:func:`~planner.ui.label_layout.point_rect`), the item labels,
every zone's outline box, the view's corner texts and every drawn shaft along its length
(:func:`planner.ui.label_needle.shaft_rects`). A drag repaints each 2D view once per frame and moves only
the dragged item, yet every paint rebuilt all of these from all items (the largest part of the level
names' cost in ``benchmarks/bench_drag.py --parts``).

Each item's ends and shaft squares depend only on the item (plan items are immutable: an edit replaces
the item by a changed copy, so a moved needle is a new object) and on the view's frame (the displayed
slice, the mapping plane, half thickness and viewport: :func:`planner.ui.overlay_geometry.frame_key`).
They are therefore kept in the view's :class:`~planner.ui.overlay_geometry.FrameGeometry` (any change of
the frame drops every entry; an item that is no longer drawn drops at the end of the paint), keyed by
the item's (and its antenna's) identity and the view's size, and computed by the very functions a
fresh rebuild calls, so the rectangles are the same floats. ``slice_cache.ENABLED = False`` builds
everything afresh (what tests/ui/test_label_obstacles_cache.py compares against).

:func:`obstacle_groups` returns the obstacles as groups in the order the level names have always
listed them (ends of each item, item labels, zones, corner texts, shafts of each item); a group of an
item that did not change is the same tuple object as at the last paint, so :func:`changed_rects` finds
what moved by comparing only the groups that are not.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from planner.ui.label_layout import point_rect
from planner.ui.label_needle import shaft_squares
from planner.ui.overlay_geometry import cached as _cached


def _floats(rects) -> tuple:
    """Rectangles as tuples of Python floats (what :func:`planner.ui.level_labels` compares)."""
    return tuple(tuple(map(float, r)) for r in rects)


def _needle_build(view, needle, antenna):
    """(ends, shaft squares) of a needle and its antenna, in :func:`plan_ends_lps` and
    :func:`planner.ui.label_needle.plan_shafts_lps` order."""
    ends = [needle.entry_lps, needle.tip_lps]
    shafts = shaft_squares(view, needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm)
    if antenna is not None:
        antenna_tip = antenna.tip_lps(needle)
        ends.append(antenna_tip)
        shafts += shaft_squares(view, needle.tip_lps, antenna_tip, needle.outer_diameter_mm)
    return _floats(point_rect(*view.lps_to_screen(p)) for p in ends), _floats(shafts)


def _thermocouple_build(view, tc):
    ends = (tc.entry_lps, tc.tip_lps)
    return (_floats(point_rect(*view.lps_to_screen(p)) for p in ends),
            _floats(shaft_squares(view, tc.entry_lps, tc.tip_lps, tc.outer_diameter_mm)))


def item_groups(view, plan) -> tuple[list, list]:
    """(ends groups, shaft groups): one tuple of rectangles per needle (with its antenna) and per
    thermocouple, each kept per view frame and item."""
    size = (view.width(), view.height())
    ends, shafts = [], []
    for needle in plan.needles:
        antenna = plan.antenna_for(needle.id)
        e, s = _cached(view, ("label obstacles", id(needle), id(antenna)) + size,
                       lambda: _needle_build(view, needle, antenna), anchor=(needle, antenna))
        ends.append(e)
        shafts.append(s)
    for tc in plan.thermocouples:
        e, s = _cached(view, ("label obstacles", id(tc)) + size, lambda: _thermocouple_build(view, tc), anchor=tc)
        ends.append(e)
        shafts.append(s)
    return ends, shafts


def obstacle_groups(view, plan, label_rects, zone_rects, corner_rects) -> list[tuple]:
    """Every obstacle of the level names as groups, in their historical order: each item's ends, the
    item labels, the zones, the corner texts, each item's shafts."""
    ends, shafts = item_groups(view, plan)
    return ends + [_floats(label_rects), _floats(zone_rects), _floats(corner_rects)] + shafts


def flatten(groups) -> list:
    return [rect for group in groups for rect in group]


def changed_rects(before: tuple, now: tuple) -> list | None:
    """The rectangles that appeared or went between two lists of groups (the multiset difference of
    the two flat lists, as :func:`planner.ui.level_labels.unchanged_for` computes it), from the groups
    that differ only; None when the groups do not pair up (another count of items)."""
    if len(before) != len(now):
        return None
    gone, came = Counter(), Counter()
    for a, b in zip(before, now):
        if a is not b and a != b:
            gone.update(a)
            came.update(b)
    return list((gone - came).elements()) + list((came - gone).elements())


def near_anchors(view, levels, near_mm: float) -> list:
    """(text, screen anchor) of each (text, body centre LPS) of ``levels`` whose centre lies within
    ``near_mm`` of the displayed slice, in order; kept per view frame and the levels' values (the
    levels stand still while a needle is dragged)."""
    key = ("level anchors", float(near_mm)) + tuple((text, tuple(map(float, centre))) for text, centre in levels)

    def build():
        items = []
        for text, centre in levels:
            centre = np.asarray(centre, float)
            if abs(float(view.height_above_slice_mm(centre))) <= near_mm:
                items.append((text, view.lps_to_screen(centre)))
        return tuple(items)

    return list(_cached(view, key, build, None))
