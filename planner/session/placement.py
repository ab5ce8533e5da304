"""Placing and editing plan items with the mouse, as plain logic (ARCHITECTURE.md habit 8).

Tools follow the 2D view's tool protocol (:class:`planner.session.tools.ViewTool`): they receive
``press/move/release(lps, button)`` with the LPS point under the mouse on the displayed slice and a
plain button name; before each event the view sets ``context`` (:class:`ViewContext`). Tools turn gestures into
commands on the session's stack, so every change is undoable; a drag is one undo step.
"""

from __future__ import annotations

import numpy as np
from psygnal import Signal

from planner.core.errors import PlanError
from planner.plan import commands
from planner.plan.items import Needle, Thermocouple
from planner.session.tools import ViewContext  # noqa: F401  (imported from here too)

HANDLE_FIELDS = {"needle": ("entry_lps", "tip_lps"), "thermocouple": ("entry_lps", "tip_lps"),
                 "target": ("centre_lps",)}


class Selection:
    """The selected plan item (by id), shared by the views, the plan tree and the panels."""

    changed = Signal(object)  # item id or None

    def __init__(self):
        self.item_id: str | None = None

    def select(self, item_id: str | None) -> None:
        if item_id != self.item_id:
            self.item_id = item_id
            self.changed.emit(item_id)


def infer_side(session, entry_lps, level_name: str = "") -> str:
    """Left or right from where the entry lies: across the level's mid-sagittal plane when a level is
    known, else across the volume's centre in x (LPS x grows to the patient's left)."""
    level = session.plan.level_named(level_name) if level_name else None
    if level is not None:
        offset = np.dot(np.asarray(entry_lps) - np.asarray(level.plane_point_lps), level.plane_normal_lps)
        # the plane normal is the level's left-right axis (toward the patient's left)
        return "left" if offset > 0 else "right"
    lo, hi = session.volume.bounds_lps
    return "left" if entry_lps[0] > (lo[0] + hi[0]) / 2 else "right"


class PlaceTool:
    """Two clicks: the entry point, then the tip. Creates a needle (default) or a thermocouple."""

    def __init__(self, session, selection: Selection, kind: str = "needle"):
        self.session = session
        self.selection = selection
        self.kind = kind
        self.context: ViewContext | None = None
        self.entry_lps: np.ndarray | None = None
        self.hover_lps: np.ndarray | None = None
        self.level_name = ""
        self.gauge = "13G"
        self.approach = "transpedicular"

    @property
    def name(self) -> str:
        return f"place_{self.kind}"

    @property
    def hint(self) -> str:
        what = "needle" if self.kind == "needle" else "thermocouple"
        if self.entry_lps is None:
            return f"New {what}: click the skin entry point"
        return f"New {what}: click the tip (target) point - Esc cancels"

    def press(self, lps, button) -> bool:
        if button != "left":
            return False
        p = np.asarray(lps, float)
        if self.entry_lps is None:
            self.entry_lps = p
            self.hover_lps = p
            return True
        entry, self.entry_lps = self.entry_lps, None
        if np.linalg.norm(p - entry) < 1.0:
            return True  # a double click on one spot is not a trajectory
        self._create(entry, p)
        return True

    def move(self, lps, button) -> bool:
        if self.entry_lps is None:
            return False
        self.hover_lps = np.asarray(lps, float)
        return True

    def release(self, lps, button) -> bool:
        return self.entry_lps is not None

    def cancel(self) -> None:
        self.entry_lps = None
        self.hover_lps = None

    def _create(self, entry: np.ndarray, tip: np.ndarray) -> None:
        plan = self.session.plan
        if self.kind == "needle":
            n = len(plan.needles) + 1
            side = infer_side(self.session, entry, self.level_name)
            item = Needle(tuple(entry), tuple(tip), name=f"Needle {n}", level=self.level_name, side=side,
                          gauge=self.gauge, approach=self.approach)
        else:
            n = len(plan.thermocouples) + 1
            item = Thermocouple(tuple(entry), tuple(tip), name=f"Thermocouple {n}")
        self.session.stack.push(commands.add_item(item))
        self.selection.select(item.id)


