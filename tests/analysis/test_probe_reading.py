"""The probe's reading (planner.analysis.probe_reading) and the thermocouple rule that judges it (Qt-free).

Values: the screening estimate is the analysis figure as given (its closed form is tested in
test_analyze); the bioheat value is the report's own, the unrounded summary when the report holds it."""

from __future__ import annotations

from types import SimpleNamespace

from planner.analysis.analyze import ThermocoupleResult
from planner.analysis.probe_reading import BIOHEAT, SCREENING, bioheat_values_c, probe_readings
from planner.analysis.rules import Code, RuleInputs, run_rules
from planner.analysis.rules.registry import display_state
from planner.analysis.thresholds import SafetyThresholds, Severity


def _analysis(*temps_c):
    return SimpleNamespace(thermocouples=tuple(
        ThermocoupleResult(f"tc{n}", (0.0, 0.0, 0.0), 3.0, t, 0, alarm_c=45.0, prealarm_c=42.0)
        for n, t in enumerate(temps_c, 1)))


def test_bioheat_value_when_present_else_screening_named_as_such():
    readings = probe_readings(_analysis(40.2, 12.4), {"tc1": 37.46})
    assert readings["tc1"].model == BIOHEAT and readings["tc1"].text == "37.5 °C peak (bioheat)"
    assert readings["tc2"].model == SCREENING and readings["tc2"].text == "≥ 12 °C screening"  # a freeze errs cold
    assert probe_readings(_analysis(40.2))["tc1"].text == "≤ 40 °C screening"  # errs hot: an upper bound
    cold = probe_readings(_analysis(20.0), {"tc1": 8.04}, bioheat_cold=True)["tc1"]
    assert cold.text == "8.0 °C lowest (bioheat)"
    assert probe_readings(None, {"tc1": 37.0}) == {}


def test_report_values_use_the_unrounded_summary_and_skip_missing_ones():
    report = {"cryo": False, "thermocouples": [
        {"id": "a", "peak_c": 42.0, "_summary": SimpleNamespace(peak_c=41.9996, min_c=37.0)},
        {"id": "b", "peak_c": 39.5}, {"id": "c", "peak_c": None}, {"name": "no id", "peak_c": 50.0}]}
    assert bioheat_values_c(report) == ({"a": 41.9996, "b": 39.5}, False)
    assert bioheat_values_c({"cryo": True, "thermocouples": [{"id": "a", "peak_c": 37.0, "min_c": 9.0}]}) \
        == ({"a": 9.0}, True)
    assert bioheat_values_c(None) == ({}, False) and bioheat_values_c({}) == ({}, False)


def test_the_rule_judges_the_reading_and_names_its_model():
    """Screening 55 °C (alarm) against a bioheat peak of 43.0 °C (pre-alarm) for the same tip: with the
    bioheat result the finding states 43.0 °C and its limit, as information (the bioheat rule raises the
    alarm with its time); without it, the screening bound at full severity."""
    th = SafetyThresholds()
    alone = run_rules(RuleInputs(th, _analysis(55.0)), only=("thermocouple",))
    assert [(f.code, f.severity) for f in alone] == [(Code.TC_ALARM, Severity.CRITICAL)]
    assert "≤ 55 °C screening" in alone[0].message
    governed = run_rules(RuleInputs(th, _analysis(55.0), thermal_current=True, bioheat_c={"tc1": 43.0}),
                         only=("thermocouple",))
    assert [(f.code, f.severity) for f in governed] == [(Code.TC_PREALARM, Severity.INFO)]
    assert "43.0 °C peak (bioheat)" in governed[0].message and "55" not in governed[0].message
    assert display_state(alone, "tc1") == "alarm" and display_state(governed, "tc1") == "ok"
