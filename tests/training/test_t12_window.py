"""The T12 task on the shared T11-T12 CT through the window: a trainee who places a needle exactly on the
expert's line (a plain needle, no level or side typed) reads in the safety panel what the task's text
promises (breaches of grade 1 or 2, nothing critical), the feedback quotes those very findings, and the
attempt passes. Before the task's level was put into the trainee's plan at Start, the panel checked that
needle with the default 200 HU cancellous threshold and no vertebra and read "critical: medial cortical
breach of 7.3 mm (grade 3)" along the expert's line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from planner.analysis.thresholds import Severity
from planner.scenarios.model import scenario_from_dict
from tests.ui.helpers import empty_window
from planner.training.scoring import PATH_CODES

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def test_the_expert_line_reads_as_the_text_says_in_the_panel_and_the_feedback(qtbot, tmp_path, t11_t12_ct_dir):
    from planner.ui.scenario_driver import GuiScenarioDriver
    from planner.ui.training_panel import TrainingActions

    w = empty_window(qtbot, (1000, 700))
    try:
        actions = TrainingActions(w, user_data_dir=tmp_path)
        panel = actions.panel
        panel.tasks.setCurrentIndex(panel.tasks.findData("t12-right-transpedicular"))
        assert "Apache License 2.0" in panel.attribution.text() and panel.start.isEnabled()
        qtbot.keyClicks(panel.trainee, "Trainee")
        with qtbot.waitSignal(w.loader.canal_ready, timeout=180000):
            qtbot.mouseClick(panel.start, Qt.LeftButton)
        assert [lv.name for lv in w.session.plan.levels] == ["T12"]  # given with the task, like its lesion
        ref = actions.task.reference().needles[0]
        step = scenario_from_dict({"name": "n", "steps": [{"add_needle": {
            "label": "n", "entry_lps": list(ref.entry_lps), "tip_lps": list(ref.tip_lps)}}]}).steps[0]
        assert GuiScenarioDriver(w).run_step(step).ok
        qtbot.waitUntil(lambda: w.session.evaluation is not None and w.session.evaluation.complete, timeout=180000)
        ev = w.session.evaluation
        needle = w.session.plan.needles[0]
        assert needle.level == ""  # the trainee typed no level: the needle is linked by where its tip is
        shown = [f for f in ev.findings_for(needle.id) if f.code in PATH_CODES]
        assert shown and not [f.message for f in shown if f.severity == Severity.CRITICAL]
        assert ev.corridors[needle.id].grade in (1, 2)  # "breaches of grade 1 or 2 even along the expert's line"
        with qtbot.waitSignal(actions.graded, timeout=180000) as blocker:
            qtbot.mouseClick(panel.submit, Qt.LeftButton)
        grade = blocker.args[0]
        assert grade.score.passed, grade.feedback
        quoted = [line.split(": ", 1)[1] for line in grade.feedback if line.startswith("  Safety panel, ")]
        assert sorted(quoted) == sorted(f.message.split(": ", 1)[1] for f in shown)  # word for word
    finally:
        w.close()