class ClickTool:
    """One left click calls ``on_click(lps)`` (e.g. a seed for a segmentation)."""

    name = "click"

    def __init__(self, hint: str, on_click):
        self.hint = hint
        self.on_click = on_click

    def press(self, lps, button) -> bool:
        if button != "left":
            return False
        self.on_click(np.asarray(lps, float))
        return True

    def move(self, lps, button) -> bool:
        return False

    def release(self, lps, button) -> bool:
        return False

    def cancel(self) -> None:
        pass


class EditTool:
    """Navigate mode's editing: drag an item's handle (entry, tip, centre) or a needle's shaft to move
    the whole needle. Returns False for gestures that are not on an item, so the view moves the
    crosshair instead."""

    name = "edit"

    def __init__(self, session, selection: Selection):
        self.session = session
        self.selection = selection
        self.context: ViewContext | None = None
        self._drag: tuple[str, str | None] | None = None  # (item id, field or None for whole item)
        self._last_lps: np.ndarray | None = None
        self.message = ""

    def pick(self, lps) -> tuple[str, str | None] | None:
        """The handle (item id, field) or shaft (item id, None) under ``lps``, selected item first."""
        ctx = self.context
        if ctx is None:
            return None
        plan = self.session.plan
        items = [i for i in plan if i.KIND in HANDLE_FIELDS]
        items.sort(key=lambda i: i.id != self.selection.item_id)
        best, best_d = None, ctx.tolerance_mm
        for item in items:
            for field_name in HANDLE_FIELDS[item.KIND]:
                p = getattr(item, field_name)
                if ctx.near_slice(p):
                    d = ctx.in_plane_distance_mm(lps, p)
                    if d <= best_d:
                        best, best_d = (item.id, field_name), d
        if best is not None:
            return best
        for item in items:
            if item.KIND in ("needle", "thermocouple") and self._on_shaft(item, lps):
                return item.id, None
        return None

    def _on_shaft(self, item, lps) -> bool:
        ctx = self.context
        a = ctx.plane.to_plane_coords(np.asarray(item.entry_lps, float))
        b = ctx.plane.to_plane_coords(np.asarray(item.tip_lps, float))
        p = ctx.plane.to_plane_coords(np.asarray(lps, float))
        ab = b[:2] - a[:2]
        denom = float(ab @ ab)
        t = 0.0 if denom == 0 else float(np.clip((p[:2] - a[:2]) @ ab / denom, 0.0, 1.0))
        closest = a + t * (b - a)
        on_slab = abs(closest[2] - ctx.h_mm) <= ctx.half_thickness_mm + item.outer_diameter_mm / 2
        return on_slab and float(np.linalg.norm(closest[:2] - p[:2])) <= ctx.tolerance_mm

    @property
    def coalesced(self) -> bool:
        """True while a drag's updates come once per frame from the session (the view need not
        repaint on each mouse move itself)."""
        return self._drag is not None and self.session.schedule is not None

    def press(self, lps, button) -> bool:
        if button != "left":
            return False
        hit = self.pick(lps)
        if hit is None:
            return False
        item_id, field_name = hit
        self.selection.select(item_id)
        if self.session.plan.is_locked(item_id):
            self.message = "This item is locked: unlock it to move it."
            return True
        self._drag = hit
        self._last_lps = np.asarray(lps, float)
        self.session.begin_interaction()
        return True

    def move(self, lps, button) -> bool:
        if self._drag is None:
            return False
        p = np.asarray(lps, float)
        item_id, field_name = self._drag
        try:
            if field_name is None:
                self.session.stack.push(commands.move_item(self.session.plan, item_id, p - self._last_lps))
            else:
                self.session.stack.push(commands.move_point(item_id, field_name, p))
        except PlanError as exc:  # e.g. entry dragged onto the tip
            self.message = str(exc)
        self._last_lps = p
        return True

    def release(self, lps, button) -> bool:
        if self._drag is None:
            return False
        self._drag = None
        self.session.end_interaction()
        return True

    def cancel(self) -> None:
        if self._drag is not None:
            self._drag = None
            self.session.end_interaction()
