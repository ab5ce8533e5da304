"""The vertebrae's status-bar message fits a 1280 px window; the whole explanation is the tooltip (issue 19).

On the shared T11-T12 scan the search's message is about 240 characters (1500 px in the bar's font) and
was cut off with "…". The width available is the status bar's message rectangle of a 1280 px wide window
with every readout stepped aside (QStatusBar's messageRect: from x = 6 to the bar's width - 12), measured
in the bar's own font."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from planner.ui.spine_status import NOT_NAMED_LEAD, spine_status_line
from planner.ui.status_bar import FittingStatusBar

pytestmark = pytest.mark.gui

WINDOW_PX = 1280


def _spine(message, names=()):
    vertebrae = [SimpleNamespace(name=n) for n in names] or [SimpleNamespace(name="")]
    return SimpleNamespace(message=message, vertebrae=vertebrae)


@pytest.fixture
def bar(qtbot):
    w = QMainWindow()
    status = FittingStatusBar(w)
    w.setStatusBar(status)
    readout = QLabel("512×512×20  0.98×0.98×2.00 mm")
    status.addPermanentWidget(readout)
    status.may_yield(readout)
    w.resize(WINDOW_PX, 400)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield status
    w.close()  # (the window is held until here: the bar is its child)


def test_the_t11_t12_scans_message_is_shown_whole_with_the_explanation_as_tooltip(bar, t11_t12_spine):
    message = t11_t12_spine.message
    room_px = bar.width() - 12 - 6
    assert bar.text_width_px(message) > room_px  # the search's own message would be cut off
    line = spine_status_line(t11_t12_spine)
    bar.showMessage(line, 20000, detail=message)
    assert bar.currentMessage() == line  # whole: not elided
    assert bar.text_width_px(line) <= room_px
    assert bar.toolTip() == message
    assert line.startswith(NOT_NAMED_LEAD) and line.endswith("Set them by hand (V).")
    bar.clearMessage()
    assert bar.toolTip() == ""


@pytest.mark.parametrize("message, names, expected", [
    ("The scan covers only 38 mm along the spine: 1 vertebral body was found, but 38 mm is too short.", (),
     "Levels not named automatically: the scan covers only 38 mm along the spine. Set them by hand (V)."),
    ("4 vertebral bodies were found but the chain is broken (a body was missed between two of them), so "
     "counting is unsafe. The levels are not named; set them by hand.", (),
     "Levels not named automatically: 4 vertebral bodies were found but the chain is broken. Set them by hand (V)."),
    ("Levels L1-L5 named by counting from the last rib-bearing vertebra (T12) only: the sacrum is not in "
     "the scan.", ("L1", "L5"), "Levels L1-L5 named by counting from the last rib-bearing vertebra (T12) only."),
    ("Levels T11-S1 named by counting up from the sacrum; the last rib-bearing vertebra (T12) agrees.",
     ("T11",), "Levels T11-S1 named by counting up from the sacrum."),
    ("No break here", (), "Levels not named automatically: no break here. Set them by hand (V)."),
])
def test_the_line_is_the_messages_headline(message, names, expected):
    assert spine_status_line(_spine(message, names)) == expected


def test_a_message_without_detail_keeps_the_elided_texts_tooltip(bar):
    long = "word " * 400
    bar.showMessage(long, 1000)
    assert bar.currentMessage() != long and bar.toolTip() == long
    bar.showMessage("short", 1000, detail="the longer story")
    assert bar.currentMessage() == "short" and bar.toolTip() == "the longer story"
    bar.showMessage("next", 1000)
    assert bar.toolTip() == ""
