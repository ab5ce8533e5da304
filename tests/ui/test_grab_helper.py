"""Issue 15: the pixel-comparison helper reads the grabbed image's own bytes.

``bytes(widget.grab().toImage().constBits())`` read the buffer of an image already freed (PySide6's
``constBits()`` memoryview does not own the image): its first pixels came back as the allocator's
bookkeeping, differently after different earlier tests, which made tests/ui/test_drag_needle_views.py
fail only when the whole tests/ui folder ran first. Here the expected bytes are a closed form: a widget
that fills itself with one colour is, in a 32-bit image, ``(blue, green, red, 255)`` at every pixel.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from tests.ui.helpers import grab_bytes

RGB = (40, 90, 200)


class _Solid(QWidget):
    def paintEvent(self, event):  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*RGB))
        painter.end()


def test_grab_bytes_are_the_painted_pixels_every_time(qtbot):
    w = _Solid()
    qtbot.addWidget(w)
    w.resize(420, 380)  # 638 400 bytes: above the size a freed buffer is handed back to the system
    w.show()
    qtbot.waitExposed(w)
    image = w.grab().toImage()
    assert image.format() in (QImage.Format_RGB32, QImage.Format_ARGB32, QImage.Format_ARGB32_Premultiplied)
    assert image.bytesPerLine() == 4 * image.width()
    expected = np.tile(np.array([RGB[2], RGB[1], RGB[0], 255], np.uint8), image.width() * image.height())
    churn = []
    for n in range(40):  # allocations between grabs, as earlier tests leave the heap in another state
        churn.append(bytearray(1000 * (n + 1)))
        got = np.frombuffer(grab_bytes(w), np.uint8)
        assert got.size == expected.size
        wrong = np.nonzero(got != expected)[0]
        assert wrong.size == 0, f"grab {n}: {wrong.size} bytes differ from the painted colour, first at {wrong[:4]}"
