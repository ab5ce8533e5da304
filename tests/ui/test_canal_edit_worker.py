"""Canal brush edits are prepared in a worker (issue 19): the window is not held for the sub-voxel
boundary build; meanwhile the findings stay, greyed "rechecking", and are never computed from the
prepared canal of an older mask; once the edit settles, the figures equal a fresh computation (a new
session preparing the edited mask on the spot: the independent reference)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from planner.analysis.overlap import PreparedCanal
from planner.plan.document import PlanDocument
from planner.session.canal_tools import CanalBrushTool
from planner.session.session import PlanningSession
from planner.ui.canal_prep_runner import CanalPrepRunner
from planner.ui.findings_panel import RECHECKING, FindingsPanel

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def base(sample_volume, sample_canal):
    """The sample with its automatic canal and the demo plan (a zone near the canal)."""
    from tests.export.conftest import demo_plan_with_level

    volume = sample_volume  # loaded and segmented once per session (tests/conftest.py)
    mask = np.array(sample_canal.mask, bool)
    plan = demo_plan_with_level()
    return volume, mask, plan


def _session(volume, mask, plan):
    session = PlanningSession()
    session.auto_anatomy = False  # the figures under test (zone and canal) depend on neither the
    session.defer_corridors = True  # automatic anatomy nor the needle corridors: left out, for speed
    session.set_volume(volume)
    session.set_canal(mask.copy())
    doc = PlanDocument()
    doc.assign(plan)
    session.open_plan(doc, allow_mismatch=True)
    return session


def _fresh(volume, session):
    """The reference: the edited mask prepared and evaluated in a session of its own, at once."""
    fresh = _session(volume, session.canal_mask, session.plan)
    return fresh.evaluation


def _figures(evaluation):
    r = evaluation.analysis
    return (r.canal_overlap_ml, r.canal_signed_distance_mm, sorted((f.code, f.item_id) for f in evaluation.findings))


@pytest.fixture
def window_like(qtbot, base, monkeypatch):
    volume, mask, plan = base
    session = _session(volume, mask, plan)
    runner = CanalPrepRunner(session)
    session.canal_preparer = runner.prepare
    panel = FindingsPanel(session, SimpleNamespace(item_id=None, select=lambda _id: None))
    qtbot.addWidget(panel)
    panel.watch(runner)
    panel.show_evaluation(session.evaluation)
    threads = []
    build = PreparedCanal.build.__func__

    def spy(cls, *args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return build(cls, *args, **kwargs)
    monkeypatch.setattr(PreparedCanal, "build", classmethod(spy))
    yield SimpleNamespace(volume=volume, session=session, runner=runner, panel=panel, threads=threads)
    runner.shutdown()


def _zone_centre(session):
    return np.asarray(session.evaluation.zones[0].zone.ellipsoid.centre_lps, float)


def test_a_stroke_is_prepared_in_the_worker_and_then_equals_a_fresh_computation(qtbot, window_like):
    w = window_like
    session, before = w.session, w.session.evaluation
    assert np.isfinite(before.analysis.canal_signed_distance_mm)
    brush = CanalBrushTool(session, "paint", radius_mm=3.0)
    centre = _zone_centre(session)  # paint canal into the middle of the zone: an overlap appears
    assert brush.press(centre, "left") and brush.release(centre, "left")

    # at once: nothing evaluated from the old prepared canal, the old findings greyed, rechecking
    assert session.evaluation is before and session.canal_stale
    assert w.runner.is_busy() and w.panel.rechecking()
    assert w.panel.status.text() == RECHECKING and all(w.panel.greyed()) and w.panel.greyed()
    qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=60000)

    after = session.evaluation
    assert after is not before and not session.canal_stale
    assert w.threads == [False]  # prepared once, in the worker
    assert after.analysis.canal_overlap_ml > before.analysis.canal_overlap_ml + 0.05  # a 3 mm ball: 0.11 mL
    assert _figures(after) == _figures(_fresh(w.volume, session))
    # the panel lists the new findings (it still says "rechecking" here only because this test
    # leaves the needle corridors out: the evaluation is not complete)
    assert w.panel.codes()[:len(after.findings)] == [f.code for f in after.findings]

    # undo goes the same way and gives the figures from before the stroke back
    assert brush.undo_stroke() and session.evaluation is after and w.runner.is_busy()
    qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=60000)
    assert _figures(session.evaluation) == _figures(before)


def test_a_second_stroke_during_the_build_drops_the_first_result(qtbot, window_like):
    w = window_like
    session = w.session
    centre = _zone_centre(session)
    brush = CanalBrushTool(session, "paint", radius_mm=2.0)
    brush.press(centre, "left"), brush.release(centre, "left")
    eraser = CanalBrushTool(session, "erase", radius_mm=5.0)
    eraser.press(centre, "left"), eraser.release(centre, "left")  # while the first build runs
    evaluations = []
    session.evaluated.connect(evaluations.append)
    qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=60000)
    assert len(evaluations) == 1  # only the latest mask was evaluated
    assert _figures(session.evaluation) == _figures(_fresh(w.volume, session))
    painted_only = session.canal_mask.copy()
    assert not painted_only[tuple(np.round(session.volume.to_ijk(centre)).astype(int)[::-1])]  # erased there


def test_an_explicit_evaluation_while_waiting_prepares_the_canal_there(qtbot, window_like):
    w = window_like
    session = w.session
    centre = _zone_centre(session)
    brush = CanalBrushTool(session, "paint", radius_mm=3.0)
    brush.press(centre, "left"), brush.release(centre, "left")
    version = session.canal.version
    evaluation = session.evaluate(corridors=False)  # e.g. an export wants the figures now
    assert not session.canal_stale and True in w.threads  # prepared here, on the calling thread
    qtbot.waitUntil(lambda: not w.runner.is_busy(), timeout=60000)
    assert session.canal.version == version and session.evaluation.analysis.canal_overlap_ml == pytest.approx(
        evaluation.analysis.canal_overlap_ml, abs=0.0)
    # a prepared canal of another version (or grid) is never taken
    other = PreparedCanal.build(session.grid, session.canal_mask)
    assert not session.adopt_prepared_canal(other, version - 1)
