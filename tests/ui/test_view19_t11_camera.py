"""The 3D view frames the spine of the 38 mm T11-T12 slab sensibly after load (issue 19).

Checked against an independent reference: the T11 and T12 vertebrae of the machine-made labels beside
the scan (TotalSegmentator, SOURCE.txt: T12 = 32, T11 = 33), their voxels' LPS box projected with VTK's
own world-to-view transform of the 3D view's camera. "Sensibly": the two vertebrae are wholly in view
(not cut off) and span at least a third of the view's width or height (not a thin strip far away: before
the fix, a bone surface in before the canal was framed on the whole body, 350 mm wide with the arms, and
the two vertebrae spanned a tenth of the view).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.render.camera_fit import box_corners

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
T12_LABEL, T11_LABEL = 32, 33
MIN_SPAN = 1 / 3  # of the view's width or height


@pytest.fixture(scope="module")
def vertebrae_box(t11_t12_ct_dir):
    from planner.imaging import load_path

    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(np.isin(seg.hu, (T11_LABEL, T12_LABEL)))
    lps = seg.to_lps(kji[:, ::-1].astype(float))
    return lps.min(axis=0), lps.max(axis=0)


def _extent(view3d, lo, hi):
    """(min x, max x, min y, max y) of the box's corners in view coordinates ([-1, 1] across the view)."""
    renderer = view3d.scene.renderer
    points = []
    for corner in box_corners(lo, hi):
        renderer.SetWorldPoint(*corner, 1.0)
        renderer.WorldToView()
        points.append(renderer.GetViewPoint()[:2])
    p = np.array(points)
    return p[:, 0].min(), p[:, 0].max(), p[:, 1].min(), p[:, 1].max()


def _check(view3d, box):
    x0, x1, y0, y1 = _extent(view3d, *box)
    assert -1.0 <= x0 and x1 <= 1.0 and -1.0 <= y0 and y1 <= 1.0, (x0, x1, y0, y1)  # not cut off
    assert max((x1 - x0) / 2, (y1 - y0) / 2) >= MIN_SPAN, (x0, x1, y0, y1)  # not a thin strip


@pytest.mark.parametrize("first", ["canal", "surface"])
def test_t11_t12_spine_fills_the_3d_view_whatever_arrives_first(qtbot, t11_t12_volume, t11_t12_canal,
                                                                 vertebrae_box, first):
    from tests.ui.helpers import window_showing

    w = window_showing(qtbot, t11_t12_volume, size=(1500, 950))
    try:
        w.corridors.shutdown()
        w.loader.anatomy.cancel()
        if first == "canal":
            w.session.set_canal(t11_t12_canal.mask.copy())
        with qtbot.waitSignal(w.view3d.surface_ready, timeout=120000):
            pass
        QApplication.processEvents()
        _check(w.view3d, vertebrae_box)  # what the user sees when the bone surface comes in
        if first == "surface":
            w.session.set_canal(t11_t12_canal.mask.copy())
            QApplication.processEvents()
            _check(w.view3d, vertebrae_box)
    finally:
        w.close()
