"""The plan document and its items, undoable commands, JSON read/write with schema version and migrations."""

from planner.plan.commands import CommandStack
from planner.plan.document import PlanDocument, PlanState
from planner.plan.io import read_plan, write_plan
from planner.plan.items import Antenna, Level, Needle, SeriesRef, Target, Thermocouple

__all__ = [
    "Antenna",
    "CommandStack",
    "Level",
    "Needle",
    "PlanDocument",
    "PlanState",
    "SeriesRef",
    "Target",
    "Thermocouple",
    "read_plan",
    "write_plan",
]
