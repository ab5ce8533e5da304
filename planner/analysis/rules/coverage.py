"""Target coverage: warning when part of the target lies outside the union of the zones."""

from __future__ import annotations

import math

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

_SRC = "Chen AJNR 2022 / Cox IJROBP 2012: the whole clinical target volume is to be ablated"
NOT_COVERED = RuleSpec(Code.TARGET_NOT_COVERED, Severity.WARNING, "coverage below 99.5 % or a negative margin",
                       _SRC + "; 99.5 % allows for voxelisation", ("coverage 99.5 %",))
COVERED = RuleSpec(Code.TARGET_COVERED, Severity.INFO, "the target is covered", _SRC)
RULES = (NOT_COVERED, COVERED)
FULL_COVERAGE_PERCENT = 99.5


def coverage_findings(coverage_percent: float, margin_mm: float, item_id: str = "") -> list[Finding]:
    if math.isnan(coverage_percent):
        return []
    if coverage_percent < FULL_COVERAGE_PERCENT or margin_mm < 0:
        return [NOT_COVERED.finding(f"The zones cover {coverage_percent:.1f}% of the target; part of it lies up to "
                                    f"{max(0.0, -margin_mm):.1f} mm outside.", item_id)]
    return [COVERED.finding(f"The zones cover {coverage_percent:.1f}% of the target with a smallest margin of "
                            f"{margin_mm:.1f} mm.", item_id)]


def check(inputs: RuleInputs) -> list[Finding]:
    a = inputs.analysis
    if a is None:
        return []
    if not math.isnan(a.coverage_percent) and not getattr(a, "zone_volumes_ml", (1.0,)):
        # a target and no zone (screenshot round of issue 17: "The zones cover 0.0% of the target; part of it
        # lies up to 0.0 mm outside" beside "Predicted zones: none yet")
        return [NOT_COVERED.finding("No predicted zone yet: the target is not covered (add an antenna to a needle).")]
    return coverage_findings(a.coverage_percent, a.min_margin_mm)
