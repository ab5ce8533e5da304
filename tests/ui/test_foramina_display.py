"""The neural foramina in the window (issue 13): drawn in the 2D views in their own colour, as a 3D
surface, hidden by the View-menu toggle. Geometry: the synthetic pedicle spine of
tests/analysis/test_foramina_beyond.py (left foramen at x 7-18 mm, z 12-30 mm; +x = patient's left)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from planner.core import palette
from planner.geometry.planes import AXIAL
from planner.ui.main_window import MainWindow
from tests.analysis.test_foramina_beyond import _spine_with_pedicles

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.resize(1000, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _foramen_pixels(view, lps) -> tuple[int, int, int]:
    x, y = view.lps_to_screen(lps)
    return QColor(view.grab().toImage().pixel(int(round(x)), int(round(y)))).getRgb()[:3]


def test_foramina_are_drawn_in_2d_and_3d_and_the_toggle_hides_them(window, qtbot):
    volume, canal = _spine_with_pedicles()
    with qtbot.waitSignal(window.view3d.surface_ready, timeout=60000):
        window.set_volume(volume)
    with qtbot.waitSignal(window.session.evaluated, timeout=30000, check_params_cb=lambda ev: ev.complete):
        window.session.set_canal(canal)  # the worker finds the foramina, then the evaluation is complete
    display = window.foramina_display
    assert window.session.foramen_mask is not None
    qtbot.waitUntil(lambda: display.surface.triangle_count > 0, timeout=30000)  # built in a worker (issue 19)
    assert display.surface.actor.GetVisibility()
    axial = window.views[AXIAL]
    window.state.set_cursor(np.array([0.0, 0.0, 20.0]))  # a foramen slice (z 12-30 mm)
    qtbot.wait(50)
    inside = np.array([12.5, 0.0, 20.0])  # fat beside the canal, inside the left foramen
    shown = np.array(_foramen_pixels(axial, inside), float)
    assert display.action is not None and display.action.isChecked()
    display.action.trigger()  # hide
    qtbot.wait(50)
    hidden = np.array(_foramen_pixels(axial, inside), float)
    assert not display.surface.actor.GetVisibility()
    # shown, the pixel is tinted toward the foramen colour: nearer to it than the bare CT pixel
    target = np.array(palette.FORAMEN, float)
    assert np.linalg.norm(shown - target) < np.linalg.norm(hidden - target) - 5
    display.action.trigger()  # show again
    assert display.surface.actor.GetVisibility()
