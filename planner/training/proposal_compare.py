"""Training: a trainee's plan compared with the planner's best proposal (CTV coverage and margins).

Not only against a stored reference plan (:mod:`planner.training.compare`): the best option of
:func:`planner.planning.propose.propose` for the same level and lesion is the yardstick. The numbers
come from the same analysis for both (:func:`planner.analysis.analyze.analyze`).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.analysis.analyze import analyze
from planner.geometry.raster import VoxelGrid
from planner.planning.propose import Option


@dataclass(frozen=True)
class ProposalComparison:
    trainee_ctv_coverage_pct: float
    best_ctv_coverage_pct: float
    trainee_canal_distance_mm: float
    best_canal_distance_mm: float
    best_approach: str
    messages: tuple[str, ...]

    @property
    def coverage_gap_pct(self) -> float:
        return self.best_ctv_coverage_pct - self.trainee_ctv_coverage_pct


def compare_with_proposal(session, ctv_mask, best: Option, margin_mm: float = 2.0) -> ProposalComparison:
    """Measure the session's plan (its evaluated zones) on the CTV and the canal, beside ``best``."""
    ev = session.evaluation if session.evaluation is not None else session.evaluate(corridors=False)
    a = analyze(VoxelGrid.of(session.volume), session.canal_mask, ev.planned_zones, ctv_mask)
    cov = float(a.coverage_percent) if ev.planned_zones else 0.0
    dist = float(a.canal_signed_distance_mm)
    msgs = []
    gap = best.ctv_coverage_pct - cov
    if gap > 5.0:
        msgs.append(f"Your zones cover {cov:.0f}% of the CTV; the proposed {best.approach} access covers "
                    f"{best.ctv_coverage_pct:.0f}% ({gap:.0f} points more).")
    else:
        msgs.append(f"Your zones cover {cov:.0f}% of the CTV, as much as the best proposal "
                    f"({best.ctv_coverage_pct:.0f}%).")
    if dist < margin_mm:
        msgs.append(f"Your zone comes {dist:.1f} mm from the canal (the proposal keeps "
                    f"{best.min_canal_distance_mm:.1f} mm; at least {margin_mm:g} mm is asked).")
    return ProposalComparison(cov, float(best.ctv_coverage_pct), dist, float(best.min_canal_distance_mm),
                              best.approach, tuple(msgs))
