"""Training mode through the real window: start a task, plan with mouse and keyboard, Submit, see the
score, the reference overlaid, the feedback and the history; a trainer saves a reference task."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from planner.scenarios.model import scenario_from_dict

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(960, 680)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    w.close()


def test_trainee_plans_submits_and_sees_score_reference_and_progress(window, qtbot, tmp_path):
    from planner.ui.scenario_driver import GuiScenarioDriver
    from planner.ui.training_overlay import REFERENCE_RGB
    from planner.ui.training_panel import TrainingActions

    actions = TrainingActions(window, user_data_dir=tmp_path)
    assert actions.overlay in window.views["axial"].overlays
    panel = actions.panel
    panel.tasks.setCurrentIndex(panel.tasks.findData("l2-unipedicular"))
    qtbot.keyClicks(panel.trainee, "Trainee One")
    with qtbot.waitSignal(window.loader.canal_ready, timeout=60000):
        qtbot.mouseClick(panel.start, Qt.LeftButton)  # opens the sample, then starts the clock
    assert actions.task is not None and actions.task.id == "l2-unipedicular"
    assert "unipedicular" in panel.instructions.text() and not actions.overlay.visible
    # Only the task's lesion and levels are in the plan (given, so the safety panel checks a needle against
    # the same vertebra and lesion as the feedback does).
    ref = actions.task.reference()
    assert sorted(item.KIND for item in window.session.plan) == sorted(["level"] * len(ref.levels)
                                                                      + ["target"] * len(ref.targets))

    # Plan by mouse and keyboard: the pedicle trajectory on the tip's slice, antenna 35 W 240 s.
    scenario = scenario_from_dict({"name": "attempt", "steps": [
        {"add_needle": {"label": "n", "entry_lps": [27.8, 100.6, -177.0], "tip_lps": [10.1, 17.2, -177.0]}},
        {"add_antenna": {"needle": "n", "power_w": 35, "time_s": 240}}]})
    driver = GuiScenarioDriver(window)
    for step in scenario.steps:
        assert driver.run_step(step).ok
    with qtbot.waitSignal(actions.graded, timeout=60000) as blocker:
        qtbot.mouseClick(panel.submit, Qt.LeftButton)
    grade = blocker.args[0]
    assert grade.score.passed, grade.feedback  # within 5 mm, 10° of the reference: same pedicle
    assert "PASSED" in panel.score.text()
    assert "L2 left needle" in panel.feedback.toPlainText()
    assert actions.overlay.visible and actions.overlay.reference is not None
    # The reference is drawn in its colour in the axial view at the needle's slice.
    image = window.views["axial"].grab().toImage()
    x, y = window.views["axial"].lps_to_screen(actions.overlay.reference.needles[0].entry_lps)
    greens = sum(1 for dx in range(-20, 21) for dy in range(-20, 21)
                 if image.pixelColor(int(x) + dx, int(y) + dy) == REFERENCE_RGB)
    assert greens > 0
    assert panel.history.count() >= 2 and panel.history.item(0).text().startswith("Attempt 1")
    saved = json.loads((tmp_path / "training-history" / "Trainee_One.json").read_text())
    assert saved["attempts"][0]["task_id"] == "l2-unipedicular" and saved["attempts"][0]["passed"]

    # A trainer saves the current plan as the reference of a new task; it is listed and selectable.
    task = actions.save_reference("l2-my-task", "My task", "Plan it my way", actions.case.task(
        "l2-unipedicular").thresholds)
    assert task is not None and panel.tasks.currentData() == "l2-my-task"
    assert (tmp_path / "training" / "sample-l2" / "l2-my-task.plan.json").exists()
