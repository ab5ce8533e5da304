"""Issue 19: the 3D camera's first framing of the spine centres on the spine's height, not on the field
of view's middle where the crosshair started: the crosshair is moved onto the canal before the canal's
arrival frames the camera. (On the real lumbar scan the canal fills every slice, so both heights are
one slice; there the framing following the crosshair onto the named vertebra is checked, in
tests/ui/test_auto_levels.py, with that module's window.)

Expected height: :func:`planner.anatomy.focus.spine_focus_lps` of the canal (the canal's middle axial
slice), clamped by :func:`planner.render.camera_fit.spine_window`'s rule (a 130 mm window kept inside
the spine's box)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.focus import spine_focus_lps
from planner.render.camera_fit import SPINE_FRAME_SPAN_MM
from planner.ui.view_fit import spine_box_lps

pytestmark = pytest.mark.gui


def _focal_z(w) -> float:
    return float(w.view3d.scene.renderer.GetActiveCamera().GetFocalPoint()[2])


def _clamped(z: float, lo_z: float, hi_z: float) -> float:
    if hi_z - lo_z <= SPINE_FRAME_SPAN_MM:
        return (lo_z + hi_z) / 2  # a short spine is framed whole
    return min(max(z, lo_z + SPINE_FRAME_SPAN_MM / 2), hi_z - SPINE_FRAME_SPAN_MM / 2)


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
