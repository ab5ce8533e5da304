"""Training mode without a window: the shipped sample tasks, scoring against the reference (closed-form
offsets), words of the feedback, matching, history and authoring."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from planner.plan.document import PlanDocument
from planner.plan.items import Needle
from planner.core.resources import sample_series_dir
from planner.training import (AttemptHistory, AttemptRecord, PassThresholds, grade_attempt, load_case,
                              match_needles, offset_words, sample_case_dir, save_task, user_task_dir)
from planner.training.compare import Offset, greedy_pairs, offset_in_axes
from planner.training.sample_tasks import SAMPLE_TASKS, reference_plan, sample_landmarks


@pytest.fixture(scope="module")
def case_data(case_cache):
    return case_cache.get(sample_series_dir())  # loaded and segmented once per session (conftest.py)


@pytest.fixture(scope="module")
def case():
    return load_case(sample_case_dir())


def _attempt_from(reference: PlanDocument, move=None, keep_antennas=True) -> PlanDocument:
    """A trainee's copy of the reference: new ids, no level names (the placing tool sets none), the
    tip moved by ``move[side]`` mm (LPS)."""
    doc = PlanDocument()
    for n in reference.needles:
        tip = np.asarray(n.tip_lps) + np.asarray((move or {}).get(n.side, (0, 0, 0)), float)
        new = replace(n, id=f"att{n.side}", tip_lps=tuple(tip), level="", name=f"Needle {n.side}")
        doc.insert(new)
        antenna = reference.antenna_for(n.id)
        if antenna is not None and keep_antennas:
            doc.insert(replace(antenna, id=f"ant{n.side}", needle_id=new.id))
    for t in reference.thermocouples:
        doc.insert(replace(t, id="atttc"))
    return doc


def test_the_sample_ships_three_tasks_matching_their_builder(case):
    ids = {t.id for t in case.tasks}
    assert {"l2-unipedicular", "l2-bipedicular", "l2-foramen-thermocouple"} <= ids
    landmarks = sample_landmarks()
    for spec in SAMPLE_TASKS:
        shipped, built = case.task(spec.id).reference(), reference_plan(spec, landmarks)
        assert len(shipped.needles) == len(spec.sides) and len(shipped.thermocouples) == int(spec.thermocouple)
        for a, b in zip(shipped.needles + shipped.thermocouples, built.needles + built.thermocouples):
            assert np.allclose(a.entry_lps, b.entry_lps) and np.allclose(a.tip_lps, b.tip_lps)
        assert case.task(spec.id).thresholds == spec.thresholds


@pytest.mark.parametrize("task_id", ["l2-unipedicular", "l2-bipedicular", "l2-foramen-thermocouple"])
def test_the_reference_passes_its_own_task_with_full_marks(task_id, case, case_data):
    task = case.task(task_id)
    reference = task.reference()
    grade = grade_attempt(task, reference, _attempt_from(reference), *case_data, elapsed_s=100.0)
    assert grade.score.passed, grade.feedback
    assert grade.score.total == pytest.approx(100.0)
    assert all(c.tip_error_mm < 1e-9 and c.angle_error_deg < 1e-6 for c in grade.score.needles)
    assert grade.feedback[0].startswith("PASSED")


def test_a_tip_6mm_medial_fails_with_words_in_the_needles_axes(case, case_data):
    task = case.task("l2-bipedicular")
    reference = task.reference()
    # Left needle: medial is toward the patient's right (-x); the right needle's medial is +x.
    attempt = _attempt_from(reference, {"left": (-6.0, 0.0, 0.0), "right": (0.0, 0.0, 4.0)})
    grade = grade_attempt(task, reference, attempt, *case_data, elapsed_s=100.0)
    left = next(c for c in grade.score.needles if c.side == "left")
    right = next(c for c in grade.score.needles if c.side == "right")
    assert left.tip_error_mm == pytest.approx(6.0)
    assert left.tip_offset.medial_mm == pytest.approx(6.0) and abs(left.tip_offset.cranial_mm) < 1e-9
    assert right.tip_offset.cranial_mm == pytest.approx(4.0)
    assert not grade.score.criterion(f"tip:{left.reference_id}").passed
    assert grade.score.criterion(f"tip:{right.reference_id}").passed
    assert not grade.score.passed and grade.score.total < 100
    text = "\n".join(grade.feedback)
    assert "tip 6 mm off (6 mm too medial)" in text


def test_missing_antenna_wrong_side_and_time_are_reported(case, case_data):
    task = case.task("l2-unipedicular")
    reference = task.reference()
    attempt = PlanDocument()
    n = reference.needles[0]
    mirrored = Needle((-n.entry_lps[0], *n.entry_lps[1:]), (-n.tip_lps[0], *n.tip_lps[1:]), side="right")
    attempt.insert(mirrored)
    grade = grade_attempt(task, reference, attempt, *case_data, elapsed_s=2000.0)
    s = grade.score
    assert s.needles[0].attempt_id is None and s.extra_needles == (mirrored.id,)
    assert not s.criterion("time").passed and not s.passed
    text = "\n".join(grade.feedback)
    assert "no needle on the left side" in text and "has no counterpart in the reference plan" in text
    assert "Time taken: 33 min 20 s (limit 15 min 00 s)" in text


def test_zone_in_the_canal_and_a_medial_breach_are_named(case, case_data):
    task = case.task("l2-unipedicular")
    reference = task.reference()
    attempt = PlanDocument()
    needle = Needle((36.0, 98.0, -177.0), (2.0, 28.0, -177.0), side="left")  # tests/scenarios/08
    attempt.insert(needle)
    from planner.plan.items import Antenna
    attempt.insert(Antenna(needle.id, power_w=40, time_s=300))
    grade = grade_attempt(task, reference, attempt, *case_data, elapsed_s=60.0)
    text = "\n".join(grade.feedback)
    assert "ENTERS THE SPINAL CANAL" in text
    # the breach is quoted from the safety panel's own finding (same rule, same numbers)
    assert "Safety panel, critical: medial cortical breach of" in text
    assert "The zone reaches the spinal canal" in text
    assert not grade.score.criterion("canal_overlap").passed


def test_offsets_words_and_greedy_matching():
    assert offset_in_axes((-6, 0, 2), "left", np.eye(3)) == Offset(6.0, 2.0, -0.0)
    assert offset_in_axes((-6, 0, 2), "right", np.eye(3)).medial_mm == -6.0
    assert offset_in_axes((0, -3, 0), "left", np.eye(3)).anterior_mm == 3.0
    assert offset_words(Offset(6.2, -2.1, 0.3)) == "6 mm too medial, 2 mm too caudal"
    assert offset_words(Offset(0.2, 0.1, 0.0)) == ""
    assert offset_words(Offset(-3.0, 0.0, 0.0), midline=True) == "3 mm to the right"
    assert greedy_pairs(np.array([[1.0, 0.5], [0.4, np.inf]])) == [(1, 0), (0, 1)]
    ref, att = PlanDocument(), PlanDocument()
    ref.insert(Needle((30, 90, 0), (10, 20, 0), side="left", id="rl"))
    ref.insert(Needle((-30, 90, 0), (-10, 20, 0), side="right", id="rr"))
    att.insert(Needle((-31, 90, 0), (-9, 20, 0), side="right", id="ar"))  # only the right one
    comps, extra = match_needles(ref, att)
    assert [c.attempt_id for c in comps] == [None, "ar"] and extra == []


def test_history_keeps_attempts_per_trainee_and_shows_progress(tmp_path, case, case_data):
    history = AttemptHistory(tmp_path, "Dr. A. Trainee")
    assert history.path.name == "Dr._A._Trainee.json"
    from planner.training.scoring import Criterion, Score
    for total_ok in (False, True):
        crit = Criterion("tip:x", "tip", 3.0 if total_ok else 9.0, 5.0, total_ok, "mm")
        score = Score("l2-unipedicular", (crit,), (), (), (), (), elapsed_s=50.0)
        history.add(AttemptRecord.from_score("sample-l2", score, ["words"]))
    again = AttemptHistory(tmp_path, "Dr. A. Trainee")
    points = again.progress("l2-unipedicular")
    assert [p.attempt for p in points] == [1, 2] and [p.passed for p in points] == [False, True]
    assert points[1].change == pytest.approx(100 - 20)
    assert "Best: 100/100 at attempt 2; passed 1 of 2." in again.progress_lines("l2-unipedicular")[-1]
    data = json.loads(again.path.read_text())
    assert data["format"] == "spine-planner-training-history/1" and len(data["attempts"]) == 2


def test_a_trainer_authors_a_task_that_loads_with_the_case(tmp_path, case):
    reference = case.task("l2-bipedicular").reference()
    base = case.task("l2-bipedicular")
    folder = user_task_dir(tmp_path, case.id)
    task = replace(base, id="l2-mine", title="Mine", thresholds=PassThresholds(tip_error_mm=3.0))
    save_task(folder, task, reference)
    merged = load_case(sample_case_dir(), [folder])
    mine = merged.task("l2-mine")
    assert mine.thresholds.tip_error_mm == 3.0 and len(mine.reference().needles) == 2
    with pytest.raises(Exception, match="at least one needle"):
        save_task(folder, replace(task, id="empty"), PlanDocument())
    with pytest.raises(Exception, match="lower-case"):
        save_task(folder, replace(task, id="Bad Id"), reference)
