"""Findings are never stale: every input a rule reads is part of the cache key, and each
thermocouple is judged by its own limits (issue 15). Geometry: the pedicle phantom with closed forms
(tests/plan/corridor_phantom.py: outer radius 4 mm, canal wall 1.5 mm medial of the pedicle surface)."""

import numpy as np
import pytest

from planner.analysis.rules import Code
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.session.session import PlanningSession

from tests.plan.corridor_phantom import PEDICLE_OUTER_R, PEDICLE_X, build_phantom

# Offset of the needle axis from the pedicle axis toward the midline (+x for the right pedicle). The
# needle surface passes the cortex by OFFSET + r - 4 mm: 16G 1.225 mm (grade 1, short of the canal wall
# 1.5 mm beyond), 10G 2.1 mm (grade 2 medial: critical, and into the canal).
OFFSET_MM = 4.4
R_16G, R_10G = 1.65 / 2, 3.40 / 2
assert OFFSET_MM + R_16G - PEDICLE_OUTER_R < 1.5
assert OFFSET_MM + R_10G - PEDICLE_OUTER_R > 2.0


@pytest.fixture(scope="module")
def phantom():
    return build_phantom()


def _session(phantom, defer: bool) -> PlanningSession:
    volume, canal = phantom
    s = PlanningSession()
    s.defer_corridors = defer
    s.set_volume(volume)
    s.set_canal(canal)
    return s


def _codes(evaluation, item_id):
    return {f.code for f in evaluation.findings_for(item_id)}


def _run_deferred(session):
    """What the app's worker does: compute each missing corridor and hand it back."""
    for needle in session.missing_corridors():
        job, key = session.corridor_job(needle)
        session.store_corridor(needle.id, key, job())


@pytest.mark.parametrize("defer", [False, True])
def test_gauge_change_gives_fresh_corridor_findings(phantom, defer):
    s = _session(phantom, defer)
    x = PEDICLE_X + OFFSET_MM
    needle = Needle(entry_lps=(x, 80, 0.25), tip_lps=(x, -5, 0.25), gauge="16G", side="right")
    needed = []
    s.corridors_needed.connect(lambda: needed.append(1))
    s.stack.push(commands.add_item(needle))
    _run_deferred(s)
    assert Code.NEEDLE_ENTERS_CANAL not in _codes(s.evaluation, needle.id)
    needed.clear()
    s.stack.push(commands.set_fields(needle.id, gauge="10G"))
    if defer:
        # the old report is for a thinner needle: the evaluation must not claim to be complete
        assert not s.evaluation.complete and needed
        _run_deferred(s)
    assert s.evaluation.complete
    fresh = _session(phantom, False)
    fresh.stack.push(commands.add_item(s.plan.get(needle.id)))
    assert _codes(s.evaluation, needle.id) == _codes(fresh.evaluation, needle.id)
    assert {Code.NEEDLE_ENTERS_CANAL, Code.CORTICAL_BREACH_MEDIAL} <= _codes(s.evaluation, needle.id)
    assert s.evaluation.severity.value == "critical"


def test_vertebra_axes_change_invalidates_the_corridor(phantom):
    s = _session(phantom, False)
    x = PEDICLE_X + OFFSET_MM
    needle = Needle(entry_lps=(x, 80, 0.25), tip_lps=(x, -5, 0.25), gauge="16G", side="right")
    s.stack.push(commands.add_item(needle))
    key_before = s._corridor_key(s.plan.get(needle.id))
    from planner.plan.items import Level
    level = Level(name="L2", body_centre_lps=(0.0, -7.0, 0.0))
    s.stack.push(commands.add_item(level))
    s.stack.push(commands.set_fields(needle.id, level="L2"))
    key_l2 = s._corridor_key(s.plan.get(needle.id))
    c, r = np.cos(0.3), np.sin(0.3)  # the vertebra rotated 0.3 rad about its cranio-caudal axis
    s.stack.push(commands.set_fields(level.id, axes=((c, r, 0.0), (-r, c, 0.0), (0.0, 0.0, 1.0))))
    assert len({key_before, key_l2, s._corridor_key(s.plan.get(needle.id))}) == 3


