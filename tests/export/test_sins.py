"""SINS total and category from the DOMAIN.md table (Fisher, Spine 2010)."""

import pytest

from planner.core.errors import PlanError
from planner.report.sins import (MAX_SINS, SINS_COMPONENTS, check_sins, location_score_for_level, score_sins,
                                 sins_category)


def test_table_maximum_is_18_and_components_match_the_domain_table():
    assert MAX_SINS == 18
    assert [c.key for c in SINS_COMPONENTS] == ["location", "pain", "lesion", "alignment", "collapse", "posterolateral"]
    assert {c.key: c.scores for c in SINS_COMPONENTS}["collapse"] == (3, 2, 1, 0)


@pytest.mark.parametrize("total, category", [(0, "stable"), (6, "stable"), (7, "potentially unstable"),
                                             (12, "potentially unstable"), (13, "unstable"), (18, "unstable")])
def test_category_boundaries(total, category):
    assert sins_category(total) == category


def test_score_sums_components_and_worst_case_is_unstable():
    worst = {c.key: max(c.scores) for c in SINS_COMPONENTS}
    result = score_sins(worst)
    assert result.total == 18 and result.category == "unstable" and result.complete
    l2 = score_sins({"location": 2, "pain": 3, "lesion": 2, "alignment": 0, "collapse": 1, "posterolateral": 1})
    assert (l2.total, l2.category) == (9, "potentially unstable")


def test_incomplete_scores_have_no_total():
    result = score_sins({"pain": 3})
    assert result.total is None and "location" in result.missing and result.category.startswith("incomplete")


@pytest.mark.parametrize("bad", [{"pain": 2}, {"alignment": 1}, {"colour": 1}, {"pain": True}])
def test_impossible_scores_are_refused(bad):
    with pytest.raises(PlanError):
        check_sins(bad)


@pytest.mark.parametrize("level, score", [("T1", 3), ("T2", 3), ("T3", 1), ("T10", 1), ("T11", 3), ("L1", 3),
                                          ("L2", 2), ("L4", 2), ("L5", 3), ("S1", 3)])
def test_location_from_level(level, score):
    assert location_score_for_level(level) == score
