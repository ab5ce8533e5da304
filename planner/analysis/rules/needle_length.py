"""Needle length: the planned path must fit the needle's usable length."""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

TOO_SHORT = RuleSpec(Code.NEEDLE_TOO_SHORT, Severity.WARNING, "entry-to-tip is longer than the usable length",
                     "device data (usable length of the needle)", ("Needle.usable_length_mm",))
RULES = (TOO_SHORT,)


def check(inputs: RuleInputs) -> list[Finding]:
    return [TOO_SHORT.finding(f"{n.name}: the path ({n.length_mm:.0f} mm) is longer than the needle's usable "
                              f"length ({n.usable_length_mm:.0f} mm).", n.id)
            for n in inputs.needles if n.length_mm > n.usable_length_mm]
