"""CEM43 doses in the findings' text are capped for display (issue 16: "CEM43 1.2e+38 min" was shown).

Expected strings come from the rule: above 10,000 min the text says "> 10,000 min" whatever the figure;
below it the figure is printed (whole minutes from 100 min)."""

from __future__ import annotations

import math
import types

import pytest

from planner.analysis.rules import RuleInputs, run_rules
from planner.analysis.rules.thermal import CEM43_DISPLAY_CAP_MIN, cem43_text
from planner.thermal.findings import curve_findings


def _summary(cem43_min):
    return types.SimpleNamespace(alarm_time_s=None, prealarm_time_s=None, peak_c=41.0, peak_time_s=50.0,
                                 cem43_min=cem43_min, min_c=37.0)


@pytest.mark.parametrize("value, text", [(1.2e38, "> 10,000 min"), (math.inf, "> 10,000 min"),
                                         (10_000.0, "10,000 min"), (2400.0, "2,400 min"), (60.0, "60.0 min"),
                                         (0.05, "0.05 min"), (math.nan, "unknown")])
def test_cem43_text(value, text):
    assert cem43_text(value) == text


def test_a_huge_dose_reads_capped_in_the_rule_text():
    found = curve_findings("cord", _summary(1.2e38), 100.0, 42.0, 45.0)
    out = run_rules(RuleInputs(thermal_findings=tuple(found)), only=("thermal",))
    dose = [f for f in out if str(f.code) == "thermal_neural_dose"]
    assert len(dose) == 1
    msg = dose[0].message
    assert "> 10,000 min" in msg and "e+" not in msg and "1200000" not in msg, msg
    assert CEM43_DISPLAY_CAP_MIN == 10_000.0


def test_a_dose_below_the_cap_is_printed():
    found = curve_findings("cord", _summary(75.4), 100.0, 42.0, 45.0)
    msg = [f.message for f in found if f.code == "thermal_neural_dose"][0]
    assert "CEM43 75.4 min" in msg, msg


def test_the_headless_summary_and_the_pdf_table_write_the_dose_capped_like_the_panel():
    from planner.headless.thermal import human_summary
    from planner.report.thermal_plot import _dose

    report = {"power_off_s": 360, "end_s": 540,
              "thermocouples": [{"name": "TC1", "peak_c": 61.0, "peak_time_s": 300, "alarm_time_s": 120,
                                 "cem43_min": 6.1568e17}],
              "structures": [{"name": "canal", "peak_c": 40.0, "peak_time_s": 360, "cem43_min": None}],
              "findings": []}
    text = human_summary(report)
    assert "CEM43 > 10,000 min" in text and "e+17" not in text
    assert "canal: peak 40.0 °C at 360 s, CEM43 unknown" in text
    assert _dose(6.1568e17) == "> 10,000" and _dose(12.34) == "12.3" and _dose(None) == "—"
