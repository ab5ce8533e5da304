"""Vertebral levels: click inside a body and name it; the planner finds that vertebra's axes and
mid-sagittal plane from the image and proposes the neighbouring levels up and down the spine.

No modal dialog: the name for the next click is chosen in the toolbar, and proposals wait in the
Plan menu ("Add the proposed levels"), so the flow can be driven by events in tests.

The toolbar box keeps the name the user chose (issue 19: it used to jump to the cranial neighbour
after each level, so the box no longer said what had just been named); after a choice the keys go
back to the views (arrows scroll slices, not names), and the wheel changes it only while it has the focus.

When the automatic vertebrae arrive (:mod:`planner.ui.anatomy_job`) the box lists the names found first
and, unless the user chose a name since the case opened, shows the one nearest the crosshair; when no
vertebra was named (a 20-slice scan, an ambiguous count) it stays empty rather than guessing (issue 19:
it said "L2" on the thoracic T11-T12 scan). A click with an empty box takes the automatic name of the
vertebra clicked, else asks for a name.

The body is measured in a worker (:mod:`planner.ui.level_job`, issue 19: it took 2-7 s on the GUI
thread): the click is checked at once (a name, not already in the plan), the level is added as one
undoable step when the measurement arrives, and a second click while one runs replaces it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from planner.core.errors import PlannerError
from planner.plan import commands
from planner.plan.items import Level
from planner.plan.vocab import LEVEL_NAMES, MAX_LEVELS
from planner.session.anatomy_state import confidence_word
from planner.session.level_rename import shift_all_levels
from planner.ui.action_host import ActionHost
from planner.ui.keyboard import wheel_only_when_focused
from planner.session.level_search import LevelOutcome
from planner.ui.level_job import LevelJob


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
        self.job = getattr(getattr(host, "loader", None), "anatomy", None)  # planner.ui.anatomy_job.AnatomyJob
        if self.job is not None:
            host.add_action(plan_menu, "Find the vertebrae &automatically", self.job.restart)
            self.job.vertebrae_ready.connect(self.offer_names)
        self.name_box = QComboBox(host.widget())
        self.name_box.setObjectName("level_name")
        self.name_box.setPlaceholderText("name?")
        self.name_box.setToolTip("Name given to the next level you click (V)")
        self.name_box.setFocusPolicy(Qt.StrongFocus)
        wheel_only_when_focused(self.name_box)
        self.name_box.activated.connect(lambda _i: self._keys_to_views())
        self.name_box.currentTextChanged.connect(self._on_box_changed)
        self._filling = False
        self.user_chose = False  # a name chosen since the case opened: the automatic default keeps off it
        self._fill(())
        self._toolbar_widgets = (QLabel(" Level "), self.name_box)
        self.detection = LevelJob(host, self.name_box)  # the body measured off the GUI thread (issue 19)
        self.detection.arrived.connect(self._on_measured)
        self.session.volume_changed.connect(self._clear)

    # --- the level box -----------------------------------------------------------------------------
    def _on_box_changed(self, _text: str) -> None:
        if not self._filling:
            self.user_chose = True

    def _fill(self, found, current: str = "") -> None:
        """The box's names: ``found`` first (head to feet), a separator, then every other name; showing
        ``current`` ("" : empty)."""
        box = self.name_box
        self._filling = True
        try:
            box.clear()
            found = [n for n in LEVEL_NAMES if n in set(found)]
            box.addItems(found)
            if found:
                box.insertSeparator(len(found))
            box.addItems([n for n in LEVEL_NAMES if n not in found])
            box.setCurrentIndex(box.findText(current) if current else -1)
        finally:
            self._filling = False

    def offer_names(self, spine) -> None:
        """The automatic vertebrae arrived (or were renamed): list their names first and, unless the user
        chose a name, show the one nearest the crosshair (nothing when none is named)."""
        named = [v for v in (spine.vertebrae if spine is not None else ()) if v.name]
        current = self.name_box.currentText()
        if not self.user_chose:
            current = ""
            state = getattr(self.w, "state", None)
            if named and state is not None:
                centres = np.array([v.body_centre_lps for v in named], float)
                current = named[int(np.argmin(np.linalg.norm(centres - state.cursor_lps, axis=1)))].name
        self._fill([v.name for v in named], current)
        words = ", ".join(f"{v.name} ({confidence_word(v.confidence)})" for v in named)
        self.name_box.setToolTip("Name given to the next level you click (V)" +
                                 (f". Found automatically: {words}" if words else ""))

    def _keys_to_views(self) -> None:
        keyboard = getattr(self.w, "keyboard", None)  # planner.ui.keyboard.KeyboardRouter on the main window
        if keyboard is not None:
            keyboard.focus_views()

    def toolbar_widgets(self):
        return self._toolbar_widgets

    def _clear(self) -> None:
        """A new case: no proposals, and the box empty until the automatic names arrive."""
        self.detection.cancel()
        self.proposals = []
        self.accept_action.setEnabled(False)
        self.user_chose = False
        self._fill(())

    def start(self) -> None:
        self.w.set_tool("level_seed")

    def is_busy(self) -> bool:
        """A clicked level is being measured."""
        return self.detection.is_busy()

    def shutdown(self) -> None:
        """The window closes: the measurement under way is cancelled and waited for."""
        self.detection.shutdown()

    def add_level_at(self, lps) -> None:
        """Name the vertebra at ``lps``: checked here, measured in the worker (see the module docstring)."""
        name = self.name_box.currentText() or self.auto_name_at(lps)
        self.w.set_tool("navigate")
        if not self._name_free(name):
            return
        self.detection.start(lps, name)

    def _name_free(self, name: str) -> bool:
        if not name:
            self._warn("Choose the level's name in the toolbar first: the automatic count did not name this "
                       "vertebra.")
            return False
        if self.session.plan.level_named(name) is not None:
            self._warn(f"The plan already has level {name}; choose another name in the toolbar.")
            return False
        return True

    def _on_measured(self, outcome: LevelOutcome) -> None:
        """The worker's result for the current click: one undoable step (the level), proposals kept."""
        name, lps = outcome.name, outcome.seed_lps
        if not self._name_free(name):  # the plan got that name while the body was measured
            return
        if outcome.geometry is None:
            self._add_from_bone(name, outcome.fallback, outcome.why)
            return
        if not self._add(outcome.geometry):
            return
        self.proposals = [g for g in outcome.proposals if self.session.plan.level_named(g.name) is None]
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

    def _add_from_bone(self, name: str, level, why: str) -> None:
        """The body could not be measured: the level from the bone around the click (found by the worker,
        None when there is none either), said so (issue 13)."""
        from planner.session.level_fallback import FALLBACK_NOTE

        if level is None:
            self._warn(why)
            return
        if self._push_level(level):
            self.w.show_status(f"Level {name} added, {FALLBACK_NOTE}.", 20000)

    def _push_level(self, level) -> bool:
        if len(self.session.plan.levels) >= MAX_LEVELS:
            self._warn(f"A plan holds at most {MAX_LEVELS} levels.")
            return False
        try:
            self.session.stack.push(commands.add_item(level))
        except PlannerError as exc:
            self._warn(str(exc))
            return False
        return True

    def _add(self, geometry) -> bool:
        return self._push_level(Level(**geometry.to_level_kwargs(), body_depth_mm=geometry.depth_mm))

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
        if self.job is not None:
            self.job.announce()  # the automatic names moved too: labels and box follow

    def show_spine(self) -> None:
        """What the automatic search found and why levels are or are not named (in words)."""
        anatomy = self.session.anatomy
        if anatomy is None:
            return
        if not anatomy.ready:
            self.w.show_status("The automatic level count is still running (its progress is in the "
                               "status bar).", 8000)
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
