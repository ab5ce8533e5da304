"""Safety findings from a needle's corridor report (severity rules with their sources)."""

from __future__ import annotations

from planner.analysis.corridor import CorridorReport
from planner.analysis.thresholds import Finding, Severity


def corridor_findings(report: CorridorReport, needle_id: str, needle_name: str = "Needle") -> list[Finding]:
    """Findings for one needle path.

    - Entering the spinal canal or a neural foramen is critical.
    - A medial breach of grade >= 2 (>= 2 mm) is critical: a medial breach of 2 mm or more raises the
      neurological risk (Gertzbein-Robbins; DOMAIN.md "Access geometry"); other grade >= 2 breaches
      are warnings; grade 1 breaches are information.
    - A path crossing the CT table or leaving the body before the skin, or a tip outside the body, is a
      warning (``needle_outside_body``): the plan's geometry is wrong, it is not a cortical breach.
    - A path longer than the needle's usable length is reported by the caller (it knows the needle).
    """
    out: list[Finding] = []
    if report.outside_body:
        out.append(Finding(Severity.WARNING, "needle_outside_body", f"{needle_name}: {report.outside_body}",
                           needle_id))
    if report.enters_canal:
        out.append(Finding(
            Severity.CRITICAL, "needle_enters_canal",
            f"{needle_name}: the path enters the spinal canal {report.canal_entry_depth_mm:.1f} mm from the entry.",
            needle_id))
    if report.enters_foramen:
        out.append(Finding(
            Severity.CRITICAL, "needle_enters_foramen",
            f"{needle_name}: the path enters a neural foramen {report.foramen_entry_depth_mm:.1f} mm from the entry.",
            needle_id))
    for b in report.breaches:
        if b.grade >= 2 and b.direction == "medial":
            severity = Severity.CRITICAL
        elif b.grade >= 2:
            severity = Severity.WARNING
        else:
            severity = Severity.INFO
        out.append(Finding(
            severity, f"cortical_breach_{b.direction}",
            f"{needle_name}: {b.direction} cortical breach of {b.max_breach_mm:.1f} mm (grade {b.grade}) "
            f"{b.start_depth_mm:.0f}-{b.end_depth_mm:.0f} mm from the entry.",
            needle_id))
    return out
