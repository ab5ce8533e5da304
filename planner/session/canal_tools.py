"""Manual correction of the spinal canal mask with the mouse, as plain logic: a brush that paints or
erases a ball of ``radius_mm`` along the drag. The mask is changed in place while dragging (cheap);
on release the stroke becomes a :class:`CanalStroke` command on the session's undo stack, the same
stack as the plan edits, so Undo takes back plan and canal edits in the order they were made."""

from __future__ import annotations

import numpy as np

from planner.anatomy.canal_edit import erase_sphere, paint_sphere, restore_block
from planner.core.errors import PlanError
from planner.plan.commands_base import Command

DEFAULT_BRUSH_MM = 3.0


class CanalStroke(Command):
    """One brush stroke on the canal mask: the changed blocks before and after it."""

    def __init__(self, session, blocks, mode: str):
        self.session = session
        self.mask = session.canal_mask
        self.before = list(blocks)
        self.after = [(box, self.mask[box].copy()) for box, _ in self.before]
        self.text = f"Canal {mode}"

    def _check(self) -> np.ndarray:
        if self.session.canal_mask is not self.mask:
            raise PlanError("The spinal canal was replaced since this brush stroke; the stroke cannot be "
                            "undone or redone.")
        return self.mask

    def redo(self, doc) -> None:
        mask = self._check()
        for box, after in self.after:
            mask[box] = after
        self.session.set_canal(mask)

    def undo(self, doc) -> None:
        mask = self._check()
        for box, before in reversed(self.before):
            restore_block(mask, box, before)
        self.session.set_canal(mask)


class CanalBrushTool:
    """``paint`` adds to the canal, ``erase`` removes from it."""

    def __init__(self, session, mode: str = "paint", radius_mm: float = DEFAULT_BRUSH_MM, history: list | None = None):
        """``history`` is kept for callers; strokes go on the session's undo stack (shared by both
        brushes and the plan edits)."""
        if mode not in ("paint", "erase"):
            raise ValueError(f"unknown brush mode {mode!r}")
        self.session = session
        self.mode = mode
        self.radius_mm = float(radius_mm)
        self._stroke: list | None = None

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
            self.session.canal.touch()  # the views redraw the edited canal while the stroke goes on

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
            self.session.stack.push(CanalStroke(self.session, stroke, self.mode))
        return True

    def cancel(self) -> None:
        if self._stroke:
            self._restore(self._stroke)
            self.session.set_canal(self.session.canal_mask)
        self._stroke = None

    def _top_stroke(self) -> bool:
        return isinstance(self.session.stack.undo_command, CanalStroke)

    def can_undo(self) -> bool:
        """True when the latest undoable edit is a canal stroke."""
        return self._top_stroke()

    def undo_stroke(self) -> bool:
        """Undo the latest edit when it is a canal stroke (through the shared undo stack)."""
        if self.session.canal_mask is None or not self._top_stroke():
            return False
        self.session.stack.undo()
        return True

    def _restore(self, stroke) -> None:
        for box, before in reversed(stroke):
            restore_block(self.session.canal_mask, box, before)
