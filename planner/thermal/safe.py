"""Safe time and safe power per antenna: the longest power-on time (at the planned power and number
of cycles) and the largest power (at the planned time) for which no neural structure and no
thermocouple is predicted to reach its alarm.

Bisection over the device's validated range with full simulations (the alarm times rise
monotonically with time and power). The answer is the largest value *known* to be safe, so it errs
short; ``None`` when even the smallest validated value passes an alarm.
"""

from __future__ import annotations

from planner.analysis.thresholds import SafetyThresholds
from planner.thermal.report import thermal_report
from planner.thermal.simulate import Prepared, run_prepared, with_protocol


def _alarmed(prep: Prepared, plan, aps, th, cooling_s, cancelled) -> bool:
    res = run_prepared(prep, aps, cooling_s=cooling_s, cancelled=cancelled)
    rep = thermal_report(res, plan, th)
    return any(x["alarm_time_s"] is not None for x in rep["structures"] + rep["thermocouples"])


def _search(check, lo: float, hi: float, iters: int):
    if check(hi) is False:
        return hi
    if check(lo):
        return None
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if check(mid):
            hi = mid
        else:
            lo = mid
    return lo


def safe_limits(prep: Prepared, plan, thresholds: SafetyThresholds | None = None, iters: int = 3,
                cooling_s: float = 180.0, cancelled=None) -> dict:
    """``{antenna_id: {"safe_time_s": s | None, "safe_power_w": W | None}}``."""
    th = thresholds or SafetyThresholds()
    out = {}
    for n, ap in enumerate(prep.applicators):
        dev = ap.device
        t_lo, t_hi = dev.time_range_s
        safe_t = _search(lambda t: _alarmed(prep, plan, with_protocol(prep, n, time_s=t), th, cooling_s, cancelled),
                         t_lo, t_hi, iters)
        safe_p = None
        if dev.power_range_w is not None:
            p_lo, p_hi = dev.power_range_w
            safe_p = _search(lambda p: _alarmed(prep, plan, with_protocol(prep, n, power_w=p), th, cooling_s,
                                                cancelled), p_lo, p_hi, iters)
        out[ap.item_id] = {"safe_time_s": None if safe_t is None else round(safe_t, 1),
                           "safe_power_w": None if safe_p is None else round(safe_p, 2)}
    return out
