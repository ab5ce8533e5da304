"""Replayable QA scenarios: a file of steps (open a series, set the view, add and edit plan items,
undo/redo, analyse) and expectations on the results; run headless or through the real GUI.

See docs/scenarios.md for the file format.
"""

from planner.scenarios.model import Scenario, ScenarioError, load_scenario, scenario_files
from planner.scenarios.report import result_dict, result_text
from planner.scenarios.runner import CaseCache, HeadlessRunner, run_scenario
from planner.scenarios.steps import ScenarioResult

__all__ = [
    "CaseCache",
    "HeadlessRunner",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "load_scenario",
    "result_dict",
    "result_text",
    "run_scenario",
    "scenario_files",
]
