"""Things drawn over a 2D slice: measurements and (from the plan) needles, zones, contours.

Each overlay is a callable ``overlay(painter, view, slice_image)``; it decides what lies on the
slice from LPS geometry and draws with QPainter. No overlay computes a safety number.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen

from planner.core import palette
from planner.session.measurements import MeasurementList
from planner.ui.label_needle import spine_runs_across

MEASURE_COLOR = QColor(*palette.MEASUREMENT)
_NEAR_SLICE_MM = 1.0


def letter_boxes(w: float, h: float) -> list[tuple[QRectF, Qt.AlignmentFlag]]:
    """Where a 2D view writes its orientation letters (left, right, top, bottom edge): the rectangle and
    alignment of each (planner.ui.slice_view draws them, the needle names keep off them)."""
    return [(QRectF(4, 0, 40, h), Qt.AlignLeft | Qt.AlignVCenter), (QRectF(w - 44, 0, 40, h), Qt.AlignRight | Qt.AlignVCenter),
            (QRectF(0, 2, w, 20), Qt.AlignHCenter | Qt.AlignTop), (QRectF(0, h - 22, w, 20), Qt.AlignHCenter | Qt.AlignBottom)]


def letter_rects(w: float, h: float, letters) -> list[tuple[float, float, float, float]]:
    """The screen boxes (x0, y0, x1, y1 px) the four orientation ``letters`` cover as drawn."""
    m = QFontMetrics(FONTS["letters"])
    out = []
    for (rect, align), text in zip(letter_boxes(w, h), letters):
        r = m.boundingRect(rect.toRect(), int(align.value if hasattr(align, "value") else align), text)
        out.append((float(r.left()), float(r.top()), float(r.right() + 1), float(r.bottom() + 1)))
    return out


def _on_slice(view, points_lps) -> bool:
    h = np.abs(view.height_above_slice_mm(np.asarray(points_lps, dtype=float)))
    return bool(np.all(h <= view.half_thickness_mm() + _NEAR_SLICE_MM))


class _Fonts(dict):
    """The 2D views' fonts, each made once (after the application exists) instead of at every paint:
    "label" (overlay labels), "letters" (orientation letters), "text" (a view's corner texts)."""

    SPECS = {"label": ("Sans", 9, QFont.Bold), "letters": ("Sans", 11, QFont.Bold), "text": ("Sans", 9)}

    def __missing__(self, key):
        font = QFont(*self.SPECS[key])
        self[key] = font
        return font


FONTS = _Fonts()


def label_rect(x: float, y: float, w: float, h: float, bounds: QRectF, away_x: float | None = None) -> QRectF:
    """Where a w x h label naming the point (x, y) goes: above and right of it, or (screenshot round of
    issue 19: a needle's entry near a view's right edge showed "L2 le") left of it where the right side
    leaves ``bounds``, below it where the top does; always inside ``bounds`` when it fits.

    Given ``away_x`` (the screen x of the spine beside the point, :func:`spine_x`), the label goes on
    the side of the point away from it first: lateral of a thermocouple's tip by the foramen and of a
    needle's entry (screenshot round of issue 19: "39 °C · 22.6 mm" was written over the spinal canal
    of the T11-T12 scan, its thermocouple being on the patient's right, left of the spine on the screen)."""
    right, left = x + 6, x - 6 - w
    if away_x is not None and x < away_x:
        x0 = left if left >= bounds.left() else right
    else:
        x0 = right if right + w <= bounds.right() else left
    y0 = y + 2 - h if y + 2 - h >= bounds.top() else y + 6
    x0 = min(max(x0, bounds.left()), bounds.right() - w)
    y0 = min(max(y0, bounds.top()), bounds.bottom() - h)
    return QRectF(x0, y0, w, h)


def spine_x(view, centres_lps, near_lps) -> float | None:
    """The screen x of the body centre (of ``centres_lps``, the plan's levels) nearest ``near_lps``; None
    without levels, or where the spine runs across the screen (an along-needle view holding the
    head-feet axis: left and right of a point are then along the spine, not away from it). Labels of a
    point keep to the side away from it (:func:`label_rect`)."""
    centres = np.asarray(centres_lps, float).reshape(-1, 3)
    if len(centres) == 0:
        return None
    nearest = centres[int(np.argmin(np.linalg.norm(centres - np.asarray(near_lps, float), axis=1)))]
    if spine_runs_across(view, nearest):
        return None
    return float(view.lps_to_screen(nearest)[0])


def stacked_label_rects(boxes, bounds: QRectF) -> list[QRectF]:
    """:func:`label_rect` of each (x, y, w, h) or (x, y, w, h, away_x) in turn, moved below (or, at the
    bottom, above) a label placed before it that it would cover (screenshot round of issue 19: in the
    along-needle view of a bipedicular pair the two entries fall together and "L2 right needle" was
    written over "L2 left needle")."""
    placed: list[QRectF] = []
    for box in boxes:
        x, y, w, h = box[:4]
        rect = label_rect(x, y, w, h, bounds, box[4] if len(box) > 4 else None)
        for _ in range(2 * len(placed)):
            hit = next((p for p in placed if p.intersects(rect)), None)
            if hit is None:
                break
            below = hit.bottom() + 1
            rect = QRectF(rect.left(), below if below + h <= bounds.bottom() else hit.top() - 1 - h, w, h)
        placed.append(rect)
    return placed


def _labels(painter, labels) -> None:
    """Draw the labels (x, y, text, colour[, away_x]) of one view, none over another
    (:func:`stacked_label_rects`; ``away_x`` as in :func:`label_rect`)."""
    painter.setFont(FONTS["label"])
    metrics = painter.fontMetrics()
    boxes = [(label[0], label[1], metrics.horizontalAdvance(label[2]) + 8, metrics.height() + 4, *label[4:5])
             for label in labels]
    for rect, (_x, _y, text, color, *_away) in zip(stacked_label_rects(boxes, QRectF(painter.window())), labels):
        _fill_label(painter, rect, text, color)


def _label(painter, x: float, y: float, text: str, color: QColor) -> None:
    painter.setFont(FONTS["label"])
    metrics = painter.fontMetrics()
    rect = label_rect(x, y, metrics.horizontalAdvance(text) + 8, metrics.height() + 4, QRectF(painter.window()))
    _fill_label(painter, rect, text, color)


def _fill_label(painter, rect: QRectF, text: str, color: QColor) -> None:
    painter.fillRect(rect, QColor(0, 0, 0, 160))
    painter.setPen(color)
    painter.drawText(rect, Qt.AlignCenter, text)


class MeasurementOverlay:
    """Distances and angles lying on the displayed slice, plus the one being drawn."""

    def __init__(self, measurements: MeasurementList, tools=()):
        self.measurements = measurements
        self.tools = tools

    def __call__(self, painter, view, sl) -> None:
        pending = [t.pending for t in self.tools if getattr(t, "pending", None) is not None]
        for m in list(self.measurements.items) + pending:
            if not _on_slice(view, m.points_lps):
                continue
            pts = [QPointF(*view.lps_to_screen(p)) for p in m.points_lps]
            painter.setPen(QPen(MEASURE_COLOR, 1.5))
            for a, b in zip(pts[:-1], pts[1:]):
                painter.drawLine(a, b)
            for p in pts:
                painter.drawEllipse(p, 3, 3)
            anchor = pts[1] if m.kind == "angle" else pts[-1]
            _label(painter, anchor.x(), anchor.y(), m.label(), MEASURE_COLOR)
