"""Evaluating an attempt for scoring, and grading it in one call (Qt-free; the training panel runs this
in a worker thread).

The attempt is evaluated with the *reference's* lesion (targets) and levels, on a scratch session that
shares the volume and canal: the trainee is not asked to outline the lesion, and the corridor check
must count the lytic lesion as inside the vertebra as it does for the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.plan.document import PlanDocument
from planner.plan.vocab import new_id
from planner.session.session import PlanningSession
from planner.training.feedback import feedback_lines
from planner.training.scoring import Score, score_attempt
from planner.training.tasks import TrainingTask


def scoring_document(attempt: PlanDocument, reference: PlanDocument) -> PlanDocument:
    """The attempt's needles, antennas and thermocouples with the reference's targets and levels."""
    doc = PlanDocument(series=attempt.series)
    levels = {lv.name: lv for lv in attempt.levels}
    for level in reference.levels:
        levels.setdefault(level.name, level)
    for item in (*attempt.needles, *attempt.antennas, *attempt.thermocouples):
        doc.insert(item)
    for item in (*levels.values(), *reference.targets):
        doc.insert(item if item.id not in doc else replace(item, id=new_id()))
    return doc


def _session(volume, canal_mask, devices) -> PlanningSession:
    session = PlanningSession(devices=devices)
    session.auto_evaluate = False
    if hasattr(session, "defer_corridors"):
        session.defer_corridors = False  # compute them here, in this (worker) thread
    session.set_volume(volume)
    if canal_mask is not None:
        session.set_canal(canal_mask)
    return session


def evaluate_for_scoring(volume, canal_mask, attempt: PlanDocument, reference: PlanDocument, devices=None):
    """The attempt's evaluation (corridors included) with the reference's lesion; and the reference's
    own (zones and analysis only: its figures are quoted in the feedback)."""
    session = _session(volume, canal_mask, devices)
    session.open_plan(scoring_document(attempt, reference), allow_mismatch=True)
    attempt_eval = session.evaluate(corridors=True)
    session.open_plan(reference, allow_mismatch=True)
    reference_eval = session.evaluate(corridors=False)
    return attempt_eval, reference_eval


@dataclass(frozen=True)
class Grade:
    score: Score
    feedback: tuple[str, ...]
    evaluation: object


def grade_attempt(task: TrainingTask, reference: PlanDocument, attempt: PlanDocument, volume, canal_mask,
                  elapsed_s: float, devices=None) -> Grade:
    """Evaluate and score an attempt; the feedback in words comes with it."""
    evaluation, reference_eval = evaluate_for_scoring(volume, canal_mask, attempt, reference, devices)
    score = score_attempt(task, reference, attempt, evaluation, elapsed_s, reference_eval)
    return Grade(score, tuple(feedback_lines(score, attempt)), evaluation)
