"""Safety rules: measured figures in, findings out (thresholds and sources in thresholds.py)."""

from __future__ import annotations

import math

from planner.analysis.thresholds import Finding, SafetyThresholds, Severity


def canal_findings(signed_distance_mm: float, overlap_ml: float, th: SafetyThresholds,
                   item_id: str = "", cryo: bool = False) -> list[Finding]:
    """Critical when a zone reaches into the canal (negative distance or some overlap), warning
    within ``warn_distance_mm`` (a zone touching the canal, distance 0, is a warning), else info."""
    if math.isinf(signed_distance_mm):
        return [Finding(Severity.INFO, "CANAL_NONE", "No spinal canal is segmented: the distance of the "
                        "zones to the canal was not checked.", item_id)]
    what = "ice ball" if cryo else "ablation zone"
    if signed_distance_mm < 0 or overlap_ml > 0:
        return [Finding(Severity.CRITICAL, "CANAL_OVERLAP",
                        f"The predicted {what} reaches the spinal canal: about {overlap_ml:.2f} mL of canal "
                        f"inside it, {max(0.0, -signed_distance_mm):.1f} mm deep.", item_id)]
    if signed_distance_mm < th.warn_distance_mm:
        return [Finding(Severity.WARNING, "CANAL_NEAR",
                        f"The predicted {what} comes within {signed_distance_mm:.1f} mm of the spinal canal "
                        f"(warning below {th.warn_distance_mm:g} mm); heat conducts about 1 cm in 5 min.",
                        item_id)]
    return [Finding(Severity.INFO, "CANAL_CLEAR",
                    f"The predicted {what} stays {signed_distance_mm:.1f} mm from the spinal canal.", item_id)]


def thermocouple_findings(temperature_c: float, distance_mm: float, th: SafetyThresholds,
                          item_id: str = "") -> list[Finding]:
    """Critical at or beyond the alarm, warning at or beyond the pre-alarm (hot or cold)."""
    where = (f"inside the predicted zone ({-distance_mm:.1f} mm deep)" if distance_mm < 0
             else f"{distance_mm:.1f} mm from the predicted zone")
    if temperature_c >= th.alarm_c:
        return [Finding(Severity.CRITICAL, "TC_ALARM",
                        f"Thermocouple {where}: predicted {temperature_c:.0f} °C, at or above the "
                        f"{th.alarm_c:g} °C alarm (Nakatsuka 2009).", item_id)]
    if temperature_c <= th.cold_alarm_c:
        return [Finding(Severity.CRITICAL, "TC_COLD_ALARM",
                        f"Thermocouple {where}: predicted {temperature_c:.0f} °C, at or below the "
                        f"{th.cold_alarm_c:g} °C cold alarm (cord injury at <= {th.cryo_injury_c:g} °C).",
                        item_id)]
    if temperature_c >= th.prealarm_c:
        return [Finding(Severity.WARNING, "TC_PREALARM",
                        f"Thermocouple {where}: predicted {temperature_c:.0f} °C, at or above the "
                        f"{th.prealarm_c:g} °C stop level of Chen 2022.", item_id)]
    if temperature_c <= th.cold_prealarm_c:
        return [Finding(Severity.WARNING, "TC_COLD_PREALARM",
                        f"Thermocouple {where}: predicted {temperature_c:.0f} °C, at or below "
                        f"{th.cold_prealarm_c:g} °C.", item_id)]
    return [Finding(Severity.INFO, "TC_OK",
                    f"Thermocouple {where}: predicted {temperature_c:.0f} °C (conservative estimate).",
                    item_id)]


def coverage_findings(coverage_percent: float, margin_mm: float, item_id: str = "") -> list[Finding]:
    """Warning when part of the target lies outside the union (the whole clinical target volume
    should be ablated, Chen 2022 / Cox 2012 consensus); info otherwise."""
    if math.isnan(coverage_percent):
        return []
    if coverage_percent < 99.5 or margin_mm < 0:
        return [Finding(Severity.WARNING, "TARGET_NOT_COVERED",
                        f"The zones cover {coverage_percent:.1f}% of the target; part of it lies up to "
                        f"{max(0.0, -margin_mm):.1f} mm outside.", item_id)]
    return [Finding(Severity.INFO, "TARGET_COVERED",
                    f"The zones cover {coverage_percent:.1f}% of the target with a smallest margin of "
                    f"{margin_mm:.1f} mm.", item_id)]


def prediction_caveat(any_estimated: bool) -> Finding:
    """Every zone is a prediction (Ruiter, Eur Radiol 2019: r = 0.51-0.63 against clinical zones)."""
    extra = " Some table values are estimates." if any_estimated else ""
    return Finding(Severity.INFO, "ZONE_IS_PREDICTION",
                   "Zones are predictions from ex vivo liver charts; clinical zones correlate with them only "
                   "at r = 0.51-0.63 (Ruiter 2019)." + extra)
