"""Safety findings from a thermal result: plain functions returning analysis Finding objects.

Rules (codes are stable; the rule registry can list them):

- ``thermal_alarm`` (critical): a neural structure (canal, cord, foramen) or a thermocouple is
  predicted to reach its alarm (45 °C: Nakatsuka CVIR 2009, Sag & Husain 2022).
- ``thermal_prealarm`` (warning): it reaches the pre-alarm (42 °C: Chen AJNR 2022).
- ``thermal_neural_dose`` (critical): a neural structure's worst voxel gets CEM43 >=
  ``NEURAL_DOSE_CEM43_MIN`` = 50 min. Rat sciatic nerve, 5 mm heated segment: 50 % loss of motor
  function in 50 % of the animals after 58, 32 and 12 min at 43, 44 and 45 °C, i.e. CEM43 58, 64 and
  48 min, all recovered within 4 weeks (Wondergem et al., Int J Radiat Biol 1988;53(3):429-438, abstract
  read). Dog sciatic nerve, 60 min of intraoperative hyperthermia: at 45 °C (CEM43 240 min) all five dogs
  had severe neurological changes recovering over 3-11 months; > 44 °C for 1 h (CEM43 120 min) likely
  causes significant injury (Int J Hyperthermia 1994;10(1):41-49, doi 10.3109/02656739409009330) with
  histological changes at 44 and 45 °C still present after 12 months and nerves normal after 43 °C
  (CEM43 60 min; Vujaskovic et al., Int J Hyperthermia 1994;10(6):845-855; abstracts read). 50 min is
  therefore at the level of a median effect in rat nerve, not a safe level; the cord should be held
  stricter. The threshold tables of Yarmolenko et al., "Thresholds for thermal damage to normal
  tissues: an update", Int J Hyperthermia 2011;27(4):320-343 (doi 10.3109/02656736.2010.534527; Table
  II summarises the thresholds per tissue) were not readable here: no number is taken from them.
- ``thermal_overshoot`` (warning): the pre-alarm is first crossed after the power is off
  (Nakatsuka 2009: stopped at 45 °C, peaked at 48 °C with a transient deficit).
- ``thermal_cold_alarm`` / ``thermal_cold_prealarm``: cryo, below 10 / 15 °C next to a nerve
  (Sag & Husain 2022; -8 °C epidural gave persistent cord injury, AJNR 2024).
"""

from __future__ import annotations

from planner.analysis.rules.thermal import cem43_text
from planner.analysis.thresholds import Finding, SafetyThresholds, Severity

NEURAL_DOSE_CEM43_MIN = 50.0


def _when(t: float, power_off_s: float) -> str:
    if t > power_off_s + 1e-6:
        return f"at {t:.0f} s ({t - power_off_s:.0f} s after the power stops)"
    return f"at {t:.0f} s"


def curve_findings(name: str, summary, power_off_s: float, prealarm_c: float, alarm_c: float, item_id: str = "",
                   cold: bool = False, cold_prealarm_c: float = 15.0, cold_alarm_c: float = 10.0,
                   neural: bool = True) -> list[Finding]:
    """Findings for one curve (a thermocouple or a structure's hottest point)."""
    out: list[Finding] = []
    if cold:
        if summary.alarm_time_s is not None:
            out.append(Finding(Severity.CRITICAL, "thermal_cold_alarm",
                               f"{name} is predicted to fall to {cold_alarm_c:g} °C {_when(summary.alarm_time_s, power_off_s)} "
                               f"(lowest {summary.min_c:.1f} °C; persistent cord injury followed epidural <= -8 °C, "
                               f"AJNR 2024).", item_id))
        elif summary.prealarm_time_s is not None:
            out.append(Finding(Severity.WARNING, "thermal_cold_prealarm",
                               f"{name} is predicted to fall to {cold_prealarm_c:g} °C "
                               f"{_when(summary.prealarm_time_s, power_off_s)} (lowest {summary.min_c:.1f} °C).", item_id))
        return out
    if summary.alarm_time_s is not None:
        out.append(Finding(Severity.CRITICAL, "thermal_alarm",
                           f"{name} is predicted to reach the alarm {alarm_c:g} °C {_when(summary.alarm_time_s, power_off_s)}; "
                           f"peak {summary.peak_c:.1f} °C {_when(summary.peak_time_s, power_off_s)}.", item_id))
    elif summary.prealarm_time_s is not None:
        out.append(Finding(Severity.WARNING, "thermal_prealarm",
                           f"{name} is predicted to reach the pre-alarm {prealarm_c:g} °C "
                           f"{_when(summary.prealarm_time_s, power_off_s)}; peak {summary.peak_c:.1f} °C "
                           f"{_when(summary.peak_time_s, power_off_s)}.", item_id))
    if summary.prealarm_time_s is not None and summary.prealarm_time_s > power_off_s + 1e-6:
        out.append(Finding(Severity.WARNING, "thermal_overshoot",
                           f"{name} keeps heating after the power stops: it passes {prealarm_c:g} °C "
                           f"{_when(summary.prealarm_time_s, power_off_s)} (overshoot, Nakatsuka 2009). "
                           f"Stopping on the thermocouple reading is not enough.", item_id))
    if neural and summary.cem43_min >= NEURAL_DOSE_CEM43_MIN:
        out.append(Finding(Severity.CRITICAL, "thermal_neural_dose",
                           f"{name} gets a thermal dose of CEM43 {cem43_text(summary.cem43_min)} "
                           f"(>= {NEURAL_DOSE_CEM43_MIN:g} min: "
                           f"rat sciatic nerve lost half its motor function in half the animals at CEM43 48-64 min, "
                           f"Wondergem 1988).", item_id))
    return out


def thermal_findings(report: dict, thresholds: SafetyThresholds | None = None) -> list[Finding]:
    """Findings of a thermal report (:func:`planner.thermal.report.thermal_report`)."""
    th = thresholds or SafetyThresholds()
    cold = report.get("cryo", False)
    out: list[Finding] = []
    off = report["power_off_s"]
    for s in report["structures"]:
        summ = s["_summary"]
        label = s["name"] + (f" {s['level']}" if s.get("level") else "") + (f" {s['side']}" if s.get("side") else "")
        out += curve_findings(label, summ, off, th.prealarm_c, th.alarm_c, cold=cold,
                              cold_prealarm_c=th.cold_prealarm_c, cold_alarm_c=th.cold_alarm_c)
    for tc in report["thermocouples"]:
        summ = tc["_summary"]
        out += curve_findings(f"Thermocouple {tc['name']}", summ, off, tc["_prealarm_c"], tc["_alarm_c"], tc["id"],
                              cold=cold, cold_prealarm_c=th.cold_prealarm_c, cold_alarm_c=th.cold_alarm_c,
                              neural=False)
    out.sort(key=lambda f: -f.severity.rank)
    return out
