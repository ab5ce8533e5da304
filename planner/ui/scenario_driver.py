"""Drive the real main window from a QA scenario (docs/scenarios.md) with mouse and keyboard events.

Nothing here calls the plan or the session to change them: needles and thermocouples are placed by
scrolling the axial view to the tip's slice with the wheel and clicking the entry then the tip with
the needle tool (N) or the thermocouple tool (T); antennas with Shift+A on the needle selected in the
plan tree; power and time, and exact coordinates, are typed into the properties panel; B mirrors a
needle; Delete, Ctrl+Z and Ctrl+Shift+Z delete, undo and redo; Shift+T adds a target at the crosshair
(its radius typed into the dialog). Reading the session (ids of new items, figures to check) is fine.

Out-of-plane points: the entry is clicked on the tip's slice (its x, y), then the exact entry and tip
are typed into the properties panel's L/P/S boxes (0.1 mm steps) when the clicks did not land on them.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDoubleSpinBox, QInputDialog, QMessageBox,
                               QTreeWidgetItemIterator)

from planner.core.resources import sample_series_dir
from planner.geometry.planes import AXIAL
from planner.scenarios.model import Scenario, ScenarioError
from planner.scenarios.runner import window_preset_ids
from planner.scenarios.steps import StepRunner

_TOLERANCE_MM = 0.02


def wheel_event(widget, steps: int) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * steps), Qt.NoButton,
                        Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def type_number(box: QAbstractSpinBox, value: float) -> None:
    """Select the box's text, type the number and press Enter (as a user would)."""
    decimals = box.decimals() if isinstance(box, QDoubleSpinBox) else 0
    QTest.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(box, f"{value:.{decimals}f}")
    QTest.keyClick(box, Qt.Key_Return)


