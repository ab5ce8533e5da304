"""The first crosshair on a new scan goes onto the spine (issue 19): the canal's centroid on its middle slice."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.focus import spine_focus_lps
from planner.core.volume import ImageVolume


def test_focus_is_the_canal_centre_on_its_middle_slice():
    # a canal: a 5 x 7 voxel rectangle centred at (i, j) = (30, 12) on slices 4..16 of a 40x50x20 grid
    volume = ImageVolume(np.zeros((20, 50, 40), np.int16), (0.5, 0.5, 2.0), (-10.0, 5.0, 100.0))
    canal = np.zeros(volume.hu.shape, bool)
    canal[4:17, 9:16, 28:33] = True
    focus = spine_focus_lps(volume, canal)
    # middle of slices 4..16 is 10; centre voxel (30, 12): LPS = origin + (i, j, k) * spacing (identity direction)
    assert focus == pytest.approx([-10.0 + 30 * 0.5, 5.0 + 12 * 0.5, 100.0 + 10 * 2.0])


def test_no_canal_no_focus():
    volume = ImageVolume(np.zeros((4, 5, 6), np.int16), (1, 1, 1), (0, 0, 0))
    assert spine_focus_lps(volume, None) is None
    assert spine_focus_lps(volume, np.zeros(volume.hu.shape, bool)) is None


@pytest.mark.gui
def test_the_window_moves_the_crosshair_onto_the_canal_once_found(qtbot, sample_series):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series)
    ijk = np.round(w.volume.to_ijk(w.state.cursor_lps)).astype(int)
    assert w.session.canal_mask[ijk[2], ijk[1], ijk[0]]
    w.close()
