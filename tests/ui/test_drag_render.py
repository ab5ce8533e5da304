"""Issue 15: the 2D views' raster caches (planner/ui/slice_cache.py) change no drawn pixel, and let
go of an image as soon as what it shows changes (plane, window/level, slab, volume, mask).

The reference is the same window drawn with ``slice_cache.ENABLED = False``: every repaint then
builds and draws everything as before issue 15 (windowed grey image and straight-alpha overlays,
converted by Qt while drawing). Runs on both shared real CTs (each skips when absent) with a
canal drawn as a cylinder through the middle of the scan, so the zone ∩ canal fill shows.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from planner.geometry.planes import AXIAL, CORONAL, SAGITTAL
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.ui import slice_cache
from tests.ui.helpers import mouse, window_showing

pytestmark = pytest.mark.gui

CANAL_RADIUS_MM = 8.0


@pytest.fixture(scope="module", params=["lumbar", "t11_t12"])
def lumbar(request):
    """Each shared real scan in turn (the TCIA lumbar CT, then the 20-slice T11-T12 JPEG 2000 one)."""
    return request.getfixturevalue(f"{request.param}_volume")  # loaded once per session, read-only (tests/conftest.py)


def _cylinder_canal(volume) -> tuple[np.ndarray, np.ndarray]:
    """A cylinder along z through the volume's centre (a stand-in canal) and that centre (LPS)."""
    lo, hi = volume.bounds_lps
    centre = (lo + hi) / 2
    n_k, n_j, n_i = volume.hu.shape
    j, i = np.indices((n_j, n_i))
    first = volume.to_lps(np.stack([i.ravel(), j.ravel(), np.zeros(i.size)], axis=1).astype(float))[:, :2]
    step = (volume.to_lps([0.0, 0.0, 1.0]) - volume.to_lps([0.0, 0.0, 0.0]))[:2]  # one slice along k
    mask = np.zeros(volume.hu.shape, dtype=bool)
    for k in range(n_k):  # one slice at a time (the whole grid's LPS would be about 1 GB)
        xy = first + k * step
        mask[k] = (np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1]) <= CANAL_RADIUS_MM).reshape(n_j, n_i)
    return mask, centre


@pytest.fixture(scope="module")
def canal(lumbar):
    return _cylinder_canal(lumbar)


@pytest.fixture
def window(qtbot, lumbar, canal):
    w = window_showing(qtbot, lumbar)
    mask, centre = canal
    w.loader.anatomy.cancel()  # the automatic anatomy (its canal, its names) plays no part either
    w.session.set_canal(mask)
    w.corridors.shutdown()  # corridor checks (seconds on this scan) play no part in the drawing
    w.view3d.cancel_surface()  # nor the 3D bone surface (seconds in a thread, waited for on close; issue 15)
    tip = centre + np.array([-4.0, -14.0, 0.0])  # beside the canal: its zone reaches into it
    needle = Needle(tuple(tip + (-45.0, 80.0, 0.0)), tuple(tip), side="right", name="right")
    w.session.stack.push(commands.add_item(needle))
    w.session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
    w.session.stack.push(commands.add_item(Thermocouple(tuple(centre + (40.0, 60.0, 2.0)),
                                                        tuple(centre + (12.0, 0.0, 2.0)))))
    w.state.set_cursor(np.asarray(tip))
    w.selection.select(needle.id)
    w.needle_id = needle.id
    # the canal is prepared in a worker (issue 19); the evaluation with the zone follows it
    qtbot.waitUntil(lambda: not w.session.canal_waiting and w.session.evaluation is not None
                    and bool(w.session.evaluation.analysis.zone_volumes_ml), timeout=120000)
    yield w
    slice_cache.ENABLED = True
    w.close()


def _grab(view) -> bytes:
    image = view.grab().toImage()
    return bytes(image.constBits())


def _uncached(views) -> dict:
    slice_cache.ENABLED = False
    try:
        return {name: _grab(view) for name, view in views.items()}
    finally:
        slice_cache.ENABLED = True


