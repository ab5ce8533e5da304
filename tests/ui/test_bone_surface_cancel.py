"""The bone surface's build has progress and Cancel in the status bar (issue 19), on the shared lumbar
scan (a build of seconds): Cancel returns at once while the worker finishes its stage in the
background, the cancelled surface is never applied, and the 3D view stays usable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from tests.ui.helpers import marker_volume

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def lumbar(lumbar_volume):
    return lumbar_volume  # loaded once per session, read-only (tests/conftest.py)


@pytest.fixture
def window(qtbot):
    from planner.ui.bone_surface_status import BoneSurfaceStatus
    from planner.ui.view3d import View3D

    main = QMainWindow()
    view = View3D()
    main.setCentralWidget(view)
    status = BoneSurfaceStatus(view, main.statusBar())
    qtbot.addWidget(main)
    main.resize(500, 400)
    main.show()
    qtbot.waitExposed(main)
    yield main, view, status
    view.shutdown()


def test_cancel_in_the_status_bar_drops_the_surface_and_the_view_stays_usable(qtbot, window, lumbar):
    main, view, status = window
    assert status.isHidden()
    ready, fractions = [], []
    view.surface_ready.connect(lambda: ready.append(True))
    view.surface_progress.connect(fractions.append)
    messages = []
    view.message.connect(messages.append)

    view.set_volume(lumbar)
    assert view.is_surface_busy() and status.isVisible() and status.cancel.isVisible()
    assert view.progress.isHidden()  # one bar for the build: the status bar's (the toolbar's was cut off)
    qtbot.waitUntil(lambda: bool(fractions), timeout=60000)  # the worker is under way (isosurface next)
    qtbot.mouseClick(status.cancel, Qt.LeftButton)

    # at once: nothing busy, the status hidden, the worker still finishing its stage in the background
    assert not view.is_surface_busy() and status.isHidden()
    assert any(thread.isRunning() for thread, _worker in view._retired)
    assert messages and "cancelled" in messages[-1]
    qtbot.waitUntil(lambda: not view._retired, timeout=60000)
    qtbot.wait(50)
    assert not ready and view.scene.bone_actor is None  # the cancelled surface never arrived

    # the view is usable: presets render, and the next surface is built and shown
    view.camera_preset("L")
    assert view.image_array().shape[2] == 3
    volume, _marker = marker_volume()
    with qtbot.waitSignal(view.surface_ready, timeout=30000):
        view.set_volume(volume)
    assert view.scene.bone_actor is not None and view.scene.bone_triangle_count() > 0
    assert status.isHidden() and not view.is_surface_busy()
    assert not view.cancel_surface()  # nothing left to cancel


def test_a_new_threshold_supersedes_the_build_without_waiting(qtbot, window):
    _main, view, status = window
    volume, _marker = marker_volume()
    surfaces = []
    view.surface_ready.connect(lambda: surfaces.append(view.scene.bone_triangle_count()))
    view.set_volume(volume)
    view.threshold.setValue(view.threshold.value() + 50)
    view.rebuild_surface()  # the first build is cancelled, not waited for
    qtbot.waitUntil(lambda: bool(surfaces) and not view.is_surface_busy(), timeout=30000)
    qtbot.waitUntil(lambda: not view._retired, timeout=30000)
    assert len(surfaces) == 1 and status.isHidden()
