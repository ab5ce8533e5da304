"""Thermocouples: each thermocouple's predicted temperature against ITS OWN alarm and pre-alarm.

The limits come from the plan item (``Thermocouple.alarm_c``, ``prealarm_c``); a thermocouple given
as a bare point uses :class:`~planner.analysis.thresholds.SafetyThresholds`' defaults. The cold limits
are the plan-wide thresholds (no per-item field exists).

The temperature judged is the probe's reading (:mod:`planner.analysis.probe_reading`): the bioheat
model's peak for the current plan when it exists, else the screening estimate, and the message names
which ("37.5 °C peak (bioheat)", "<= 40 °C screening"), so the finding, the 2D label, the 3D colour and
the report give one number (issue 19). With a bioheat result the bioheat rule (``thermal.py``) raises
the alarm with its time; this finding is then information only (the same number, no second alarm).
"""

from __future__ import annotations

from dataclasses import replace

from planner.analysis.probe_reading import SCREENING, probe_readings
from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

ALARM = RuleSpec(Code.TC_ALARM, Severity.CRITICAL, "predicted temperature at or above the alarm",
                 "Nakatsuka CVIR 2009 (45 °C); Sag & Husain 2022 (10-45 °C)",
                 ("Thermocouple.alarm_c", "alarm_c"), display="alarm")
COLD_ALARM = RuleSpec(Code.TC_COLD_ALARM, Severity.CRITICAL, "predicted temperature at or below the cold alarm",
                      "Sag & Husain 2022 (10 °C); cord injury <= -8 °C (AJNR 2024, canine)",
                      ("cold_alarm_c", "cryo_injury_c"), display="alarm")
PREALARM = RuleSpec(Code.TC_PREALARM, Severity.WARNING, "predicted temperature at or above the pre-alarm",
                    "Chen AJNR 2022 (stop above 42 °C)", ("Thermocouple.prealarm_c", "prealarm_c"),
                    display="prealarm")
COLD_PREALARM = RuleSpec(Code.TC_COLD_PREALARM, Severity.WARNING, "predicted temperature at or below the cold "
                         "pre-alarm", "planner convention: 5 °C above the cold alarm (estimate)",
                         ("cold_prealarm_c",), display="prealarm")
OK = RuleSpec(Code.TC_OK, Severity.INFO, "predicted temperature within the limits",
              "docs/ablation-model.md (conservative estimate)", display="ok")
RULES = (ALARM, COLD_ALARM, PREALARM, COLD_PREALARM, OK)


def thermocouple_findings(temperature_c: float, distance_mm: float, th, item_id: str = "",
                          alarm_c: float | None = None, prealarm_c: float | None = None,
                          reading_text: str | None = None) -> list[Finding]:
    """The finding for one thermocouple (hot or cold). ``alarm_c``/``prealarm_c``: the item's own limits.
    ``reading_text``: how the temperature is written (the probe's reading, naming its model); default
    "predicted N °C"."""
    alarm = th.alarm_c if alarm_c is None else alarm_c
    prealarm = th.prealarm_c if prealarm_c is None else prealarm_c
    said = reading_text or f"predicted {temperature_c:.0f} °C"
    where = (f"inside the predicted zone ({-distance_mm:.1f} mm deep)" if distance_mm < 0
             else f"{distance_mm:.1f} mm from the predicted zone")
    if temperature_c >= alarm:
        return [ALARM.finding(f"Thermocouple {where}: {said}, at or above its {alarm:g} °C alarm.", item_id)]
    if temperature_c <= th.cold_alarm_c:
        return [COLD_ALARM.finding(f"Thermocouple {where}: {said}, at or below the {th.cold_alarm_c:g} °C cold "
                                   f"alarm (cord injury at <= {th.cryo_injury_c:g} °C).", item_id)]
    if temperature_c >= prealarm:
        return [PREALARM.finding(f"Thermocouple {where}: {said}, at or above its {prealarm:g} °C pre-alarm.",
                                 item_id)]
    if temperature_c <= th.cold_prealarm_c:
        return [COLD_PREALARM.finding(f"Thermocouple {where}: {said}, at or below {th.cold_prealarm_c:g} °C.",
                                      item_id)]
    return [OK.finding(f"Thermocouple {where}: {said} (pre-alarm {prealarm:g} °C, alarm {alarm:g} °C).", item_id)]


def check(inputs: RuleInputs) -> list[Finding]:
    out: list[Finding] = []
    for r in probe_readings(inputs.analysis, inputs.bioheat_c, inputs.bioheat_cold).values():
        found = thermocouple_findings(r.temperature_c, r.distance_to_zone_mm, inputs.thresholds, r.item_id,
                                      r.alarm_c, r.prealarm_c, r.text)
        if inputs.thermal_current:  # the bioheat model of this very plan governs; keep the reading as info
            note = (" (the bioheat model's findings for this plan carry the alarms)" if r.model != SCREENING else
                    " (no bioheat value at this tip; the bioheat model's findings for this plan govern)")
            found = [replace(f, severity=Severity.INFO, message=f.message.rstrip(".") + note + ".") for f in found]
        out += found
    return out
