"""How a training score is said (screenshot round of issue 19): the same whole points in the panel, the
feedback and the progress (the panel read "35/100" and the progress "36/100" for one attempt of 35.46, rounded
once half to even, and to 35.5 and again half to even); and a breach the task does not score still named."""

from __future__ import annotations

from dataclasses import replace

from planner.training.scoring import shown_points


def test_half_up_of_the_kept_decimal():
    assert shown_points(35.46) == 36  # kept as 35.5, shown 36 in every place
    assert shown_points(35.44) == 35
    assert shown_points(36.5) == 37 and shown_points(35.5) == 36  # half up, not half to even (36 and 36)
    assert shown_points(0.0) == 0 and shown_points(100.0) == 100


def test_the_progress_shows_what_the_panel_shows(tmp_path):
    """The panel and the feedback show shown_points(score.total) of the raw total; the progress reads the
    history's kept total: the same whole points, and the change between them as shown."""
    from planner.training.history import AttemptHistory, AttemptRecord

    history = AttemptHistory(tmp_path, "Trainee")
    for total in (35.46, 36.04):  # shown 36 and 36 (kept 35.5 and 36.0)
        history.add(AttemptRecord("case", "task", "2026-12-04T20:00:00Z", 60.0, round(total, 1), False))
    first, second, best = history.progress_lines("task")
    assert first.endswith(f": {shown_points(35.46)}/100 not passed") and shown_points(35.46) == 36
    assert second.endswith(": 36/100 (+0) not passed")
    assert best.startswith("Best: 36/100")


def _score(grade: float, limit: float):
    from planner.training.scoring import Criterion, Score

    breach = Criterion("breach:ref1", "Needle 1: breach grade (and no canal entry)", grade, limit, grade <= limit)
    return Score("task", (breach,), (), (), (), (), elapsed_s=60.0)


def test_a_breach_the_task_does_not_score_is_still_named():
    """Screenshot round of issue 19: a T12 task (breaches up to grade 3 not scored) read "PASSED 100/100"
    beside the safety panel's grade-2 warning; the feedback now says the breach still stands."""
    from planner.training.feedback import feedback_lines

    said = [line for line in feedback_lines(_score(2.0, 3.0)) if "does not score breaches" in line]
    assert len(said) == 1 and "grade-2" in said[0] and "up to grade 3" in said[0]
    assert not [line for line in feedback_lines(_score(1.0, 3.0)) if "does not score breaches" in line]  # grade 1
    assert not [line for line in feedback_lines(_score(2.0, 1.0)) if "does not score breaches" in line]  # missed
    failed = _score(2.0, 3.0)  # within the grade the task allows, but the needle entered the canal: missed
    failed = replace(failed, criteria=(replace(failed.criteria[0], passed=False),))
    assert not [line for line in feedback_lines(failed) if "does not score breaches" in line]


def test_canal_criteria_without_a_zone_say_there_is_none():
    """The sample's feedback read "Missed: zone to canal distance, zone inside the canal" for an attempt with
    no antenna: the criteria now say there is no zone yet (and still fail: nothing was ablated)."""
    from planner.plan.document import PlanDocument
    from planner.training.catalog import case_folders
    from planner.training.scoring import score_attempt
    from planner.training.tasks import load_case

    task = next(t for folder in case_folders() for t in load_case(folder).tasks if t.id == "l2-unipedicular")
    reference = task.reference()
    attempt = PlanDocument(series=reference.series)
    for needle in reference.needles:  # the needle without its antenna
        attempt.insert(needle)
    score = score_attempt(task, reference, attempt, None, 60.0)
    canal = [c for c in score.criteria if c.key in ("canal_distance", "canal_overlap")]
    assert len(canal) == 2 and all(not c.passed and c.label.endswith("(no predicted zone)") for c in canal)
