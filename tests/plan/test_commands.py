"""Undoable commands: every command undone back to empty and redone, merging, locks, mirroring."""

import numpy as np
import pytest

from planner.core.errors import PlanError
from planner.plan import commands as C
from planner.plan.commands import CommandStack
from planner.plan.items import Antenna, Target, Thermocouple

from .conftest import make_level, make_needle


def test_undo_everything_to_empty_and_redo_again(doc):
    stack = CommandStack(doc)
    level = make_level(plane_point_lps=(1.0, 10.0, -200.0))
    needle = make_needle()
    antenna = Antenna(needle_id=needle.id)
    thermo = Thermocouple(entry_lps=(-20, 95, -190), tip_lps=(-12, 30, -190))
    target = Target(centre_lps=(0, 5, -200), name="Lesion")
    steps = [
        lambda: C.add_item(level),
        lambda: C.add_item(needle),
        lambda: C.add_item(antenna),
        lambda: C.add_item(thermo),
        lambda: C.add_item(target),
        lambda: C.move_point(needle.id, "tip_lps", (-3, 4, -201)),
        lambda: C.set_fields(antenna.id, power_w=40, time_s=120),
        lambda: C.move_item(doc, needle.id, (0, 0, 5)),
        lambda: C.rename(thermo.id, "Epidural"),
        lambda: C.duplicate(doc, needle.id, offset_lps=(0, 0, 30)),
        lambda: C.bipedicular_pair(doc, needle.id),
        lambda: C.lock(needle.id),
        lambda: C.lock(needle.id, False),
        lambda: C.remove_item(needle.id),
        lambda: C.move_item(doc, target.id, (1, 1, 1)),
        lambda: C.remove_item(level.id),
    ]
    states = [doc.state()]
    for make in steps:
        stack.push(make())
        stack.end_merge()
        states.append(doc.state())
    assert len(stack) == len(steps)
    assert len(doc.needles) == 2 and len(doc.antennas) == 2 and not doc.levels  # original needle gone
    for expected in reversed(states[:-1]):
        stack.undo()
        assert doc.state() == expected
    assert len(doc) == 0 and not stack.can_undo and stack.can_redo
    for expected in states[1:]:
        stack.redo()
        assert doc.state() == expected
    assert not stack.can_redo


def test_deleting_a_needle_deletes_its_antenna_as_one_step(full_doc):
    stack = CommandStack(full_doc)
    needle, antenna = full_doc.needles[0], full_doc.antennas[0]
    before = full_doc.state()
    stack.push(C.remove_item(needle.id))
    assert needle.id not in full_doc and antenna.id not in full_doc
    stack.undo()
    assert full_doc.state() == before
    assert full_doc.antenna_for(needle.id) == antenna


def test_drag_merges_into_one_undo_step_until_released(doc):
    stack = CommandStack(doc)
    needle = make_needle()
    stack.push(C.add_item(needle))
    start = doc.state()
    for z in np.linspace(-202, -190, 7):
        stack.push(C.move_point(needle.id, "tip_lps", (-4, 5, z)))
    assert len(stack) == 2 and doc.get(needle.id).tip_lps == (-4.0, 5.0, -190.0)
    stack.end_merge()  # mouse released
    stack.push(C.move_point(needle.id, "tip_lps", (-4, 5, -180)))
    stack.push(C.move_point(needle.id, "entry_lps", (-40, 90, -200)))  # another handle: new step
    assert len(stack) == 4
    stack.undo()
    stack.undo()
    assert doc.get(needle.id).tip_lps == (-4.0, 5.0, -190.0)
    stack.undo()
    assert doc.state() == start


def test_whole_needle_moves_merge_and_keep_the_needle_rigid(doc):
    stack = CommandStack(doc)
    needle = make_needle()
    stack.push(C.add_item(needle))
    for _ in range(5):
        stack.push(C.move_item(doc, needle.id, (1, 0, 0)))
    moved = doc.get(needle.id)
    np.testing.assert_allclose(moved.entry_lps, np.add(needle.entry_lps, (5, 0, 0)))
    np.testing.assert_allclose(moved.tip_lps, np.add(needle.tip_lps, (5, 0, 0)))
    assert moved.length_mm == pytest.approx(needle.length_mm) and len(stack) == 2


