"""Issue 15, "release runs exactly one full evaluation", in the window: a needle dragged with real mouse
events in the axial view; from the release until everything has settled (the evaluation worker's
figures, the corridor worker's reports) ``session.evaluate`` runs once with ``corridors`` (a counting
wrapper); the figures and reports that arrive later are merged into that evaluation
(planner/session/evaluate_later.py ``merge_into_evaluation``). Before, the worker's figures started a
second full evaluation, and each corridor report one more.

The settled evaluation must equal a single synchronous full evaluation of the same plan: ``evaluate()``
without ``figures_later`` after ``forget_figures`` (every zone and figure computed afresh on this thread).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import AXIAL
from planner.headless.demo import demo_plan
from tests.ui.helpers import mouse, window_opened

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, sample_series):
    w = window_opened(qtbot, sample_series, (1200, 850))
    w.loader.anatomy.cancel()  # vertebrae arriving midway are a new input (a full evaluation of their own)
    w.view3d.cancel_surface()
    w.thermal.panel.auto_box.setChecked(False)
    yield w
    w.close()


def _settled(w) -> bool:
    ev = w.session.evaluation
    return (ev is not None and ev.complete and not w.corridors.is_busy() and not w.evaluations.is_busy()
            and not w.canal_prep.is_busy())


def test_release_runs_one_full_evaluation_and_the_merged_result_equals_a_synchronous_one(window, qtbot):
    w, session = window, window.session
    session.open_plan(demo_plan(session.plan.series))
    qtbot.waitUntil(lambda: _settled(w), timeout=120000)
    needle = session.plan.needles[0]
    w.state.set_cursor(needle.tip_lps)
    w.selection.select(needle.id)
    QApplication.processEvents()
    axial = w.views[AXIAL]
    x, y = axial.lps_to_screen(needle.tip_lps)
    step_px = 0.5 * axial.viewport.scale_px_per_mm
    mouse(axial, "press", QPointF(x, y))
    for n in range(1, 7):
        mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
        QApplication.processEvents()
    calls = []
    real = session.evaluate

    def counting(corridors: bool = True, **options):
        calls.append(corridors)
        return real(corridors=corridors, **options)

    session.evaluate = counting
    rounds, merges = w.evaluations.rounds, session.merges
    mouse(axial, "release", QPointF(x + 6 * step_px, y), button=Qt.LeftButton)
    assert session.stack.undo_text == "Move tip" and session.plan.get(needle.id).tip_lps != needle.tip_lps
    assert calls == [True]  # the release's own full evaluation
    released = session.evaluation
    assert not released.complete and w.evaluations.is_busy()  # its figures went to the worker
    qtbot.waitUntil(lambda: _settled(w), timeout=120000)
    session.evaluate = real
    assert calls.count(True) == 1, calls  # the worker's figures and the corridor reports were merged
    assert w.evaluations.rounds > rounds and session.merges > merges
    merged = session.evaluation
    assert merged.analysis is released.analysis and merged.complete

    session.forget_figures()
    fresh = session.evaluate(corridors=True)  # synchronous: every figure computed here, now
    assert fresh.complete
    assert merged.findings == fresh.findings
    assert merged.beyond and merged.beyond == fresh.beyond
    assert sorted((id(f.local), d) for f, d in merged.foramen_distances) == sorted(
        (id(f.local), d) for f, d in fresh.foramen_distances)
    assert merged.analysis.zone_volumes_ml == fresh.analysis.zone_volumes_ml
    assert merged.analysis.canal_signed_distance_mm == fresh.analysis.canal_signed_distance_mm
    assert set(merged.corridors) == set(fresh.corridors) == {n.id for n in session.plan.needles}
