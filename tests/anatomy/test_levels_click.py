"""Issue 13: a click in a vertebral body (the V level tool, the mirror of a needle without a level, a CTV's
level) gives that body or, where it cannot be measured, nothing; never a neighbour's body.

Before: :func:`planner.anatomy.levels.detect_level` alone, from a click at T8's by-eye centre on the shared
lumbar scan, gave a body 29.7 mm away (T8 merged with T7, 25 mm high, 74 x 77 mm), and T10's tilt search
turned the "head" axis forward (a 94 mm deep body); on the T11-T12 scan the tool said T12 was cut by the
scan's end while the automatic search had measured it whole. The references are the corner points read by
eye on the mid-sagittal slice (tests/anatomy/test_body_centres.py) and the T11-T12 training reference's
body centre (TotalSegmentator's label, tests/planning/test_level_fallback.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.levels_click import measure_body_at, plausible_click_body
from planner.core.errors import PlannerError
from planner.plan.io import read_plan
from planner.core.resources import resource_path
from planner.session.level_search import find_level, known_neighbours
from planner.session.session import PlanningSession
from tests.anatomy.test_body_centres import TOLERANCE_MM, _reference_lps

pytestmark = pytest.mark.realdata

THORACIC = ("T6", "T7", "T8", "T9", "T10", "T11")
#: A body measured at the click, not the automatic one: half a thoracic body's height (about 20 mm,
#: Egwu et al. 2019) from the reference at most, so never the neighbour's (one body and disc away).
OWN_BODY_MM = 6.0


def _distance(g, point) -> float:
    return float(np.linalg.norm(np.asarray(g.body_centre_lps) - np.asarray(point)))


@pytest.mark.parametrize("name", THORACIC)
def test_a_click_in_a_found_vertebra_gives_that_vertebra(lumbar_volume, lumbar_spine, name):
    reference = _reference_lps(lumbar_volume, name)
    g = measure_body_at(lumbar_volume, reference, "T4", lumbar_spine.vertebrae)  # the user's name is kept
    assert g.name == "T4" and g.confidence == 1.0
    assert _distance(g, reference) <= TOLERANCE_MM.get(name, 3.0)


@pytest.mark.parametrize("name", THORACIC)
def test_without_the_automatic_vertebrae_a_click_gives_its_own_body_or_none(lumbar_volume, name):
    reference = _reference_lps(lumbar_volume, name)
    try:
        g = measure_body_at(lumbar_volume, reference, name)
    except PlannerError as exc:
        assert "vertebral body" in str(exc)
        return
    assert _distance(g, reference) <= OWN_BODY_MM and plausible_click_body(g, name)


@pytest.mark.parametrize("name", THORACIC)
def test_a_vertebra_the_search_lost_is_measured_beside_its_neighbours(lumbar_volume, lumbar_spine, name):
    """As if the walk had not found ``name``: the click is measured in the nearest vertebra's frame and judged
    by its height; the body kept is the clicked one (or none)."""
    others = [g for g in lumbar_spine.vertebrae if g.name != name]
    reference = _reference_lps(lumbar_volume, name)
    try:
        g = measure_body_at(lumbar_volume, reference, name, others)
    except PlannerError:
        return
    assert _distance(g, reference) <= OWN_BODY_MM


def test_the_neighbours_of_a_clicked_vertebra_are_the_found_ones_renamed(lumbar_spine):
    by_name = {g.name: g for g in lumbar_spine.vertebrae}
    above, below = known_neighbours(lumbar_spine.vertebrae, by_name["T8"], "T5")  # the user calls T8 "T5"
    assert (above.name, below.name) == ("T4", "T6")
    assert above.body_centre_lps == by_name["T7"].body_centre_lps
    assert below.body_centre_lps == by_name["T9"].body_centre_lps
    assert [g.name for g in known_neighbours(lumbar_spine.vertebrae, by_name["S1"], "S1")] == ["L5"]


def test_the_level_tool_takes_the_whole_t12_the_search_found(t11_t12_volume, t11_t12_spine):
    """T11-T12 scan: the V-click at the reference's T12 centre gives the body the automatic search measured
    whole (not "cut by the scan's end" and the frame from the bone)."""
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(t11_t12_volume)
    session.anatomy.set_spine(t11_t12_spine)
    ref = read_plan(resource_path("training", "t11-t12", "t12-right-transpedicular.plan.json"))
    centre = np.asarray(ref.levels[0].body_centre_lps)
    outcome = find_level(session, t11_t12_volume, centre, "T12")
    assert outcome.geometry is not None and outcome.fallback is None, outcome.why
    assert outcome.geometry.complete and outcome.geometry.name == "T12"
    # within a quarter of a thoracic body's depth (about 30 mm, DOMAIN.md) of the machine-made reference
    assert _distance(outcome.geometry, centre) < 8.0
