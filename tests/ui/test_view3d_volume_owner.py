"""Issue 14, one current volume: the 3D view asks the session for it rather than keeping its own."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.volume import ImageVolume

pytestmark = pytest.mark.gui


def _volume(value: int) -> ImageVolume:
    return ImageVolume(np.full((6, 24, 20), value, np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0))


def test_the_windows_3d_view_reads_the_sessions_volume(qtbot):
    from planner.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.view3d.volume is None
    first, second = _volume(30), _volume(40)
    window.set_volume(first)
    assert window.view3d.volume is window.session.volume is first
    window.set_volume(second)
    assert window.view3d.volume is second  # follows the one owner; no second reference to the old case
    assert "volume" not in vars(window.view3d)  # no attribute of its own shadows the provider
    window.close()


def test_a_3d_view_refuses_a_volume_that_is_not_its_providers(qtbot):
    from planner.ui.view3d import View3D

    owner = {"volume": _volume(30)}
    view = View3D(volume_provider=lambda: owner["volume"])
    qtbot.addWidget(view)
    with pytest.raises(ValueError, match="session's current volume"):
        view.set_volume(_volume(50))
    assert view.volume is owner["volume"]
    view.shutdown()


def test_a_3d_view_on_its_own_keeps_the_volume_it_is_given(qtbot):
    from planner.ui.view3d import View3D

    view = View3D()
    qtbot.addWidget(view)
    volume = _volume(30)
    view.set_volume(volume)
    assert view.volume is volume
    view.set_volume(None)
    assert view.volume is None
    view.shutdown()  # the surface build the first volume started is stopped before the widget goes
