"""Issue 19: the toolbar level box stays on the name the user chose: naming a level does not move it
to a neighbour, arrows after a choice scroll the slices, and the wheel passing over it changes nothing."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from planner.core.resources import sample_dir
from tests.ui.helpers import wheel
from tests.ui.test_keys_focus import _focus, _make_window, _press

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def landmarks():
    return json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())


@pytest.fixture
def host(qtbot):
    from tests.ui.test_action_groups import FakeHost

    h = FakeHost()
    qtbot.addWidget(h.parent)
    return h


def test_naming_a_level_keeps_the_name_in_the_box(qtbot, host, sample_volume, landmarks):
    from planner.ui.level_actions import LevelActions

    host.session.set_volume(sample_volume)
    levels = LevelActions(host, host.add_menu("&Plan"))
    levels.name_box.setCurrentText("L2")
    levels.add_level_at(landmarks["vertebrae"]["L2"]["body_centre_lps"])
    qtbot.waitUntil(lambda: not levels.is_busy(), timeout=120000)  # measured in a worker (issue 19)
    assert host.session.plan.level_named("L2") is not None
    assert levels.name_box.currentText() == "L2"  # it said L1 before (the cranial neighbour)
    # naming the same vertebra again is refused in words, and the box still does not move
    levels.add_level_at(landmarks["vertebrae"]["L2"]["body_centre_lps"])
    assert "already has level L2" in host.messages[-1]
    assert levels.name_box.currentText() == "L2"


def test_after_choosing_a_name_the_arrows_scroll_slices_not_names(qtbot):
    w = _make_window(qtbot)
    try:
        box = w.levels.name_box
        _focus(qtbot, box)
        box.setCurrentText("L3")
        box.activated.emit(box.currentIndex())  # what a choice in the popup sends
        assert QApplication.focusWidget() in w.all_2d_views()
        z_before = float(w.state.cursor_lps[2])
        _press(qtbot, Qt.Key_Up)
        _press(qtbot, Qt.Key_Up)
        assert box.currentText() == "L3"
        assert float(w.state.cursor_lps[2]) != z_before  # the slices moved instead
    finally:
        w.close()


def test_the_wheel_over_the_box_does_not_change_the_name(qtbot):
    w = _make_window(qtbot, volume=False)
    try:
        box = w.levels.name_box
        _focus(qtbot, w.views["axial"])
        box.setCurrentText("L3")
        wheel(box, steps=1)
        wheel(box, steps=-2)
        assert box.currentText() == "L3"
    finally:
        w.close()

