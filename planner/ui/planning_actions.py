"""The Edit and Plan menus: undo/redo, tools for placing items, antenna, bipedicular pair, duplicate,
delete, lock. Each action turns into a command on the session's stack (undoable)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog

from planner.core.errors import PlannerError
from planner.plan import commands
from planner.plan.items import Antenna, Target
from planner.ui.action_host import ActionHost


class PlanningActions:
    """Creates the Edit and Plan menus on ``host`` (an :class:`~planner.ui.action_host.ActionHost`) and
    keeps their enabled state current."""

    def __init__(self, host: ActionHost):
        self.w = host
        self.session = host.session
        self.selection = host.selection
        edit = host.add_menu("&Edit")
        self.undo = host.add_action(edit, "&Undo", self.session.stack.undo, QKeySequence.Undo)
        self.redo = host.add_action(edit, "&Redo", self.session.stack.redo, "Ctrl+Shift+Z")
        plan = host.add_menu("&Plan")
        self.plan_menu = plan
        host.add_action(plan, "New &needle (click entry, then tip)", lambda: host.set_tool("place_needle"), "N")
        host.add_action(plan, "New &thermocouple", lambda: host.set_tool("place_thermocouple"), "T")
        host.add_action(plan, "Add &antenna to the selected needle", self.add_antenna, "Shift+A")
        host.add_action(plan, "Make &bipedicular (mirror the selected needle)", self.make_bipedicular, "B")
        host.add_action(plan, "Add a spherical &target at the crosshair", self.add_target, "Shift+T")
        host.add_action(plan, "Outline the &lesion from a click (threshold and seed)",
                           lambda: host.set_tool("lesion_seed"), "Shift+L")
        canal = plan.addMenu("Spinal &canal")
        host.add_action(canal, "Segment the canal &automatically", self.segment_canal)
        host.add_action(canal, "Segment the canal from a &click", lambda: host.set_tool("canal_seed"))
        host.add_action(canal, "&Paint (add to the canal)", lambda: host.set_tool("canal_paint"))
        host.add_action(canal, "&Erase (remove from the canal)", lambda: host.set_tool("canal_erase"))
        host.add_action(canal, "&Undo the last canal stroke", self.undo_canal_stroke)
        plan.addSeparator()
        host.add_action(plan, "&Duplicate", self.duplicate, "Ctrl+D")
        host.add_action(plan, "&Rename…", self.rename, "F2")
        host.add_action(plan, "&Lock / unlock", self.toggle_lock, "Ctrl+L")
        host.add_action(plan, "De&lete", self.delete, QKeySequence.Delete)
        self.session.stack.changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *args) -> None:
        stack = self.session.stack
        self.undo.setEnabled(stack.can_undo)
        self.redo.setEnabled(stack.can_redo)
        self.undo.setText(f"&Undo {stack.undo_text}" if stack.can_undo else "&Undo")
        self.redo.setText(f"&Redo {stack.redo_text}" if stack.can_redo else "&Redo")

    # --- helpers -------------------------------------------------------------------------------
    def _run(self, what: str, make_command) -> bool:
        try:
            self.session.stack.push(make_command())
        except PlannerError as exc:
            self.w.warn(f"Cannot {what}", str(exc))
            return False
        return True

    def _selected(self, kind: str | None = None):
        item_id = self.selection.item_id
        if item_id is None or item_id not in self.session.plan:
            self.w.show_status("Select an item first (click it in a view or in the plan tree).", 5000)
            return None
        item = self.session.plan.get(item_id)
        if kind is not None and item.KIND != kind:
            if kind == "needle" and item.KIND == "antenna":
                return self.session.plan.get(item.needle_id)
            self.w.show_status(f"Select a {kind} first.", 5000)
            return None
        return item

    # --- actions -------------------------------------------------------------------------------
    def add_antenna(self) -> None:
        needle = self._selected("needle")
        if needle is None:
            return
        if self.session.plan.antenna_for(needle.id) is not None:
            self.w.show_status("That needle already holds an antenna.", 5000)
            return
        antenna = Antenna(needle.id)
        if self._run("add an antenna", lambda: commands.add_item(antenna)):
            self.selection.select(antenna.id)

    def make_bipedicular(self) -> None:
        needle = self._selected("needle")
        if needle is None:
            return
        point, normal = self.w.mid_sagittal_plane_for(needle)
        if point is None:
            return
        before = {n.id for n in self.session.plan.needles}
        if self._run("make a bipedicular pair",
                     lambda: commands.bipedicular_pair(self.session.plan, needle.id, point, normal)):
            new = [n.id for n in self.session.plan.needles if n.id not in before]
            if new:
                self.selection.select(new[0])

    def add_target(self) -> None:
        centre = tuple(self.w.state.cursor_lps)
        radius, ok = QInputDialog.getDouble(self.w.widget(), "Target", "Radius of the spherical target (mm):", 8.0, 1.0, 60.0, 1)
        if not ok:
            return
        target = Target(centre, semi_axes_mm=(radius, radius, radius), name=f"Target {len(self.session.plan.targets) + 1}")
        if self._run("add a target", lambda: commands.add_item(target)):
            self.selection.select(target.id)

    def segment_canal(self) -> None:
        self.w.start_canal()

    def undo_canal_stroke(self) -> None:
        if not self.w.tools["canal_paint"].undo_stroke():  # the brushes share one stroke history
            self.w.show_status("No canal edit to undo.", 4000)

    def add_lesion_at(self, lps) -> None:
        """A mask target grown from the clicked point (recipe stored in the plan, so it is recomputed)."""
        from planner.anatomy.lesion import LesionParams, segment_lesion

        params = LesionParams()
        try:  # check the click before it becomes a plan item
            segment_lesion(self.session.volume, lps, params, exclude=self.session.canal_mask)
        except PlannerError as exc:
            self.w.warn("Cannot outline the lesion", str(exc))
            return
        n = len(self.session.plan.targets) + 1
        target = Target(tuple(float(v) for v in lps), kind="mask", mask_ref=params.to_ref(), name=f"Lesion {n}")
        if self._run("add the lesion", lambda: commands.add_item(target)):
            self.selection.select(target.id)
        self.w.set_tool("navigate")

    def duplicate(self) -> None:
        item = self._selected()
        if item is not None:
            offset = np.array([0.0, 0.0, 5.0])  # 5 mm toward the head, so the copy is visible
            self._run("duplicate", lambda: commands.duplicate(self.session.plan, item.id, offset))

    def rename(self) -> None:
        item = self._selected()
        if item is None:
            return
        name, ok = QInputDialog.getText(self.w.widget(), "Rename", "New name:", text=item.name)
        if ok and name.strip():
            self._run("rename", lambda: commands.rename(item.id, name.strip()))

    def toggle_lock(self) -> None:
        item = self._selected()
        if item is not None and hasattr(item, "locked"):
            self._run("lock", lambda: commands.lock(item.id, not item.locked))

    def delete(self) -> None:
        item = self._selected()
        if item is not None:
            if self._run("delete", lambda: commands.remove_item(item.id)):
                self.selection.select(None)
