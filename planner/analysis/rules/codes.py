"""The one list of finding codes. Views, reports, training and scenarios compare codes with these
members, never with strings of their own; :meth:`Code.parse` reads a code written in a file (either
casing, as older scenario files used upper case)."""

from __future__ import annotations

from enum import Enum


class Code(str, Enum):
    """Stable finding codes (lower snake case). A member equals its value: ``Code.TC_ALARM == "tc_alarm"``."""

    CANAL_NONE = "canal_none"
    CANAL_OVERLAP = "canal_overlap"
    CANAL_NEAR = "canal_near"
    CANAL_CLEAR = "canal_clear"
    CANAL_NOT_CHECKED = "canal_not_checked"
    TC_ALARM = "tc_alarm"
    TC_COLD_ALARM = "tc_cold_alarm"
    TC_PREALARM = "tc_prealarm"
    TC_COLD_PREALARM = "tc_cold_prealarm"
    TC_OK = "tc_ok"
    TARGET_NOT_COVERED = "target_not_covered"
    TARGET_COVERED = "target_covered"
    ZONE_IS_PREDICTION = "zone_is_prediction"
    ZONE_UNAVAILABLE = "zone_unavailable"
    TARGET_UNAVAILABLE = "target_unavailable"
    NEEDLE_TOO_SHORT = "needle_too_short"
    NEEDLE_ENTERS_CANAL = "needle_enters_canal"
    NEEDLE_OUTSIDE_BODY = "needle_outside_body"
    NEEDLE_ENTERS_FORAMEN = "needle_enters_foramen"
    CORTICAL_BREACH_MEDIAL = "cortical_breach_medial"
    CORTICAL_BREACH_LATERAL = "cortical_breach_lateral"
    CORTICAL_BREACH_SUPERIOR = "cortical_breach_superior"
    CORTICAL_BREACH_INFERIOR = "cortical_breach_inferior"
    CORTICAL_BREACH_ANTERIOR = "cortical_breach_anterior"
    CORTICAL_BREACH_POSTERIOR = "cortical_breach_posterior"
    CORTICAL_BREACH_LEFT = "cortical_breach_left"
    CORTICAL_BREACH_RIGHT = "cortical_breach_right"
    ZONE_REACHES_FORAMEN = "zone_reaches_foramen"
    ZONE_NEAR_FORAMEN = "zone_near_foramen"
    ZONE_BEYOND_VERTEBRA_ANTERIOR = "zone_beyond_vertebra_anterior"
    ZONE_BEYOND_VERTEBRA_LATERAL_LEFT = "zone_beyond_vertebra_lateral_left"
    ZONE_BEYOND_VERTEBRA_LATERAL_RIGHT = "zone_beyond_vertebra_lateral_right"
    ZONE_BEYOND_VERTEBRA_POSTERIOR = "zone_beyond_vertebra_posterior"
    ZONE_BEYOND_VERTEBRA_DISC = "zone_beyond_vertebra_disc"
    ZONE_BEYOND_VERTEBRA_LUNG = "zone_beyond_vertebra_lung"
    ZONE_NEAR_VESSEL = "zone_near_vessel"
    SERIES_WARNING = "series_warning"
    CORRIDOR_UNAVAILABLE = "corridor_unavailable"
    THERMAL_ALARM = "thermal_alarm"
    THERMAL_PREALARM = "thermal_prealarm"
    THERMAL_NEURAL_DOSE = "thermal_neural_dose"
    THERMAL_OVERSHOOT = "thermal_overshoot"
    THERMAL_COLD_ALARM = "thermal_cold_alarm"
    THERMAL_COLD_PREALARM = "thermal_cold_prealarm"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def parse(cls, text: str) -> "Code":
        """The code written as ``text`` (case-insensitive); ValueError listing the known codes."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            known = ", ".join(c.value for c in cls)
            raise ValueError(f"unknown finding code {text!r}; known codes: {known}") from None
