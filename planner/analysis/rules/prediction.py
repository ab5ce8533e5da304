"""Every zone is a prediction: an information finding whenever zones are shown."""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

CAVEAT = RuleSpec(Code.ZONE_IS_PREDICTION, Severity.INFO, "zones are predictions from ex vivo charts",
                  "Ruiter, Eur Radiol 2019 (r = 0.51-0.63 against clinical zones)")
RULES = (CAVEAT,)


def prediction_caveat(any_estimated: bool) -> Finding:
    extra = " Some table values are estimates." if any_estimated else ""
    return CAVEAT.finding("Zones are predictions from ex vivo liver charts; clinical zones correlate with them "
                          "only at r = 0.51-0.63 (Ruiter 2019)." + extra)


def check(inputs: RuleInputs) -> list[Finding]:
    a = inputs.analysis
    if a is None or not a.zone_volumes_ml:
        return []
    return [prediction_caveat(a.any_estimated)]
