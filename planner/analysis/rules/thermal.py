"""Bioheat model: predicted temperatures and thermal dose at the neural structures and thermocouples.

The findings are computed by :func:`planner.thermal.findings.thermal_findings` from the Pennes model's
result (planner.thermal sits above the analysis layer, so the session hands them in as
``RuleInputs.thermal_findings``); this module is their entry in the rule table: it declares the codes with
their severity, thresholds and sources and passes on only findings of those codes, with the table's
severity. No result (model not run yet, or the plan changed since): no finding.

Doses in the text go through :func:`cem43_text`: above ``CEM43_DISPLAY_CAP_MIN`` (10,000 min, 40 times
the 240 min of coagulation and 200 times the 50 min nerve bound) a figure says nothing more; the model's
numbers there (up to 1e17 min per minute at its 100 °C cap) would only read as noise ("1.2e+38 min").
"""

from __future__ import annotations

import math

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
                       "Wondergem 1988 (rat sciatic nerve: 50 % motor loss in 50 % of animals at CEM43 48-64 min, "
                       "recovered in 4 weeks); dog sciatic nerve severe deficits at CEM43 240 min (Int J "
                       "Hyperthermia 1994;10:41-49)",
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
CEM43_DISPLAY_CAP_MIN = 10_000.0


def cem43_text(cem43_min: float) -> str:
    """A CEM43 dose for a clinician: "> 10,000 min" above the cap (or infinite), "unknown" when not a
    number, else the value (whole minutes from 100 min, one decimal from 1 min, two figures below)."""
    v = float(cem43_min)
    if math.isnan(v):
        return "unknown"
    if v > CEM43_DISPLAY_CAP_MIN:
        return f"> {CEM43_DISPLAY_CAP_MIN:,.0f} min"
    if v >= 100.0:
        return f"{v:,.0f} min"
    if v >= 1.0:
        return f"{v:.1f} min"
    return f"{v:.2g} min"


RULES = (ALARM, PREALARM, NEURAL_DOSE, OVERSHOOT, COLD_ALARM, COLD_PREALARM)
_BY_CODE = {spec.code: spec for spec in RULES}


def check(inputs: RuleInputs) -> list[Finding]:
    out = []
    for f in inputs.thermal_findings:
        spec = _BY_CODE.get(f.code)
        if spec is not None:
            out.append(spec.finding(f.message, f.item_id))
    return out
