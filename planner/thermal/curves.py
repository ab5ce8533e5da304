"""Reading a temperature-time curve: peak, crossing times, CEM43 (Sapareto & Dewey 1984).

CEM43 = sum R^(43 - T) dt / 60 min, R = 0.5 at T >= 43 °C and 0.25 below (Sapareto & Dewey, Int J
Radiat Oncol Biol Phys 1984;10:787-800), with T the mean of each interval's end temperatures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CurveSummary:
    peak_c: float
    peak_time_s: float
    peak_after_power_off: bool
    prealarm_time_s: float | None
    alarm_time_s: float | None
    cem43_min: float
    min_c: float
    min_time_s: float


def cem43_min(time_s, temperature_c) -> float:
    t = np.asarray(time_s, dtype=float)
    T = np.asarray(temperature_c, dtype=float)
    if t.size < 2:
        return 0.0
    mid = 0.5 * (T[1:] + T[:-1])
    r = np.where(mid >= 43.0, 0.5, 0.25)
    return float(np.sum(r ** (43.0 - mid) * np.diff(t)) / 60.0)


def first_crossing_s(time_s, values, level: float, above: bool = True) -> float | None:
    """First time the curve reaches ``level`` (upward when ``above``, else downward), interpolated."""
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(values, dtype=float)
    hit = v >= level if above else v <= level
    idx = np.flatnonzero(hit)
    if idx.size == 0:
        return None
    n = int(idx[0])
    if n == 0:
        return float(t[0])
    a, b = v[n - 1], v[n]
    f = (level - a) / (b - a) if b != a else 1.0
    return float(t[n - 1] + f * (t[n] - t[n - 1]))


def summarise(time_s, temperature_c, power_off_s: float, prealarm_c: float, alarm_c: float,
              cold: bool = False, cem: float | None = None) -> CurveSummary:
    """Summary of one curve; ``cold`` reads alarms downward (cryo: 15 / 10 °C)."""
    t = np.asarray(time_s, dtype=float)
    T = np.asarray(temperature_c, dtype=float)
    i = int(np.argmax(T))
    j = int(np.argmin(T))
    return CurveSummary(float(T[i]), float(t[i]), bool(t[i] > power_off_s + 1e-6),
                        first_crossing_s(t, T, prealarm_c, not cold), first_crossing_s(t, T, alarm_c, not cold),
                        cem43_min(t, T) if cem is None else float(cem), float(T[j]), float(t[j]))
