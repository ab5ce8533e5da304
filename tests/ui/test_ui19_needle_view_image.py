"""Issue 19 (brief ui19, item 2): in the needle-aligned views the level names were placed where the view
shows no image, in the empty background around the oblique plane's section of the CT volume. Each name
must lie wholly on the image, and so must the body centre it names: checked here with the view's own
mapping (``screen_to_plane``, ``screen_to_lps``, one point at a time), the displayed slice's pixels
(``extent_mm``: a needle view shows a patch of its plane) and the volume's grid (voxel centres
0 .. n-1, the image reaching half a voxel beyond them).

The T11-T12 scan is short (its head-feet extent is about two vertebrae), so in a needle view the image is
a band across the view with background above and below it, and a name sliding along the spine to get
off the tips and zones ran off the band. The case: the scan's reference plan (its T12 needle with an
antenna), the automatic vertebrae, the needle layout; and the lumbar two-needle plan of
tests/ui/test_labels_lumbar_plan.py as well (a tall scan, its names were on the image already).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from tests.ui.test_labels_lumbar_plan import planned  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]
T11_PLAN = Path(__file__).resolve().parents[2] / "resources/training/t11-t12/t12-right-transpedicular.plan.json"


def _point_on_image(view, volume, x, y) -> bool:
    sl = view.current_slice()
    a, b = view.viewport.screen_to_plane(x, y)
    a_lo, a_hi, b_lo, b_hi = sl.extent_mm
    if not (a_lo <= a <= a_hi and b_lo <= b <= b_hi):
        return False  # off the slice's pixels
    ijk = volume.to_ijk(view.screen_to_lps(x, y))
    return not (np.any(ijk < -0.5) or np.any(ijk > np.asarray(volume.shape_ijk, float) - 0.5))


def _on_image(view, volume, rect) -> bool:
    x0, y0, x1, y1 = rect
    return all(_point_on_image(view, volume, x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)))


def _check(w, zoom: float = 1.0) -> int:
    """Names laid out in each needle view of each needle, the views zoomed by ``zoom`` (as the wheel
    does: the scale times ``zoom`` about the view's centre)."""
    named = 0
    try:
        w.set_layout("needle")
        for needle in w.session.plan.needles:
            w.selection.select(needle.id)
            QApplication.processEvents()
            for view in w.needle_views.values():
                view.viewport.scale_px_per_mm *= zoom
                for p in w.level_labels.overlay.layout(view, view.current_slice()):
                    assert _on_image(view, w.session.volume, p.rect), (needle.name, view.objectName(), p)
                    assert _point_on_image(view, w.session.volume, *p.anchor), (needle.name, view.objectName(), p)
                    named += 1
                view.viewport.scale_px_per_mm /= zoom
    finally:
        w.set_layout("four_up")
        w.selection.select(None)
        QApplication.processEvents()
    return named


@pytest.fixture(scope="module")
def t11_planned(qapp, t11_t12_volume, t11_t12_canal, t11_t12_spine):
    from planner.plan.io import read_plan
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.loader.quiet = True
    w.set_volume(t11_t12_volume)
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    w.corridors.shutdown()
    session = w.session
    session.set_canal(t11_t12_canal.mask.copy())
    session.anatomy.body()
    session.anatomy.set_spine(t11_t12_spine)
    session.open_plan(read_plan(T11_PLAN))
    session.evaluate(corridors=False)
    w.level_labels._on_vertebrae(t11_t12_spine)
    w.state.set_cursor(session.plan.needles[0].tip_lps)
    QApplication.processEvents()
    yield w
    w.plan_files.confirm_close = lambda: True
    w.close()
    w.deleteLater()
    qapp.processEvents()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


@pytest.mark.parametrize("zoom", [1.0, 0.5, 0.3])
def test_t11_needle_view_names_lie_on_the_image(t11_planned, zoom):
    assert _check(t11_planned, zoom) >= 1


@pytest.mark.parametrize("zoom", [1.0, 0.3])
def test_lumbar_needle_view_names_lie_on_the_image(planned, zoom):  # noqa: F811
    assert _check(planned, zoom) >= 3
