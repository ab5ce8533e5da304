"""Issue 19 (view19): the menu bar reads File / Edit / View / Plan / Training / Help, and a number box
that the wheel passes over while a panel scrolls keeps its value (it takes the wheel only when focused)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from planner.ui.menu_order import MENU_ORDER, ordered_titles
from planner.ui.wheel_guard import install_wheel_guard
from tests.ui.helpers import wheel
from tests.ui.test_keys_focus import _make_window

pytestmark = pytest.mark.gui


def test_ordered_titles_rule():
    assert ordered_titles(["File", "View", "Edit", "Plan", "Help", "Training"]) == list(MENU_ORDER)
    # a menu the rule does not name stays after the known menu it followed; Help stays last
    assert ordered_titles(["Help", "File", "View", "Tools", "Edit"]) == ["File", "Edit", "View", "Tools", "Help"]
    assert ordered_titles(["Extra", "Help"]) == ["Extra", "Help"]


def test_window_menu_bar_order(qtbot):
    w = _make_window(qtbot, volume=False)
    try:
        titles = [a.text().replace("&", "") for a in w.menuBar().actions() if a.menu() is not None]
        assert titles == ["File", "Edit", "View", "Plan", "Training", "Help"]
        for action in w.menuBar().actions():  # the menus still open and hold their entries
            assert action.menu().actions()
    finally:
        w.close()


def _scroll_panel(qtbot):
    """A scroll area much taller than its viewport with a spin box in the middle of it."""
    area = QScrollArea()
    content = QWidget()
    layout = QVBoxLayout(content)
    for n in range(30):
        layout.addWidget(QLabel(f"row {n}"))
    box = QDoubleSpinBox()
    box.setRange(0, 100)
    box.setValue(10.0)
    layout.addWidget(box)
    for n in range(30):
        layout.addWidget(QLabel(f"row {n + 30}"))
    area.setWidget(content)
    area.resize(200, 150)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    area.ensureWidgetVisible(box)
    return area, box


def test_wheel_over_an_unfocused_spin_box_scrolls_the_panel(qtbot):
    install_wheel_guard()
    area, box = _scroll_panel(qtbot)
    assert box.focusPolicy() == Qt.StrongFocus  # the wheel no longer gives it the focus
    assert not box.hasFocus()
    bar = area.verticalScrollBar()
    before = bar.value()
    wheel(box, steps=-1)
    wheel(box.lineEdit(), steps=-1)
    assert box.value() == 10.0
    assert bar.value() > before  # the panel scrolled on


def test_focused_spin_box_still_steps_with_the_wheel(qtbot):
    install_wheel_guard()
    area, box = _scroll_panel(qtbot)
    area.activateWindow()
    qtbot.waitActive(area)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    wheel(box, steps=1)
    assert box.value() == 11.0


def test_window_slab_box_ignores_a_passing_wheel(qtbot):
    w = _make_window(qtbot)
    try:
        boxes = [b for b in w.findChildren(QDoubleSpinBox) if b.isVisible()]
        assert boxes
        for box in boxes:
            assert box.focusPolicy() != Qt.WheelFocus
            if box.hasFocus():
                continue
            value = box.value()
            wheel(box, steps=3)
            assert box.value() == value, box.objectName()
    finally:
        w.close()
