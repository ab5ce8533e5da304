"""Screenshot round of issue 19: an overlay label named a needle whose entry lay near the sagittal view's
right edge as "L2 le" (the rest of the box fell off the view). The label must stay whole inside the
view: drawn left of its point where the right side has no room, below it where the top has none."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter

from planner.ui.overlays import FONTS, _label

pytestmark = pytest.mark.gui

W, H = 300, 120
TEXT = "L2 left needle"


def _painted_box(qtbot, x: float, y: float) -> tuple[int, int, int, int]:
    """Paint the label for (x, y) on a white W x H image; the bounding box (x0, y0, x1, y1) of the dark
    background it fills (the box's fill is black at alpha 160 over white: every channel about 95)."""
    image = QImage(W, H, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    _label(painter, x, y, TEXT, QColor("cyan"))
    painter.end()
    ptr = image.constBits()
    rgb = np.frombuffer(ptr, np.uint8).reshape(H, image.bytesPerLine() // 4, 4)[:, :W, :3].copy()
    del image
    dark = (rgb < 200).all(axis=2)
    ys, xs = np.nonzero(dark)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _expected_size() -> tuple[int, int]:
    """The label's box: the text's advance plus 4 px each side, the font's height plus 2 px each side
    (planner.ui.overlays._label)."""
    metrics = QFontMetrics(FONTS["label"])
    return metrics.horizontalAdvance(TEXT) + 8, metrics.height() + 4


@pytest.mark.parametrize("x, y", [(W - 10.0, 60.0), (150.0, 3.0), (W - 2.0, 1.0), (20.0, 60.0)])
def test_label_box_is_whole_inside_the_view(qtbot, x, y):
    w, h = _expected_size()
    assert w < W / 2 and h < H / 2  # the box fits beside the point on either side
    x0, y0, x1, y1 = _painted_box(qtbot, x, y)
    assert abs((x1 - x0) - w) <= 1 and abs((y1 - y0) - h) <= 1  # not cut by the view's edge
    assert 0 <= x0 and x1 <= W and 0 <= y0 and y1 <= H


def test_label_room_on_the_right_keeps_its_place(qtbot):
    """Where it fits, the box still starts 6 px right of its point, its bottom 2 px below it."""
    x0, _y0, _x1, y1 = _painted_box(qtbot, 20.0, 60.0)
    assert abs(x0 - 26) <= 1 and abs(y1 - 62) <= 1


def _dark_runs(image_rows: np.ndarray) -> list[int]:
    """Lengths of the runs of rows holding some dark pixel (a label's box)."""
    runs, n = [], 0
    for dark in image_rows:
        if dark:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    return runs + ([n] if n else [])


def test_two_labels_at_one_point_are_both_whole(qtbot):
    """A bipedicular pair seen along the needle: both entries project to one point; the second name goes
    just below the first (one free row between), not over it."""
    from planner.ui.overlays import _labels

    w, h = _expected_size()
    image = QImage(W, H, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    _labels(painter, [(40.0, 50.0, TEXT, QColor("cyan")), (40.0, 50.0, TEXT, QColor("white"))])
    painter.end()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(H, image.bytesPerLine() // 4, 4)[:, :W, :3].copy()
    del image
    rows = ((rgb < 200).all(axis=2)).any(axis=1)
    runs = _dark_runs(rows)
    assert len(runs) == 2 and all(abs(r - h) <= 1 for r in runs)
