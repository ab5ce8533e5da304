"""What the linked views share: the cursor (crosshair) point and the grey-level window.

Qt-free and evented (psygnal), so linking can be tested without a window and every view connects to
the same object (ARCHITECTURE.md habit 2). Emitting never recomputes anything heavy.
"""

from __future__ import annotations

import numpy as np
from psygnal import Signal


class ViewState:
    """The cursor in LPS mm, snapped to the volume, and the window centre/width in HU."""

    cursor_changed = Signal(object)  # np.ndarray (3,) LPS mm
    window_changed = Signal(float, float)  # centre_hu, width_hu

    def __init__(self, cursor_lps=(0.0, 0.0, 0.0), center_hu: float = 500.0, width_hu: float = 2000.0):
        self._cursor_lps = np.asarray(cursor_lps, dtype=float).reshape(3)
        self._center_hu = float(center_hu)
        self._width_hu = float(width_hu)

    @property
    def cursor_lps(self) -> np.ndarray:
        return self._cursor_lps.copy()

    def set_cursor(self, lps) -> None:
        p = np.asarray(lps, dtype=float).reshape(3)
        if not np.all(np.isfinite(p)):
            raise ValueError("cursor position must be finite")
        if np.allclose(p, self._cursor_lps, atol=1e-9):
            return
        self._cursor_lps = p
        self.cursor_changed.emit(p.copy())

    @property
    def window(self) -> tuple[float, float]:
        return self._center_hu, self._width_hu

    def set_window(self, center_hu: float, width_hu: float) -> None:
        width_hu = max(1.0, float(width_hu))
        if (float(center_hu), width_hu) == (self._center_hu, self._width_hu):
            return
        self._center_hu, self._width_hu = float(center_hu), width_hu
        self.window_changed.emit(self._center_hu, self._width_hu)
