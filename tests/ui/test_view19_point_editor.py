"""Issue 19: in a narrow Properties dock every x/y/z box of a point editor is visible (the third one was
cut off behind the dock's edge): the boxes stack when the row does not fit, and come back into a row
when the dock widens. "Visible" is checked by geometry: each box's rectangle, mapped into the scroll
area's viewport, lies inside it, and no horizontal scrolling is needed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from planner.core.position_text import LPS, RAS
from planner.plan import commands
from planner.plan.items import Needle

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def window(qapp):
    from planner.ui.main_window import MainWindow
    from tests.ui.helpers import marker_volume

    w = MainWindow()
    w.loader.quiet = True
    w.resize(1500, 950)
    w.show()
    w.set_volume(marker_volume()[0])
    w.session.stack.push(commands.add_item(Needle((-123.6, 210.0, -318.0), (-23.6, 10.0, -18.0), name="N1")))
    w.selection.select(w.session.plan.needles[-1].id)
    yield w
    w.view_prefs.set_position_frame(LPS)
    w.close()
    w.deleteLater()
    qapp.processEvents()


def _dock(w):
    from PySide6.QtWidgets import QDockWidget

    return w.findChild(QDockWidget, "dock_props")


def _settle(qtbot, qapp) -> None:
    for _ in range(5):
        qapp.processEvents()
        qtbot.wait(10)


def _dock_width(qtbot, qapp, w, width: int) -> None:
    _settle(qtbot, qapp)
    w.resizeDocks([_dock(w)], [width], Qt.Horizontal)
    _settle(qtbot, qapp)


def _boxes_inside_viewport(w, qapp) -> list[bool]:
    """For each entry and tip box: with the horizontal scroll at its start, it lies across the
    Properties viewport's width, within the scrolled content's height (the form scrolls vertically, by
    design), and has at least its minimum width (its text in full)."""
    scroll = w.properties.scroll
    viewport, content = scroll.viewport(), scroll.widget()
    scroll.horizontalScrollBar().setValue(0)
    qapp.processEvents()
    inside = []
    for key in ("entry", "tip"):
        for box in w.properties.fields[key].boxes:
            x = box.mapTo(viewport, QPoint(0, 0)).x()
            in_content = content.rect().contains(QRect(box.mapTo(content, QPoint(0, 0)), box.size()))
            inside.append(box.isVisible() and x >= 0 and x + box.width() <= viewport.width() and in_content
                          and box.width() >= box.minimumSizeHint().width())
    return inside


@pytest.mark.parametrize("frame", [LPS, RAS])
def test_at_the_docks_minimum_width_all_three_boxes_are_visible(window, qtbot, qapp, frame):
    w = window
    w.view_prefs.set_position_frame(frame)
    _dock_width(qtbot, qapp, w, 1)  # as narrow as the dock goes
    from PySide6.QtWidgets import QDockWidget

    docks = [d for d in w.findChildren(QDockWidget) if d.isVisible() and w.dockWidgetArea(d) == Qt.RightDockWidgetArea]
    assert _dock(w).width() <= max(d.minimumSizeHint().width() for d in docks) + 2  # at the area's minimum
    assert all(_boxes_inside_viewport(w, qapp)), "a point box lies (partly) outside the Properties dock"
    assert w.properties.fields["tip"].is_stacked()  # at this width a row of three would be cut off
    # the form's rows below the points are laid out under them, not over them
    tip_boxes = w.properties.fields["tip"].boxes
    assert tip_boxes[0].geometry().bottom() < tip_boxes[1].geometry().top()


def test_wide_readouts_do_not_push_the_boxes_out_of_the_dock(window, qtbot, qapp):
    """The lumbar walkthrough: a needle's readouts (fixed-width value boxes, issue 15) wider than the
    dock made the whole form scroll sideways, the third box and the combo boxes' arrows cut off."""
    w = window
    w.view_prefs.set_position_frame(LPS)
    readouts = w.properties.readouts
    readouts.set_rows([("Entry → target, along the path", "123.4 mm, 2 cortices crossed"),
                       ("Zone ↔ canal distance", "6.3 mm")])
    try:
        _dock_width(qtbot, qapp, w, 1)
        assert readouts.minimumSizeHint().width() > w.properties.scroll.viewport().width()  # the case
        assert all(_boxes_inside_viewport(w, qapp)), "a point box lies (partly) outside the Properties dock"
        viewport = w.properties.scroll.viewport()
        for key in ("name", "approach", "side"):
            field = w.properties.fields[key]
            assert field.mapTo(viewport, QPoint(0, 0)).x() + field.width() <= viewport.width(), key
    finally:
        w.properties.show_item(w.session.plan.needles[-1].id)  # the panel's own readouts again


def test_a_wide_dock_shows_the_boxes_in_a_row(window, qtbot, qapp):
    w = window
    w.view_prefs.set_position_frame(LPS)
    _dock_width(qtbot, qapp, w, 1)
    _dock_width(qtbot, qapp, w, 700)
    editor = w.properties.fields["entry"]
    assert not editor.is_stacked()
    ys = {box.mapTo(editor, QPoint(0, 0)).y() for box in editor.boxes}
    assert len(ys) == 1  # one row
    assert all(_boxes_inside_viewport(w, qapp))
    assert [b.text() for b in editor.boxes] == ["L -123.6 mm", "P 210.0 mm", "S -318.0 mm"]
