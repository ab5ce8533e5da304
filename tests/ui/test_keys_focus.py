"""Issue 19, keys: single-letter shortcuts work wherever the keyboard focus is (after typing a number
in the toolbar or the properties panel, after a dialog, after a task starts), text fields keep their
letters, Enter and Esc give the focus back to the views, and a key that cannot act says why."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from planner.plan import commands
from planner.plan.items import Needle
from planner.ui.keyboard import (COMMIT_THEN_VIEWS, OTHER, SPIN, TEXT, TO_SHORTCUT, TO_VIEWS, TO_WIDGET,
                                 route_key, tool_unavailable_reason)
from tests.ui.helpers import marker_volume

pytestmark = pytest.mark.gui


def _active_tool(window) -> str:
    tool = window.views["axial"].tool
    return next(k for k, t in window.tools.items() if t is tool)


def _press(qtbot, key, modifiers=Qt.NoModifier) -> None:
    """A key as the user types it: delivered to the widget that has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), key, modifiers)


def _focus(qtbot, widget) -> None:
    widget.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget or widget.isAncestorOf(QApplication.focusWidget()))


def _make_window(qtbot, volume=True):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    if volume:
        w.set_volume(marker_volume()[0])
    return w


@pytest.fixture
def window(qtbot):
    w = _make_window(qtbot)
    yield w
    w.close()


# --- the rule, as a plain function ---------------------------------------------------------------
@pytest.mark.parametrize("kind, key, mods, has_action, expected", [
    (SPIN, Qt.Key_N, Qt.NoModifier, True, TO_SHORTCUT),  # a number box cannot take a letter
    (SPIN, Qt.Key_V, Qt.ShiftModifier, True, TO_SHORTCUT),
    (SPIN, Qt.Key_X, Qt.NoModifier, False, TO_WIDGET),  # no action: nothing to run
    (SPIN, Qt.Key_4, Qt.NoModifier, True, TO_WIDGET),  # digits are the box's
    (SPIN, Qt.Key_Z, Qt.ControlModifier, True, TO_WIDGET),  # command keys keep Qt's rules
    (TEXT, Qt.Key_N, Qt.NoModifier, True, TO_WIDGET),  # a name being typed stays text
    (SPIN, Qt.Key_Return, Qt.NoModifier, False, COMMIT_THEN_VIEWS),
    (TEXT, Qt.Key_Enter, Qt.NoModifier, False, COMMIT_THEN_VIEWS),
    (OTHER, Qt.Key_Return, Qt.NoModifier, False, TO_WIDGET),
    (TEXT, Qt.Key_Escape, Qt.NoModifier, True, TO_VIEWS),
    (OTHER, Qt.Key_Escape, Qt.NoModifier, True, TO_VIEWS),
])
def test_route_key(kind, key, mods, has_action, expected):
    assert route_key(kind, key, mods, has_action) == expected


def test_tools_need_a_case_and_say_so():
    assert tool_unavailable_reason("navigate", False) == ""
    assert tool_unavailable_reason("place_needle", True) == ""
    assert "open a CT series" in tool_unavailable_reason("place_needle", False)
    assert "needle" in tool_unavailable_reason("place_needle", False)


# --- in the window -------------------------------------------------------------------------------
def test_letter_after_typing_in_the_toolbar_number_box_applies_the_number_and_runs_the_key(window, qtbot):
    box = window.slab_spin
    _focus(qtbot, box)
    box.selectAll()
    qtbot.keyClicks(box, "4")
    _press(qtbot, Qt.Key_N)
    assert _active_tool(window) == "place_needle"
    assert box.value() == 4.0  # the number typed was applied, not lost
    assert QApplication.focusWidget() in window.all_2d_views()
    _press(qtbot, Qt.Key_M)  # and the next key works from the views
    assert _active_tool(window) == "ruler"


