"""Needle path: entering the canal or a foramen, and cortical breaches graded by Gertzbein-Robbins."""

from __future__ import annotations

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import RuleInputs, RuleSpec
from planner.analysis.thresholds import Finding, Severity

_GR = "Gertzbein-Robbins grades (DOMAIN.md 'Access geometry'): grade 1 < 2 mm, 2 = 2-4 mm, 3 > 4 mm"
ENTERS_CANAL = RuleSpec(Code.NEEDLE_ENTERS_CANAL, Severity.CRITICAL, "the needle path enters the spinal canal",
                        "DOMAIN.md 'Access geometry'")
ENTERS_FORAMEN = RuleSpec(Code.NEEDLE_ENTERS_FORAMEN, Severity.CRITICAL, "the needle path enters a neural foramen",
                          "DOMAIN.md 'Access geometry'")
OUTSIDE_BODY = RuleSpec(Code.NEEDLE_OUTSIDE_BODY, Severity.WARNING,
                        "the path crosses the CT table or leaves the body before the skin, or the tip lies "
                        "outside the body: the plan's geometry is wrong, not a cortical breach",
                        "planner convention (issue 13): the body mask (planner.anatomy.body) excludes the table")
BREACH = {
    "medial": RuleSpec(Code.CORTICAL_BREACH_MEDIAL, Severity.CRITICAL,
                       "medial breach: critical at grade >= 2, information at grade 1",
                       _GR + "; a medial breach >= 2 mm raises neurological risk", ("grade 2 (2 mm)",)),
}
for _d, _code in (("lateral", Code.CORTICAL_BREACH_LATERAL), ("superior", Code.CORTICAL_BREACH_SUPERIOR),
                  ("inferior", Code.CORTICAL_BREACH_INFERIOR), ("anterior", Code.CORTICAL_BREACH_ANTERIOR),
                  ("posterior", Code.CORTICAL_BREACH_POSTERIOR), ("left", Code.CORTICAL_BREACH_LEFT),
                  ("right", Code.CORTICAL_BREACH_RIGHT)):
    BREACH[_d] = RuleSpec(_code, Severity.WARNING, f"{_d} breach: warning at grade >= 2, information at grade 1",
                          _GR, ("grade 2 (2 mm)",))
RULES = (ENTERS_CANAL, ENTERS_FORAMEN, OUTSIDE_BODY, *BREACH.values())


def corridor_findings(report, needle_id: str, needle_name: str = "Needle") -> list[Finding]:
    """Findings of one needle's :class:`~planner.analysis.corridor.CorridorReport`."""
    out: list[Finding] = []
    if getattr(report, "outside_body", ""):
        out.append(OUTSIDE_BODY.finding(f"{needle_name}: {report.outside_body}", needle_id))
    if report.enters_canal:
        out.append(ENTERS_CANAL.finding(f"{needle_name}: the path enters the spinal canal "
                                        f"{report.canal_entry_depth_mm:.1f} mm from the entry.", needle_id))
    if report.enters_foramen:
        out.append(ENTERS_FORAMEN.finding(f"{needle_name}: the path enters a neural foramen "
                                          f"{report.foramen_entry_depth_mm:.1f} mm from the entry.", needle_id))
    for b in report.breaches:
        spec = BREACH[b.direction]
        severity = spec.severity if b.grade >= 2 else Severity.INFO
        depth = f"{b.max_breach_mm:.1f} mm (grade {b.grade})"
        span = f"{b.start_depth_mm:.0f}-{b.end_depth_mm:.0f} mm from the entry"
        text = (f"{needle_name}: cortical breach of {depth} {b.where}, {span}." if b.across_gap
                else f"{needle_name}: {b.direction} cortical breach of {depth} {span}.")
        out.append(spec.finding(text, needle_id, severity))
    return out


def check(inputs: RuleInputs) -> list[Finding]:
    names = {n.id: n.name for n in inputs.needles}
    out: list[Finding] = []
    for needle_id, report in inputs.corridors.items():
        out += corridor_findings(report, needle_id, names.get(needle_id, "Needle"))
    return out
