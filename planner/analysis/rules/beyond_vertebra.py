"""Zone beyond the vertebra's cortex: how much, how far and toward what (aorta/IVC, psoas and lumbar
plexus, lung, disc), and a contrast-filled large vessel nearby.

Figures from :func:`planner.analysis.beyond_vertebra.beyond_vertebra` (computed by the session for each
antenna's zone). Thresholds are planner estimates with the facts behind them: cortical bone insulates
only a little (Nijland, Int J Hyperthermia 2024) and heat conducts about 1 cm in 5 min (DOMAIN.md), so
more than ``beyond_warn_mm`` (2 mm, the Gertzbein-Robbins grade-2 step) beyond the cortex toward the
vessels, the plexus or the lung is a warning (at most 2 mm: information); into the disc is
information; a contrast vessel within ``vessel_warn_mm`` (5 mm, the canal's warning distance) is a
warning.
"""

from __future__ import annotations

from planner.analysis.beyond_vertebra import beyond_findings
from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

_BEYOND = ("estimate: cortical bone insulates only a little (Nijland Int J Hyperthermia 2024); 2 mm is the "
           "Gertzbein-Robbins grade-2 step (DOMAIN.md 'Access geometry')")
_TH = ("BeyondParams.beyond_warn_mm", "BeyondParams.bone_hu")
_WHAT = {Code.ZONE_BEYOND_VERTEBRA_ANTERIOR: "in front of the vertebra (toward the aorta / IVC; in the thorax the "
                                             "aorta / azygos vein)",
         Code.ZONE_BEYOND_VERTEBRA_LATERAL_LEFT: "beside the vertebra on the left (psoas, lumbar plexus; in the thorax "
                                                 "rib head, pleura, sympathetic trunk)",
         Code.ZONE_BEYOND_VERTEBRA_LATERAL_RIGHT: "beside the vertebra on the right (psoas, lumbar plexus; in the "
                                                  "thorax rib head, pleura, sympathetic trunk)",
         Code.ZONE_BEYOND_VERTEBRA_POSTERIOR: "behind the vertebra (paraspinal muscles)",
         Code.ZONE_BEYOND_VERTEBRA_LUNG: "into the pleura / lung (HU below -400)"}
RULES = tuple(RuleSpec(code, Severity.WARNING, f"zone {what}: warning beyond 2 mm past the cortex, information "
                       "up to 2 mm", _BEYOND, _TH) for code, what in _WHAT.items()) + (
    RuleSpec(Code.ZONE_BEYOND_VERTEBRA_DISC, Severity.INFO, "zone into the disc (beyond the endplates, soft-tissue "
             "density)", "planner convention (information): DOMAIN.md 'Ablation zones'", _TH),
    RuleSpec(Code.ZONE_NEAR_VESSEL, Severity.WARNING, "the zone comes within 5 mm of a contrast-filled large vessel "
             "in front of the vertebra", "estimate: the canal's warning distance (DOMAIN.md); contrast blood "
             "150-450 HU", ("BeyondParams.vessel_warn_mm", "BeyondParams.vessel_hu")),
)
_SPEC = {s.code: s for s in RULES}


def check(inputs: RuleInputs) -> list[Finding]:
    out: list[Finding] = []
    for antenna_id, result in inputs.beyond.items():
        for f in beyond_findings(result, item_id=antenna_id):
            out.append(_SPEC[Code(f.code)].finding(f.message, f.item_id, f.severity))
    return out
