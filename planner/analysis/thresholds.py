"""Safety thresholds (each with its source, DOMAIN.md) and the Finding record the rules return."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """Ordered: critical > warning > info."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class Finding:
    """One safety statement for the user. ``code`` is stable (for tests and reports); ``item_id``
    names the plan item it is about ("" when it concerns the whole plan)."""

    severity: Severity
    code: str
    message: str
    item_id: str = ""


@dataclass(frozen=True)
class SafetyThresholds:
    """Thresholds of the safety rules, defaults from DOMAIN.md.

    - ``alarm_c`` 45 °C: stop RF when the spinal canal reaches 45 °C (Nakatsuka, CVIR 2009: an
      overshoot to 48 °C gave a transient deficit); safe range next to nerves 10-45 °C (Sag & Husain,
      Semin Intervent Radiol 2022).
    - ``prealarm_c`` 42 °C: Chen et al., AJNR 2022 stopped the ablation when the thermocouple read
      over 42 °C.
    - ``warn_distance_mm`` 5 mm: a zone within 5 mm of the canal is a warning (planner convention,
      about half the ~1 cm that heat conducts in 5 min, DOMAIN.md "Ablation zones"; an estimate).
    - ``cold_alarm_c`` 10 °C: lower end of the safe range next to nerves (Sag & Husain 2022).
    - ``cold_prealarm_c`` 15 °C: planner convention, 5 °C above the cold alarm (estimate).
    - ``cryo_injury_c`` -8 °C: persistent cord injury at epidural <= -8 °C (AJNR 2024, canine); shown
      in messages, the cold alarm triggers long before it.
    - ``zone_edge_c`` 60 °C: coagulation is near-instant above 60 °C (Brace 2009), so the predicted
      zone edge is taken as the 60 °C isotherm.
    - ``default_time_s`` 300 s: for zones given without a time, the longest ablation in Chen 2022
      (2-5 min), the conservative choice for the conduction length.
    """

    alarm_c: float = 45.0
    prealarm_c: float = 42.0
    warn_distance_mm: float = 5.0
    cold_alarm_c: float = 10.0
    cold_prealarm_c: float = 15.0
    cryo_injury_c: float = -8.0
    zone_edge_c: float = 60.0
    body_c: float = 37.0
    default_time_s: float = 300.0

    def __post_init__(self):
        if not self.prealarm_c <= self.alarm_c:
            raise ValueError("the pre-alarm temperature must not exceed the alarm temperature")
        if not self.cold_alarm_c <= self.cold_prealarm_c:
            raise ValueError("the cold pre-alarm must not be below the cold alarm")
        if self.warn_distance_mm < 0:
            raise ValueError("the warning distance must be non-negative")


def worst(findings) -> Severity:
    """Highest severity among ``findings`` (INFO when empty)."""
    best = Severity.INFO
    for f in findings:
        if f.severity.rank > best.rank:
            best = f.severity
    return best
