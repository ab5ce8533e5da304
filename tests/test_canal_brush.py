"""The canal brush paints and erases balls of the chosen radius and undoes a stroke exactly."""

import numpy as np

from planner.core.volume import ImageVolume
from planner.session.canal_tools import CanalBrushTool
from planner.session.session import PlanningSession


def _session():
    volume = ImageVolume(np.zeros((30, 40, 50), np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0), np.diag([-1.0, -1.0, 1.0]))
    s = PlanningSession()
    s.set_volume(volume)
    s.set_canal(np.zeros(volume.hu.shape, bool))
    return s, volume


def test_paint_then_erase_then_undo():
    s, volume = _session()
    brush = CanalBrushTool(s, "paint", radius_mm=4.0)
    centre = volume.to_lps([25, 20, 15])
    assert brush.press(centre, "left") and brush.release(centre, "left")
    painted = s.canal_mask.copy()
    # a 4 mm ball on 1 x 1 x 2 mm voxels holds about 4/3 pi 64 / 2 = 134 voxels
    assert abs(painted.sum() - 4 / 3 * np.pi * 64 / 2) < 20
    k, j, i = np.nonzero(painted)
    assert np.allclose(volume.to_lps(np.stack([i, j, k], 1).mean(0)), centre, atol=0.3)
    eraser = CanalBrushTool(s, "erase", radius_mm=2.0)
    eraser.press(centre, "left")
    eraser.move(centre + [0.5, 0, 0], "left")
    eraser.release(centre, "left")
    assert s.canal_mask.sum() < painted.sum()
    assert eraser.undo_stroke()
    assert np.array_equal(s.canal_mask, painted)
    assert brush.undo_stroke()
    assert not s.canal_mask.any()


def test_brush_without_a_canal_does_nothing():
    s, volume = _session()
    s.set_canal(None)
    assert not CanalBrushTool(s).press(volume.to_lps([5, 5, 5]), "left")


def test_shared_history_undoes_the_latest_stroke_of_either_brush():
    s, volume = _session()
    history = []
    paint = CanalBrushTool(s, "paint", 4.0, history)
    erase = CanalBrushTool(s, "erase", 2.0, history)
    c = volume.to_lps([25, 20, 15])
    paint.press(c, "left"), paint.release(c, "left")
    after_paint = s.canal_mask.copy()
    erase.press(c, "left"), erase.release(c, "left")
    assert paint.undo_stroke()  # takes back the erase, the latest stroke
    assert np.array_equal(s.canal_mask, after_paint)