def test_moving_or_resizing_a_level_invalidates_the_corridor(phantom):
    """With the automatic anatomy the check reads the vertebra chosen among the plan's levels (its centre
    and depth, not only its axes): moving the linked level, or another level the tip may fall in, is a
    new input."""
    from planner.plan.items import Level

    s = _session(phantom, True)  # reports computed as the app's worker does, then kept
    assert s.auto_anatomy
    x = PEDICLE_X + OFFSET_MM
    needle = Needle(entry_lps=(x, 80, 0.25), tip_lps=(x, -5, 0.25), gauge="16G", side="right")
    level, other = Level(name="L2", body_centre_lps=(0.0, -7.0, 0.0)), Level(name="L3", body_centre_lps=(0, 0, -40.0))
    for item in (needle, level, other):
        s.stack.push(commands.add_item(item))
    _run_deferred(s)
    assert s.missing_corridors() == []
    keys = [s._corridor_key(s.plan.get(needle.id))]
    s.stack.push(commands.set_fields(level.id, body_centre_lps=(0.0, -12.0, 0.0)))  # same axes, moved 5 mm
    assert s.missing_corridors() == [s.plan.get(needle.id)]  # the cached report is not reused
    keys.append(s._corridor_key(s.plan.get(needle.id)))
    s.stack.push(commands.set_fields(level.id, body_depth_mm=30.0))
    keys.append(s._corridor_key(s.plan.get(needle.id)))
    s.stack.push(commands.set_fields(other.id, body_centre_lps=(0.0, 0.0, -2.0)))  # now nearer the tip
    keys.append(s._corridor_key(s.plan.get(needle.id)))
    assert len(set(keys)) == 4


def test_lesion_mask_change_invalidates_the_corridor(phantom):
    s = _session(phantom, False)
    x = PEDICLE_X + OFFSET_MM
    needle = Needle(entry_lps=(x, 80, 0.25), tip_lps=(x, -5, 0.25), gauge="16G", side="right")
    s.stack.push(commands.add_item(needle))
    mask = np.zeros(s.volume.hu.shape, dtype=bool)
    s.set_target_mask(mask)
    key = s._corridor_key(s.plan.get(needle.id))
    mask[0, 0, 0] = True  # edited in place, then set again: a new version
    s.set_target_mask(mask)
    assert s._corridor_key(s.plan.get(needle.id)) != key


ZONE_TIP = (PEDICLE_X, -5.0, 0.0)


def test_per_thermocouple_alarm_and_prealarm_drive_the_findings(phantom):
    s = _session(phantom, False)
    needle = Needle(entry_lps=(PEDICLE_X, 80, 0), tip_lps=ZONE_TIP, gauge="13G")
    s.stack.push(commands.add_item(needle))
    s.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210, extension_mm=0.0)))
    zone = s.evaluation.planned_zones[0].ellipsoid
    # a tip on the zone's surface reads T_edge = 60 °C (thermal.py closed form, d = 0)
    tip = zone.centre_lps + zone.axes[0] * zone.semi_axes_mm[0]
    tc = Thermocouple(entry_lps=tuple(tip + (0, 0, 40)), tip_lps=tuple(tip), alarm_c=70.0, prealarm_c=65.0)
    s.stack.push(commands.add_item(tc))
    t = s.evaluation.analysis.thermocouples[0].predicted_temperature_c
    assert t == pytest.approx(60.0, abs=0.5)
    assert _codes(s.evaluation, tc.id) == {Code.TC_OK}  # 60 < 65: no alarm with this TC's own limits
    s.stack.push(commands.set_fields(tc.id, prealarm_c=55.0))
    assert _codes(s.evaluation, tc.id) == {Code.TC_PREALARM}
    s.stack.push(commands.set_fields(tc.id, alarm_c=58.0))
    assert _codes(s.evaluation, tc.id) == {Code.TC_ALARM}
    assert s.evaluation.tc_state(tc.id) == "alarm"


def test_a_needle_outside_the_ct_is_a_finding_not_a_crash(phantom):
    s = _session(phantom, False)
    far = 9000.0  # inside the plan's coordinate limit, far outside the 60 x 110 x 30 mm phantom
    needle = Needle(entry_lps=(far, far, far), tip_lps=(far - 100, far, far))
    s.stack.push(commands.add_item(needle))
    s.stack.push(commands.add_item(Antenna(needle_id=needle.id)))
    codes = _codes(s.evaluation, needle.id)
    assert Code.CORRIDOR_UNAVAILABLE in codes and s.evaluation.complete
    whole_plan = _codes(s.evaluation, "")
    assert Code.CANAL_NOT_CHECKED in whole_plan and Code.CANAL_NONE not in whole_plan
