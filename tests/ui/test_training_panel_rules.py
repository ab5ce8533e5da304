"""The training panel in the window: starting a task asks before an unsaved plan is replaced, and the
feedback's breach numbers are the safety panel's for the same needle (same rule evaluation)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from planner.scenarios.model import scenario_from_dict

pytestmark = pytest.mark.gui
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class Answers:
    """Scripted plan-file dialogs: ``save_discard_cancel`` answers from a list and records the question."""

    def __init__(self, *answers):
        self.answers, self.asked = list(answers), []

    def save_discard_cancel(self, title, text):
        self.asked.append(text)
        return self.answers.pop(0)

    def warn(self, title, text):
        raise AssertionError(f"unexpected warning: {text}")


@pytest.fixture
def window(qtbot, tmp_path):
    from planner.ui.main_window import MainWindow
    from planner.ui.training_panel import TrainingActions

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    w.training = TrainingActions(w, user_data_dir=tmp_path)
    yield w
    w.close()


def _start(window, qtbot, task_id):
    panel = window.training.panel
    panel.tasks.setCurrentIndex(panel.tasks.findData(task_id))
    if not panel.trainee.text():
        qtbot.keyClicks(panel.trainee, "Trainee")
    qtbot.mouseClick(panel.start, Qt.LeftButton)


def _add_needle(window, entry, tip):
    from planner.ui.scenario_driver import GuiScenarioDriver

    step = scenario_from_dict({"name": "n", "steps": [{"add_needle": {"label": "n", "entry_lps": entry,
                                                                      "tip_lps": tip}}]}).steps[0]
    assert GuiScenarioDriver(window).run_step(step).ok


def test_starting_a_task_asks_save_discard_cancel_before_replacing_unsaved_changes(window, qtbot):
    actions = window.training
    with qtbot.waitSignal(window.loader.canal_ready, timeout=60000):
        _start(window, qtbot, "l2-unipedicular")
    assert actions.task is not None and "Synthetic phantom" in actions.panel.attribution.text()
    _add_needle(window, [36.0, 98.0, -177.0], [10.0, 30.0, -177.0])
    assert window.plan_files.is_dirty()
    window.plan_files.prompts = Answers("cancel", "discard")
    started = actions.started_at
    _start(window, qtbot, "l2-bipedicular")  # Cancel: the plan and the running task stay
    assert len(window.plan_files.prompts.asked) == 1 and "unsaved changes" in window.plan_files.prompts.asked[0]
    assert window.session.plan.needles and actions.task.id == "l2-unipedicular" and actions.started_at == started
    _start(window, qtbot, "l2-bipedicular")  # Discard: the new task starts on a clean plan
    assert actions.task.id == "l2-bipedicular" and not window.session.plan.needles
    assert not window.plan_files.is_dirty() and window.plan_files.path is None
    assert window.plan_files.prompts.answers == []


def test_feedback_breach_numbers_equal_the_safety_panel_findings(window, qtbot):
    actions = window.training
    with qtbot.waitSignal(window.loader.canal_ready, timeout=60000):
        _start(window, qtbot, "l2-unipedicular")
    _add_needle(window, [36.0, 98.0, -177.0], [2.0, 28.0, -177.0])  # breaches medially into the canal
    needle = window.session.plan.needles[0]
    qtbot.waitUntil(lambda: window.session.evaluation is not None and window.session.evaluation.complete,
                    timeout=60000)
    rows = [window.findings.list.item(i) for i in range(window.findings.list.count())]
    shown = [r.text() for r in rows if r.data(Qt.UserRole) == needle.id
             and ("breach" in r.text() or "canal" in r.text())]
    assert any("breach" in t for t in shown)
    with qtbot.waitSignal(actions.graded, timeout=60000) as blocker:
        qtbot.mouseClick(actions.panel.submit, Qt.LeftButton)
    quoted = [line for line in blocker.args[0].feedback if line.strip().startswith("Safety panel")]
    assert len(quoted) == len(shown)
    for panel_row, feedback_line in zip(shown, quoted):  # the same findings, worst first, the same numbers
        assert panel_row.split(":", 1)[0].lower() in feedback_line.lower()  # the severity
        assert NUMBER.findall(panel_row.split(f"{needle.name}: ", 1)[1]) == NUMBER.findall(feedback_line.split(":", 1)[1])
    assert not blocker.args[0].score.criterion(f"breach:{blocker.args[0].score.needles[0].reference_id}").passed


def test_propose_access_is_off_while_a_task_runs(window, qtbot, t11_t12_volume):
    """Screenshot round of issue 17: a trainee could ask Plan > Propose access for the answer, and a proposal
    dialog left open on the case before outlived the plan the task cleared. The action is off from Start to
    Submit; opening another series ends the task (and turns it back on)."""
    actions, propose = window.training, window.proposals.propose_action
    assert propose.isEnabled()
    with qtbot.waitSignal(window.loader.canal_ready, timeout=60000):
        _start(window, qtbot, "l2-unipedicular")
    assert actions.started_at is not None and not propose.isEnabled()
    assert "training task" in propose.statusTip()
    _add_needle(window, [36.0, 98.0, -177.0], [10.0, 30.0, -177.0])
    with qtbot.waitSignal(actions.graded, timeout=60000):
        qtbot.mouseClick(actions.panel.submit, Qt.LeftButton)
    assert propose.isEnabled() and propose.statusTip() == ""
    _start(window, qtbot, "l2-unipedicular")
    assert actions.started_at is not None and not propose.isEnabled()
    window.set_volume(t11_t12_volume)  # another case: the task ends
    assert actions.started_at is None and propose.isEnabled() and not actions.panel.submit.isEnabled()
    qtbot.waitUntil(lambda: "Training task ended" in window.statusBar().currentMessage(), timeout=5000)
