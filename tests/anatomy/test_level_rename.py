"""Renaming every level by one (planner/session/level_rename.py) on the sample: plan levels, needles'
levels and automatic vertebrae move together, in one undo step; nothing moves past T1/S1."""

from __future__ import annotations

import pytest

from planner.core.errors import PlanError
from planner.plan import commands
from planner.plan.items import Level, Needle
from planner.session.level_rename import shift_all_levels, shifted_name
from planner.session.session import PlanningSession


@pytest.fixture()
def session(sample_volume):
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(sample_volume)  # loaded once per session (tests/conftest.py)
    for name, z in (("L1", 10.0), ("L2", -20.0)):
        s.stack.push(commands.add_item(Level(name=name, body_centre_lps=(0.0, 0.0, z))))
    s.stack.push(commands.add_item(Needle((60.0, 80.0, -20.0), (0.0, 0.0, -20.0), level="L2", id="n1")))
    return s


def test_shifted_name():
    assert shifted_name("L2", 1) == "L3" and shifted_name("L1", -1) == "T12"
    with pytest.raises(PlanError, match="S1"):
        shifted_name("S1", 1)


def test_shift_down_and_undo(session):
    assert shift_all_levels(session, +1) == 3
    assert sorted(lv.name for lv in session.plan.levels) == ["L2", "L3"]
    assert session.plan.get("n1").level == "L3"
    session.stack.undo()
    assert sorted(lv.name for lv in session.plan.levels) == ["L1", "L2"]
    assert session.plan.get("n1").level == "L2"


def test_shift_refused_past_the_end(session):
    session.stack.push(commands.add_item(Level(name="S1", body_centre_lps=(0.0, 0.0, -90.0))))
    with pytest.raises(PlanError):
        shift_all_levels(session, +1)
    assert sorted(lv.name for lv in session.plan.levels) == ["L1", "L2", "S1"]
