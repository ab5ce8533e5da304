"""The L2 task on the shared real lumbar CT through the window: the scan's attribution is shown, Start
opens the real scan, and the task's own reference needle placed by the trainee passes, judged by the
same corridor rule the safety panel shows (an expert answer must pass its own task)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from planner.scenarios.model import scenario_from_dict
from tests.ui.helpers import empty_window

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def test_the_reference_needle_passes_the_real_l2_task(qtbot, tmp_path, lumbar_ct_dir):
    from planner.ui.scenario_driver import GuiScenarioDriver
    from planner.ui.training_panel import TrainingActions

    w = empty_window(qtbot, (1000, 700))
    try:
        actions = TrainingActions(w, user_data_dir=tmp_path)
        panel = actions.panel
        panel.tasks.setCurrentIndex(panel.tasks.findData("l2-left-transpedicular"))
        # the origin and the licence shown, the citation one hover away (the whole SOURCE.txt was ~230 px tall)
        assert "CC BY 4.0" in panel.attribution.text() and "Pancreatic-CT-CBCT-SEG" in panel.attribution.text()
        assert "10.7937/TCIA.ESHQ-4D90" in panel.attribution.toolTip()
        label, width = panel.attribution, panel.attribution.width()
        short = label.heightForWidth(width)
        label.setText(label.toolTip())
        assert short < 0.5 * label.heightForWidth(width)  # less than half the whole SOURCE.txt's height
        panel.tasks.setCurrentIndex(-1)
        panel.tasks.setCurrentIndex(panel.tasks.findData("l2-left-transpedicular"))
        assert panel.start.isEnabled()
        qtbot.keyClicks(panel.trainee, "Trainee")
        with qtbot.waitSignal(w.loader.canal_ready, timeout=180000):
            qtbot.mouseClick(panel.start, Qt.LeftButton)
        assert actions.task.id == "l2-left-transpedicular"
        assert w.volume.info.source_path.rstrip("/").endswith("ct-lumbar-tcia/dicom")
        ref = actions.task.reference().needles[0]
        step = scenario_from_dict({"name": "n", "steps": [{"add_needle": {
            "label": "n", "entry_lps": list(ref.entry_lps), "tip_lps": list(ref.tip_lps)}}]}).steps[0]
        assert GuiScenarioDriver(w).run_step(step).ok
        qtbot.waitUntil(lambda: w.session.evaluation is not None and w.session.evaluation.complete, timeout=180000)
        with qtbot.waitSignal(actions.graded, timeout=180000) as blocker:
            qtbot.mouseClick(panel.submit, Qt.LeftButton)
        grade = blocker.args[0]
        assert grade.score.passed, grade.feedback
        assert not any("Safety panel, critical" in line for line in grade.feedback)
    finally:
        w.close()
