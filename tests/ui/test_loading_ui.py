"""Loading through the window: cancel keeps the open case, failures say why, drag-and-drop opens,
warnings reach the findings panel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from planner.core.resources import sample_series_dir
from planner.core.volume import ImageVolume
from planner.imaging import write_series

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series_dir())
    yield w
    w.close()


@pytest.fixture(scope="module")
def big_series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    hu = np.random.default_rng(0).integers(-1000, 1500, (160, 512, 512)).astype(np.int16)
    write_series(ImageVolume(hu, (0.7, 0.7, 1.0), (0, 0, 0)), folder)
    return folder


def test_cancel_keeps_the_open_case(window, qtbot, big_series):
    before = window.volume
    with qtbot.waitSignal(window.loader.cancelled, timeout=30000):
        window.open_path(big_series)
        window.loader.cancel()
    assert window.volume is before and window.session.volume is before
    assert window.volume.shape_ijk == (256, 256, 104)


def test_a_folder_without_images_fails_in_words_and_keeps_the_case(window, qtbot, tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    before = window.volume
    with qtbot.waitSignal(window.loader.failed, timeout=30000) as blocker:
        window.open_path(tmp_path)
    assert "no" in blocker.args[0].lower() and str(tmp_path) in blocker.args[0]
    assert window.volume is before


def test_drag_and_drop_of_a_folder_opens_it(window, qtbot, tmp_path):
    hu = np.full((6, 40, 50), 30, np.int16)
    write_series(ImageVolume(hu, (1.0, 1.0, 2.0), (0, 0, 0)), tmp_path / "dropped")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped"))])
    # Qt delivers drop events only inside a real drag session, so the handlers are called directly.
    enter = QDragEnterEvent(QPoint(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(100, 100), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(window.loader.loaded, timeout=30000):
        window.dropEvent(event)
    assert window.volume.shape_ijk == (50, 40, 6)


def test_loader_warnings_are_findings(window, qtbot, tmp_path):
    hu = np.full((8, 30, 30), 30, np.int16)
    write_series(ImageVolume(hu, (1.0, 1.0, 2.0), (0, 0, 0)), tmp_path / "thick", slice_thickness_mm=5.0)
    with qtbot.waitSignal(window.loader.loaded, timeout=30000):
        window.open_path(tmp_path / "thick")
    assert window.volume.warnings
    window.session.evaluate()
    assert "series_warning" in window.findings.codes()


def test_a_load_that_finishes_after_the_window_closed_starts_nothing(qtbot):
    """The screenshot run on the T11-T12 scan aborted ('QThread: Destroyed while thread is still
    running'): a modal box held the load open past close, then the canal job started on a closed window."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    w.close()
    volume = ImageVolume(np.full((6, 40, 50), 30, np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0))
    w.loader._on_volume(volume)  # the worker's finished signal, arriving after the close
    w.loader.start_canal(volume)
    assert w.loader.canal_worker is None
    assert w.session.volume is None
