"""Issue 15: the per-view cache of overlay geometry (planner/ui/overlay_geometry.py) draws exactly the
pixels a fresh computation draws, during a drag, after its release and after every change that must
drop an entry (the view's zoom and pan, its slice, an edit of another item, the selection).

The reference is the same view drawn with ``slice_cache.ENABLED = False``: every repaint then
computes every item's geometry afresh (and the raster caches are off too, as in
tests/ui/test_drag_render.py). Both shared real CTs (each skips when absent); the plan has two
needles with antennas (so zones), a thermocouple and a spherical target, so every cached kind of
entry (shaft, endpoints, section polygon, label position) is drawn.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Target, Thermocouple
from planner.ui import slice_cache
from planner.ui.overlay_geometry import FrameGeometry
from tests.ui.helpers import mouse, window_showing

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module", params=["lumbar", "t11_t12"])
def scan(request):
    return request.getfixturevalue(f"{request.param}_volume")  # loaded once per session, read-only (tests/conftest.py)


@pytest.fixture
def window(qtbot, scan):
    w = window_showing(qtbot, scan)
    w.loader.anatomy.cancel()  # no automatic anatomy: the plan's overlays are what is tested
    lo, hi = scan.bounds_lps
    centre = (lo + hi) / 2
    canal = np.zeros(scan.hu.shape, dtype=bool)  # a small block canal: the evaluation needs one
    n_k, n_j, n_i = canal.shape
    canal[:, n_j // 2 - 4:n_j // 2 + 4, n_i // 2 - 4:n_i // 2 + 4] = True
    w.session.set_canal(canal)
    w.corridors.shutdown()
    ids = []
    for sign in (-1.0, 1.0):
        tip = centre + np.array([sign * 10.0, -14.0, 0.0])
        needle = Needle(tuple(tip + (sign * 45.0, 80.0, 0.0)), tuple(tip), side="right" if sign < 0 else "left",
                        name=f"needle {sign:+.0f}")
        w.session.stack.push(commands.add_item(needle))
        w.session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
        ids.append(needle.id)
    w.session.stack.push(commands.add_item(Thermocouple(tuple(centre + (40.0, 60.0, 1.0)),
                                                        tuple(centre + (14.0, 0.0, 1.0)))))
    w.session.stack.push(commands.add_item(Target(tuple(centre + (-16.0, -24.0, 2.0)), semi_axes_mm=(6.0, 6.0, 6.0))))
    w.state.set_cursor(np.asarray(w.session.plan.get(ids[0]).tip_lps))
    w.selection.select(ids[0])
    w.needle_ids = ids
    qtbot.waitUntil(lambda: not w.session.canal_waiting and w.session.evaluation is not None
                    and sum(z.zone is not None for z in w.session.evaluation.zones) == 2, timeout=120000)
    yield w
    slice_cache.ENABLED = True
    w.close()


def _grab(view) -> bytes:
    image = view.grab().toImage()  # held while its bits are copied (a temporary may be freed first)
    return bytes(image.constBits())


def _views(window) -> dict:
    return {name: window.views[name] for name in (AXIAL, SAGITTAL, CORONAL)}


def _assert_same_as_fresh(views, when: str) -> dict:
    cached = {name: _grab(view) for name, view in views.items()}
    slice_cache.ENABLED = False
    try:
        fresh = {name: _grab(view) for name, view in views.items()}
    finally:
        slice_cache.ENABLED = True
    for name in views:
        assert cached[name] == fresh[name], f"the {name} view drawn from cached geometry differs {when}"
    return cached


def test_cached_overlays_draw_the_pixels_of_fresh_ones_through_a_drag_and_after_each_change(window, qtbot):
    views = _views(window)
    axial = views[AXIAL]
    for view in views.values():
        view.repaint()  # fill the caches
    hits = {name: view.overlay_geometry.hits for name, view in views.items()}
    needle = window.session.plan.get(window.needle_ids[0])
    x, y = axial.lps_to_screen(needle.tip_lps)
    mouse(axial, "press", QPointF(x, y))
    step_px = 0.5 * axial.viewport.scale_px_per_mm
    for n in range(1, 7):
        mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
        if window.frame.pending():
            window.frame.flush()
        for view in views.values():
            view.repaint()
        if n in (1, 4):  # during the drag (the fast evaluation's zones)
            _assert_same_as_fresh(views, f"during the drag (move {n})")
    for name, view in views.items():  # the items that did not move were drawn from the cache
        assert view.overlay_geometry.hits > hits[name], f"the {name} view never reused an entry"
    mouse(axial, "release", QPointF(x + 6 * step_px, y), button=Qt.LeftButton)
    qtbot.wait(10)
    moved = np.asarray(window.session.plan.get(needle.id).tip_lps) - np.asarray(needle.tip_lps)
    assert np.linalg.norm(moved) == pytest.approx(3.0, abs=0.6)  # 6 steps of 0.5 mm
    before = _assert_same_as_fresh(views, "after the release")

    other = window.session.plan.get(window.needle_ids[1])
    changes = [
        ("zoom", lambda: axial.zoom_about(axial.width() / 3, axial.height() / 3, 1.3), (AXIAL,)),
        ("pan", lambda: views[CORONAL].pan_px(17.0, -9.0), (CORONAL,)),
        ("slice", lambda: views[SAGITTAL].step_slices(2), (SAGITTAL,)),
        ("edit of the other needle", lambda: window.session.stack.push(commands.set_fields(
            other.id, tip_lps=tuple(np.asarray(other.tip_lps) + (0.0, 0.0, 4.0)))), (AXIAL, SAGITTAL, CORONAL)),
        ("selection", lambda: window.selection.select(window.needle_ids[1]), (AXIAL,)),
    ]
    for what, change, changed_views in changes:
        change()
        qtbot.wait(10)
        after = _assert_same_as_fresh(views, f"after the {what}")
        for name in changed_views:
            assert after[name] != before[name], f"the {what} did not change the {name} view (the test proves less)"
        before = after


class _Frame:
    """A stand-in view for the cache's own rules: its frame key is what :func:`frame_key` reads."""

    def __init__(self):
        from planner.geometry.planes import SlicePlane
        from planner.geometry.viewport import Viewport

        self.viewport = Viewport(200, 100, 0.0, 0.0, 2.0)
        self._plane = SlicePlane(np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))

    def plane(self):
        return self._plane

    def half_thickness_mm(self):
        return 0.5


