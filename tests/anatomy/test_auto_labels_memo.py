"""The automatic level labels (names written beside the vertebrae in the 2D views) are kept between
paints (issue 15: every 2D paint of a drag asked for them) and still follow every change they depend on:
a renamed spine (shift all levels, a new SpineResult) and the plan's levels (a plan level takes the
vertebra its centre lies in). Expected names come from the lumbar scan's reference count
(tests/anatomy/test_body_centres.py: T6-S1 on the native scan)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.plan.items import Level
from planner.session.anatomy_state import auto_level_labels
from planner.session.level_rename import shifted_name

pytestmark = pytest.mark.realdata

NATIVE_NAMES = ["S1", "L5", "L4", "L3", "L2", "L1", "T12", "T11", "T10", "T9", "T8", "T7", "T6"]


def _names(labels):
    return [name for _text, _centre, name in labels]


def test_labels_follow_the_spine_and_the_plan_levels(lumbar_spine):
    first = auto_level_labels(lumbar_spine, ())
    assert sorted(_names(first)) == sorted(NATIVE_NAMES)
    assert auto_level_labels(lumbar_spine, ()) == first
    first.clear()  # a caller changing its list changes nothing kept
    assert sorted(_names(auto_level_labels(lumbar_spine, ()))) == sorted(NATIVE_NAMES)

    shifted = replace(lumbar_spine, vertebrae=tuple(replace(v, name=shifted_name(v.name, 1)) if v.name else v
                                                    for v in lumbar_spine.vertebrae if v.name != "S1"))
    assert sorted(_names(auto_level_labels(shifted, ()))) == sorted(shifted_name(n, 1) for n in NATIVE_NAMES
                                                                    if n != "S1")

    l2 = lumbar_spine.vertebra_named("L2")
    level = Level(name="T2",  # a name no vertebra here has (T6-S1): only its centre takes L2
                   body_centre_lps=tuple(map(float, l2.body_centre_lps)))
    with_level = _names(auto_level_labels(lumbar_spine, (level,)))
    assert "L2" not in with_level and len(with_level) == len(NATIVE_NAMES) - 1
    moved = replace(level, body_centre_lps=tuple(map(float, lumbar_spine.vertebra_named("L4").body_centre_lps)))
    with_moved = _names(auto_level_labels(lumbar_spine, (moved,)))
    assert "L4" not in with_moved and "L2" in with_moved
