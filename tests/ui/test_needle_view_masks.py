"""Issue 15: the needle-aligned views reslice the canal mask only over its voxel box, in one VTK thread
when the slice is small; what they draw (while dragging and after the release) is what they draw with
every cache and shortcut off (``slice_cache.ENABLED = False``: the whole plane resliced).

On the shared lumbar CT with its automatic canal (tests/conftest.py ``lumbar_canal``), a needle
beside the canal; skips when the scan is absent.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.geometry.needle_planes import ALONG_SIDE
from planner.plan import commands
from planner.plan.items import Antenna, Needle
from planner.ui import slice_cache
from planner.ui.plan_overlays import MaskOverlay
from tests.ui.helpers import grab_bytes, mouse, window_showing

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


@pytest.fixture
def window(qtbot, lumbar_volume, lumbar_canal):
    w = window_showing(qtbot, lumbar_volume)
    w.corridors.shutdown()  # corridor checks (seconds) play no part in the drawing
    w.loader.anatomy.cancel()  # nor the automatic anatomy's names
    w.view3d.cancel_surface()
    canal = np.array(lumbar_canal.mask)  # read-only in the fixture: the session gets a copy
    w.session.set_canal(canal)
    k_mid = int(np.median(np.nonzero(canal.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(canal[k_mid])
    centre = lumbar_volume.to_lps([float(i.mean()), float(j.mean()), float(k_mid)])
    tip = centre + np.array([-8.0, -20.0, 0.0])  # in front of the canal: the views cut it
    needle = Needle(tuple(tip + (-45.0, 80.0, 0.0)), tuple(tip), side="right", name="right")
    w.session.stack.push(commands.add_item(needle))
    w.session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
    w.state.set_cursor(np.asarray(tip))
    w.selection.select(needle.id)
    w.set_layout("needle")
    qtbot.waitUntil(lambda: not w.session.canal_waiting and w.session.evaluation is not None, timeout=120000)
    w.needle_id = needle.id
    yield w
    slice_cache.ENABLED = True
    w.close()


def _uncached(view) -> bytes:
    view._ct.clear()
    slice_cache.ENABLED = False
    try:
        return grab_bytes(view)
    finally:
        slice_cache.ENABLED = True


def _canal_overlay(window) -> MaskOverlay:
    return next(o for o in window.needle_views[ALONG_SIDE].overlays if isinstance(o, MaskOverlay)
                and o.get_mask() is window.session.canal_mask)


def test_needle_views_draw_the_canal_as_without_the_box(window, qtbot):
    views = list(window.needle_views.values())
    canal = _canal_overlay(window)
    side = window.needle_views[ALONG_SIDE]
    x, y = side.lps_to_screen(window.session.plan.get(window.needle_id).tip_lps)
    mouse(side, "press", QPointF(x, y))
    qtbot.wait(1)
    cut = 0
    for _ in range(3):  # while dragging: draft slices, each compared with its uncached drawing
        x, y = side.lps_to_screen(window.session.plan.get(window.needle_id).tip_lps)
        mouse(side, "move", QPointF(x + 0.5 * side.viewport.scale_px_per_mm, y), buttons=Qt.LeftButton)
        QApplication.processEvents()
        if window.frame.pending():
            window.frame.flush()
        for v in views:
            sl = v.current_slice()
            shown = grab_bytes(v)
            c0, c1, r0, r1, _, _ = canal._reslicer._reslice.GetOutputExtent()
            cut += (c1 - c0 + 1) * (r1 - r0 + 1) < sl.pixels.size  # resliced over the box only
            assert canal._mask_slice(v, sl).any(), f"the canal is not on the {v.source.title} view"
            assert shown == _uncached(v), f"the {v.source.title} view differs from its uncached drawing"
    assert cut > 0
    mouse(side, "release", QPointF(x, y), button=Qt.LeftButton)
    qtbot.wait(50)
    for v in views:  # after the release: full-resolution slices
        shown = grab_bytes(v)
        assert shown == _uncached(v), f"the {v.source.title} view after the release differs"
