"""The right-hand docks and the properties panel settle once per edit (issue 19).

Observed on the sample with a planned needle: while the corridor of an edited needle was rechecked, the
findings panel's one-line "Rechecking…" (364 px) widened the right-hand docks from 264 to 368 px, and the
needle's readouts swapped their five corridor rows for one "Corridor: checking…" row, so the properties
panel's content height and scroll range changed at the edit and changed back when the result came in.
The expected values are the panel's own state before the edit: nothing it shows depends on the check
being under way but the values of its rows.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

from planner.plan import commands
from planner.scenarios.model import scenario_from_dict

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, sample_series):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1500, 950)  # the window's own default size (MainWindow.__init__)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series)
    yield w
    w.close()


def _needle(window):
    from planner.ui.scenario_driver import GuiScenarioDriver

    scenario = scenario_from_dict({"name": "n", "steps": [
        {"add_needle": {"label": "n", "entry_lps": [36.0, 98.0, -177.0], "tip_lps": [2.0, 28.0, -177.0]}},
        {"add_antenna": {"needle": "n", "power_w": 35, "time_s": 240}}]})
    driver = GuiScenarioDriver(window)
    for step in scenario.steps:
        assert driver.run_step(step).ok
    return window.session.plan.needles[0]


def _complete(window):
    ev = window.session.evaluation
    return ev is not None and ev.complete and not window.findings.rechecking()


def _geometry(window):
    """What the user sees settle: the docks' width, the properties content's height, its scroll range."""
    props = window.properties
    docks = tuple(window.findChild(QDockWidget, n).width() for n in ("dock_plan", "dock_props", "dock_findings"))
    return docks, props.scroll.widget().height(), props.scroll.verticalScrollBar().maximum()


def test_an_edit_rechecked_in_the_background_moves_neither_the_docks_nor_the_properties(window, qtbot):
    from planner.ui.findings_panel import RECHECKING

    needle = _needle(window)
    window.selection.select(needle.id)
    qtbot.waitUntil(lambda: _complete(window), timeout=60000)
    qtbot.wait(100)  # the layouts asked for by the last result have run
    before = _geometry(window)
    rows_before = [k for k, _v in window.properties.readouts.rows()]
    window.session.stack.push(commands.set_fields(needle.id, tip_lps=(2.0, 29.0, -177.0)))
    assert window.findings.rechecking() and window.findings.status.text() == RECHECKING
    # read at once: the corridor check runs in a worker and may be back within the wait below
    assert [k for k, _v in window.properties.readouts.rows()] == rows_before
    assert dict(window.properties.readouts.rows())["Length in bone"] == "checking…"
    qtbot.wait(100)
    assert _geometry(window) == before  # while the corridor is rechecked (or just after)
    qtbot.waitUntil(lambda: _complete(window), timeout=60000)
    qtbot.wait(100)
    assert _geometry(window) == before  # and once it is in
    assert [k for k, _v in window.properties.readouts.rows()] == rows_before


def test_the_rechecking_line_wraps_in_a_narrow_dock_and_keeps_its_height(window, qtbot):
    from planner.ui.findings_panel import RECHECKING

    status = window.findings.status
    height = status.height()
    status.setText(RECHECKING)
    qtbot.wait(50)
    assert status.height() == height
    assert status.minimumSizeHint().width() < 264  # the dock's width with no plan (1500 px window)
    # both lines of the wrapped text fit the kept height
    assert status.heightForWidth(status.width()) <= height


def test_a_bioheat_run_shown_in_the_temperatures_dock_keeps_the_docks_width(window, qtbot):
    """The runner shows its progress bar while busy (ThermalController._on_busy): beside Cancel, Run now
    and Automatic it made the Temperatures dock's row 363 px wide, and the right-hand docks followed."""
    qtbot.wait(100)
    before = _geometry(window)[0]
    window.thermal._on_busy(True)
    qtbot.wait(100)
    try:
        assert _geometry(window)[0] == before
    finally:
        window.thermal._on_busy(False)
