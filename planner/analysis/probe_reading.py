"""A thermocouple's reading: the one temperature every view, the findings, the report and training give
for a probe (issue 19 / 15: the 2D label said ~40 °C while the Temperatures dock said 37.5 °C).

Two models can give a temperature at a thermocouple's tip:

- the **bioheat** model (Pennes, docs/thermal-model.md) of exactly the current plan, run in the
  background: its peak (its lowest value under cryo) at the tip over the whole run. When it exists for a
  thermocouple it is the reading, named as such: "37.5 °C peak (bioheat)".
- else the **screening** estimate of the analysis (docs/ablation-model.md, T = 37 + 23 exp(-d/L)), which
  errs hot on purpose (exp(-x) >= erfc(x), zone at full size throughout, no perfusion) and, under
  cryo, errs cold: it is an upper (lower) bound, written "<= 40 °C screening" (">= 12 °C screening").

Why the bioheat value wins when present: it is the same plan, the same tip, a model with perfusion, the
real time course and the after-heating (docs/thermal.md); the screening bound only stands in while no
such result exists (before the first run, or once the plan moved since: the session drops a stale result,
planner.session.thermal_state). Qt-free; plain values in, plain values out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

BIOHEAT = "bioheat"
SCREENING = "screening"
BODY_C = 37.0  # docs/ablation-model.md: the estimate's baseline; below it a screening value is a freeze


@dataclass(frozen=True)
class ProbeReading:
    """The temperature (°C) given for one thermocouple, the model it comes from, and the limits it is
    judged by (the item's own alarm / pre-alarm, °C). ``cold``: a freezing reading (cryo)."""

    item_id: str
    temperature_c: float
    model: str
    distance_to_zone_mm: float
    alarm_c: float = 45.0
    prealarm_c: float = 42.0
    cold: bool = False

    @property
    def text(self) -> str:
        """"37.5 °C peak (bioheat)", "12.0 °C lowest (bioheat)", "<= 40 °C screening", ">= 12 °C screening"."""
        if self.model == BIOHEAT:
            return f"{self.temperature_c:.1f} °C {'lowest' if self.cold else 'peak'} (bioheat)"
        return f"{'≥' if self.cold else '≤'} {self.temperature_c:.0f} °C screening"


def bioheat_values_c(report: Mapping | None) -> tuple[dict[str, float], bool]:
    """``({thermocouple id: peak °C (lowest under cryo)}, cryo)`` of a thermal report
    (:func:`planner.thermal.report.thermal_report`). The unrounded summary is read when the report still
    holds it, so the value equals the one the bioheat findings compared with the limits."""
    if not report:
        return {}, False
    cold = bool(report.get("cryo", False))
    out = {}
    for tc in report.get("thermocouples", ()):
        summary = tc.get("_summary")
        value = getattr(summary, "min_c" if cold else "peak_c", None) if summary is not None else None
        if value is None:
            value = tc.get("min_c" if cold else "peak_c")
        if tc.get("id") and value is not None and math.isfinite(float(value)):
            out[str(tc["id"])] = float(value)
    return out, cold


def probe_readings(analysis, bioheat_c: Mapping[str, float] | None = None,
                   bioheat_cold: bool = False) -> dict[str, ProbeReading]:
    """The reading of every thermocouple the analysis estimated: the bioheat value when ``bioheat_c``
    holds one for it (only ever a result of the current plan), else the screening estimate."""
    bioheat_c = bioheat_c or {}
    out = {}
    for tc in (analysis.thermocouples if analysis is not None else ()):
        if tc.item_id in bioheat_c:
            out[tc.item_id] = ProbeReading(tc.item_id, float(bioheat_c[tc.item_id]), BIOHEAT, tc.distance_to_zone_mm,
                                           tc.alarm_c, tc.prealarm_c, bool(bioheat_cold))
        else:
            t = float(tc.predicted_temperature_c)
            out[tc.item_id] = ProbeReading(tc.item_id, t, SCREENING, tc.distance_to_zone_mm, tc.alarm_c,
                                           tc.prealarm_c, t < BODY_C)
    return out
