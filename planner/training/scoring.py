"""Scoring an attempt against the task's reference plan.

Criteria (each with the task's limit, see :class:`~planner.training.tasks.PassThresholds`): per
reference needle - present, tip error, entry error, angle error, antenna, no breach above the allowed
Gertzbein-Robbins grade and no canal entry; per reference thermocouple - tip error; for the plan -
lesion coverage, zone-to-canal distance and overlap, no extra needles, time taken.

Points: a met criterion scores 1; a missed numeric one scores ``max(0, 1 - excess / limit)`` (half
credit at 1.5 times the limit), a missed yes/no one 0. The total is the weighted mean x 100; safety
criteria (breach, canal) and coverage weigh 2, time 0.5, the rest 1. The attempt passes when every
criterion is met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner.analysis.rules.corridor import RULES as PATH_RULES
from planner.training.compare import (NeedleComparison, ThermocoupleComparison, match_needles,
                                      match_thermocouples)
from planner.training.tasks import PassThresholds, TrainingTask


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    value: float  # NaN when not measurable (e.g. missing needle)
    limit: float
    passed: bool
    unit: str = ""
    upper: bool = True  # True: value must be <= limit; False: >= limit
    weight: float = 1.0

    @property
    def points(self) -> float:
        if self.passed:
            return 1.0
        if not math.isfinite(self.value) or self.limit == 0 or self.unit == "":
            return 0.0
        excess = (self.value - self.limit) if self.upper else (self.limit - self.value)
        return max(0.0, 1.0 - excess / abs(self.limit))


#: The codes of the needle-path rules (:mod:`planner.analysis.rules.corridor`): the feedback quotes these
#: findings of the attempt's evaluation, the very rows the safety panel lists for the needle.
PATH_CODES = frozenset(spec.code for spec in PATH_RULES)


@dataclass(frozen=True)
class NeedleSafety:
    """The corridor report's grade and the needle-path findings of the same evaluation."""

    grade: int = 0
    direction: str = ""
    breach_mm: float = 0.0
    enters_canal: bool = False
    checked: bool = False
    findings: tuple = ()  # planner.analysis.thresholds.Finding, worst first, as the panel shows them


@dataclass(frozen=True)
class Score:
    task_id: str
    criteria: tuple[Criterion, ...]
    needles: tuple[NeedleComparison, ...]
    thermocouples: tuple[ThermocoupleComparison, ...]
    extra_needles: tuple[str, ...]
    extra_thermocouples: tuple[str, ...]
    safety: dict[str, NeedleSafety] = field(default_factory=dict)  # by attempt needle id
    figures: dict[str, float] = field(default_factory=dict)  # coverage, distance, overlap; reference_*
    # by attempt thermocouple id: its reading (planner.analysis.probe_reading), the safety panel's number
    thermocouple_reading: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def total(self) -> float:
        weight = sum(c.weight for c in self.criteria)
        return 100.0 * sum(c.weight * c.points for c in self.criteria) / weight if weight else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.criteria) and all(c.passed for c in self.criteria)

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)


def shown_points(total: float) -> int:
    """The whole points a score is shown with, in the panel, the feedback and the progress alike: the total
    as the history keeps it (one decimal), rounded half up (screenshot round of issue 19: the panel read
    35/100 and the progress 36/100 for one attempt of 35.46, rounded once and twice, half to even)."""
    return int(math.floor(round(float(total), 1) + 0.5))


def _le(key, label, value, limit, unit, weight=1.0) -> Criterion:
    ok = math.isfinite(value) and value <= limit
    return Criterion(key, label, value, limit, ok, unit, True, weight)


def _ge(key, label, value, limit, unit, weight=1.0) -> Criterion:
    ok = not math.isnan(value) and value >= limit
    return Criterion(key, label, value, limit, ok, unit, False, weight)


def _safety(evaluation, needle_id: str | None) -> NeedleSafety:
    report = evaluation.corridors.get(needle_id) if (evaluation is not None and needle_id) else None
    if report is None:
        return NeedleSafety()
    worst = report.worst_breach
    shown = tuple(f for f in evaluation.findings if f.item_id == needle_id and f.code in PATH_CODES)
    return NeedleSafety(report.grade, worst.direction if worst else "", report.max_breach_mm,
                        bool(report.enters_canal), True, shown)


