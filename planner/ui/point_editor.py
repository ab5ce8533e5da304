"""The properties panel's point editor: three spin boxes for an entry, tip or centre, in the display
frame the user chose (View ▸ Mouse and positions; :mod:`planner.core.position_text`).

The plan keeps LPS (DICOM PS3.3 C.7.6.2.1.1); only what the boxes show and take changes:

- LPS: signed LPS numbers after the axis letters L, P, S (``L -23.6 mm``), as before;
- RAS: 3D Slicer's reading, a direction letter and a distance (``R 23.6 mm``, ``I 182.0 mm``). A box
  takes ``R 23.6``, ``L 5``, or a signed RAS number (``-23.6`` is L 23.6); its arrows and the wheel
  step in RAS (up goes Right, Anterior, Superior).

In a narrow Properties dock the three boxes stack (issue 19: the third was cut off behind the dock's
edge): the editor lays them out in a row when its width holds the three at their minimum (each box's
text in full), else one above the other; its height follows (its size hints change with the layout,
never its width's), so the form and its scroll area make room.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QValidator
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QBoxLayout, QDoubleSpinBox, QSizePolicy, QWidget

from planner.core.position_text import FRAME_LETTERS, LPS, RAS, axis_text, from_frame, parse_axis_text, to_frame

POINT_RANGE_MM = 5000.0
SUFFIX = " mm"
_PARTIAL = re.compile(r"^\s*([A-Za-z])?\s*[-+]?\d*\.?\d*\s*(m|mm)?\s*$")


class AxisSpinBox(QDoubleSpinBox):
    """One coordinate; its value is the signed coordinate of ``frame`` on ``axis`` (RAS: x, y negated)."""

    def __init__(self, axis: int, frame: str = LPS, decimals: int = 1, parent=None):
        super().__init__(parent)
        self.axis = axis
        self.frame = LPS
        self.setRange(-POINT_RANGE_MM, POINT_RANGE_MM)
        self.setDecimals(decimals)
        self.setSingleStep(1.0)
        self.setSuffix(SUFFIX)
        self.setKeyboardTracking(False)
        self.set_frame(frame)

    def set_frame(self, frame: str) -> None:
        """Show (and take) the coordinate in ``frame``; the LPS value it stands for is kept."""
        if frame not in (LPS, RAS):
            raise ValueError(f"position frame must be LPS or RAS, not {frame!r}")
        lps = self.lps_value()
        self.frame = frame
        self.setPrefix(f"{FRAME_LETTERS[LPS][self.axis]} " if frame == LPS else "")
        self.setToolTip("LPS (DICOM): + toward the patient's left, posterior, head" if frame == LPS else
                        "RAS letters as in 3D Slicer: type R 23.6, L 5 or a signed RAS number")
        self.set_lps_value(lps)

    def lps_value(self) -> float:
        return from_frame(self.axis, self.value(), self.frame)

    def set_lps_value(self, value_lps_mm: float) -> None:
        """Show ``value_lps_mm``; a box already showing it is left alone (Qt's ``setValue`` repaints even
        an unchanged value: during a drag the point that does not move was redrawn on every move)."""
        shown = round(to_frame(self.axis, value_lps_mm, self.frame), self.decimals())
        if self.value() == shown and self.cleanText() == self.textFromValue(shown):
            return
        blocked = self.blockSignals(True)
        self.setValue(shown)
        self.blockSignals(blocked)

    # --- text in the RAS frame: letters, no sign --------------------------------------------------
    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        if self.frame == LPS:
            return super().textFromValue(value)
        return axis_text(self.axis, from_frame(self.axis, value, RAS), self.decimals())[:-len(SUFFIX)]

    def valueFromText(self, text: str) -> float:  # noqa: N802
        if self.frame == LPS:
            return super().valueFromText(text)
        try:
            return to_frame(self.axis, parse_axis_text(self.axis, _strip(text, self.suffix()), RAS), RAS)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        if self.frame == LPS:
            return super().validate(text, pos)
        body = _strip(text, self.suffix())
        try:
            value = to_frame(self.axis, parse_axis_text(self.axis, body, RAS), RAS)
        except ValueError:
            letter = body.strip()[:1].upper()
            allowed = set(FRAME_LETTERS[LPS][self.axis] + FRAME_LETTERS[RAS][self.axis])
            ok = _PARTIAL.match(body) and (not letter.isalpha() or letter in allowed)
            return QValidator.Intermediate if ok else QValidator.Invalid, text, pos
        if abs(value) > POINT_RANGE_MM:
            return QValidator.Intermediate, text, pos
        return QValidator.Acceptable, text, pos


def _strip(text: str, suffix: str) -> str:
    text = text.strip()
    return text[:-len(suffix.strip())] if suffix.strip() and text.endswith(suffix.strip()) else text


class PointEditor(QWidget):
    """Three spin boxes for an LPS point shown in ``frame``; ``on_edit(point_lps)`` when the user changes one."""

    def __init__(self, on_edit, parent=None, frame: str = LPS):
        super().__init__(parent)
        self.boxes = [AxisSpinBox(axis, frame) for axis in range(3)]
        self._layout = QBoxLayout(QBoxLayout.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        for box in self.boxes:
            box.editingFinished.connect(lambda: on_edit(self.value()))
            self._layout.addWidget(box)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    # --- a row when there is room, else a column --------------------------------------------------
    def _spacing(self) -> int:
        spacing = self._layout.spacing()
        return spacing if spacing >= 0 else self.style().pixelMetric(self.style().PixelMetric.PM_LayoutHorizontalSpacing)

    def row_width(self) -> int:
        """The least width holding the three boxes side by side, each at its minimum (text in full)."""
        return sum(b.minimumSizeHint().width() for b in self.boxes) + 2 * max(self._spacing(), 0)

    def is_stacked(self) -> bool:
        return self._layout.direction() == QBoxLayout.TopToBottom

    def _box_height(self) -> int:
        return max(b.sizeHint().height() for b in self.boxes)

    def _height(self) -> int:
        """The height of the layout as it is now: one box, or three and their spacing."""
        return 3 * self._box_height() + 2 * max(self._spacing(), 0) if self.is_stacked() else self._box_height()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name; one box wide: the boxes stack below that
        return QSize(max(b.minimumSizeHint().width() for b in self.boxes), self._height())

    def sizeHint(self) -> QSize:  # noqa: N802 - as wide as the row in either layout (no back and forth)
        return QSize(sum(b.sizeHint().width() for b in self.boxes) + 2 * max(self._spacing(), 0), self._height())

    def resizeEvent(self, event):  # noqa: N802
        direction = QBoxLayout.LeftToRight if event.size().width() >= self.row_width() else QBoxLayout.TopToBottom
        if direction != self._layout.direction():
            self._layout.setDirection(direction)
            self.updateGeometry()
        super().resizeEvent(event)

    @property
    def frame(self) -> str:
        return self.boxes[0].frame

    def set_frame(self, frame: str) -> None:
        for box in self.boxes:
            box.set_frame(frame)

    def set_value(self, p) -> None:
        for box, v in zip(self.boxes, p):
            box.set_lps_value(float(v))

    def value(self) -> tuple[float, float, float]:
        """The point in LPS mm, whatever the boxes show."""
        return tuple(b.lps_value() for b in self.boxes)

    def display_values(self, p_lps) -> tuple[float, float, float]:
        """What each box's value is for the LPS point ``p_lps`` (to type a point into the boxes)."""
        return tuple(to_frame(b.axis, v, b.frame) for b, v in zip(self.boxes, p_lps))