class _Slice:
    def __init__(self, plane):
        self.plane, self.h_mm, self.a0_mm, self.b0_mm, self.da_mm, self.db_mm = plane, 0.0, 0.0, 0.0, 1.0, 1.0
        self.pixels = np.zeros((4, 4))


def test_an_entry_lives_while_its_frame_and_its_item_do():
    view = _Frame()
    sl = _Slice(view.plane())
    cache = FrameGeometry()
    built = []
    item, other = object(), object()

    def paint(*anchors):
        cache.begin(view, sl)
        for a in anchors:
            cache.get(("item", id(a)), lambda a=a: built.append(a) or len(built), anchor=a)
        cache.end()

    paint(item, other)
    paint(item, other)
    assert built == [item, other]  # the second paint reused both
    paint(item)  # 'other' is gone from the plan: its entry is dropped at the end of the paint
    assert len(cache) == 1
    view.viewport.pan_px(3.0, 0.0)  # a new frame: everything is built again
    paint(item)
    assert built == [item, other, item]
    # an entry is never handed to another object that happens to get the same id
    cache.begin(view, sl)
    assert cache.get(("item", id(item)), lambda: "rebuilt", anchor=object()) == "rebuilt"
    cache.end()
    slice_cache.ENABLED = False
    try:
        paint(item)
        assert built[-1] is item and len(built) == 4  # caching off: built at every paint
    finally:
        slice_cache.ENABLED = True
