"""The ablation protocol as phases of constant power: cycles, pauses, schedule, cooling.

Per antenna (plan fields): ``power_w``, ``time_s`` (total power-on time, split into ``cycles`` equal
cycles, Chen AJNR 2022: 2-5 min as cycles of 30-90 s), ``pause_s`` between cycles. Each antenna runs
after the previous one (``sequential``: it starts when the previous' last cycle ends) or with it
(``simultaneous``: both start together); the plan field is ``Antenna.schedule``. Cooling follows the last power-off, at least 3 minutes (issue 16): the overshoot
after the power stops (Nakatsuka, CVIR 2009: stopped at 45 °C, peaked at 48 °C) happens then.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.errors import OutOfRangeError
from planner.thermal.solver import Phase

SCHEDULES = ("sequential", "simultaneous")
MIN_COOLING_S = 180.0


@dataclass(frozen=True)
class ApplicatorProtocol:
    """One applicator's protocol; ``power_w`` is None for a cryoprobe (full gas flow)."""

    power_w: float | None
    time_s: float
    cycles: int = 1
    pause_s: float = 0.0
    name: str = ""
    schedule: str = "sequential"  # relative to the previous applicator: after it, or with it


def check_protocol(p: ApplicatorProtocol, device, params) -> None:
    """Refuse powers, times, cycles and pauses outside the device's validated range, naming it."""
    who = f"{p.name or 'applicator'} ({device.name})"
    if device.power_range_w is not None:
        lo, hi = device.power_range_w
        if p.power_w is None or not (lo - 1e-9 <= p.power_w <= hi + 1e-9):
            raise OutOfRangeError(f"{who}: power {p.power_w} W is outside the validated range {lo:g}-{hi:g} W.")
    lo, hi = device.time_range_s
    if not (lo - 1e-9 <= p.time_s <= hi + 1e-9):
        raise OutOfRangeError(f"{who}: time {p.time_s:g} s is outside the validated range {lo:g}-{hi:g} s "
                              f"(total power-on time).")
    if int(p.cycles) != p.cycles or not 1 <= p.cycles <= params.max_cycles:
        raise OutOfRangeError(f"{who}: {p.cycles} cycles is outside the validated range 1-{params.max_cycles}.")
    if not 0.0 <= p.pause_s <= params.max_pause_s:
        raise OutOfRangeError(f"{who}: pause {p.pause_s:g} s is outside the validated range "
                              f"0-{params.max_pause_s:g} s.")


def _one(p: ApplicatorProtocol) -> list[tuple[float, bool]]:
    """(duration, on) segments of one applicator."""
    cycle = p.time_s / p.cycles
    out: list[tuple[float, bool]] = []
    for n in range(p.cycles):
        out.append((cycle, True))
        if n < p.cycles - 1 and p.pause_s > 0:
            out.append((p.pause_s, False))
    return out


def build_phases(protocols: list[ApplicatorProtocol], schedule: str | None = None,
                 cooling_s: float = MIN_COOLING_S) -> tuple[list[Phase], float, list[float]]:
    """Phases of the whole protocol, the time of the last power-off and each applicator's off time.

    ``schedule`` overrides every applicator's own ``schedule`` when given."""
    for p in protocols:
        sch = schedule or p.schedule
        if sch not in SCHEDULES:
            raise OutOfRangeError(f"schedule '{sch}' is not one of {', '.join(SCHEDULES)}.")
    if cooling_s < MIN_COOLING_S:
        raise OutOfRangeError(f"cooling {cooling_s:g} s is shorter than the required {MIN_COOLING_S:g} s.")
    n = len(protocols)
    power = [1.0 if p.power_w is None else float(p.power_w) for p in protocols]
    events: list[tuple[float, float, int]] = []  # (start, end, applicator)
    off: list[float] = []
    prev_start, prev_end = 0.0, 0.0
    for a, p in enumerate(protocols):
        together = (schedule or p.schedule) == "simultaneous"
        start = prev_start if (together and a > 0) else prev_end
        t = start
        for dur, on in _one(p):
            if on:
                events.append((t, t + dur, a))
            t += dur
        off.append(t)
        prev_start, prev_end = start, max(prev_end, t)
    power_off = max(off) if off else 0.0
    cuts = sorted({0.0, power_off, *[e[0] for e in events], *[e[1] for e in events]})
    phases = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if hi - lo <= 1e-9:
            continue
        mid = 0.5 * (lo + hi)
        pw = tuple(power[a] if any(s <= mid < e and i == a for s, e, i in events) else 0.0 for a in range(n))
        phases.append(Phase(hi - lo, pw, "on" if any(pw) else "pause"))
    phases.append(Phase(float(cooling_s), (0.0,) * n, "cooling"))
    return phases, power_off, off