def _views(window) -> dict:
    return {AXIAL: window.views[AXIAL], SAGITTAL: window.views[SAGITTAL], CORONAL: window.views[CORONAL]}


def test_overlap_is_drawn(window, qtbot):
    """The scene exercises the zone ∩ canal fill (else the pixel test below would prove less)."""
    analysis = window.session.evaluation.analysis
    assert analysis.canal_overlap_ml > 0


def test_drag_then_release_draws_the_same_pixels_as_without_caches(window, qtbot):
    views = _views(window)
    axial = views[AXIAL]
    needle = window.session.plan.get(window.needle_id)
    x, y = axial.lps_to_screen(needle.tip_lps)
    mouse(axial, "press", QPointF(x, y))
    step_px = 0.5 * axial.viewport.scale_px_per_mm
    for n in range(1, 9):
        mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
        for view in views.values():
            view.repaint()  # every view draws each step: the caches see many geometries
        if window.frame.pending():
            window.frame.flush()
    mouse(axial, "release", QPointF(x + 8 * step_px, y), button=Qt.LeftButton)
    qtbot.wait(10)
    moved = np.asarray(window.session.plan.get(window.needle_id).tip_lps) - np.asarray(needle.tip_lps)
    assert np.linalg.norm(moved) == pytest.approx(4.0, abs=0.6)  # 8 steps of 0.5 mm
    cached = {name: _grab(view) for name, view in views.items()}
    assert cached == _uncached(views)
    # and the numbers after the release are those of a fresh evaluation of the same plan
    after = window.session.evaluation.analysis
    fresh = window.session.evaluate(corridors=False).analysis
    assert after.canal_overlap_ml == fresh.canal_overlap_ml
    assert after.canal_signed_distance_mm == fresh.canal_signed_distance_mm
    assert after.zone_volumes_ml == fresh.zone_volumes_ml


def _changes(window):
    """Each change and a name; every one must give a different axial image."""
    axial = window.views[AXIAL]
    centre, width = window.state.window
    yield "plane", lambda: axial.step_slices(3)
    yield "window/level", lambda: window.state.set_window(centre + 150.0, width * 0.5)
    yield "slab", lambda: axial.set_slab(12.0)
    shifted = window.session.canal_mask.copy()
    yield "canal", lambda: window.session.set_canal(np.roll(shifted, 6, axis=2))


def test_each_change_gives_a_new_image_equal_to_an_uncached_one(window, qtbot):
    axial = window.views[AXIAL]
    before = _grab(axial)
    for name, change in _changes(window):
        change()
        after = _grab(axial)
        assert after != before, f"the axial image did not change with the {name}"
        assert after == _uncached({AXIAL: axial})[AXIAL], f"cached and uncached differ after the {name}"
        before = after


def test_volume_change_drops_the_ct_image(window, qtbot, lumbar):
    axial = window.views[AXIAL]
    _grab(axial)
    builds = axial._ct.builds
    _grab(axial)
    assert axial._ct.builds == builds  # a repaint with nothing changed reuses the image
    brighter = type(lumbar)(np.clip(lumbar.hu.astype(np.int32) + 300, -1024, 3071).astype(np.int16),
                            lumbar.spacing_mm, lumbar.origin_lps, lumbar.direction, lumbar.info)
    before = _grab(axial)
    window.set_volume(brighter)
    after = _grab(axial)
    assert axial._ct.builds > builds
    assert after != before
    assert after == _uncached({AXIAL: axial})[AXIAL]


def test_lru_keeps_one_entry_per_view_and_evicts_the_oldest():
    rasters = slice_cache.SliceRasters(capacity=2)
    built = []
    for key in ("a", "b", "a", "c", "b"):
        rasters.get(key, lambda key=key: built.append(key) or key)
    # a, b built; a hit; c built (evicts b, the least recently used); b built again
    assert built == ["a", "b", "c", "b"]
    assert rasters.hits == 1 and len(rasters) == 2