class GuiScenarioDriver(StepRunner):
    """Runs a scenario on a shown :class:`~planner.ui.main_window.MainWindow`."""

    mode = "gui"

    def __init__(self, window, load_timeout_s: float = 90.0):
        super().__init__()
        self.w = window
        self.load_timeout_ms = int(load_timeout_s * 1000)
        self.dialog_messages: list[str] = []
        self._guard = QTimer()
        self._guard.setInterval(150)
        self._guard.timeout.connect(self._close_message_boxes)

    @property
    def session(self):
        return self.w.session

    # --- plumbing -----------------------------------------------------------------------------------
    def _close_message_boxes(self) -> None:
        """A warning box would block the scenario: note its text as the step's failure and close it."""
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.dialog_messages.append(box.text())
            box.reject()

    def run_step(self, step):
        self.dialog_messages.clear()
        self._guard.start()
        try:
            outcome = super().run_step(step)
        finally:
            self._guard.stop()
        QApplication.processEvents()
        if self.dialog_messages and outcome.ok:
            outcome.ok, outcome.message = False, "the app showed: " + " / ".join(self.dialog_messages)
        return outcome

    def _wait(self, signals, timeout_ms: int) -> bool:
        loop, fired = QEventLoop(), []
        for signal in signals:
            signal.connect(lambda *a, s=signal: (fired.append(s), loop.quit()))
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        return bool(fired)

    def wait_until(self, predicate, timeout_ms: int) -> bool:
        """Let the event loop run (workers report back through it) until ``predicate()`` holds."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not predicate():
            if time.monotonic() > deadline:
                return False
            QApplication.processEvents(QEventLoop.AllEvents, 20)
            time.sleep(0.005)
        return True

    def _analysis_done(self) -> bool:
        ev = self.session.evaluation
        return ev is not None and ev.complete and not self.session.interactive

    def before_checks(self) -> None:
        """The app checks needle corridors in the background: wait for the complete evaluation."""
        if not self.wait_until(self._analysis_done, self.load_timeout_ms):
            raise ScenarioError("the app did not finish analysing the plan in time")

    def open_series(self, scenario: Scenario) -> None:
        w = self.w
        if not w.isVisible():
            raise ScenarioError("show the window before driving it")
        w.loader.quiet = True
        path = sample_series_dir() if scenario.uses_sample else scenario.series
        failures: list[str] = []
        w.loader.failed.connect(failures.append)
        w.open_path(path)
        ok = self._wait([w.loader.canal_ready, w.loader.failed], self.load_timeout_ms)
        if failures or not ok or w.session.canal_mask is None:
            raise ScenarioError(failures[0] if failures else "the series did not load (with its canal) in time")
        self._axial().repaint()

    def _key(self, key, modifiers=Qt.NoModifier) -> None:
        if not self.w.isActiveWindow():  # e.g. after a dialog closed: shortcuts need the active window
            self.w.activateWindow()
            QApplication.processEvents()
        QTest.keyClick(self.w, key, modifiers)
        QApplication.processEvents()

    def undo_once(self) -> None:
        self._key(Qt.Key_Z, Qt.ControlModifier)

    def redo_once(self) -> None:
        self._key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)

    def _axial(self):
        return self.w.views[AXIAL]

    def scroll_axial_to(self, z_mm: float) -> None:
        """Wheel the axial view one slice per notch until it shows ``z_mm``."""
        axial = self._axial()
        step = float(self.w.volume.spacing_mm[2])
        for _ in range(2000):
            diff = z_mm - axial.slice_position_mm()
            if abs(diff) <= step / 2 + 1e-6:
                axial.repaint()
                return
            before = axial.slice_position_mm()
            wheel_event(axial, 1 if diff > 0 else -1)
            if axial.slice_position_mm() == before:
                raise ScenarioError(f"the axial view cannot scroll to z = {z_mm:g} mm (outside the scan)")
        raise ScenarioError(f"could not scroll the axial view to z = {z_mm:g} mm")

    def click_axial(self, lps) -> None:
        """Left click at the on-screen position of ``lps``'s x, y on the displayed axial slice."""
        axial = self._axial()
        p = np.asarray(lps, float).copy()
        p[2] = axial.slice_position_mm()
        x, y = axial.lps_to_screen(p)
        if not (0 <= x < axial.width() and 0 <= y < axial.height()):
            raise ScenarioError(f"the point {np.round(lps, 1).tolist()} is outside the axial view")
        pos = QPointF(x, y)
        for kind, buttons in ((QEvent.MouseButtonPress, Qt.LeftButton), (QEvent.MouseButtonRelease, Qt.NoButton)):
            event = QMouseEvent(kind, pos, axial.mapToGlobal(pos), Qt.LeftButton, buttons, Qt.NoModifier)
            QApplication.sendEvent(axial, event)
        QApplication.processEvents()

    def select(self, item_id: str) -> None:
        """Click the item's row in the plan tree (the shared selection follows)."""
        tree = self.w.plan_tree.tree
        it = QTreeWidgetItemIterator(tree)
        row = None
        while it.value() is not None:
            if it.value().data(0, Qt.UserRole) == item_id:
                row = it.value()
                break
            it += 1
        if row is None:
            raise ScenarioError("the item is not listed in the plan tree")
        tree.scrollToItem(row)
        rect = tree.visualItemRect(row)
        QTest.mouseClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
        QApplication.processEvents()
        if self.w.selection.item_id != item_id:
            raise ScenarioError("clicking the plan tree row did not select the item")

    def _field(self, key: str):
        try:
            return self.w.properties.fields[key]
        except KeyError:
            raise ScenarioError(f"the properties panel shows no '{key}' field for the selected item") from None

    def type_point(self, key: str, current, wanted) -> None:
        """Type the coordinates that differ into the properties panel's L/P/S boxes."""
        editor = self._field(key)
        shown = editor.display_values(wanted)  # issue 19: the boxes may read RAS (x, y negated)
        for box, have, want, typed in zip(editor.boxes, current, wanted, shown):
            if abs(have - want) > _TOLERANCE_MM:
                type_number(box, typed)
                QApplication.processEvents()

    # --- steps --------------------------------------------------------------------------------------
    def do_view(self, args) -> str:
        if "cursor_lps" in args or "slice_z_mm" in args:
            z = args["slice_z_mm"] if "slice_z_mm" in args else args["cursor_lps"][2]
            self.scroll_axial_to(z)
        if "cursor_lps" in args:
            self._key(Qt.Key_Escape)
            self.click_axial(args["cursor_lps"])
        if "window" in args:
            presets = window_preset_ids()
            if args["window"] not in presets:
                raise ScenarioError(f"unknown window preset '{args['window']}'")
            centre, width, key = presets[args["window"]]
            self._key(getattr(Qt, f"Key_{key.upper()}"))
            if self.w.state.window != (centre, width):
                raise ScenarioError(f"the window shortcut '{key}' did not apply the preset")
        return ""

    def _place(self, tool_key, kind: str, args) -> str:
        plan = self.session.plan
        before = {i.id for i in plan.items(kind)}
        entry, tip = np.asarray(args["entry_lps"], float), np.asarray(args["tip_lps"], float)
        self.scroll_axial_to(tip[2])
        self._key(tool_key)
        self.click_axial(entry)
        self.click_axial(tip)
        self._key(Qt.Key_Escape)
        new = [i for i in plan.items(kind) if i.id not in before]
        if len(new) != 1:
            raise ScenarioError(f"the two clicks did not create one {kind}")
        item_id = new[0].id
        self.new_label(args["label"], item_id)
        if self.w.selection.item_id != item_id:
            self.select(item_id)
        for key, wanted in (("entry", entry), ("tip", tip)):
            self.type_point(key, getattr(plan.get(item_id), f"{key}_lps"), wanted)
        return plan.get(item_id).name

    def do_add_needle(self, args) -> str:
        return self._place(Qt.Key_N, "needle", args)

    def do_add_thermocouple(self, args) -> str:
        return self._place(Qt.Key_T, "thermocouple", args)

    def _type_antenna(self, antenna, args) -> str:
        for key in ("power_w", "time_s"):
            if key in args and float(round(args[key])) != getattr(antenna, key):
                type_number(self._field(key), round(args[key]))
                QApplication.processEvents()
        antenna = self.session.plan.antenna_for(antenna.needle_id)
        return f"{antenna.power_w:g} W, {antenna.time_s:g} s"

    def do_add_antenna(self, args) -> str:
        plan = self.session.plan
        needle_id = self.item_id(args["needle"])
        self.select(needle_id)
        self._key(Qt.Key_A, Qt.ShiftModifier)
        antenna = plan.antenna_for(needle_id)
        if antenna is None:
            raise ScenarioError("Shift+A did not add an antenna")
        if self.w.selection.item_id != antenna.id:
            self.select(antenna.id)
        return self._type_antenna(antenna, args)

    def do_set_antenna(self, args) -> str:
        antenna = self.session.plan.antenna_for(self.item_id(args["needle"]))
        if antenna is None:
            raise ScenarioError(f"the needle '{args['needle']}' holds no antenna")
        self.select(antenna.id)
        return self._type_antenna(antenna, args)

    def do_add_target(self, args) -> str:
        plan = self.session.plan
        centre = np.asarray(args["centre_lps"], float)
        semi = args.get("semi_axes_mm") or (args["radius_mm"],) * 3
        self.do_view({"cursor_lps": tuple(centre)})
        before = {t.id for t in plan.targets}
        QTimer.singleShot(0, lambda: self._fill_radius_dialog(semi[0], 40))
        self._key(Qt.Key_T, Qt.ShiftModifier)
        new = [t for t in plan.targets if t.id not in before]
        if len(new) != 1:
            raise ScenarioError("Shift+T did not add a target")
        self.new_label(args["label"], new[0].id)
        self.type_point("centre", new[0].centre_lps, centre)
        for i, axis in enumerate("abc"):
            if abs(plan.get(new[0].id).semi_axes_mm[i] - round(semi[i], 1)) > _TOLERANCE_MM:
                type_number(self._field(f"semi_{axis}"), semi[i])
                QApplication.processEvents()
        return plan.get(new[0].id).name

    def _fill_radius_dialog(self, radius_mm: float, tries: int) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            if tries > 0:
                QTimer.singleShot(25, lambda: self._fill_radius_dialog(radius_mm, tries - 1))
            return
        box = dialog.findChild(QDoubleSpinBox)
        type_number(box, radius_mm)
        if dialog.isVisible():
            dialog.accept()

    def do_bipedicular(self, args) -> str:
        plan = self.session.plan
        needle_id = self.item_id(args["needle"])
        self.select(needle_id)
        before = {n.id for n in plan.needles}
        self._key(Qt.Key_B)
        new = [n.id for n in plan.needles if n.id not in before]
        self.new_label(args["label"], new[0] if new else None)
        return plan.get(new[0]).name

    def do_delete(self, args) -> str:
        self.select(self.item_id(args["item"]))
        self._key(Qt.Key_Delete)
        return ""

    def do_analyze(self, args) -> str:
        self.before_checks()
        ev = self.session.evaluation
        return f"{len(ev.findings)} finding(s), worst {ev.severity.value}"


def run_in_window(window, scenario: Scenario):
    """Run ``scenario`` on ``window`` (shown); returns the ScenarioResult."""
    return GuiScenarioDriver(window).run(scenario)