def _needle_criteria(c: NeedleComparison, th: PassThresholds, safety: NeedleSafety) -> list[Criterion]:
    name = c.reference_name
    if c.attempt_id is None:
        return [Criterion(f"needle:{c.reference_id}", f"{name}: needle placed", math.nan, 1, False, weight=3.0)]
    out = [_le(f"tip:{c.reference_id}", f"{name}: tip error", c.tip_error_mm, th.tip_error_mm, "mm"),
           _le(f"entry:{c.reference_id}", f"{name}: entry error", c.entry_error_mm, th.entry_error_mm, "mm"),
           _le(f"angle:{c.reference_id}", f"{name}: angle error", c.angle_error_deg, th.angle_error_deg, "°")]
    if c.needs_antenna:
        out.append(Criterion(f"antenna:{c.reference_id}", f"{name}: antenna in the needle",
                             1.0 if c.has_antenna else 0.0, 1.0, c.has_antenna))
    grade_ok = safety.checked and safety.grade <= th.max_breach_grade and not safety.enters_canal
    out.append(Criterion(f"breach:{c.reference_id}", f"{name}: breach grade (and no canal entry)",
                         float(safety.grade) if safety.checked else math.nan, float(th.max_breach_grade),
                         grade_ok, weight=2.0))
    return out


def _plan_figures(evaluation) -> dict[str, float]:
    a = evaluation.analysis if evaluation is not None else None
    if a is None or not evaluation.planned_zones:
        return {"coverage_percent": math.nan, "canal_distance_mm": math.nan, "canal_overlap_ml": math.nan}
    return {"coverage_percent": a.coverage_percent, "canal_distance_mm": a.canal_signed_distance_mm,
            "canal_overlap_ml": a.canal_overlap_ml}


def score_attempt(task: TrainingTask, reference, attempt, evaluation, elapsed_s: float,
                  reference_evaluation=None) -> Score:
    """Score ``attempt`` (a PlanDocument) against ``reference``.

    ``evaluation`` is the attempt's evaluation with the reference's lesion as target (see
    :func:`planner.training.grading.evaluate_for_scoring`), corridors included;
    ``reference_evaluation`` (optional) gives the reference's figures for the feedback.
    """
    th = task.thresholds
    needles, extra = match_needles(reference, attempt)
    tcs, extra_tcs = match_thermocouples(reference, attempt)
    safety = {c.attempt_id: _safety(evaluation, c.attempt_id) for c in needles if c.attempt_id}
    criteria: list[Criterion] = []
    for c in needles:
        criteria += _needle_criteria(c, th, safety.get(c.attempt_id, NeedleSafety()))
    if extra:
        criteria.append(Criterion("extra_needles", "no needle beyond the reference's", float(len(extra)), 0.0,
                                  False))
    for t in tcs:
        if t.attempt_id is None:
            criteria.append(Criterion(f"tc:{t.reference_id}", "thermocouple placed", math.nan, 1, False))
        else:
            criteria.append(_le(f"tc:{t.reference_id}", "thermocouple tip error", t.tip_error_mm,
                                th.thermocouple_tip_error_mm, "mm"))
    figures = _plan_figures(evaluation)
    if reference.targets:
        criteria.append(_ge("coverage", "lesion coverage", figures["coverage_percent"], th.min_coverage_percent,
                            "%", 2.0))
    if any(c.needs_antenna for c in needles):
        # without a zone these cannot be met; "Missed: zone inside the canal" read as if one were (screenshot
        # round of issue 19)
        none = "" if math.isfinite(figures["canal_overlap_ml"]) else " (no predicted zone)"
        criteria.append(_ge("canal_distance", "zone to canal distance" + none, figures["canal_distance_mm"],
                            th.min_canal_distance_mm, "mm", 2.0))
        criteria.append(_le("canal_overlap", "zone inside the canal" + none, figures["canal_overlap_ml"],
                            th.max_canal_overlap_ml, "mL", 2.0))
    if th.max_time_s > 0:
        criteria.append(_le("time", "time taken", float(elapsed_s), th.max_time_s, "s", 0.5))
    if reference_evaluation is not None:
        figures.update({f"reference_{k}": v for k, v in _plan_figures(reference_evaluation).items()})
    temps = dict(evaluation.readings) if evaluation is not None else {}
    return Score(task.id, tuple(criteria), tuple(needles), tuple(tcs), tuple(extra), tuple(extra_tcs), safety,
                 figures, temps, float(elapsed_s))
