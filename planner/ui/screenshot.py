"""Whole-window screenshots that include the VTK view (Qt's grab() cannot read VTK's pixels)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter, QPixmap


def window_pixmap(window) -> QPixmap:
    """Grab the window with Qt and paste the 3D view's own rendering over its area."""
    pixmap = window.grab()
    view3d = getattr(window, "view3d", None)
    if view3d is not None and view3d.isVisible():
        arr = view3d.image_array()
        h, w, _ = arr.shape
        img = QImage(arr.data, w, h, 3 * w, QImage.Format_RGB888).copy()
        widget = view3d.vtk_widget
        top_left = widget.mapTo(window, QPoint(0, 0))
        dpr = pixmap.devicePixelRatio()
        painter = QPainter(pixmap)
        target = widget.rect().translated(top_left)
        painter.drawImage(target, img.scaled(int(target.width() * dpr), int(target.height() * dpr)))
        painter.end()
    return pixmap


def pixmap_bytes(pixmap: QPixmap) -> bytes:
    """The pixels of ``pixmap`` as bytes (the image is held while they are copied: its ``constBits``
    memoryview does not own it, tests/ui/helpers.grab_bytes)."""
    image = pixmap.toImage()
    data = bytes(image.constBits())
    del image
    return data


def save_window_png(window, path: str | Path) -> Path:
    """Grab the window (:func:`window_pixmap`), save as PNG."""
    path = Path(path)
    window_pixmap(window).save(str(path), "PNG")
    return path