def test_locked_items_refuse_edits(full_doc):
    stack = CommandStack(full_doc)
    needle, antenna = full_doc.needles[0], full_doc.antennas[0]
    stack.push(C.lock(needle.id))
    before = full_doc.state()
    for command in (
        C.move_point(needle.id, "tip_lps", (0, 0, 0)),
        C.move_item(full_doc, needle.id, (1, 0, 0)),
        C.rename(needle.id, "x"),
        C.remove_item(needle.id),
        C.set_fields(antenna.id, power_w=40),  # the antenna is part of the locked assembly
        C.set_fields(needle.id, locked=False, name="sneaky"),
    ):
        with pytest.raises(PlanError, match="locked"):
            stack.push(command)
    assert full_doc.state() == before and len(stack) == 1
    stack.push(C.lock(needle.id, False))
    stack.push(C.set_fields(antenna.id, power_w=40))
    assert full_doc.get(antenna.id).power_w == 40


def test_failing_command_changes_nothing(full_doc):
    stack = CommandStack(full_doc)
    before = full_doc.state()
    with pytest.raises(PlanError, match="gauge"):
        stack.push(C.set_fields(full_doc.needles[0].id, gauge="12G"))
    with pytest.raises(PlanError):
        stack.push(C.set_fields(full_doc.needles[0].id, id="other"))
    assert full_doc.state() == before and len(stack) == 0


def test_macro_is_atomic(doc):
    stack = CommandStack(doc)
    needle = make_needle()
    stack.push(C.add_item(needle))
    # Second part fails (antenna for a needle not in the plan): the first part is rolled back.
    bad = C.MacroCommand("bad", [C.set_fields(needle.id, name="A"), C.add_item(Antenna(needle_id="missing"))])
    with pytest.raises(PlanError):
        stack.push(bad)
    assert doc.get(needle.id).name == needle.name and len(stack) == 1
    with stack.macro("Set up needle"):
        stack.push(C.rename(needle.id, "B"))
        stack.push(C.add_item(Antenna(needle_id=needle.id)))
    assert len(stack) == 2 and stack.undo_text == "Set up needle"
    stack.undo()
    assert doc.get(needle.id).name == needle.name and not doc.antennas
    with pytest.raises(PlanError):
        with stack.macro("fails"):
            stack.push(C.rename(needle.id, "C"))
            stack.push(C.set_fields(needle.id, side="up"))
    assert doc.get(needle.id).name == needle.name


def test_clean_state_tracking(doc):
    stack = CommandStack(doc)
    flips = []
    changes = []
    stack.modified_changed.connect(flips.append)
    stack.changed.connect(lambda: changes.append(1))
    assert not stack.is_modified
    needle = make_needle()
    stack.push(C.add_item(needle))
    assert stack.is_modified
    stack.mark_saved()
    assert not stack.is_modified
    stack.push(C.move_point(needle.id, "tip_lps", (0, 0, -200)))
    stack.push(C.move_point(needle.id, "tip_lps", (0, 1, -200)))  # merges, still one step past saved
    assert stack.is_modified and len(stack) == 2
    stack.undo()
    assert not stack.is_modified
    stack.push(C.rename(needle.id, "other branch"))  # the saved state stays reachable by undo
    stack.undo()
    assert not stack.is_modified
    stack.undo()
    assert stack.is_modified
    stack.redo()
    stack.push(C.rename(needle.id, "x"))
    stack.undo()
    stack.undo()  # now before the saved state, then branch off: saved state unreachable
    stack.push(C.add_item(make_needle()))
    assert stack.is_modified
    assert flips[:3] == [True, False, True] and len(changes) > 8


def test_merge_does_not_cross_the_save_mark(doc):
    stack = CommandStack(doc)
    needle = make_needle()
    stack.push(C.add_item(needle))
    stack.push(C.move_point(needle.id, "tip_lps", (0, 0, -200)))
    stack.mark_saved()
    stack.push(C.move_point(needle.id, "tip_lps", (0, 2, -200)))
    assert len(stack) == 3 and stack.is_modified
    stack.undo()
    assert not stack.is_modified and doc.get(needle.id).tip_lps == (0.0, 0.0, -200.0)


