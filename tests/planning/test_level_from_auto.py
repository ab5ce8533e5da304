"""Issue 17 (screenshot round): Propose access and CTV sectors found no level for a lesion in a named
vertebra when the plan held no level: the count named the lumbar scan's vertebrae T6-S1 on loading, yet
both asked for "--level L2". The lesion's level now comes, after the plan's own, from the automatic
vertebra whose body holds the lesion (planner.session.whole_target._level_seed).

Reference: the body at voxel (258, 272, 57) of the shared lumbar scan is L2, counted up from the sacrum
and checked against the last rib-bearing vertebra (tests/anatomy/test_levels.py, TCIA_L2_SEED_IJK); on the
20-slice T11-T12 scan the count names nothing (too short a stretch of spine), so no level may be guessed.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import PlannerError
from planner.plan.items import Target
from planner.session.session import PlanningSession
from planner.session.whole_target import ctv_case
from tests.export.realplans import T12_BODY_IJK, TCIA_L2_BODY_IJK

pytestmark = pytest.mark.realdata


def _session(volume, canal, spine, body_ijk):
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal.mask.copy())
    s.anatomy.body()
    s.anatomy.set_spine(spine)
    centre = volume.to_lps(np.asarray(body_ijk, float))
    s.plan.insert(Target(tuple(float(v) for v in centre), semi_axes_mm=(7.5, 7.5, 7.5)))  # no level named
    return s


def test_a_lesion_in_a_named_vertebra_gets_its_level(lumbar_volume, lumbar_canal, lumbar_spine):
    s = _session(lumbar_volume, lumbar_canal, lumbar_spine, TCIA_L2_BODY_IJK)
    assert not s.plan.levels and not s.plan.targets[0].level
    case = ctv_case(s)
    assert case.level.name == "L2" and case.level_source == "automatic count"  # said so in the dialog and JSON
    assert ctv_case(s, "L2").level_source == "given"
    assert case.ctv.any()


def test_a_lesion_in_an_unnamed_vertebra_asks_for_the_level_in_words(t11_t12_volume, t11_t12_canal):
    from planner.anatomy.spine import find_spine

    spine = find_spine(t11_t12_volume)
    assert spine.vertebrae and not spine.named  # the count names nothing on this scan
    s = _session(t11_t12_volume, t11_t12_canal, spine, T12_BODY_IJK)
    with pytest.raises(PlannerError) as err:
        ctv_case(s)
    text = str(err.value)
    assert "not named" in text and "level tool (V)" in text and "--level" in text
