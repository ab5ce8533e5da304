"""Distance and angle measurements, and the mouse tools that draw them, as plain logic.

Tools get plain events (``press/move/release(lps, button)`` with LPS mm points and a button name
"left", "middle", "right" or None) and return True when they used the event, so they are tested
without a window (ARCHITECTURE.md habit 8). Measurements are LPS points; values are in mm and degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psygnal import Signal

MIN_LENGTH_MM = 0.5  # a shorter drag is a click, not a measurement


@dataclass(eq=False)
class Measurement:
    kind: str  # "distance" or "angle"
    points_lps: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.points_lps) == (2 if self.kind == "distance" else 3)

    @property
    def value(self) -> float:
        """Distance in mm between the two points, or the angle in degrees at the middle point."""
        p = [np.asarray(q, dtype=float) for q in self.points_lps]
        if self.kind == "distance":
            return float(np.linalg.norm(p[1] - p[0]))
        a, b = p[0] - p[1], p[2] - p[1]
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        if na == 0 or nb == 0:
            return 0.0
        return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0))))

    def label(self) -> str:
        return f"{self.value:.1f} mm" if self.kind == "distance" else f"{self.value:.1f}°"


class MeasurementList:
    """The measurements of a session; ``changed`` fires on every add, remove or clear."""

    changed = Signal()

    def __init__(self):
        self.items: list[Measurement] = []

    def add(self, m: Measurement) -> None:
        self.items.append(m)
        self.changed.emit()

    def remove_last(self) -> None:
        if self.items:
            self.items.pop()
            self.changed.emit()

    def clear(self) -> None:
        if self.items:
            self.items.clear()
            self.changed.emit()


class RulerTool:
    """Press, drag, release: a distance between the press and release points."""

    name = "ruler"
    hint = "Ruler: drag from one point to another (Esc cancels)"

    def __init__(self, measurements: MeasurementList):
        self.measurements = measurements
        self.pending: Measurement | None = None

    def press(self, lps, button) -> bool:
        if button != "left":
            return False
        self.pending = Measurement("distance", [np.asarray(lps, float), np.asarray(lps, float)])
        return True

    def move(self, lps, button) -> bool:
        if self.pending is None or button != "left":
            return False
        self.pending.points_lps[1] = np.asarray(lps, float)
        return True

    def release(self, lps, button) -> bool:
        if self.pending is None:
            return False
        self.pending.points_lps[1] = np.asarray(lps, float)
        if self.pending.value >= MIN_LENGTH_MM:
            self.measurements.add(self.pending)
        self.pending = None
        return True

    def cancel(self) -> None:
        self.pending = None


class AngleTool:
    """Drag the first arm (from its end to the vertex), then click the end of the second arm."""

    name = "angle"
    hint = "Angle: drag the first arm to the vertex, then click the second arm's end (Esc cancels)"

    def __init__(self, measurements: MeasurementList):
        self.measurements = measurements
        self.pending: Measurement | None = None
        self._dragging_first_arm = False

    def press(self, lps, button) -> bool:
        if button != "left":
            return False
        p = np.asarray(lps, float)
        if self.pending is None:
            self.pending = Measurement("angle", [p, p.copy()])
            self._dragging_first_arm = True
        else:  # second arm placed
            self.pending.points_lps[2] = p
            self.measurements.add(self.pending)
            self.pending = None
        return True

    def move(self, lps, button) -> bool:
        if self.pending is None:
            return False
        p = np.asarray(lps, float)
        if self._dragging_first_arm:
            self.pending.points_lps[1] = p
        elif len(self.pending.points_lps) == 3:
            self.pending.points_lps[2] = p
        return True

    def release(self, lps, button) -> bool:
        if self.pending is None or not self._dragging_first_arm:
            return self.pending is not None
        self._dragging_first_arm = False
        p0, p1 = self.pending.points_lps[0], np.asarray(lps, float)
        if np.linalg.norm(p1 - p0) < MIN_LENGTH_MM:
            self.pending = None  # a click without a drag: start again
            return True
        self.pending.points_lps = [p0, p1, p1.copy()]
        return True

    def cancel(self) -> None:
        self.pending = None
        self._dragging_first_arm = False
