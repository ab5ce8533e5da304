"""Issue 15, a drag is cheap: a point box told the value it already shows is not redrawn (Qt's
``setValue`` repaints an unchanged value, so the entry's three boxes were redrawn on every move of a tip
drag). A changed value, a value typed but not committed, and a frame change still show."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject

from planner.core.position_text import LPS, RAS
from planner.ui.point_editor import AxisSpinBox

pytestmark = pytest.mark.gui


class _Paints(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Paint:
            self.count += 1
        return False


@pytest.fixture
def box(qtbot):
    box = AxisSpinBox(0, LPS)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.set_lps_value(12.3)
    qtbot.wait(20)
    paints = _Paints()
    box.lineEdit().installEventFilter(paints)
    box.installEventFilter(paints)
    return box, paints


def test_the_value_already_shown_is_not_redrawn(box, qtbot):
    box, paints = box
    for _ in range(5):
        box.set_lps_value(12.3)
        box.set_lps_value(12.34)  # shown to one decimal: the same 12.3
        qtbot.wait(5)
    assert paints.count == 0 and box.value() == pytest.approx(12.3)


def test_a_new_value_is_shown_and_drawn(box, qtbot):
    box, paints = box
    box.set_lps_value(14.0)
    qtbot.waitUntil(lambda: paints.count > 0, timeout=2000)  # the counter sees paints at all
    assert box.value() == pytest.approx(14.0) and box.cleanText() == "14.0"


def test_typed_text_not_yet_committed_is_replaced_by_the_model_value(box):
    box, _paints = box
    box.lineEdit().setText("99.0 mm")  # typed, Enter not pressed (keyboard tracking off)
    box.set_lps_value(12.3)  # e.g. an undo: the box must show the plan's value again
    assert box.cleanText() == "12.3"


def test_a_frame_change_shows_the_same_point_in_ras(box):
    box, _paints = box
    box.set_frame(RAS)
    assert box.lps_value() == pytest.approx(12.3)  # x +12.3 LPS is L 12.3 in RAS letters
    assert "L" in box.cleanText()
