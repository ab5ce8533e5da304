"""Issue 19: a V-click's level detection runs in a worker with progress and Cancel; the level arrives as
one undoable step; a second click while one runs replaces it; Cancel adds nothing. On the sample, whose
ground truth gives the L2 and L3 body centres (sample_dicom/ground_truth/landmarks.json)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from planner.anatomy import levels, levels_click
from planner.core.resources import sample_dir

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def landmarks():
    return json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())["vertebrae"]


@pytest.fixture
def group(qtbot, sample_volume):
    from planner.ui.level_actions import LevelActions
    from tests.ui.test_action_groups import FakeHost

    host = FakeHost()
    qtbot.addWidget(host.parent)
    host.session.set_volume(sample_volume)
    actions = LevelActions(host, host.add_menu("&Plan"))
    yield host, actions
    actions.shutdown()


@pytest.fixture
def hold(monkeypatch):
    """The first body measurement waits in the worker thread until ``release`` is set; every
    measurement (the click's and the neighbours') is counted by name."""
    calls, started, release = [], threading.Event(), threading.Event()
    original = levels.detect_level

    def held(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 1:
            started.set()
            release.wait(60)
        return original(*args, **kwargs)
    monkeypatch.setattr(levels_click, "detect_level", held)  # the click's body (measure_body_at)
    monkeypatch.setattr(levels, "detect_level", held)
    return calls, started, release


def test_the_level_arrives_from_the_worker_as_one_undoable_step(qtbot, group, landmarks):
    host, actions = group
    actions.name_box.setCurrentText("L2")
    actions.add_level_at(landmarks["L2"]["body_centre_lps"])
    assert actions.is_busy() and host.session.plan.level_named("L2") is None  # the click returned at once
    assert actions.detection.progress.format().startswith("Level L2:")
    qtbot.waitUntil(lambda: not actions.is_busy(), timeout=120000)
    level = host.session.plan.level_named("L2")
    assert level is not None
    assert np.linalg.norm(np.subtract(level.body_centre_lps, landmarks["L2"]["body_centre_lps"])) < 3.0
    assert {g.name for g in actions.proposals} == {"L1", "L3"} and actions.accept_action.isEnabled()
    assert "Level L2 added" in host.messages[-1]
    host.session.stack.undo()  # one step takes the level away again
    assert not host.session.plan.levels


def test_a_second_click_while_one_runs_replaces_it(qtbot, group, landmarks, hold):
    host, actions = group
    calls, started, release = hold
    actions.name_box.setCurrentText("L2")
    actions.add_level_at(landmarks["L2"]["body_centre_lps"])
    assert started.wait(60)
    actions.name_box.setCurrentText("L3")
    actions.add_level_at(landmarks["L3"]["body_centre_lps"])  # the user clicks again, on another body
    release.set()
    qtbot.waitUntil(lambda: not actions.is_busy() and not actions.detection._workers, timeout=120000)
    assert [lv.name for lv in host.session.plan.levels] == ["L3"]  # the first click's result was dropped
    assert calls[:2] == ["L2", "L3"]


def test_cancel_adds_nothing_and_starts_no_neighbour_search(qtbot, group, landmarks, hold):
    host, actions = group
    calls, started, release = hold
    actions.name_box.setCurrentText("L2")
    actions.add_level_at(landmarks["L2"]["body_centre_lps"])
    assert started.wait(60)
    actions.detection.cancel_button.click()
    assert not actions.is_busy() and not actions.detection.progress.isVisible()  # the window is free at once
    release.set()
    qtbot.waitUntil(lambda: not actions.detection._workers, timeout=120000)
    assert not host.session.plan.levels and not actions.proposals
    assert calls == ["L2"]  # the measurement under way finished in its thread; no neighbour was searched
    assert "cancelled" in host.messages[-1]


def test_a_new_case_drops_the_measurement_under_way(qtbot, group, landmarks, hold, sample_volume):
    host, actions = group
    calls, started, release = hold
    actions.name_box.setCurrentText("L2")
    actions.add_level_at(landmarks["L2"]["body_centre_lps"])
    assert started.wait(60)
    host.session.set_volume(sample_volume)  # the same series opened again: a new case
    release.set()
    qtbot.waitUntil(lambda: not actions.detection._workers, timeout=120000)
    assert not actions.is_busy() and not host.session.plan.levels


def test_closing_the_window_while_a_level_is_measured_waits_for_it(qtbot, sample_volume, landmarks, hold):
    from planner.ui.main_window import MainWindow

    calls, started, release = hold
    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    w.set_volume(sample_volume)
    w.levels.name_box.setCurrentText("L2")
    w.levels.add_level_at(landmarks["L2"]["body_centre_lps"])
    assert started.wait(60)
    assert w.levels.detection.progress.isVisible() and w.levels.detection.cancel_button.isVisible()
    timer = threading.Timer(0.3, release.set)  # the measurement ends while the window is closing
    timer.start()
    w.close()  # must wait for the thread: a QThread destroyed while running aborts the process
    timer.join()
    assert not w.levels.detection._workers or all(not wk.is_running() for wk in w.levels.detection._workers)
    assert w.session.plan.level_named("L2") is None and calls == ["L2"]
