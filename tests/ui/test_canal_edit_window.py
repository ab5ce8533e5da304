"""In the window (issue 19): a canal brush stroke is prepared by the window's CanalPrepRunner, the
findings are greyed meanwhile, and after it settles (corridor checks included) the canal figures equal
a fresh computation; the bone surface's progress and Cancel sit in the status bar."""

from __future__ import annotations

import numpy as np
import pytest

from planner.scenarios.model import scenario_from_dict
from planner.session.canal_tools import CanalBrushTool

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, sample_series):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1100, 720)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series)
    yield w
    w.close()


def _settled(w):
    ev = w.session.evaluation
    return (ev is not None and ev.complete and not w.corridors.is_busy() and not w.canal_prep.is_busy()
            and not w.evaluations.is_busy()  # the figures after the prepared canal (issue 19)
            and not w.session.canal_stale)


def test_a_brush_stroke_in_the_window_settles_to_a_fresh_computation(window, qtbot):
    from planner.session.session import PlanningSession
    from planner.ui.scenario_driver import GuiScenarioDriver

    w = window
    assert w.session.canal_preparer == w.canal_prep.prepare
    assert w.bone_status.parent() is not None and w.statusBar().isAncestorOf(w.bone_status)
    scenario = scenario_from_dict({"name": "n", "steps": [
        {"add_needle": {"label": "n", "entry_lps": [36.0, 98.0, -177.0], "tip_lps": [2.0, 28.0, -177.0]}},
        {"add_antenna": {"needle": "n", "power_w": 35, "time_s": 240}}]})
    driver = GuiScenarioDriver(w)
    for step in scenario.steps:
        assert driver.run_step(step).ok
    qtbot.waitUntil(lambda: _settled(w), timeout=90000)
    before = w.session.evaluation

    centre = np.asarray(before.zones[0].zone.ellipsoid.centre_lps, float)
    brush = CanalBrushTool(w.session, "paint", radius_mm=3.0)
    assert brush.press(centre, "left") and brush.release(centre, "left")
    assert w.session.evaluation is before and w.canal_prep.is_busy() and w.findings.rechecking()
    qtbot.waitUntil(lambda: _settled(w), timeout=90000)

    fresh = PlanningSession()
    fresh.auto_anatomy = w.session.auto_anatomy
    fresh.set_volume(w.session.volume)
    fresh.set_canal(w.session.canal_mask.copy())
    fresh.open_plan(w.session.plan, allow_mismatch=True)
    ref = fresh.evaluate(corridors=True)
    got = w.session.evaluation
    assert got.analysis.canal_overlap_ml == ref.analysis.canal_overlap_ml > before.analysis.canal_overlap_ml
    assert got.analysis.canal_signed_distance_mm == ref.analysis.canal_signed_distance_mm
    assert sorted((f.code, f.item_id, f.message) for f in got.findings) == sorted(
        (f.code, f.item_id, f.message) for f in ref.findings)
