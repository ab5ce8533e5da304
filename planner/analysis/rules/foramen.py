"""Zone and neural foramina: critical when a predicted zone reaches a foramen, warning near one.

The exiting nerve root lies in the foramen; thermocouples are placed there for that reason (DOMAIN.md
"Thermal safety": Chen 2022 stopped above 42 °C; Groetz 2013 measured 46-52 °C in the foramen with RF).
The warning distance is the canal's (``warn_distance_mm``). The figures (one signed distance per
foramen, :func:`planner.analysis.foramen_rules.foramen_distance_mm`) are computed by the session; the
masks come from :func:`planner.anatomy.foramina.find_foramina`. A needle entering a foramen is the
corridor rule's ``needle_enters_foramen``.
"""

from __future__ import annotations

from planner.analysis.foramen_rules import zone_foramen_findings
from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

_ROOT = "Chen AJNR 2022 (foraminal thermocouple, stop above 42 °C); Groetz 2013 (46-52 °C in the foramen)"
REACHES = RuleSpec(Code.ZONE_REACHES_FORAMEN, Severity.CRITICAL, "a predicted zone reaches a neural foramen "
                   "(the exiting nerve root)", _ROOT)
NEAR = RuleSpec(Code.ZONE_NEAR_FORAMEN, Severity.WARNING, "a zone comes within the warning distance of a neural "
                "foramen", _ROOT + "; heat conducts about 1 cm in 5 min (DOMAIN.md); 5 mm is a planner estimate",
                ("warn_distance_mm",))
RULES = (REACHES, NEAR)
_SPEC = {s.code: s for s in RULES}


def check(inputs: RuleInputs) -> list[Finding]:
    if not inputs.foramen_distances:
        return []
    found = zone_foramen_findings(inputs.foramen_distances, inputs.thresholds.warn_distance_mm)
    return [_SPEC[Code(f.code)].finding(f.message, f.item_id, f.severity) for f in found]
