"""Vertebral levels: click inside a body and name it; the planner finds that vertebra's axes and
mid-sagittal plane from the image and proposes the neighbouring levels up and down the spine.

No modal dialog: the name for the next click is chosen in the toolbar, and proposals wait in the
Plan menu ("Add the proposed levels"), so the flow can be driven by events in tests.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel

from planner.anatomy.levels import detect_level, neighbour_name, propose_neighbours
from planner.core.errors import PlannerError
from planner.plan import commands
from planner.plan.items import Level
from planner.plan.vocab import LEVEL_NAMES, MAX_LEVELS
from planner.ui.action_host import ActionHost


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
        self.name_box = QComboBox(host.widget())
        self.name_box.setObjectName("level_name")
        self.name_box.addItems(list(LEVEL_NAMES))
        self.name_box.setCurrentText("L2")
        self.name_box.setToolTip("Name given to the next level you click (V)")
        self._toolbar_widgets = (QLabel(" Level "), self.name_box)
        self.session.volume_changed.connect(self._clear)

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
        if self.proposals:
            names = ", ".join(f"{g.name} ({g.confidence:.0%})" for g in self.proposals)
            self.w.show_status(
                f"Level {name} added. Proposed neighbours: {names} - Plan ▸ Add the proposed levels (Shift+V).", 15000)
        else:
            self.w.show_status(f"Level {name} added.", 8000)
        next_name = neighbour_name(name, -1)
        if next_name:
            self.name_box.setCurrentText(next_name)

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

    def _warn(self, text: str) -> None:
        self.w.warn("Vertebral level", text)
