"""Evaluating an attempt for scoring, and grading it in one call (Qt-free; the training panel runs this
in a worker thread).

The attempt's zones and coverage are evaluated with the *reference's* lesion (targets) and levels, on a
scratch session that shares the volume and canal: the trainee is not asked to outline the lesion.
The attempt's corridor checks (breaches, canal entry) are those of the attempt's own plan with the
task's lesion (:func:`panel_document`), exactly as the safety panel shows them during the task: one rule (:mod:`planner.analysis.vertebra_rule`) decides what is inside
the vertebra, the body outline of the vertebra the needle's tip is in counting as inside whether or not
a lesion was drawn, so the feedback and the panel never disagree about a breach.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.plan.document import PlanDocument
from planner.plan.vocab import new_id
from planner.session.session import PlanningSession
from planner.training.feedback import feedback_lines
from planner.training.scoring import PATH_CODES, Score, score_attempt
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


def panel_document(attempt: PlanDocument, reference: PlanDocument) -> PlanDocument:
    """The plan the safety panel evaluates during the task: the attempt with the task's lesion (the
    training panel puts the reference's targets into the trainee's plan at Start, same ids)."""
    doc = PlanDocument(series=attempt.series)
    for item in attempt:
        doc.insert(item)
    for target in reference.targets:
        if target.id not in doc:
            doc.insert(target)
    return doc


def _session(volume, canal_mask, devices, anatomy=None) -> PlanningSession:
    session = PlanningSession(devices=devices)
    session.auto_evaluate = False
    if hasattr(session, "defer_corridors"):
        session.defer_corridors = False  # compute them here, in this (worker) thread
    session.set_volume(volume)
    if anatomy is not None and anatomy.volume is volume:
        session.anatomy = anatomy  # the app's body mask and vertebrae: not computed twice
    if canal_mask is not None:
        session.set_canal(canal_mask)
    return session


def evaluate_for_scoring(volume, canal_mask, attempt: PlanDocument, reference: PlanDocument, devices=None,
                         anatomy=None, panel_evaluation=None):
    """The attempt's evaluation with the reference's lesion for zones and coverage and the attempt's own
    corridor reports (as the panel shows them); and the reference's own (zones and analysis only: its
    figures are quoted in the feedback).

    ``panel_evaluation``: the complete evaluation the app's safety panel shows for this very plan; its
    corridor reports and needle-path findings are used as they are (not recomputed), so the feedback
    quotes the panel's own findings."""
    session = _session(volume, canal_mask, devices, anatomy)
    if panel_evaluation is not None and panel_evaluation.complete and \
            set(panel_evaluation.corridors) == {n.id for n in attempt.needles}:
        own = panel_evaluation
    else:
        session.open_plan(panel_document(attempt, reference), allow_mismatch=True)
        own = session.evaluate(corridors=True)
    session.open_plan(scoring_document(attempt, reference), allow_mismatch=True)
    attempt_eval = session.evaluate(corridors=False)
    path = tuple(f for f in own.findings if f.code in PATH_CODES)  # the panel's needle-path rows, verbatim
    rest = tuple(f for f in attempt_eval.findings if f.code not in PATH_CODES)
    attempt_eval = replace(attempt_eval, corridors=dict(own.corridors), findings=rest + path, complete=own.complete)
    session.open_plan(reference, allow_mismatch=True)
    reference_eval = session.evaluate(corridors=False)
    return attempt_eval, reference_eval


@dataclass(frozen=True)
class Grade:
    score: Score
    feedback: tuple[str, ...]
    evaluation: object


def grade_attempt(task: TrainingTask, reference: PlanDocument, attempt: PlanDocument, volume, canal_mask,
                  elapsed_s: float, devices=None, anatomy=None, panel_evaluation=None) -> Grade:
    """Evaluate and score an attempt; the feedback in words comes with it. ``anatomy``: the app
    session's :class:`~planner.session.anatomy_state.SessionAnatomy` for this volume, reused."""
    evaluation, reference_eval = evaluate_for_scoring(volume, canal_mask, attempt, reference, devices, anatomy,
                                                      panel_evaluation)
    score = score_attempt(task, reference, attempt, evaluation, elapsed_s, reference_eval)
    return Grade(score, tuple(feedback_lines(score, attempt)), evaluation)
