"""The thermal result as JSON-ready data (the keys of ``python -m planner thermal``, docs/thermal.md).

Times never reached are ``None`` (JSON null). Curves are resampled every ``curve_step_s`` (2 s) for
output; peaks, peak times and crossing times are read on the solver's own steps.
"""

from __future__ import annotations

import math

import numpy as np

from planner.analysis.thresholds import SafetyThresholds
from planner.thermal.curves import summarise


def _num(v, digits: int = 3):
    if v is None:
        return None
    v = float(v)
    return round(v, digits) if math.isfinite(v) else None


def _curve(t, T, step_s: float) -> dict:
    t = np.asarray(t, float)
    grid = np.arange(0.0, t[-1] + 1e-9, step_s)
    if grid[-1] < t[-1]:
        grid = np.append(grid, t[-1])
    return {"time_s": [round(float(x), 2) for x in grid],
            "temperature_c": [round(float(x), 3) for x in np.interp(grid, t, T)]}


def _summary_dict(s) -> dict:
    return {"peak_c": _num(s.peak_c), "peak_time_s": _num(s.peak_time_s, 1),
            "peak_after_power_off": s.peak_after_power_off,
            "prealarm_time_s": _num(s.prealarm_time_s, 1), "alarm_time_s": _num(s.alarm_time_s, 1),
            "cem43_min": _num(s.cem43_min, 4), "min_c": _num(s.min_c), "min_time_s": _num(s.min_time_s, 1)}


def thermal_report(result, plan, thresholds: SafetyThresholds | None = None, curve_step_s: float = 2.0) -> dict:
    """Report dict; entries keep their summaries under ``_summary`` (dropped by :func:`public`)."""
    th = thresholds or SafetyThresholds()
    cold = any("Cryoablation" in w for w in result.warnings)
    t = result.time_s
    off = result.power_off_s
    tcs = []
    for n, tc_id in enumerate(result.thermocouple_ids):
        tc = plan.get(tc_id)
        T = result.thermocouple_c[:, n]
        pre, alarm = (th.cold_prealarm_c, th.cold_alarm_c) if cold else (tc.prealarm_c, tc.alarm_c)
        s = summarise(t, T, off, pre, alarm, cold=cold)
        tcs.append({"id": tc_id, "name": tc.name, **_summary_dict(s), "curve": _curve(t, T, curve_step_s),
                    "_summary": s, "_prealarm_c": pre, "_alarm_c": alarm})
    structs = []
    for (name, kind, level, side), tmax, tmin, cem, present in result.structures:
        if not present:
            continue
        pre, alarm = (th.cold_prealarm_c, th.cold_alarm_c) if cold else (th.prealarm_c, th.alarm_c)
        curve = tmin if cold else tmax
        s = summarise(t, curve, off, pre, alarm, cold=cold, cem=cem)
        structs.append({"name": name, "kind": kind, "level": level or None, "side": side or None,
                        **_summary_dict(s), "curve": _curve(t, curve, curve_step_s), "_summary": s})
    damage_ml = float(np.count_nonzero(result.damage)) * result.grid.spacing_mm ** 3 / 1000.0
    g = result.grid
    return {
        "power_off_s": _num(off, 1),
        "antenna_off_s": {k: _num(v, 1) for k, v in result.applicator_off_s.items()},
        "end_s": _num(t[-1], 1),
        "cryo": cold,
        "thermocouples": tcs,
        "structures": structs,
        "damage": {"criterion": "CEM43 >= 240 min", "volume_ml": _num(damage_ml),
                   "lesion_coverage_pct": _num(result.lesion_coverage_pct, 2)},
        "grid": {"origin_lps": [_num(v) for v in g.origin_lps], "spacing_mm": g.spacing_mm,
                 "shape_kji": list(g.shape_kji), "time_step_s": _num(result.solve.dt_s, 4),
                 "steps": result.solve.steps},
        "warnings": list(result.warnings),
    }


def public(report: dict) -> dict:
    """The report without the private ``_`` keys (JSON output)."""
    if isinstance(report, dict):
        return {k: public(v) for k, v in report.items() if not str(k).startswith("_")}
    if isinstance(report, list):
        return [public(v) for v in report]
    return report
