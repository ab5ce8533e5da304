"""The bioheat findings in the rule table and in the session's evaluation (Qt-free, synthetic case).

A thermal result is an optional input of the evaluation: its findings join the rule table's while the
plan, canal and lesion are those it was computed for, and are dropped at the first change."""

from __future__ import annotations

import types

import numpy as np

from planner.analysis.rules import Code, RuleInputs, run_rules, spec_for
from planner.analysis.thresholds import Finding, Severity
from planner.plan.commands import add_item, set_fields
from planner.plan.items import Antenna, Needle
from planner.session.session import PlanningSession
from planner.thermal.findings import curve_findings
from tests.ui.helpers import marker_volume

THERMAL_CODES = (Code.THERMAL_ALARM, Code.THERMAL_PREALARM, Code.THERMAL_NEURAL_DOSE, Code.THERMAL_OVERSHOOT,
                 Code.THERMAL_COLD_ALARM, Code.THERMAL_COLD_PREALARM)


def _summary(**kw):
    base = dict(alarm_time_s=None, prealarm_time_s=None, peak_c=40.0, peak_time_s=50.0, cem43_min=0.0,
                min_c=37.0)
    base.update(kw)
    return types.SimpleNamespace(**base)


def test_every_thermal_code_has_a_rule_with_a_source():
    for code in THERMAL_CODES:
        spec = spec_for(code)
        assert spec is not None and spec.source, code
    assert spec_for("thermal_alarm").severity == Severity.CRITICAL
    assert spec_for("thermal_overshoot").severity == Severity.WARNING


def test_rule_passes_on_thermal_findings_and_nothing_else():
    # canal at 46 °C at 90 s with the power off at 100 s; pre-alarm first crossed at 120 s, after power-off
    found = curve_findings("canal", _summary(alarm_time_s=90.0, prealarm_time_s=120.0, peak_c=46.0,
                                             cem43_min=60.0), 100.0, 42.0, 45.0)
    stray = Finding(Severity.CRITICAL, "canal_overlap", "not a thermal finding")
    out = run_rules(RuleInputs(thermal_findings=tuple(found) + (stray,)), only=("thermal",))
    codes = sorted(str(f.code) for f in out)
    assert codes == ["thermal_alarm", "thermal_neural_dose", "thermal_overshoot"]
    assert all(isinstance(f.code, Code) for f in out)
    assert run_rules(RuleInputs(), only=("thermal",)) == []


def _session():
    volume, marker = marker_volume()
    s = PlanningSession()
    s.set_volume(volume)
    needle = Needle(tuple(marker + [0.0, 30.0, 0.0]), tuple(marker), name="N")
    s.stack.push(add_item(needle))
    antenna = Antenna(needle.id, power_w=30.0, time_s=240.0, id="a1")
    s.stack.push(add_item(antenna))
    return s


def test_session_shows_a_current_result_and_drops_it_when_the_plan_changes():
    s = _session()
    assert not any(str(f.code).startswith("thermal_") for f in s.evaluate().findings)
    key = s.thermal_key()
    found = curve_findings("canal", _summary(prealarm_time_s=60.0, peak_c=43.0), 240.0, 42.0, 45.0)
    s.store_thermal(key, {"power_off_s": 240.0}, found, None)
    codes = [f.code for f in s.evaluation.findings]
    assert Code.THERMAL_PREALARM in codes
    s.stack.push(set_fields("a1", power_w=40.0))           # the plan changed: the result no longer holds
    assert Code.THERMAL_PREALARM not in [f.code for f in s.evaluation.findings]
    assert s.thermal.entry is None
    s.store_thermal(key, {}, found, None)                   # a late result of the old plan is refused
    assert s.thermal.entry is None and Code.THERMAL_PREALARM not in [f.code for f in s.evaluate().findings]


def test_canal_change_invalidates_the_result():
    s = _session()
    key = s.thermal_key()
    s.store_thermal(key, {}, curve_findings("cord", _summary(alarm_time_s=10.0, peak_c=50.0), 240.0, 42.0, 45.0),
                    None)
    assert Code.THERMAL_ALARM in [f.code for f in s.evaluation.findings]
    s.set_canal(np.zeros(s.volume.hu.shape, bool))
    assert Code.THERMAL_ALARM not in [f.code for f in s.evaluation.findings]


def test_a_current_bioheat_result_governs_the_thermocouple_estimate():
    """With a bioheat result for this very plan, the distance-rule estimate (T = 37 + 23 exp(-d/L)) no
    longer raises its own alarm next to the model's (one number governs); without one it does."""
    from types import SimpleNamespace

    from planner.analysis.analyze import ThermocoupleResult
    from planner.analysis.rules.codes import Code
    from planner.analysis.thresholds import SafetyThresholds, Severity

    tc = ThermocoupleResult("tc1", (0.0, 0.0, 0.0), 2.0, 55.0, 0, alarm_c=45.0, prealarm_c=42.0)
    analysis = SimpleNamespace(thermocouples=(tc,))
    alone = run_rules(RuleInputs(SafetyThresholds(), analysis), only=("thermocouple",))
    assert [(f.code, f.severity) for f in alone] == [(Code.TC_ALARM, Severity.CRITICAL)]
    governed = run_rules(RuleInputs(SafetyThresholds(), analysis, thermal_current=True), only=("thermocouple",))
    assert [(f.code, f.severity) for f in governed] == [(Code.TC_ALARM, Severity.INFO)]
    assert "bioheat model" in governed[0].message
    from planner.analysis.rules.registry import display_state

    assert display_state(alone, "tc1") == "alarm" and display_state(governed, "tc1") == "ok"


def test_the_damage_region_reaches_the_ct_grid_for_the_exports():
    """A model grid at half the CT spacing, offset by a whole number of CT voxels: each CT voxel takes
    the model voxel at its centre, so a damage block of model voxels [4, 12) maps to CT voxels [2, 6)
    shifted by the offset (closed form), and no result means nothing exported."""
    from types import SimpleNamespace

    from planner.core.volume import ImageVolume
    from planner.session.session import PlanningSession
    from planner.session.thermal_state import DAMAGE_EXPORT_NAME
    from planner.thermal.outline import damage_on_grid

    volume = ImageVolume(np.zeros((20, 20, 20), np.int16), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    m = np.eye(4)
    m[:3, :3] *= 0.5
    m[:3, 3] = (3.0, 3.0, 3.0)  # model voxel (0,0,0) sits at CT voxel (3,3,3)
    damage = np.zeros((24, 24, 24), bool)
    damage[4:12, 4:12, 4:12] = True  # LPS 5.0 .. 8.5 on each axis
    result = SimpleNamespace(damage=damage, grid=SimpleNamespace(ijk_to_lps=m, shape_kji=damage.shape))
    out = damage_on_grid(result, volume)
    want = np.zeros(volume.hu.shape, bool)
    want[5:9, 5:9, 5:9] = True  # CT voxel centres 5, 6, 7, 8 fall on model voxels 4, 6, 8, 10
    assert np.array_equal(out, want)
    s = PlanningSession()
    assert DAMAGE_EXPORT_NAME not in s.export_masks  # no bioheat result: nothing to export
