"""Issue 15: the properties panel's readouts update in place during a drag (no new layout of the dock
per mouse move) and show exactly the values of a fresh panel after the release.

Layout work is observed the way Qt schedules it: a widget whose size hint or contents changed makes its
layout post a ``QEvent.LayoutRequest`` to the layout's top widget (``QLayout::update``); an event filter
counts those on the properties' scroll content and on the dock. Runs on both shared real scans (each
skips when absent).
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt

from planner.geometry.planes import AXIAL
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.session.readouts import item_rows
from planner.ui.properties_panel import PropertiesPanel
from planner.ui.readouts import LONG_READOUT_CHARS, ReadoutGrid, elided_rows
from tests.ui.helpers import mouse, window_showing

pytestmark = pytest.mark.gui


class LayoutRequests(QObject):
    """Counts ``LayoutRequest`` events reaching the watched widgets."""

    def __init__(self, *widgets):
        super().__init__()
        self.count = 0
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() == QEvent.LayoutRequest:
            self.count += 1
        return False


# --- the grid on its own ---------------------------------------------------------------------------
@pytest.fixture
def grid(qtbot):
    g = ReadoutGrid()
    qtbot.addWidget(g)
    g.resize(320, 200)
    g.show()
    qtbot.waitExposed(g)
    return g


def test_a_number_that_changes_is_set_in_place(grid, qtbot):
    grid.set_rows([("Length entry → tip", "9.8 mm"), ("Zone volume", "4.20 mL")])
    qtbot.wait(1)
    requests = LayoutRequests(grid)
    layouts = grid.layouts
    grid.set_rows([("Length entry → tip", "10.2 mm"), ("Zone volume", "4.20 mL")])  # one more digit
    qtbot.wait(1)
    assert grid.value_label("Length entry → tip").text() == "10.2 mm"
    assert grid.layouts == layouts and requests.count == 0
    assert grid.text() == "Length entry → tip: 10.2 mm\nZone volume: 4.20 mL"


def test_a_value_that_outgrows_its_box_gets_a_new_box_that_fits(grid, qtbot):
    grid.set_rows([("Worst breach", "none (grade 0)")])
    layouts = grid.layouts
    grid.set_rows([("Worst breach", "12.5 mm (grade 3), medial")])
    label = grid.value_label("Worst breach")
    assert grid.layouts == layouts + 1
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance(label.text())


def test_new_rows_rebuild_the_grid_and_long_values_are_cut_with_the_full_text_in_the_tooltip(grid):
    source = "Brace & Laeseke " * 10  # longer than LONG_READOUT_CHARS
    assert len(source) > LONG_READOUT_CHARS
    grid.set_rows([("Antenna", "A, 30 W, 210 s")])
    layouts = grid.layouts
    grid.set_rows([("Antenna", "A, 30 W, 210 s"), ("Zone source", source)])
    assert grid.layouts == layouts + 1
    shown = grid.value_label("Zone source").text()
    assert shown.endswith("… (hover for the full text)") and len(shown) < len(source)
    assert source in grid.value_label("Zone source").toolTip() and source in grid.toolTip()
    grid.set_rows([])
    assert grid.text() == "" and grid.toolTip() == ""


# --- the whole window on the real scans ------------------------------------------------------------
@pytest.fixture(scope="module", params=["lumbar", "t11_t12"])
def volume(request):
    return request.getfixturevalue(f"{request.param}_volume")  # loaded once per session, read-only (tests/conftest.py)


@pytest.fixture
def window(qtbot, volume):
    w = window_showing(qtbot, volume)
    w.corridors.shutdown()  # corridor checks (seconds) play no part in the readouts tested here
    w.view3d.cancel_surface()  # nor the 3D bone surface (seconds in a thread, waited for on close; issue 15)
    # nor the automatic vertebrae: ending (seconds after the load, later on a loaded machine) in the middle
    # of the drag, they name the levels in the status bar, whose new size hint lays the window out (the
    # lumbar case failed now and then on ``requests.count == 0``, issue 19)
    w.loader.anatomy.cancel()
    lo, hi = volume.bounds_lps
    tip = (lo + hi) / 2
    needle = Needle(tuple(tip + (-45.0, 80.0, 0.0)), tuple(tip), side="right", name="right")
    w.session.stack.push(commands.add_item(needle))
    w.session.stack.push(commands.add_item(Antenna(needle_id=needle.id, power_w=30, time_s=210)))
    w.session.stack.push(commands.add_item(Thermocouple(tuple(tip + (40.0, 60.0, 2.0)), tuple(tip + (12.0, 0.0, 2.0)))))
    w.state.set_cursor(np.asarray(tip))
    w.selection.select(needle.id)
    w.needle_id = needle.id
    qtbot.wait(1)
    yield w
    w.close()


def _settle(window, qtbot):
    if window.frame.pending():
        window.frame.flush()
    qtbot.wait(1)


def test_drag_sets_the_readouts_in_place_and_release_shows_the_exact_values(window, qtbot):
    panel = window.properties
    axial = window.views[AXIAL]
    needle = window.session.plan.get(window.needle_id)
    x, y = axial.lps_to_screen(needle.tip_lps)
    mouse(axial, "press", QPointF(x, y))
    _settle(window, qtbot)
    step_px = 0.5 * axial.viewport.scale_px_per_mm
    # a first move gives the status bar's position label its box (one layout, once per session)
    mouse(axial, "move", QPointF(x + step_px, y), buttons=Qt.LeftButton)
    _settle(window, qtbot)
    # a timed status message (the load's, the cancelled anatomy's) that ended during the drag would bring
    # the readouts it had pushed aside back, a layout of the window that is not the drag's: none is left up
    window.statusBar().clearMessage()
    qtbot.wait(30)  # and the window's layout that the status bar's new size hint posts
    before = dict(panel.readouts.rows())
    # the properties, the findings dock (its plan summary) and the window itself (the status bar's
    # position labels change on every move; a new size hint there lays out every dock)
    requests = LayoutRequests(panel.scroll.widget(), panel.readouts, window.findChild(QObject, "dock_props"),
                              window.findChild(QObject, "dock_findings"), window.findings, window)
    hover = window.hover_label.text()
    layouts = panel.readouts.layouts
    for n in range(2, 10):
        mouse(axial, "move", QPointF(x + n * step_px, y), buttons=Qt.LeftButton)
        _settle(window, qtbot)
    during = dict(panel.readouts.rows())
    # the drag changed the shown numbers (else no layout would prove nothing) ...
    assert during["Length entry → tip"] != before["Length entry → tip"]
    assert during["Medial angle (patient)"] != before["Medial angle (patient)"]
    # ... without laying the properties out again
    assert panel.readouts.layouts == layouts
    assert window.hover_label.text() != hover  # the status bar followed the mouse
    assert requests.count == 0
    mouse(axial, "release", QPointF(x + 9 * step_px, y), button=Qt.LeftButton)
    _settle(window, qtbot)
    moved = np.asarray(window.session.plan.get(window.needle_id).tip_lps) - np.asarray(needle.tip_lps)
    assert np.linalg.norm(moved) == pytest.approx(4.5, abs=0.6)  # 9 steps of 0.5 mm
    # after the release: exactly the rows of the final evaluation, and what a fresh panel shows
    expected, _full = elided_rows(item_rows(window.session, window.needle_id))
    assert panel.readouts.rows() == expected
    assert [panel.readouts.value_label(k).text() for k, _ in expected] == [v for _, v in expected]
    # every value is shown whole: a wrapped one gets the height it needs at its width (an aligned grid
    # cell would give it one line and clip the rest), a fixed box is as wide as its text
    for key, value in expected:
        label = panel.readouts.value_label(key)
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), key
        else:
            assert label.width() >= label.fontMetrics().horizontalAdvance(value), key
    assert any(panel.readouts.value_label(k).wordWrap() for k, _ in expected)  # the case is exercised
    fresh = PropertiesPanel(window.session, window.selection)
    qtbot.addWidget(fresh)
    fresh.show_item(window.needle_id)
    assert fresh.readouts.text() == panel.readouts.text()
    assert fresh.readouts.toolTip() == panel.readouts.toolTip()

