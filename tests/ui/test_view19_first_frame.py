"""Issue 19 on the real lumbar scan: the 3D camera's first framing of the spine centres on the spine's
height, not on the field of view's middle where the crosshair started (the crosshair is moved onto the
canal before the canal's arrival frames the camera), and follows the crosshair onto the named vertebra
while nobody has moved the camera.

Expected heights: :func:`planner.anatomy.focus.spine_focus_lps` of the canal (the canal's middle axial
slice) and the crosshair's own position, each clamped by :func:`planner.render.camera_fit.spine_window`'s
rule (a 130 mm window kept inside the spine's box)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from planner.anatomy.focus import spine_focus_lps
from planner.render.camera_fit import SPINE_FRAME_SPAN_MM
from planner.ui.view_fit import spine_box_lps

pytestmark = pytest.mark.gui


def _wait(qapp, condition, timeout_s: float = 240.0) -> bool:
    end = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < end:
        qapp.processEvents()
        time.sleep(0.01)
    return condition()


def _focal_z(w) -> float:
    return float(w.view3d.scene.renderer.GetActiveCamera().GetFocalPoint()[2])


def _clamped(z: float, lo_z: float, hi_z: float) -> float:
    if hi_z - lo_z <= SPINE_FRAME_SPAN_MM:
        return (lo_z + hi_z) / 2  # a short spine is framed whole
    return min(max(z, lo_z + SPINE_FRAME_SPAN_MM / 2), hi_z - SPINE_FRAME_SPAN_MM / 2)


@pytest.fixture(scope="module")
def lumbar(qapp, lumbar_ct_dir):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.loader.quiet = True
    w.resize(1300, 850)
    w.show()
    seen = {}

    def on_canal():  # the camera as the canal's arrival left it, and the crosshair then
        seen["focal_z"] = _focal_z(w)
        seen["cursor"] = np.array(w.state.cursor_lps, float)
        seen["untouched"] = w.view3d.camera_untouched() or w.view3d.camera_pending
    w.loader.canal_ready.connect(on_canal)
    done = []
    w.loader.anatomy.done.connect(lambda: done.append(True))
    w.open_path(lumbar_ct_dir)
    assert _wait(qapp, lambda: bool(done) and "focal_z" in seen and not w.loader.anatomy.is_busy()
                 and not w.view3d.camera_pending), "the lumbar scan's anatomy or bone surface did not arrive"
    qapp.processEvents()
    yield w, seen
    w.close()
    w.deleteLater()
    qapp.processEvents()


def test_the_first_framing_centres_on_the_spine(lumbar):
    w, seen = lumbar
    volume, canal = w.session.volume, w.session.canal_mask
    focus = spine_focus_lps(volume, canal)
    lo, hi = spine_box_lps(volume, canal)
    np.testing.assert_allclose(seen["cursor"], focus, atol=1e-6)  # the crosshair was on the canal
    assert seen["focal_z"] == pytest.approx(_clamped(focus[2], lo[2], hi[2]), abs=1e-6)
    # (on this scan the canal fills every slice, so its middle slice is the field of view's middle:
    # the order matters on a canal that covers part of the field, test_the_crosshair_moves_onto_the_canal_before_...)


def test_the_framing_follows_the_crosshair_onto_the_named_vertebra(lumbar):
    w, _seen = lumbar
    lo, hi = spine_box_lps(w.session.volume, w.session.canal_mask)
    cursor_z = float(w.state.cursor_lps[2])
    named = [v for v in w.session.anatomy.ready_spine().vertebrae if v.name]
    assert named and min(abs(v.body_centre_lps[2] - cursor_z) for v in named) < 3.0  # on a body's centre
    assert _focal_z(w) == pytest.approx(_clamped(cursor_z, lo[2], hi[2]), abs=1e-6)
    assert w.view3d.camera_untouched()


def test_the_crosshair_moves_onto_the_canal_before_the_canal_frames_the_camera(qapp):
    """A 450 mm field whose canal lies in its upper 240 mm only: the first framing is at the canal's
    height (before the fix it was the field's middle: 55 mm lower, once kept inside the spine's box)."""
    from planner.core.volume import ImageVolume, SeriesInfo
    from planner.ui.main_window import MainWindow

    hu = np.full((150, 64, 64), 40, dtype=np.int16)
    hu[:, 20:44, 20:44] = 900
    volume = ImageVolume(hu, (2.0, 2.0, 3.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo(series_description="column"))
    canal = np.zeros(hu.shape, dtype=bool)
    canal[70:150, 28:36, 28:36] = True
    w = MainWindow()
    w.loader.quiet = True
    w.show()
    try:
        w.set_volume(volume)
        start_z = float(w.state.cursor_lps[2])
        w.loader.apply_canal(volume, canal)
        focus = spine_focus_lps(volume, canal)
        lo, hi = spine_box_lps(volume, canal)
        np.testing.assert_allclose(w.state.cursor_lps, focus, atol=1e-6)
        assert _focal_z(w) == pytest.approx(_clamped(focus[2], lo[2], hi[2]), abs=1e-6)
        assert abs(_focal_z(w) - _clamped(start_z, lo[2], hi[2])) > 50.0  # not the field's middle
    finally:
        w.close()
        w.deleteLater()
        qapp.processEvents()
