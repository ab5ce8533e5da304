"""Manual correction of the spinal canal mask with the mouse, as plain logic: a brush that paints or
erases a ball of ``radius_mm`` along the drag. The mask is changed in place while dragging (cheap);
the session re-prepares the canal and re-evaluates on release. Each stroke can be undone."""

from __future__ import annotations

import numpy as np

from planner.anatomy.canal_edit import erase_sphere, paint_sphere, restore_block

DEFAULT_BRUSH_MM = 3.0
MAX_UNDO_STROKES = 30


class CanalBrushTool:
    """``paint`` adds to the canal, ``erase`` removes from it."""

    def __init__(self, session, mode: str = "paint", radius_mm: float = DEFAULT_BRUSH_MM, history: list | None = None):
        """``history``: a list shared by several brushes (paint and erase), so undo takes back the
        latest stroke whichever brush made it."""
        if mode not in ("paint", "erase"):
            raise ValueError(f"unknown brush mode {mode!r}")
        self.session = session
        self.mode = mode
        self.radius_mm = float(radius_mm)
        self._stroke: list | None = None
        self._undo: list[list] = history if history is not None else []

    @property
    def name(self) -> str:
        return f"canal_{self.mode}"

    @property
    def hint(self) -> str:
        what = "add to" if self.mode == "paint" else "remove from"
        return f"Canal {self.mode}: drag to {what} the spinal canal ({self.radius_mm:g} mm brush)"

    def _dab(self, lps) -> None:
        mask = self.session.canal_mask
        fn = paint_sphere if self.mode == "paint" else erase_sphere
        box, before = fn(mask, self.session.volume, np.asarray(lps, float), self.radius_mm)
        if box is not None:
            self._stroke.append((box, before))

    def press(self, lps, button) -> bool:
        if button != "left" or self.session.canal_mask is None:
            return False
        self._stroke = []
        self._dab(lps)
        return True

    def move(self, lps, button) -> bool:
        if self._stroke is None:
            return False
        self._dab(lps)
        return True

    def release(self, lps, button) -> bool:
        if self._stroke is None:
            return False
        stroke, self._stroke = self._stroke, None
        if stroke:
            self._undo.append(stroke)
            del self._undo[:-MAX_UNDO_STROKES]
        self.session.set_canal(self.session.canal_mask)
        return True

    def cancel(self) -> None:
        if self._stroke:
            self._restore(self._stroke)
            self.session.set_canal(self.session.canal_mask)
        self._stroke = None

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo_stroke(self) -> bool:
        """Put back the mask as it was before the last stroke."""
        if not self._undo or self.session.canal_mask is None:
            return False
        self._restore(self._undo.pop())
        self.session.set_canal(self.session.canal_mask)
        return True

    def _restore(self, stroke) -> None:
        for box, before in reversed(stroke):
            restore_block(self.session.canal_mask, box, before)
