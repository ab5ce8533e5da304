"""Issue 13: on the 20-slice T11-T12 scan the level tool and the mirror (B) work although T12 is cut by the
scan's end: the frame from the bone (:mod:`planner.session.level_fallback`), the one the CTV uses."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.levels import detect_level
from planner.core.errors import PlannerError
from planner.plan.io import read_plan
from planner.plan.items import Needle
from planner.core.resources import resource_path
from planner.session.level_fallback import level_from_bone, near_scan_end
from planner.session.mirror import mid_sagittal_plane
from planner.session.session import PlanningSession

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def t11(t11_t12_volume, t11_t12_canal):
    volume = t11_t12_volume  # shared by the session (tests/conftest.py), with its canal
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(t11_t12_canal.mask.copy())
    ref = read_plan(resource_path("training", "t11-t12", "t12-right-transpedicular.plan.json"))
    return s, ref


def test_the_level_detection_refuses_t12_and_the_bone_frame_finds_it(t11):
    s, ref = t11
    centre = np.asarray(ref.levels[0].body_centre_lps)
    with pytest.raises(PlannerError):
        detect_level(s.volume, centre, "T12")
    level = level_from_bone(s, "T12", centre)
    # the training reference's body centre comes from the anterior part of TotalSegmentator's T12 label
    # (planner/training/real_tasks.py; an independent, machine-made segmentation): within a quarter of a
    # thoracic body's depth (about 30 mm, DOMAIN.md)
    assert np.linalg.norm(np.asarray(level.body_centre_lps) - centre) < 8.0
    # the mid-sagittal plane passes through the canal's middle: the spinous line is near the body's x
    assert abs(level.plane_point_lps[0] - centre[0]) < 5.0 and level.plane_normal_lps == (1.0, 0.0, 0.0)


def test_the_mirror_works_without_a_plan_level(t11):
    s, ref = t11
    needle = Needle(entry_lps=ref.needles[0].entry_lps, tip_lps=ref.needles[0].tip_lps, side="right")
    point, normal = mid_sagittal_plane(s, needle)
    assert abs(np.asarray(point)[0] - ref.levels[0].body_centre_lps[0]) < 5.0 and tuple(normal) == (1.0, 0.0, 0.0)


def test_only_near_the_scans_end(t11):
    s, _ = t11
    lo, hi = s.volume.bounds_lps
    middle = (lo + hi) / 2
    assert near_scan_end(s.volume, middle)  # a 38 mm scan: everything is near an end
    tall = np.array([0.0, 0.0, 0.0]), np.array([0.0, 0.0, 300.0])
    fake = type("V", (), {"bounds_lps": tall})()
    assert not near_scan_end(fake, (0.0, 0.0, 150.0)) and near_scan_end(fake, (0.0, 0.0, 20.0))
