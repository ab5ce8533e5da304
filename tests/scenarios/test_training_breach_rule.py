"""One rule for what is inside the vertebra: the training feedback reports the same breaches as the
safety panel for the same needle (issue 13: the feedback read "inferior breach 1.1 mm, grade 1" and
the panel "superior breach 4.1 mm, grade 3")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.core.resources import sample_series_dir
from planner.plan.document import PlanDocument
from planner.session.session import PlanningSession
from planner.training import grade_attempt, load_case, sample_case_dir


@pytest.fixture(scope="module")
def case_data(case_cache):
    return case_cache.get(sample_series_dir())  # loaded and segmented once per session (conftest.py)


def _attempt(reference: PlanDocument, shift_lps) -> PlanDocument:
    """The reference's needles with no level, tips moved by ``shift_lps``, and the task's lesion (the
    training panel puts the reference's targets into the trainee's plan at Start)."""
    doc = PlanDocument()
    for t in reference.targets:
        doc.insert(t)
    for n in reference.needles:
        doc.insert(replace(n, id=f"att{n.side}", level="", tip_lps=tuple(np.add(n.tip_lps, shift_lps))))
    return doc


@pytest.mark.parametrize("shift", [(0.0, 0.0, 0.0), (0.0, 0.0, 6.0), (4.0, -3.0, -5.0)])
def test_feedback_and_panel_agree(case_data, shift):
    volume, canal = case_data
    task = load_case(sample_case_dir()).task("l2-bipedicular")
    reference = task.reference()
    attempt = _attempt(reference, shift)
    panel = PlanningSession()
    panel.auto_evaluate = False
    panel.set_volume(volume)
    panel.set_canal(canal)
    panel.open_plan(attempt, allow_mismatch=True)
    shown = panel.evaluate(corridors=True).corridors
    grade = grade_attempt(task, reference, attempt, volume, canal, elapsed_s=60.0, anatomy=panel.anatomy)
    graded = grade.evaluation.corridors
    assert set(shown) == set(graded) == {n.id for n in attempt.needles}
    for needle_id, report in shown.items():
        assert [(b.direction, b.grade, round(b.max_breach_mm, 3)) for b in report.breaches] == \
               [(b.direction, b.grade, round(b.max_breach_mm, 3)) for b in graded[needle_id].breaches]
        safety = grade.score.safety[needle_id]
        assert safety.grade == report.grade and safety.breach_mm == pytest.approx(report.max_breach_mm)
