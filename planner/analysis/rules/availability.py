"""Missing inputs: a zone or a target that could not be computed, and warnings about the images."""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

ZONE = RuleSpec(Code.ZONE_UNAVAILABLE, Severity.WARNING, "no zone for an antenna (e.g. power outside the table)",
                "device table (resources/devices)")
TARGET = RuleSpec(Code.TARGET_UNAVAILABLE, Severity.WARNING, "a lesion recipe gave no mask", "planner convention")
SERIES = RuleSpec(Code.SERIES_WARNING, Severity.WARNING, "the images carry a warning (gaps, tilt, rescale...)",
                  "planner/imaging/checks.py")
RULES = (ZONE, TARGET, SERIES)


def check(inputs: RuleInputs) -> list[Finding]:
    out = [ZONE.finding(msg, item_id) for item_id, msg in inputs.zone_errors.items()]
    out += [TARGET.finding(msg, item_id) for item_id, msg in inputs.lesion_errors.items()]
    out += [SERIES.finding(f"Images: {w}") for w in inputs.series_warnings]
    return out
