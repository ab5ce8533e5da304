"""Plan > CTV sectors… redraws the CTV by the rule ctv_case builds it with (issue 17): the level's own arch.

The toggle (``ProposeActions.set_sectors``) once rebuilt the CTV from the sector map as found, so on the
T11-T12 scan a sector toggled off and on again brought T11's spinous process and laminae (TotalSegmentator's
label 33, machine-made, Wasserthal 2023) back into T12's CTV. The action is called on a stand-in host and
session (no window): only its CTV is checked here; tests/ui/test_thermal_propose_ui.py runs it in the window.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from planner.anatomy.sectors import BODY
from tests.ts_labels import label_image_on_ct

pytestmark = pytest.mark.realdata


class _Stack:
    def __init__(self):
        self.pushed = []

    def push(self, command):
        self.pushed.append(command)


@pytest.fixture(scope="module")
def t12_case(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    from planner.imaging import load_path
    from planner.session.whole_target import ctv_case
    from tests.target_session import target_session

    volume = t11_t12_volume
    ts = label_image_on_ct(volume, load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz"))
    lps = volume.to_lps(np.argwhere(ts == 32)[:, ::-1].astype(float))
    centre = lps[lps[:, 1] < np.percentile(lps[:, 1], 30)].mean(axis=0)  # the front of T12's body
    s = target_session(volume, t11_t12_canal, centre, "T12")
    return ts, s, ctv_case(s, "T12", override=(1, 2, 3, 4, 5, 6))


def test_toggled_sector_gives_back_ctv_case_ctv_without_t11s_arch(t12_case):
    from planner.ui.propose_actions import ProposeActions

    ts, session, case = t12_case
    shown = []
    actions = SimpleNamespace(
        session=SimpleNamespace(plan=session.plan, stack=_Stack(), volume=session.volume),
        host=SimpleNamespace(show_status=lambda text: None),
        set_case=shown.append)
    ProposeActions.set_sectors(actions, case, (1, 2, 3, 4, 5))  # the spinous sector off...
    ProposeActions.set_sectors(actions, shown[-1], (1, 2, 3, 4, 5, 6))  # ...and on again
    assert len(actions.session.stack.pushed) == 2
    toggled = shown[-1]
    assert set(toggled.choice.sectors) == {1, 2, 3, 4, 5, 6}
    assert np.array_equal(toggled.ctv, case.ctv)  # the CTV ctv_case builds for these sectors
    arch = case.sectors.labels > BODY
    t11 = np.count_nonzero(toggled.ctv & arch & (ts == 33))
    assert t11 <= 0.01 * np.count_nonzero(arch), t11  # none of T11's arch (2258 voxels in the sectors as found)
