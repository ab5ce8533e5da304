"""Missing inputs: a zone, a target or a needle path that could not be computed; warnings about the images."""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

ZONE = RuleSpec(Code.ZONE_UNAVAILABLE, Severity.WARNING, "no zone for an antenna (e.g. power outside the table)",
                "device table (resources/devices)")
TARGET = RuleSpec(Code.TARGET_UNAVAILABLE, Severity.WARNING, "a lesion recipe gave no mask", "planner convention")
SERIES = RuleSpec(Code.SERIES_WARNING, Severity.WARNING, "the images carry a warning (gaps, tilt, rescale...)",
                  "planner/imaging/checks.py")
CORRIDOR = RuleSpec(Code.CORRIDOR_UNAVAILABLE, Severity.WARNING, "a needle path could not be checked (e.g. it "
                    "lies outside the CT)", "planner convention: an unchecked path is never shown as safe")
RULES = (ZONE, TARGET, SERIES, CORRIDOR)


def check(inputs: RuleInputs) -> list[Finding]:
    out = [ZONE.finding(msg, item_id) for item_id, msg in inputs.zone_errors.items()]
    out += [TARGET.finding(msg, item_id) for item_id, msg in inputs.lesion_errors.items()]
    out += [SERIES.finding(f"Images: {w}") for w in inputs.series_warnings]
    out += [CORRIDOR.finding(msg, item_id) for item_id, msg in inputs.corridor_errors.items()]
    return out
