"""Issue 15: the level names' obstacles are kept per view frame and per plan item
(planner/ui/label_obstacles.py); only a changed item's are built again, and what the names are placed
among is exactly a full rebuild.

The sample with the demo plan and its L2 level (two needles with antennas, a thermocouple, the lesion):

- during drags of a needle tip and of the thermocouple's tip, every paint's obstacles equal the ones
  rebuilt from every item at that paint (the view's geometry cache set aside), and the placed names equal
  a fresh layout with every cache off;
- an edit that moves one needle's tip rebuilds that needle's obstacles (its tip box moves by the
  distance the tip moved times the view's scale, a geometric fact), while the items that did not change
  keep the very same rectangles (the same tuple: reused, not rebuilt); a new zoom rebuilds them all.

A cache that ignored an item's edit (keyed by the item's id, which an edit keeps) fails the second test;
the code before kept nothing and fails its reuse check.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.plan import commands
from planner.ui import level_labels, slice_cache
from planner.ui.label_layout import TIP_HALF_PX, point_rect
from planner.ui.label_obstacles import flatten
from tests.export.conftest import demo_plan_with_level
from tests.ui.helpers import mouse

pytestmark = pytest.mark.gui
ORIENTATIONS = (AXIAL, SAGITTAL, CORONAL)


@pytest.fixture
def window(qapp, sample_volume, sample_canal):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.loader.quiet = True
    w.set_volume(sample_volume)
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    w.corridors.shutdown()
    session = w.session
    session.set_canal(sample_canal.mask.copy())
    session.open_plan(demo_plan_with_level(session.plan.series))
    session.evaluate(corridors=False)
    needle = session.plan.needles[0]
    w.selection.select(needle.id)  # its name is written beside its entry: an item label obstacle
    w.state.set_cursor(np.asarray(needle.tip_lps))
    QApplication.processEvents()
    yield w
    slice_cache.ENABLED = True
    w.plan_files.confirm_close = lambda: True
    w.close()
    w.deleteLater()
    qapp.processEvents()


class Recorder:
    """Wraps ``level_labels.obstacles_of``: each paint's groups, and the same rebuilt from every item at
    that moment (no geometry cache on the view: every rectangle computed afresh)."""

    def __init__(self, real):
        self.real, self.seen = real, []

    def __call__(self, session, view, sl):
        groups = self.real(session, view, sl)
        cache = view.overlay_geometry
        view.overlay_geometry = None
        try:
            fresh = self.real(session, view, sl)
        finally:
            view.overlay_geometry = cache
        self.seen.append((view, groups, fresh))
        return groups

    def last(self, view):
        return next(groups for v, groups, _fresh in reversed(self.seen) if v is view)


def _fresh_layout(w, view):
    slice_cache.ENABLED = False
    try:
        return [(p.text, p.rect) for p in w.level_labels.overlay.layout(view, view.current_slice())]
    finally:
        slice_cache.ENABLED = True


def _drag(w, view, start_lps, moves: int, step_px: float, check) -> None:
    x, y = view.lps_to_screen(start_lps)
    mouse(view, "press", QPointF(x, y))
    for n in range(1, moves + 1):
        mouse(view, "move", QPointF(x + n * step_px, y + 0.5 * n * step_px), buttons=Qt.LeftButton)
        if w.frame.pending():
            w.frame.flush()
        check(n)
    mouse(view, "release", QPointF(x + moves * step_px, y + 0.5 * moves * step_px), button=Qt.LeftButton)
    QApplication.processEvents()


def test_drags_place_the_names_among_exactly_the_obstacles_of_a_full_rebuild(window, monkeypatch):
    w = window
    views = [w.views[o] for o in ORIENTATIONS]
    recorder = Recorder(level_labels.obstacles_of)
    monkeypatch.setattr(level_labels, "obstacles_of", recorder)
    painted = {}
    real_layout = level_labels.LevelLabelOverlay.layout

    def layout(self, view, sl):
        placed = real_layout(self, view, sl)
        painted[id(view)] = [(p.text, p.rect) for p in placed]
        return placed

    monkeypatch.setattr(level_labels.LevelLabelOverlay, "layout", layout)
    for view in views:
        view.repaint()
    assert any(painted[id(v)] for v in views), "no level name shown: nothing to compare"

    def check(n):
        recorder.seen.clear()
        painted.clear()
        for view in views:
            view.repaint()
        assert {id(v) for v, _g, _f in recorder.seen} == {id(v) for v in views}  # names in every view
        for view, groups, fresh in recorder.seen:
            assert flatten(groups) == flatten(fresh), f"move {n}: {view.source.title} obstacles differ"
        for view in views:
            assert painted[id(view)] == _fresh_layout(w, view), f"move {n}: {view.source.title} names differ"

    plan = w.session.plan
    axial, sagittal = w.views[AXIAL], w.views[SAGITTAL]
    _drag(w, axial, plan.needles[0].tip_lps, 5, 0.8 * axial.viewport.scale_px_per_mm, check)
    tc = plan.thermocouples[0]
    w.selection.select(tc.id)
    w.state.set_cursor(np.asarray(tc.tip_lps))
    QApplication.processEvents()
    _drag(w, axial, tc.tip_lps, 4, 0.8 * axial.viewport.scale_px_per_mm, check)
    needle = plan.needles[0]  # its tip's sagittal slice is within 14 mm of the L2 centre: names in every view
    w.selection.select(needle.id)
    w.state.set_cursor(np.asarray(needle.tip_lps))
    QApplication.processEvents()
    _drag(w, sagittal, needle.tip_lps, 4, -0.8 * sagittal.viewport.scale_px_per_mm, check)
    assert plan.get(needle.id).tip_lps != needle.tip_lps and plan.get(tc.id).tip_lps != tc.tip_lps  # real drags


def test_a_moved_needle_gets_new_obstacles_and_the_unchanged_items_keep_theirs(window, monkeypatch):
    w = window
    view = w.views[AXIAL]
    session = w.session
    recorder = Recorder(level_labels.obstacles_of)
    monkeypatch.setattr(level_labels, "obstacles_of", recorder)
    view.repaint()
    before = recorder.last(view)
    n_items = len(session.plan.needles) + len(session.plan.thermocouples)
    assert n_items == 3 and len(before) == 2 * n_items + 3  # ends per item, labels, zones, corners, shafts
    needle = session.plan.needles[0]
    delta_mm = np.array([2.0, 0.0, 0.0])  # along L: in the axial plane
    session.stack.push(commands.move_point(needle.id, "tip_lps", np.asarray(needle.tip_lps) + delta_mm))
    assert session.plan.get(needle.id).id == needle.id  # an edit keeps the id: a cache by id would be stale
    view.repaint()
    after = recorder.last(view)
    # the moved needle's tip box (its second end) moved by the tip's shift on the screen: scale x (u . delta)
    plane = view.plane()
    shift = view.viewport.scale_px_per_mm * np.array([float(plane.u_lps @ delta_mm), float(plane.v_lps @ delta_mm)])
    old_tip, new_tip = np.asarray(before[0][1]), np.asarray(after[0][1])
    assert new_tip == pytest.approx(old_tip + np.tile(shift, 2), abs=1e-6)
    assert new_tip[2] - new_tip[0] == pytest.approx(2 * TIP_HALF_PX)
    assert after[-n_items] != before[-n_items]  # its shaft squares too
    assert tuple(new_tip) == point_rect(*view.lps_to_screen(session.plan.get(needle.id).tip_lps))
    # the other needle and the thermocouple: the very same rectangles, reused
    for k in (1, 2):
        assert after[k] is before[k] and after[n_items + 3 + k] is before[n_items + 3 + k]
    _view, groups, fresh = recorder.seen[-1]
    assert flatten(groups) == flatten(fresh)
    # a new frame (zoom) rebuilds every item's rectangles
    view.viewport.zoom_about(view.width() / 2, view.height() / 2, 1.2)
    view.repaint()
    zoomed = recorder.last(view)
    assert all(zoomed[k] is not after[k] and zoomed[k] != after[k] for k in range(n_items))
    _view, groups, fresh = recorder.seen[-1]
    assert flatten(groups) == flatten(fresh)
