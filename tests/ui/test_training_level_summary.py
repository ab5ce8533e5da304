"""Issue 19: the status bar's level summary puts the plan's levels first (planner.ui.level_summary), and a
training task's crosshair goes to its level (planner.ui.case_framing.task_focus_lps). Plain functions:
the expected strings are the rule's wording, the expected points the inputs' own centres."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from planner.ui.case_framing import task_focus_lps
from planner.ui.level_summary import plan_levels_text, summary_with_plan_levels

REASON = "The scan covers only 38 mm along the spine: too short to count."


def test_without_plan_levels_the_automatic_summary_is_unchanged():
    assert summary_with_plan_levels("Levels: not named", REASON, []) == ("Levels: not named", REASON)
    assert summary_with_plan_levels("Levels L1–L5 (auto)", "ok", ["", ""]) == ("Levels L1–L5 (auto)", "ok")


def test_a_task_level_with_nothing_named_automatically_says_both():
    text, tip = summary_with_plan_levels("Levels: not named", REASON, ["T12"], "the training task")
    assert text == "Level T12 (plan) · auto: not named"
    assert tip.startswith("T12: the plan's level (named by the training task).")
    assert tip.endswith("could not name the levels: " + REASON)


def test_plan_and_automatic_names_and_a_count_still_running():
    text, _ = summary_with_plan_levels("Levels L1–L5 (auto)", "", ["L2"])
    assert text == "Level L2 (plan) · Levels L1–L5 (auto)"
    text, tip = summary_with_plan_levels("", "", ["L2", "L3", "L2"])
    assert text == "Levels L2, L3 (plan)" and "not finished" in tip
    assert plan_levels_text([]) == ""


def _level(name, centre):
    return SimpleNamespace(name=name, body_centre_lps=centre)


def test_the_task_focus_is_its_level_then_the_automatic_vertebra_then_the_canal():
    levels = [_level("T11", (0.0, 0.0, 10.0)), _level("T12", (1.0, 2.0, -20.0))]
    np.testing.assert_allclose(task_focus_lps(levels, "T12"), (1.0, 2.0, -20.0))
    np.testing.assert_allclose(task_focus_lps(levels, "L1"), (0.0, 0.0, 10.0))  # not in the plan: its first
    spine = SimpleNamespace(vertebra_named=lambda n: _level(n, (5.0, 6.0, 7.0)) if n == "L2" else None)
    np.testing.assert_allclose(task_focus_lps([], "L2", spine), (5.0, 6.0, 7.0))
    assert task_focus_lps([], "L4", spine) is None  # nothing known: the case load's own focus applies
