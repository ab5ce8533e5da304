"""Issue 19: a temporary status-bar message is read in full; on the sample the vertebrae's message was cut
off under the permanent "Levels not named automatically" label.

"Fully visible" is checked the way QStatusBar draws a message: in the rectangle from x = 6 to the first
visible permanent widget's x - 2 (qstatusbar.cpp, messageRect), measured here from the widgets' own
geometry, against the text's width in the bar's font."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar

pytestmark = pytest.mark.gui


def _room(bar, permanent) -> int:
    """Qt's message rectangle's width, from the permanent widgets' geometry (independent of the bar's code)."""
    right = min((w.x() for w in permanent if w.isVisible()), default=bar.width() - 12) - 2
    return right - 6


@pytest.fixture
def window(qtbot):
    from planner.ui.status_bar import FittingStatusBar

    w = QMainWindow()
    bar = FittingStatusBar(w)
    w.setStatusBar(bar)
    labels = [QLabel(text) for text in ("Levels: not named", "Crosshair LPS (0.4, 43.2, -183.2) mm  HU 40",
                                         "256×256×104  0.78×0.78×1.25 mm")]
    progress = QProgressBar()
    progress.setMaximumWidth(90)  # as the anatomy progress bar: its default is far wider
    for widget in [progress] + labels:
        bar.addPermanentWidget(widget)
    bar.may_yield(labels[2], labels[0], labels[1])
    w.resize(1000, 300)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w, bar, labels, progress


def test_a_short_message_leaves_the_readouts(window):
    w, bar, labels, _ = window
    bar.showMessage("Spinal canal segmented.", 5000)
    assert all(label.isVisible() for label in labels)
    assert bar.currentMessage() == "Spinal canal segmented."


def test_a_long_message_makes_room_and_the_readouts_come_back(window, qtbot):
    w, bar, labels, progress = window
    text = ("3 vertebral bodies were found, but neither the sacrum nor the last rib-bearing vertebra is in "
            "the scan to count from.")
    assert bar.fontMetrics().horizontalAdvance(text) > _room(bar, [progress] + labels)  # it would be cut off as things stand
    bar.showMessage(text, 300)
    assert bar.currentMessage() == text
    assert bar.fontMetrics().horizontalAdvance(text) <= _room(bar, [progress] + labels)  # drawn in full
    assert not labels[2].isVisible()  # the series' size stepped aside first
    assert progress.isVisible()  # a progress bar never does
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=3000)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in labels), timeout=3000)
    assert bar.toolTip() == ""


def test_a_progress_bar_appearing_under_a_message_makes_more_room(window, qtbot):
    """The lumbar walkthrough: the vertebrae's message, then the bone surface's progress bar appears."""
    w, bar, labels, progress = window
    progress.hide()
    text = "Levels T11-S1 named by counting up from the sacrum; the last rib-bearing vertebra (T12) agrees."
    bar.showMessage(text, 5000)
    assert bar.fontMetrics().horizontalAdvance(text) <= _room(bar, [progress] + labels)
    late = QProgressBar()
    late.setFixedWidth(260)
    bar.addPermanentWidget(late)
    progress.show()
    qtbot.waitUntil(lambda: not bar._check_pending, timeout=3000)
    qtbot.wait(20)
    assert bar.currentMessage() == text
    assert bar.fontMetrics().horizontalAdvance(text) <= _room(bar, [progress, late] + labels)


def test_a_message_shortened_for_a_progress_bar_is_shown_in_full_once_the_bar_ends(window, qtbot):
    """The sample in a full run: the vertebrae's message came while the anatomy's progress bar and Cancel
    were still up, was shortened with "…", and stayed so after they went away."""
    w, bar, labels, progress = window
    w.resize(1300, 300)
    busy = QProgressBar()
    busy.setFixedWidth(300)  # the job's progress and Cancel
    bar.addPermanentWidget(busy)
    qtbot.waitUntil(lambda: bar.width() >= 1300 and busy.x() > 0, timeout=3000)  # laid out in the bar
    text = ("3 vertebral bodies were found, but neither the sacrum nor the last rib-bearing vertebra is in the "
            "scan to count from. The levels are not named; set them by hand.")
    assert 1300 - 12 - 400 < bar.fontMetrics().horizontalAdvance(text) < 1300 - 12 - 100  # fits only without it
    bar.showMessage(text, 5000)
    assert bar.currentMessage().endswith("…") and bar.toolTip() == text  # no room while the job shows
    busy.hide()  # the job ends
    qtbot.waitUntil(lambda: bar.currentMessage() == text, timeout=3000)
    assert bar.fontMetrics().horizontalAdvance(text) <= _room(bar, [progress, busy] + labels)
    assert bar.toolTip() == ""
    qtbot.wait(50)
    assert bar.currentMessage() == text  # its timer runs on: it has not ended early


def test_a_message_longer_than_the_bar_is_elided_with_its_text_in_the_tooltip(window):
    w, bar, labels, progress = window
    text = "A very long message. " * 30
    bar.showMessage(text)
    shown = bar.currentMessage()
    assert shown.endswith("…") and text.startswith(shown[:-1])
    assert bar.fontMetrics().horizontalAdvance(shown) <= _room(bar, [progress] + labels)
    assert bar.toolTip() == text
    bar.showMessage("Short again.")
    assert all(label.isVisible() for label in labels) and bar.toolTip() == ""


def test_the_samples_vertebrae_message_is_fully_visible(qapp):
    """The window as it opens (1500 x 950), the sample's automatic anatomy and bone surface done: the
    anatomy's message in full."""
    from planner.core.resources import sample_series_dir
    from planner.ui.main_window import MainWindow
    from planner.ui.spine_status import spine_status_line

    w = MainWindow()
    w.loader.quiet = True
    w.show()
    done = []
    w.loader.anatomy.done.connect(lambda: done.append(True))
    w.open_path(sample_series_dir())
    end = time.monotonic() + 180
    # the anatomy done, and the bone surface too: while its progress bar shows, the message is shortened,
    # and shown in full once the bar ends (a full run had the surface still building at this point)
    while not (done and w.session.anatomy is not None and w.session.anatomy.ready
               and not w.view3d.is_surface_busy()) and time.monotonic() < end:
        qapp.processEvents()
        time.sleep(0.01)
    for _ in range(20):  # the status bar's room check runs from the event loop
        qapp.processEvents()
        time.sleep(0.005)
    try:
        spine = w.session.anatomy.ready_spine()
        assert spine is not None and not spine.named_vertebrae()  # the sample's count names nothing
        bar = w.statusBar()
        line = spine_status_line(spine)  # its headline (tests/ui/test_spine_status_line.py), the whole as tooltip
        assert bar.currentMessage() == line and bar.toolTip() == spine.message
        anatomy = w.loader.anatomy
        permanent = [anatomy.summary, anatomy.progress, anatomy.cancel_button, w.bone_status, w.cursor_label,
                     w.series_label]
        assert bar.fontMetrics().horizontalAdvance(line) <= _room(bar, permanent)
        assert w.loader.anatomy.summary.text() == "Levels: not named"
        assert "sacrum" in w.loader.anatomy.summary.toolTip()  # the reason, in full, on the short label
    finally:
        w.close()
        w.deleteLater()
        qapp.processEvents()