def test_letter_after_editing_the_needle_depth_in_the_properties(window, qtbot):
    volume = window.volume
    entry = volume.to_lps(np.array([10.0, 28.0, 12.0]))
    tip = volume.to_lps(np.array([30.0, 28.0, 12.0]))
    needle = Needle(tuple(entry), tuple(tip))
    window.session.stack.push(commands.add_item(needle))
    window.selection.select(needle.id)
    depth = window.properties.fields["depth"]
    _focus(qtbot, depth)
    depth.selectAll()
    qtbot.keyClicks(depth, "25")
    _press(qtbot, Qt.Key_T)
    assert _active_tool(window) == "place_thermocouple"
    moved = window.session.plan.get(needle.id)
    assert np.linalg.norm(np.subtract(moved.tip_lps, moved.entry_lps)) == pytest.approx(25.0, abs=0.05)


def test_letters_in_a_text_field_stay_text(window, qtbot):
    name = window.training.panel.trainee
    window.training.show_panel()
    _focus(qtbot, name)
    qtbot.keyClicks(QApplication.focusWidget(), "NMA")
    assert name.text() == "NMA"
    assert _active_tool(window) == "navigate"


def test_enter_applies_the_number_and_gives_the_focus_to_the_views(window, qtbot):
    box = window.slab_spin
    _focus(qtbot, box)
    box.selectAll()
    qtbot.keyClicks(box, "6")
    _press(qtbot, Qt.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() in window.all_2d_views())
    assert box.value() == 6.0
    _press(qtbot, Qt.Key_Up)  # arrows now scroll the slices, not the box
    assert box.value() == 6.0


def test_escape_returns_the_focus_to_the_views_from_a_text_field(window, qtbot):
    window.set_tool("ruler")
    window.training.show_panel()
    _focus(qtbot, window.training.panel.trainee)
    _press(qtbot, Qt.Key_Escape)
    assert QApplication.focusWidget() in window.all_2d_views()
    assert _active_tool(window) == "navigate"


def test_keys_work_after_a_dialog_closes(window, qtbot):
    _focus(qtbot, window.slab_spin)
    dialog = QDialog(window)
    dialog.setWindowTitle("any dialog")
    field = QLineEdit(dialog)
    QTimer.singleShot(0, lambda: (qtbot.keyClicks(field, "MN"), dialog.accept()))
    dialog.exec()
    assert field.text() == "MN"  # inside the dialog the letters were text, not tools
    assert _active_tool(window) == "navigate"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is window)
    _press(qtbot, Qt.Key_A)
    assert _active_tool(window) == "angle"


def test_a_new_plan_or_task_gives_the_keys_to_the_views(window, qtbot):
    """Starting a training task clears the plan (TrainingActions._begin): the focus leaves the name field."""
    window.training.show_panel()
    _focus(qtbot, window.training.panel.trainee)
    window.session.plan.clear()
    assert QApplication.focusWidget() in window.all_2d_views()
    _press(qtbot, Qt.Key_N)
    assert _active_tool(window) == "place_needle"


def test_a_key_that_cannot_act_says_why(qtbot):
    w = _make_window(qtbot, volume=False)
    try:
        _focus(qtbot, w.views["axial"])
        _press(qtbot, Qt.Key_N)
        assert _active_tool(w) == "navigate"
        assert "open a CT series" in w.statusBar().currentMessage()
    finally:
        w.close()


def test_a_disabled_action_key_says_it_is_not_available(window, qtbot):
    assert not window.levels.accept_action.isEnabled()  # no proposals yet
    _focus(qtbot, window.views["axial"])
    _press(qtbot, Qt.Key_V, Qt.ShiftModifier)
    message = window.statusBar().currentMessage()
    assert "not available" in message and "proposed" in message


def test_antenna_without_a_selected_needle_says_why(window, qtbot):
    _focus(qtbot, window.slab_spin)
    _press(qtbot, Qt.Key_A, Qt.ShiftModifier)
    assert "Select" in window.statusBar().currentMessage()
    assert not window.session.plan.antennas
