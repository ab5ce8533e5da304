"""The properties panel with nothing selected: a short hint, no empty scroll bar, and no width jump when
an item is selected or deselected (issue 19: the bar is kept while an item is shown, so the form's width
does not change after an edit; with nothing selected it stood empty beside an empty form)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QScrollBar

from planner.headless.demo import demo_plan

from tests.ui.helpers import window_opened

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, sample_series):
    w = window_opened(qtbot, sample_series, (1300, 820))
    w.view3d.cancel_surface()
    yield w
    w.close()


def _settle(qtbot, qapp) -> None:
    for _ in range(5):
        qapp.processEvents()
        qtbot.wait(10)


def _vertical_bars_shown(panel) -> list:
    return [b for b in panel.findChildren(QScrollBar) if b.orientation() == Qt.Vertical and b.isVisible()]


def _texts_shown(panel) -> str:
    return " ".join(label.text() for label in panel.findChildren(QLabel) if label.isVisible())


def test_nothing_selected_shows_a_hint_and_no_empty_scroll_bar(window, qtbot, qapp):
    w = window
    panel, dock = w.properties, w.findChild(QDockWidget, "dock_props")
    w.session.open_plan(demo_plan(w.session.plan.series))
    w.selection.select(None)
    _settle(qtbot, qapp)
    assert not _vertical_bars_shown(panel), "an empty scroll bar with nothing selected"
    assert "Nothing selected" in _texts_shown(panel) and "Click a needle" in _texts_shown(panel)
    widths = [(dock.width(), panel.width())]
    for _ in range(2):
        w.selection.select(w.session.plan.needles[0].id)
        _settle(qtbot, qapp)
        assert _vertical_bars_shown(panel), "the form's scroll bar (kept for a steady width) is shown"
        assert "Click a needle" not in _texts_shown(panel)
        widths.append((dock.width(), panel.width()))
        w.selection.select(None)
        _settle(qtbot, qapp)
        assert not _vertical_bars_shown(panel)
        widths.append((dock.width(), panel.width()))
    assert len(set(widths)) == 1, f"the Properties dock's width changed with the selection: {widths}"
