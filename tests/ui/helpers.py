"""Helpers for driving the real widgets with real Qt events (pytest-qt has no wheel helper)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from planner.core.volume import ImageVolume, SeriesInfo


def wheel(widget, steps: int = 1, pos: QPointF | None = None, modifiers=Qt.NoModifier) -> None:
    pos = pos or QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps),
        Qt.NoButton, modifiers, Qt.NoScrollPhase, False,
    )
    QApplication.sendEvent(widget, event)


def mouse(widget, kind, pos: QPointF, button=Qt.LeftButton, buttons=None) -> None:
    types = {"press": QMouseEvent.MouseButtonPress, "move": QMouseEvent.MouseMove,
             "release": QMouseEvent.MouseButtonRelease}
    held = buttons if buttons is not None else (button if kind != "release" else Qt.NoButton)
    event = QMouseEvent(
        types[kind], pos, widget.mapToGlobal(pos), button if kind != "move" else Qt.NoButton,
        held, Qt.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def grab_bytes(widget) -> bytes:
    """The pixels ``widget`` paints now, as bytes (issue 15).

    The ``QImage`` is held in a local while its bytes are copied: PySide6's ``constBits()`` is a
    ``memoryview`` that does not own the image (``memoryview.obj`` is None), so
    ``bytes(widget.grab().toImage().constBits())`` reads the buffer after the temporary image was freed,
    and the allocator's bookkeeping overwrites its first bytes (by how much depends on what ran before:
    the order-dependent T11-T12 failure of tests/ui/test_drag_needle_views.py)."""
    image = widget.grab().toImage()
    data = bytes(image.constBits())
    del image
    return data


def click(widget, pos: QPointF) -> None:
    mouse(widget, "press", pos)
    mouse(widget, "release", pos)


def marker_volume(direction=np.diag([-1.0, -1.0, 1.0]), spacing=(0.8, 0.8, 2.0),
                  origin=(60.0, 40.0, -30.0), marker_ijk=(20, 30, 12)) -> tuple[ImageVolume, np.ndarray]:
    """A 64 x 56 x 24 volume (i, j, k) of soft tissue with a 3-voxel bone marker; returns it and the
    marker's LPS centre. The default direction is a prone patient's (rows to the right, columns to
    anterior)."""
    hu = np.full((24, 56, 64), 40, dtype=np.int16)
    hu[:, :, :4] = -1000  # air on one side, so sides are distinguishable
    i, j, k = marker_ijk
    hu[k - 1:k + 2, j - 1:j + 2, i - 1:i + 2] = 1200
    hu[k, j, i] = 1500
    volume = ImageVolume(hu, spacing, origin, direction, SeriesInfo(series_description="marker phantom"))
    return volume, volume.to_lps(np.array(marker_ijk, dtype=float))


def empty_window(qtbot, size=(1200, 850)):
    """A shown, exposed main window with no case open and its loader quiet (no dialogs)."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(*size)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    return w


def window_opened(qtbot, path, size=(1200, 850), timeout_ms: int = 60000):
    """:func:`empty_window` with the series at ``path`` opened through the app (as a user would) and its
    canal found; closing it never asks about unsaved changes."""
    w = empty_window(qtbot, size)
    w.plan_files.confirm_close = lambda: True
    with qtbot.waitSignal(w.loader.canal_ready, timeout=timeout_ms):
        w.open_path(path)
    return w


def window_showing(qtbot, volume, size=(1200, 850)):
    """A shown, exposed main window with ``volume`` open and its loader quiet (no dialogs). Background
    work (corridor checks, the automatic anatomy, the 3D bone surface) still starts: a test stops what
    would land between its grabs (``w.corridors.shutdown()``, ``w.loader.anatomy.cancel()``,
    ``w.view3d.cancel_surface()``)."""
    w = empty_window(qtbot, size)
    w.set_volume(volume)
    return w
