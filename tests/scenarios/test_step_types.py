"""The table of scenario step types: every step is done by both runners; arguments are checked by name."""

import pytest

from planner.scenarios.model import ScenarioError
from planner.scenarios.runner import HeadlessRunner
from planner.scenarios.step_types import PLAN_CHANGING, STEP_TYPES

_DONE_BY_THE_BASE = {"undo", "redo", "expect"}


def test_every_step_type_is_done_by_the_headless_runner_and_the_gui_driver():
    pytest.importorskip("PySide6")
    from planner.ui.scenario_driver import GuiScenarioDriver

    for kind in set(STEP_TYPES) - _DONE_BY_THE_BASE:
        assert callable(getattr(HeadlessRunner, f"do_{kind}", None)), kind
        assert callable(getattr(GuiScenarioDriver, f"do_{kind}", None)), kind


def test_plan_changing_steps_are_the_ones_that_add_change_or_delete_items():
    assert set(PLAN_CHANGING) == {"add_needle", "add_thermocouple", "add_antenna", "set_antenna", "add_target",
                                  "bipedicular", "delete"}


@pytest.mark.parametrize("kind, raw, where, why", [
    ("add_antenna", {"needle": "n", "power_w": -3}, "s.power_w", "must be greater than 0"),
    ("add_target", {"label": "t", "centre_lps": [0, 0, 0], "semi_axes_mm": [1, 0, 1]}, "s.semi_axes_mm",
     "greater than 0"),
    ("add_needle", {"label": "n", "entry_lps": [0, 0, 0], "tip_lps": [0, 0, 0.5]}, "s", "at least 1 mm apart"),
    ("view", {"window": ""}, "s.window", "non-empty text"),
    ("redo", {"count": True}, "s.count", "whole number >= 1"),
    ("undo", True, "s", "must be a mapping"),
])
def test_arguments_are_checked_by_name_then_by_the_step_rule(kind, raw, where, why):
    with pytest.raises(ScenarioError, match=f"^{where}: .*{why}"):
        STEP_TYPES[kind].parse(kind, raw, "s")


def test_shorthand_and_defaults():
    assert STEP_TYPES["undo"].parse("undo", 3, "s") == {"count": 3}
    assert STEP_TYPES["redo"].parse("redo", None, "s") == {"count": 1}
    assert STEP_TYPES["add_target"].parse("add_target", {"label": "t", "centre_lps": [1, 2, 3], "radius_mm": 4},
                                          "s") == {"label": "t", "centre_lps": (1.0, 2.0, 3.0), "radius_mm": 4.0}
