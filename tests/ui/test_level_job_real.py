"""Issue 19 on the shared real scans: a clicked level is measured in the worker and arrives as one step.

Lumbar: the body at slice 57 is L2 (counted by hand, tests/anatomy/test_levels.py TCIA_L2_SEED_IJK); its
neighbours L1 and L3 are proposed. T11-T12: T12 is cut by the scan's end, so its level comes from the bone
around the click (planner.session.level_fallback), found in the same worker; the click is the training
reference's T12 body centre (from TotalSegmentator's label, tests/planning/test_level_fallback.py)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.resources import resource_path
from planner.plan.io import read_plan

pytestmark = [pytest.mark.gui, pytest.mark.realdata]

TCIA_L2_SEED_IJK = (258, 272, 57)


def _group(qtbot, volume, canal=None):
    """The level actions on a host showing ``volume`` (and ``canal``, a mask, when given)."""
    from planner.ui.level_actions import LevelActions
    from tests.ui.test_action_groups import FakeHost

    host = FakeHost()
    qtbot.addWidget(host.parent)
    host.session.auto_evaluate = False
    host.session.set_volume(volume)
    if canal is not None:
        host.session.set_canal(canal.copy())  # sessions edit their canal in place
    return host, LevelActions(host, host.add_menu("&Plan"))


def test_lumbar_l2_from_the_worker_with_its_neighbours(qtbot, lumbar_volume):
    volume = lumbar_volume  # shared by the session (tests/conftest.py), read-only
    host, actions = _group(qtbot, volume)
    try:
        actions.name_box.setCurrentText("L2")
        actions.add_level_at(volume.to_lps(np.array(TCIA_L2_SEED_IJK, float)))
        assert actions.is_busy()
        qtbot.waitUntil(lambda: not actions.is_busy(), timeout=180000)
        level = host.session.plan.level_named("L2")
        assert level is not None
        assert 52 <= float(volume.to_ijk(level.body_centre_lps)[2]) <= 62  # the L2 body's slices (by hand)
        assert {g.name for g in actions.proposals} == {"L1", "L3"}
        host.session.stack.undo()  # one step takes the level away, and it was the only one
        assert host.session.plan.level_named("L2") is None and not host.session.stack.can_undo
    finally:
        actions.shutdown()


def test_t12_cut_by_the_scan_end_comes_from_the_bone_in_the_worker(qtbot, t11_t12_volume, t11_t12_canal):
    volume = t11_t12_volume  # shared by the session (tests/conftest.py), read-only
    host, actions = _group(qtbot, volume, canal=t11_t12_canal.mask)
    ref = read_plan(resource_path("training", "t11-t12", "t12-right-transpedicular.plan.json"))
    centre = np.asarray(ref.levels[0].body_centre_lps)
    try:
        actions.name_box.setCurrentText("T12")
        actions.add_level_at(centre)
        qtbot.waitUntil(lambda: not actions.is_busy(), timeout=180000)
        level = host.session.plan.level_named("T12")
        assert level is not None, host.messages
        assert np.linalg.norm(np.asarray(level.body_centre_lps) - centre) < 8.0  # as the direct fallback test
        assert "measured from the bone" in host.messages[-1]
        host.session.stack.undo()  # one step
        assert host.session.plan.level_named("T12") is None and not host.session.stack.can_undo
    finally:
        actions.shutdown()