def test_bipedicular_pair_mirrors_needle_and_antenna(doc):
    stack = CommandStack(doc)
    needle = make_needle(entry_lps=(-45, 90, -200), tip_lps=(-6, 5, -202))
    stack.push(C.add_item(needle))
    stack.push(C.add_item(Antenna(needle_id=needle.id, power_w=35, time_s=150)))
    before = doc.state()
    # Mid-sagittal plane through x = 2 mm, slightly tilted normal (found from the image elsewhere).
    normal = np.array([1.0, 0.0, 0.05]) / np.linalg.norm([1.0, 0.0, 0.05])
    stack.push(C.bipedicular_pair(doc, needle.id, plane_point_lps=(2, 0, -200), plane_normal=normal))
    assert len(doc.needles) == 2 and len(doc.antennas) == 2
    twin = doc.needles[1]
    assert twin.side == "left" and twin.name == "Right L2 (contralateral)" and twin.id != needle.id
    for orig, mirrored in ((needle.entry_lps, twin.entry_lps), (needle.tip_lps, twin.tip_lps)):
        # The midpoint lies on the plane and the difference is along the normal.
        mid = (np.add(orig, mirrored)) / 2
        assert (mid - (2, 0, -200)) @ normal == pytest.approx(0, abs=1e-9)
        diff = np.subtract(mirrored, orig)
        np.testing.assert_allclose(diff - (diff @ normal) * normal, 0, atol=1e-9)
    assert twin.length_mm == pytest.approx(needle.length_mm)
    twin_antenna = doc.antenna_for(twin.id)
    assert (twin_antenna.power_w, twin_antenna.time_s) == (35, 150)
    stack.undo()
    assert doc.state() == before
    with pytest.raises(PlanError, match="midline"):
        stack.push(C.add_item(make_needle(side="midline", level="")))
        stack.push(C.bipedicular_pair(doc, doc.needles[-1].id, (0, 0, 0), (1, 0, 0)))


def test_bipedicular_pair_uses_the_level_plane(doc):
    stack = CommandStack(doc)
    stack.push(C.add_item(make_level(plane_point_lps=(3, 0, 0))))
    needle = make_needle()
    stack.push(C.add_item(needle))
    stack.push(C.bipedicular_pair(doc, needle.id))
    assert doc.needles[1].entry_lps[0] == pytest.approx(6 - needle.entry_lps[0])
    other = make_needle(level="L4")  # no L4 level in the plan
    stack.push(C.add_item(other))
    with pytest.raises(PlanError, match="mid-sagittal plane"):
        C.bipedicular_pair(doc, other.id)
    antenna = Antenna(needle_id=other.id)
    stack.push(C.add_item(antenna))
    with pytest.raises(PlanError, match="cannot be moved"):
        C.move_item(doc, antenna.id, (1, 0, 0))


def test_duplicate_copies_antenna_and_unlocks(full_doc):
    stack = CommandStack(full_doc)
    needle = full_doc.needles[0]
    stack.push(C.lock(needle.id))
    stack.push(C.duplicate(full_doc, needle.id, offset_lps=(0, 0, 35)))
    copy = full_doc.needles[1]
    assert copy.name == needle.name + " copy" and not copy.locked
    np.testing.assert_allclose(copy.tip_lps, np.add(needle.tip_lps, (0, 0, 35)))
    assert full_doc.antenna_for(copy.id).power_w == full_doc.antennas[0].power_w
    stack.undo()
    assert len(full_doc.needles) == 1 and len(full_doc.antennas) == 1
    with pytest.raises(PlanError):
        C.duplicate(full_doc, full_doc.antennas[0].id)


def test_undo_limit_drops_oldest(doc):
    stack = CommandStack(doc, limit=3)
    needle = make_needle()
    stack.push(C.add_item(needle))
    for name in "abcd":
        stack.push(C.rename(needle.id, name))
    assert len(stack) == 3
    for _ in range(3):
        stack.undo()
    assert doc.get(needle.id).name == "a" and not stack.can_undo and stack.is_modified
