"""Vertebral levels: click inside a body and name it; the planner finds that vertebra's axes and
mid-sagittal plane from the image and proposes the neighbouring levels up and down the spine.

No modal dialog: the name for the next click is chosen in the toolbar, and proposals wait in the
Plan menu ("Add the proposed levels"), so the flow can be driven by events in tests.

The toolbar box keeps the name the user chose (issue 19: it used to jump to the cranial neighbour
after each level, so the box no longer said what had just been named); after a choice the keys go
back to the views (arrows scroll slices, not names), and the wheel changes it only while it has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from planner.anatomy.levels import detect_level, propose_neighbours
from planner.core.errors import PlannerError
from planner.plan import commands
from planner.plan.items import Level
from planner.plan.vocab import LEVEL_NAMES, MAX_LEVELS
from planner.session.level_rename import shift_all_levels
from planner.ui.action_host import ActionHost
from planner.ui.keyboard import wheel_only_when_focused


class LevelActions:
    """Adds the level actions to the Plan menu of ``host`` (an :class:`~planner.ui.action_host.ActionHost`)
    and the level-name box to its toolbar (:meth:`toolbar_widgets`)."""

    def __init__(self, host: ActionHost, plan_menu):
        self.w = host
        self.session = host.session
        self.proposals = []
        plan_menu.addSeparator()
        host.add_action(plan_menu, "Add a &vertebral level (click in the body)", self.start, "V")
        self.accept_action = host.add_action(plan_menu, "Add the &proposed neighbouring levels",
                                                self.accept_proposals, "Shift+V")
        self.accept_action.setEnabled(False)
        host.add_action(plan_menu, "Rename all levels one &up (toward the head)", lambda: self.shift_all(-1))
        host.add_action(plan_menu, "Rename all levels one &down (toward the feet)", lambda: self.shift_all(+1))
        host.add_action(plan_menu, "Show the &automatic level count", self.show_spine)
        self.name_box = QComboBox(host.widget())
        self.name_box.setObjectName("level_name")
        self.name_box.addItems(list(LEVEL_NAMES))
        self.name_box.setCurrentText("L2")
        self.name_box.setToolTip("Name given to the next level you click (V)")
        self.name_box.setFocusPolicy(Qt.StrongFocus)
        wheel_only_when_focused(self.name_box)
        self.name_box.activated.connect(lambda _i: self._keys_to_views())
        self._toolbar_widgets = (QLabel(" Level "), self.name_box)
        self.session.volume_changed.connect(self._clear)

    def _keys_to_views(self) -> None:
        keyboard = getattr(self.w, "keyboard", None)  # planner.ui.keyboard.KeyboardRouter on the main window
        if keyboard is not None:
            keyboard.focus_views()

    def toolbar_widgets(self):
        return self._toolbar_widgets

    def _clear(self) -> None:
        self.proposals = []
        self.accept_action.setEnabled(False)

    def start(self) -> None:
        self.w.set_tool("level_seed")

    def add_level_at(self, lps) -> None:
        name = self.name_box.currentText()
        self.w.set_tool("navigate")
        if self.session.plan.level_named(name) is not None:
            self._warn(f"The plan already has level {name}; choose another name in the toolbar.")
            return
        try:
            geometry = detect_level(self.session.volume, lps, name)
        except PlannerError as exc:
            self._warn(str(exc))
            return
        if not self._add(geometry):
            return
        try:
            found = propose_neighbours(self.session.volume, geometry, count_up=1, count_down=1)
        except PlannerError:
            found = []
        self.proposals = [g for g in found if self.session.plan.level_named(g.name) is None]
        self.accept_action.setEnabled(bool(self.proposals))
        auto = self.auto_name_at(lps)
        if auto and auto != name:
            self.w.show_status(
                f"Level {name} added; note that the automatic count names this vertebra {auto} "
                "(Plan ▸ Rename all levels to shift every name by one).", 15000)
        elif self.proposals:
            names = ", ".join(f"{g.name} ({g.confidence:.0%})" for g in self.proposals)
            self.w.show_status(
                f"Level {name} added. Proposed neighbours: {names} - Plan ▸ Add the proposed levels (Shift+V).", 15000)
        else:
            self.w.show_status(f"Level {name} added.", 8000)

    def _add(self, geometry) -> bool:
        if len(self.session.plan.levels) >= MAX_LEVELS:
            self._warn(f"A plan holds at most {MAX_LEVELS} levels.")
            return False
        level = Level(**geometry.to_level_kwargs(), body_depth_mm=geometry.depth_mm)
        try:
            self.session.stack.push(commands.add_item(level))
        except PlannerError as exc:
            self._warn(str(exc))
            return False
        return True

    def accept_proposals(self) -> None:
        with self.session.stack.macro("Add proposed levels"):
            for geometry in self.proposals:
                if self.session.plan.level_named(geometry.name) is None and not self._add(geometry):
                    break
        self._clear()

    def shift_all(self, steps: int) -> None:
        """One action renames every level (plan levels, needles' levels, automatic vertebrae) by one."""
        try:
            changed = shift_all_levels(self.session, steps)
        except PlannerError as exc:
            self._warn(str(exc))
            return
        self.w.show_status(f"Renamed {changed} item(s) by one level "
                                       f"{'toward the feet' if steps > 0 else 'toward the head'}.", 8000)

    def show_spine(self) -> None:
        """What the automatic search found and why levels are or are not named (in words)."""
        anatomy = self.session.anatomy
        if anatomy is None:
            return
        if not anatomy.ready:
            self.w.show_status("The automatic level count is still running (it starts with the "
                                           "first corridor check).", 8000)
            return
        spine = anatomy.spine()
        names = ", ".join(f"{v.name} ({v.confidence:.0%})" for v in spine.vertebrae if v.name)
        self.w.show_status(spine.message + (f" Found: {names}." if names else ""), 20000)

    def auto_name_at(self, lps) -> str:
        """The automatic name of the vertebra at ``lps`` ("" when unknown or not named)."""
        anatomy = self.session.anatomy
        if anatomy is None or not anatomy.ready:
            return ""
        from planner.analysis.vertebra_rule import vertebra_at

        g = vertebra_at(anatomy.spine().vertebrae, lps)
        return g.name if g is not None else ""

    def _warn(self, text: str) -> None:
        self.w.warn("Vertebral level", text)
