"""The Qt binding must not lose references to None: PySide6 6.12.0 drops one on every call of a method
that returns nothing (QPainter.setPen, drawRect, save, ...), and the app then aborts with
"Fatal Python error: none_dealloc" after a few hundred repaints of the views (a needle drag of a few
seconds). pyproject.toml keeps such versions out; this test fails if one is installed."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.gui


def _none_refs_lost_per_call(fn, calls: int = 2000) -> float:
    before = sys.getrefcount(None)
    for _ in range(calls):
        fn()
    return (before - sys.getrefcount(None)) / calls


def test_void_qpainter_calls_keep_none_alive(qapp):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(64, 64, QImage.Format_RGB32)
    painter = QPainter(image)
    try:
        lost = _none_refs_lost_per_call(lambda: (painter.setPen(QColor(1, 2, 3)), painter.drawRect(QRectF(0, 0, 5, 5))))
    finally:
        painter.end()
    assert lost < 0.5, f"the Qt binding loses {lost:.2f} references to None per call (PySide6 6.12.0 bug)"


def test_a_view_repaint_keeps_none_alive(qtbot):
    """The real thing: repainting a slice view (image, crosshair, annotations)."""
    import numpy as np

    from planner.core.volume import ImageVolume
    from planner.geometry.planes import AXIAL
    from planner.session.view_state import ViewState
    from planner.ui.slice_view import SliceView

    view = SliceView(AXIAL, ViewState())
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show()
    view.set_volume(ImageVolume(np.zeros((8, 32, 32), np.int16), (1.0, 1.0, 2.0), (0.0, 0.0, 0.0)))
    view.repaint()
    lost = _none_refs_lost_per_call(view.repaint, calls=200)
    assert lost < 0.5, f"a repaint loses {lost:.1f} references to None"
