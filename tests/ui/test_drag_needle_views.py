"""Issue 15: while a drag moves the needle, the needle-aligned views reslice at half resolution
(``planner.render.plane_sources.DRAFT_STEP_FACTOR``) and paint once per frame; after the release they
draw exactly what a fresh render at full resolution draws.

The fresh render is the same view with every cache dropped (its slice source, its CT raster and the
overlays' rasters, ``slice_cache.ENABLED = False``): a lingering draft image would differ from it.
Runs on both shared real CTs (each skips when absent).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.needle_planes import ALONG_SIDE
from planner.plan import commands
from planner.plan.items import Antenna, Needle
from planner.render.plane_sources import DRAFT_STEP_FACTOR
from planner.ui import slice_cache
from tests.ui.helpers import grab_bytes, mouse, window_showing

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module", params=["lumbar", "t11_t12"])
def volume(request):
    return request.getfixturevalue(f"{request.param}_volume")  # loaded once per session, read-only (tests/conftest.py)


@pytest.fixture
def window(qtbot, volume):
    w = window_showing(qtbot, volume)
    w.corridors.shutdown()  # corridor checks (seconds) play no part in the drawing
    w.loader.anatomy.cancel()  # nor the automatic anatomy, whose canal and names would land between two grabs
    w.view3d.cancel_surface()  # nor the 3D bone surface (seconds in a thread, waited for on close; issue 15)
    lo, hi = volume.bounds_lps
    tip = (lo + hi) / 2
    needle = Needle(tuple(tip + (-45.0, 80.0, 0.0)), tuple(tip), side="right", name="right")
    w.session.stack.push(commands.add_item(needle))
    w.session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
    w.state.set_cursor(np.asarray(tip))
    w.selection.select(needle.id)
    w.set_layout("needle")
    qtbot.wait(1)
    w.needle_id = needle.id
    yield w
    slice_cache.ENABLED = True
    w.close()


class Paints(QObject):
    def __init__(self, widgets):
        super().__init__()
        self.count = dict.fromkeys(widgets, 0)
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() == QEvent.Paint:
            self.count[obj] += 1
        return False


def _grab(view) -> bytes:
    return grab_bytes(view)  # the image is held while its bytes are read (see tests/ui/helpers.py)


def _fresh(view) -> bytes:
    """The view drawn from scratch: no cached slice, CT image or overlay raster."""
    view.source._cache_key = None
    view._ct.clear()
    slice_cache.ENABLED = False
    try:
        return _grab(view)
    finally:
        slice_cache.ENABLED = True


def _settle(qtbot, views, quiet_ms: int = 200, timeout_ms: int = 5000) -> None:
    """Wait until no view has changed size for ``quiet_ms`` (the docks' layout after a release may resize
    them; two grabs of one view at two sizes would differ for that reason alone)."""
    last, still = None, 0
    for _ in range(timeout_ms // 20):
        sizes = [(v.width(), v.height()) for v in views]
        still = still + 20 if sizes == last else 0
        if still >= quiet_ms:
            return
        last = sizes
        qtbot.wait(20)


def test_drag_drafts_the_needle_views_and_release_draws_them_exactly(window, qtbot, volume):
    views = list(window.needle_views.values())
    side = window.needle_views[ALONG_SIDE]
    full_step = min(volume.spacing_mm)
    assert all(v.current_slice().da_mm == pytest.approx(full_step) for v in views)
    tip = window.session.plan.get(window.needle_id).tip_lps
    x, y = side.lps_to_screen(tip)
    mouse(side, "press", QPointF(x, y))
    qtbot.wait(1)
    paints = Paints(views)
    moves = 6
    for _ in range(moves):
        # this view follows the needle: aim 0.5 mm beyond where the tip is drawn now
        x, y = side.lps_to_screen(window.session.plan.get(window.needle_id).tip_lps)
        mouse(side, "move", QPointF(x + 0.5 * side.viewport.scale_px_per_mm, y), buttons=Qt.LeftButton)
        QApplication.processEvents()  # what the event loop runs before the frame timer fires (paints)
        if window.frame.pending():
            window.frame.flush()
        qtbot.wait(1)
        for v in views:  # the frame's evaluation repainted it on a half-resolution slice
            assert v.current_slice().da_mm == pytest.approx(DRAFT_STEP_FACTOR * full_step)
    assert all(n <= moves for n in paints.count.values()), paints.count  # one paint per move, not two
    mouse(side, "release", QPointF(x + 0.5 * side.viewport.scale_px_per_mm, y), button=Qt.LeftButton)
    qtbot.wait(50)  # the release's evaluation and whatever it posts (findings, 3D) have run
    moved = np.asarray(window.session.plan.get(window.needle_id).tip_lps) - np.asarray(tip)
    assert np.linalg.norm(moved) == pytest.approx(0.5 * moves, abs=0.6)
    _settle(qtbot, views)
    for v in views:
        assert v.current_slice().da_mm == pytest.approx(full_step)
        shown = _grab(v)
        assert _grab(v) == shown, f"the {v.source.title} view does not repeat its own drawing"
        fresh = _fresh(v)
        assert _fresh(v) == fresh, f"a fresh render of the {v.source.title} view does not repeat itself"
        assert shown == fresh, f"the {v.source.title} view after the release is not a fresh render"


def test_a_steady_drag_in_the_along_needle_view_moves_the_tip_as_far_as_the_mouse(window, qtbot):
    """The view under the mouse holds its plane during the drag: 20 moves of 0.5 mm on a straight mouse path
    move the tip 10 mm (before: the view followed the needle and the tip ran 180 mm in 40 moves)."""
    side = window.needle_views[ALONG_SIDE]
    tip = np.asarray(window.session.plan.get(window.needle_id).tip_lps)
    x0, y0 = side.lps_to_screen(tip)
    step_px = 0.5 * side.viewport.scale_px_per_mm
    mouse(side, "press", QPointF(x0, y0))
    for n in range(1, 21):
        mouse(side, "move", QPointF(x0 + n * step_px, y0), buttons=Qt.LeftButton)
        QApplication.processEvents()
        if window.frame.pending():
            window.frame.flush()
    mouse(side, "release", QPointF(x0 + 20 * step_px, y0), button=Qt.LeftButton)
    qtbot.wait(20)
    moved = np.asarray(window.session.plan.get(window.needle_id).tip_lps) - tip
    assert np.linalg.norm(moved) == pytest.approx(10.0, abs=1.0)
