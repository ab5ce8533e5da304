"""Issue 15, "dragging is cheap, release is exact": the level names of the needle-aligned views that
follow a dragged needle are not laid out again at every mouse move (planner/ui/label_draft.py).

On the shared lumbar scan with a bipedicular plan and the automatic vertebrae (the fixture of
tests/ui/test_labels_lumbar_plan.py), in the needle layout, a drag of the first needle's tip in the
along-needle (side) view, whose plane stays put while the two other needle views follow the tip:

- while the mouse moves, the following views compute no layout; each name they show is the box it had
  in their last exact layout translated by its anchor's move (a translation keeps the box's size and
  its offset from the anchor), and its anchor is its vertebra's body centre as the view now maps it;
- once the drag pauses (no move for ``PAUSE_MS``) the names are laid out exactly, and drafted again at
  the next move;
- after the release every needle view's names equal those an overlay that never saw the drag lays out
  (the window's state is the same as one that never dragged), and the evaluation's numbers equal a
  fresh evaluation's.

The first check fails on the code before (a layout per view and move: 5-6 ms each on this scan).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.needle_planes import ALONG_SIDE
from planner.ui.label_draft import PAUSE_MS
from planner.ui.level_labels import LevelLabelOverlay
from tests.ui.helpers import mouse
from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)
from tests.ui.test_view19_needle_labels import _centres

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def _layout(overlay, view) -> list[tuple]:
    return [(p.text, tuple(map(float, p.rect)), tuple(map(float, p.anchor)))
            for p in overlay.layout(view, view.current_slice())]


def _settle(w) -> None:
    for _ in range(3):
        QApplication.processEvents()
        if w.frame.pending():
            w.frame.flush()


def _wait(ms: float) -> None:
    import time

    end = time.monotonic() + ms / 1000.0
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def test_following_views_draft_their_names_while_dragging_and_are_exact_after(planned):  # noqa: F811
    w = planned
    session = w.session
    needle = session.plan.needles[0]
    w.selection.select(needle.id)
    w.set_layout("needle")
    _settle(w)
    side = w.needle_views[ALONG_SIDE]
    following = [v for k, v in w.needle_views.items() if k != ALONG_SIDE]
    overlay = w.level_labels.overlay
    centres = _centres(session)
    for view in w.needle_views.values():
        view.repaint()
    before = {id(v): _layout(overlay, v) for v in following}
    assert any(before.values()), "no level name in the views that follow the needle: nothing to check"
    offsets = {id(v): {t: (r[0] - a[0], r[1] - a[1], r[2] - r[0], r[3] - r[1]) for t, r, a in before[id(v)]}
               for v in following}

    x, y = side.lps_to_screen(needle.tip_lps)
    mouse(side, "press", QPointF(x, y))
    _settle(w)
    step_px = 1.0 * side.viewport.scale_px_per_mm  # 1 mm a move along the screen's x
    try:
        for n in range(1, 5):
            made = overlay.placements
            mouse(side, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
            _settle(w)
            for view in following:
                view.repaint()
                shown = _layout(overlay, view)
                assert overlay.placements == made, f"move {n}: the {view.source.title} view laid its names out"
                for text, rect, anchor in shown:
                    dx, dy, width, height = offsets[id(view)][text]
                    assert rect == pytest.approx((anchor[0] + dx, anchor[1] + dy, anchor[0] + dx + width,
                                                  anchor[1] + dy + height), abs=1e-9)
                    projected = [view.lps_to_screen(np.asarray(c, float)) for c in centres[text]]
                    assert min(np.hypot(px - anchor[0], py - anchor[1]) for px, py in projected) < 1e-6
        moved = np.asarray(session.plan.get(needle.id).tip_lps) - np.asarray(needle.tip_lps)
        assert np.linalg.norm(moved) == pytest.approx(4.0, abs=0.6)  # the drag did move the tip (4 x 1 mm)

        # the drag pauses: the following views lay their names out exactly, as a fresh overlay does
        made = overlay.placements
        _wait(3 * PAUSE_MS)
        for view in following:
            view.repaint()
            assert _layout(overlay, view) == _layout(LevelLabelOverlay(session), view)
        assert overlay.placements > made, "the pause laid nothing out"
        made = overlay.placements
        mouse(side, "move", QPointF(x + 5 * step_px, y), buttons=Qt.LeftButton)  # moving again: drafts again
        _settle(w)
        for view in following:
            view.repaint()
        assert overlay.placements == made
    finally:
        mouse(side, "release", QPointF(x + 5 * step_px, y), button=Qt.LeftButton)
        _settle(w)

    try:
        assert not session.interactive
        for view in w.needle_views.values():
            view.repaint()
            assert _layout(overlay, view) == _layout(LevelLabelOverlay(session), view), view.source.title
        shown = session.evaluation.analysis
        session.forget_figures()
        fresh = session.evaluate(corridors=False).analysis
        assert shown.canal_signed_distance_mm == fresh.canal_signed_distance_mm
        assert shown.canal_overlap_ml == fresh.canal_overlap_ml
        assert shown.zone_volumes_ml == fresh.zone_volumes_ml
    finally:
        session.stack.undo()  # the module's plan as it was
        w.set_layout("four_up")
        _settle(w)
