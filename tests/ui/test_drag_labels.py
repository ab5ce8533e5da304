"""Issue 15: the level names' layout during a drag does only the work that changed, and lands where a
fresh layout puts it.

On the shared lumbar scan with a two-needle plan and the automatic vertebrae (as
tests/ui/test_labels_lumbar_plan.py), a drag of one needle tip in the axial view:

- a view whose labels' inputs (items, obstacles, size, body frame) did not change reuses its layout
  (no :func:`place_labels` call), and a fresh layout (caches off) gives the same labels at every move;
- the zone that did not move is never cut again (its section is kept per view frame and zone), and no
  section is cut twice in one move;
- no ``QFontMetrics`` is made while dragging (one per font, made once);
- after the release each 2D view draws exactly what a fresh draw draws (every cache dropped).

Counts, not timings (the speed is benchmarks/bench_drag.py's). Each of these failed on the code before
(a layout per repaint, both zones cut by the labels at every repaint, a ``QFontMetrics`` per label).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.ui import level_labels, plan_overlays, slice_cache
from tests.export.realplans import TCIA_L2_BODY_IJK, bipedicular_plan
from tests.ui.helpers import grab_bytes, mouse

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
ORIENTATIONS = (AXIAL, SAGITTAL, CORONAL)


@pytest.fixture(scope="module")
def planned(qapp, lumbar_volume, lumbar_canal, lumbar_spine):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.loader.quiet = True
    w.set_volume(lumbar_volume)
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()  # the labels do not need the bone surface
    w.corridors.shutdown()  # corridor checks (seconds) play no part in the drawing
    session = w.session
    session.set_canal(lumbar_canal.mask.copy())
    session.anatomy.body()
    session.anatomy.set_spine(lumbar_spine)
    body_lps = lumbar_volume.to_lps(np.asarray(TCIA_L2_BODY_IJK, float))
    session.open_plan(bipedicular_plan(session.plan.series, body_lps))
    session.evaluate(corridors=False)
    w.level_labels._on_vertebrae(lumbar_spine)
    w.state.set_cursor(body_lps)
    QApplication.processEvents()
    yield w
    slice_cache.ENABLED = True
    w.plan_files.confirm_close = lambda: True
    w.close()
    w.deleteLater()
    qapp.processEvents()


def _views(w) -> list:
    return [w.views[o] for o in ORIENTATIONS]


def _repaint(views) -> None:
    for view in views:
        view.repaint()


def _fresh_layout(w, view):
    slice_cache.ENABLED = False
    try:
        return [(p.text, p.rect) for p in w.level_labels.overlay.layout(view, view.current_slice())]
    finally:
        slice_cache.ENABLED = True


def _key(e) -> tuple:
    return tuple(np.round(np.asarray(e.centre_lps, float), 9)), tuple(np.round(np.asarray(e.semi_axes_mm, float), 9))


class Counting:
    """Wraps a function and records each call's arguments (optionally turned into a key first)."""

    def __init__(self, real, key=None):
        self.real, self.key, self.calls = real, key, []

    def __call__(self, *args, **kwargs):
        self.calls.append(self.key(*args, **kwargs) if self.key else args)
        return self.real(*args, **kwargs)


def test_a_drag_lays_out_and_cuts_only_what_changed_and_matches_a_fresh_layout(planned, monkeypatch):
    w = planned
    views = _views(w)
    axial = w.views[AXIAL]
    session = w.session
    _repaint(views)
    assert any(w.level_labels.overlay.layout(v, v.current_slice()) for v in views), "no level name shown"

    # nothing changed: a repaint of every view lays nothing out again
    placements = Counting(level_labels.place_labels)
    monkeypatch.setattr(level_labels, "place_labels", placements)
    _repaint(views)
    assert placements.calls == []

    def section_key(centre_lps, axes, semi_axes_mm, plane, h_mm=0.0, n_points=96):
        return (tuple(np.round(np.asarray(centre_lps, float), 9)), tuple(np.round(np.asarray(semi_axes_mm, float), 9)),
                tuple(plane.origin_lps.tolist()), tuple(plane.normal_lps.tolist()), float(h_mm))

    sections = Counting(plan_overlays.ellipsoid_section, key=section_key)
    monkeypatch.setattr(plan_overlays, "ellipsoid_section", sections)
    if hasattr(level_labels, "ellipsoid_section"):  # the code before cut the zones itself
        monkeypatch.setattr(level_labels, "ellipsoid_section", sections)
    metrics = Counting(level_labels.QFontMetrics)
    monkeypatch.setattr(level_labels, "QFontMetrics", metrics)

    dragged = session.plan.needles[0]
    still_zone = next(zr.zone.ellipsoid for zr in session.evaluation.zones
                      if zr.zone is not None and zr.needle_id != dragged.id)
    still = _key(still_zone)
    x, y = axial.lps_to_screen(dragged.tip_lps)
    mouse(axial, "press", QPointF(x, y))
    step_px = 0.5 * axial.viewport.scale_px_per_mm
    moves = 5
    for n in range(1, moves + 1):
        placements.calls.clear()
        sections.calls.clear()
        mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
        if w.frame.pending():
            w.frame.flush()
        _repaint(views)
        cut = sections.calls
        assert not [c for c in cut if c[:2] == still], f"move {n}: the zone that did not move was cut again"
        assert len(cut) == len(set(cut)), f"move {n}: a section was cut twice: {cut}"
        assert len(placements.calls) <= len(views)  # at most one layout per view and move
        for view in views:  # what the drag shows is what a fresh layout gives
            cached = [(p.text, p.rect) for p in w.level_labels.overlay.layout(view, view.current_slice())]
            assert cached == _fresh_layout(w, view), f"move {n}: the {view.source.title} labels differ from fresh"
    assert metrics.calls == [], "a QFontMetrics was made while dragging"
    assert np.linalg.norm(np.asarray(session.plan.get(dragged.id).tip_lps) - dragged.tip_lps) == pytest.approx(
        0.5 * moves, abs=0.6)  # the drag moved the tip (the counts above are about a real drag)

    mouse(axial, "release", QPointF(x + moves * step_px, y), button=Qt.LeftButton)
    for _ in range(5):
        QApplication.processEvents()
    for view in views:  # the release's drawing is a fresh one
        shown = grab_bytes(view)
        view.source._cache_key = None
        view._ct.clear()
        slice_cache.ENABLED = False
        try:
            fresh = grab_bytes(view)
        finally:
            slice_cache.ENABLED = True
        assert shown == fresh, f"the {view.source.title} view after the release is not a fresh draw"
    session.stack.undo()  # leave the module's plan as it was
