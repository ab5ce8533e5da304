"""Issue 19 (view19): in the RAS display mode the properties panel's point boxes show and take RAS
letters (typing R 23.6 stores x_lps = -23.6); the plan stays LPS. Expected values follow from the
definition RAS = (-x_lps, -y_lps, z_lps) (DICOM PS3.3 C.7.6.2.1.1; 3D Slicer's coordinate readout)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from planner.core.position_text import LPS, RAS, parse_axis_text
from planner.plan import commands
from planner.plan.items import Target

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("axis, text, frame, lps", [
    (0, "R 23.6", RAS, -23.6), (0, "r23.6 mm", LPS, -23.6), (0, "L 5", RAS, 5.0),
    (0, "-23.6", RAS, 23.6), (0, "-23.6", LPS, -23.6), (1, "A 10", RAS, -10.0), (1, "P 10", RAS, 10.0),
    (2, "I 182.0", RAS, -182.0), (2, "-182", RAS, -182.0), (2, "S 3 mm", LPS, 3.0),
])
def test_parse_axis_text(axis, text, frame, lps):
    assert parse_axis_text(axis, text, frame) == pytest.approx(lps)


@pytest.mark.parametrize("axis, text", [(0, "A 3"), (2, "R 1"), (1, "twelve"), (0, "")])
def test_parse_axis_text_rejects_with_the_axis_named(axis, text):
    with pytest.raises(ValueError, match="axis"):
        parse_axis_text(axis, text, RAS)


def _type(box, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), text)
    QTest.keyClick(box.lineEdit(), Qt.Key_Return)


@pytest.fixture(scope="module")
def _window(qapp):
    from planner.ui.main_window import MainWindow
    from tests.ui.helpers import marker_volume

    w = MainWindow()
    w.loader.quiet = True
    w.show()
    w.set_volume(marker_volume()[0])
    yield w
    w.view_prefs.set_position_frame(LPS)  # the preference is kept in QSettings between tests
    w.close()


@pytest.fixture
def window_with_target(_window):
    """The module's window in the LPS mode with a new target T1 at (-23.6, 10, -18) selected."""
    w = _window
    w.view_prefs.set_position_frame(LPS)
    w.session.stack.push(commands.add_item(Target((-23.6, 10.0, -18.0), name="T1")))
    target = w.session.plan.targets[-1]
    w.selection.select(target.id)
    yield w, target.id
    w.view_prefs.set_position_frame(LPS)


def test_ras_mode_shows_letters_and_a_typed_r_stores_lps(window_with_target):
    w, tid = window_with_target
    w.view_prefs.set_position_frame(RAS)
    editor = w.properties.fields["centre"]
    texts = [box.text() for box in editor.boxes]
    assert texts == ["R 23.6 mm", "P 10.0 mm", "I 18.0 mm"]
    _type(editor.boxes[0], "L 12.5")
    assert w.session.plan.get(tid).centre_lps[0] == pytest.approx(12.5)
    _type(editor.boxes[0], "R 23.6")
    assert tuple(w.session.plan.get(tid).centre_lps) == pytest.approx((-23.6, 10.0, -18.0))
    assert editor.boxes[0].text() == "R 23.6 mm"
    _type(editor.boxes[1], "-4")  # a bare number is a signed RAS coordinate: A -4 = P 4
    assert w.session.plan.get(tid).centre_lps[1] == pytest.approx(4.0)
    assert editor.boxes[1].text() == "P 4.0 mm"


def test_ras_arrow_steps_toward_right(window_with_target):
    w, tid = window_with_target
    w.view_prefs.set_position_frame(RAS)
    box = w.properties.fields["centre"].boxes[0]
    box.setFocus()
    box.stepBy(1)  # one step up in RAS: 1 mm further to the patient's right
    box.editingFinished.emit()
    assert w.session.plan.get(tid).centre_lps[0] == pytest.approx(-24.6)


def test_lps_mode_unchanged_and_switching_keeps_the_point(window_with_target):
    w, tid = window_with_target
    editor = w.properties.fields["centre"]
    assert editor.frame == LPS
    assert [b.text() for b in editor.boxes] == ["L -23.6 mm", "P 10.0 mm", "S -18.0 mm"]
    w.view_prefs.set_position_frame(RAS)
    w.view_prefs.set_position_frame(LPS)
    assert [b.text() for b in editor.boxes] == ["L -23.6 mm", "P 10.0 mm", "S -18.0 mm"]
    assert tuple(w.session.plan.get(tid).centre_lps) == pytest.approx((-23.6, 10.0, -18.0))
    _type(editor.boxes[2], "-20")
    assert w.session.plan.get(tid).centre_lps[2] == pytest.approx(-20.0)


def test_ras_mode_applies_to_an_item_selected_later(window_with_target):
    w, _ = window_with_target
    w.view_prefs.set_position_frame(RAS)
    w.session.stack.push(commands.add_item(Target((5.0, -7.0, 2.0), name="T2")))
    w.selection.select(w.session.plan.targets[-1].id)
    assert [b.text() for b in w.properties.fields["centre"].boxes] == ["L 5.0 mm", "A 7.0 mm", "S 2.0 mm"]


def test_the_gui_scenario_driver_types_points_in_the_shown_frame(window_with_target):
    """A GUI scenario types LPS points; in the RAS mode it must type what the boxes mean."""
    from planner.ui.scenario_driver import GuiScenarioDriver

    w, tid = window_with_target
    w.view_prefs.set_position_frame(RAS)
    driver = GuiScenarioDriver(w)
    driver.type_point("centre", w.session.plan.get(tid).centre_lps, (-20.0, 12.0, -15.0))
    assert tuple(w.session.plan.get(tid).centre_lps) == pytest.approx((-20.0, 12.0, -15.0))
    assert [b.text() for b in w.properties.fields["centre"].boxes] == ["R 20.0 mm", "P 12.0 mm", "I 15.0 mm"]
