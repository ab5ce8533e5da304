"""Bioheat model: predicted temperatures and thermal dose at the neural structures and thermocouples.

The findings are computed by :func:`planner.thermal.findings.thermal_findings` from the Pennes model's
result (planner.thermal sits above the analysis layer, so the session hands them in as
``RuleInputs.thermal_findings``); this module is their entry in the rule table: it declares the codes with
their severity, thresholds and sources and passes on only findings of those codes, with the table's
severity. No result (model not run yet, or the plan changed since): no finding.
"""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

ALARM = RuleSpec(Code.THERMAL_ALARM, Severity.CRITICAL,
                 "bioheat model: a neural structure or thermocouple reaches its alarm",
                 "Nakatsuka CVIR 2009 (45 °C); Sag & Husain 2022", ("alarm_c", "Thermocouple.alarm_c"),
                 display="alarm")
PREALARM = RuleSpec(Code.THERMAL_PREALARM, Severity.WARNING,
                    "bioheat model: a neural structure or thermocouple reaches its pre-alarm",
                    "Chen AJNR 2022 (42 °C)", ("prealarm_c", "Thermocouple.prealarm_c"), display="prealarm")
NEURAL_DOSE = RuleSpec(Code.THERMAL_NEURAL_DOSE, Severity.CRITICAL,
                       "bioheat model: a neural structure's worst voxel gets CEM43 >= 50 min",
                       "Wondergem 1988 (rat nerve, half function lost at CEM43 50-60 min; an upper bound)",
                       ("planner.thermal.findings.NEURAL_DOSE_CEM43_MIN",))
OVERSHOOT = RuleSpec(Code.THERMAL_OVERSHOOT, Severity.WARNING,
                     "bioheat model: the pre-alarm is first crossed after the power is off",
                     "Nakatsuka CVIR 2009 (stopped at 45 °C, peaked at 48 °C)", ("prealarm_c",))
COLD_ALARM = RuleSpec(Code.THERMAL_COLD_ALARM, Severity.CRITICAL,
                      "bioheat model (cryo): a neural structure or thermocouple falls to the cold alarm",
                      "Sag & Husain 2022 (10 °C); cord injury <= -8 °C (AJNR 2024, canine)", ("cold_alarm_c",),
                      display="alarm")
COLD_PREALARM = RuleSpec(Code.THERMAL_COLD_PREALARM, Severity.WARNING,
                         "bioheat model (cryo): falls to the cold pre-alarm",
                         "planner convention: 5 °C above the cold alarm (estimate)", ("cold_prealarm_c",),
                         display="prealarm")
RULES = (ALARM, PREALARM, NEURAL_DOSE, OVERSHOOT, COLD_ALARM, COLD_PREALARM)
_BY_CODE = {spec.code: spec for spec in RULES}


def check(inputs: RuleInputs) -> list[Finding]:
    out = []
    for f in inputs.thermal_findings:
        spec = _BY_CODE.get(f.code)
        if spec is not None:
            out.append(spec.finding(f.message, f.item_id))
    return out
