"""Zone and spinal canal: critical when a predicted zone reaches the canal, warning near it."""

from __future__ import annotations

import math

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

_HEAT = "DOMAIN.md 'Ablation zones': heat conducts about 1 cm in 5 min (sqrt(4 alpha t))"
NONE = RuleSpec(Code.CANAL_NONE, Severity.INFO, "no canal segmented: distance not checked", "planner convention")
OVERLAP = RuleSpec(Code.CANAL_OVERLAP, Severity.CRITICAL, "a predicted zone reaches the spinal canal",
                   "Nakatsuka CVIR 2009; Nijland Int J Hyperthermia 2024")
NEAR = RuleSpec(Code.CANAL_NEAR, Severity.WARNING, "a zone comes within the warning distance of the canal",
                _HEAT + "; 5 mm is a planner estimate", ("warn_distance_mm",))
CLEAR = RuleSpec(Code.CANAL_CLEAR, Severity.INFO, "zones stay clear of the canal", _HEAT, ("warn_distance_mm",))
OUTSIDE = RuleSpec(Code.CANAL_NOT_CHECKED, Severity.WARNING, "the zones lie outside the CT: distance not checked",
                   "planner convention: an unchecked distance is never shown as safe")
RULES = (NONE, OVERLAP, NEAR, CLEAR, OUTSIDE)


def canal_findings(signed_distance_mm: float, overlap_ml: float, th, item_id: str = "",
                   cryo: bool = False) -> list[Finding]:
    """The finding for one signed distance (mm, negative inside) and overlap volume (mL)."""
    if math.isinf(signed_distance_mm):
        return [NONE.finding("No spinal canal is segmented: the distance of the zones to the canal was not "
                             "checked.", item_id)]
    what = "ice ball" if cryo else "ablation zone"
    # a zone touching the canal (distance 0 within the boundary's sub-voxel placement, no overlap) is a
    # warning, not an overlap (issue 13: a tangent zone is not an overlap)
    if signed_distance_mm < 0 or overlap_ml > 0:
        return [OVERLAP.finding(f"The predicted {what} reaches the spinal canal: about {overlap_ml:.2f} mL of "
                                f"canal inside it, {max(0.0, -signed_distance_mm):.1f} mm deep.", item_id)]
    if signed_distance_mm < th.warn_distance_mm:
        return [NEAR.finding(f"The predicted {what} comes within {signed_distance_mm:.1f} mm of the spinal canal "
                             f"(warning below {th.warn_distance_mm:g} mm); heat conducts about 1 cm in 5 min.",
                             item_id)]
    return [CLEAR.finding(f"The predicted {what} stays {signed_distance_mm:.1f} mm from the spinal canal.", item_id)]


def check(inputs: RuleInputs) -> list[Finding]:
    a = inputs.analysis
    if a is None or not a.zone_volumes_ml:
        return []
    if a.canal_present and a.box is None:
        return [OUTSIDE.finding("The predicted zones lie outside the CT volume: their distance to the spinal "
                                "canal was not checked.")]
    return canal_findings(a.canal_signed_distance_mm, a.canal_overlap_ml, inputs.thresholds, cryo=a.all_cryo)
