"""The safety findings keep their room and stay visible while they are rechecked (issue 19)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect

from planner.analysis.rules.corridor import RULES as PATH_RULES
from planner.plan import commands
from planner.scenarios.model import scenario_from_dict

pytestmark = pytest.mark.gui
PATH_CODES = {spec.code for spec in PATH_RULES}


@pytest.fixture
def window(qtbot, sample_series):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1100, 720)
    w.loader.quiet = True
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series)
    yield w
    w.close()


def _plan_needle_with_antenna(window):
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
    return ev is not None and ev.complete and not window.corridors.is_busy()


def test_old_findings_stay_greyed_while_the_corridor_is_rechecked(window, qtbot):
    from planner.ui.findings_panel import RECHECKING

    panel = window.findings
    needle = _plan_needle_with_antenna(window)
    qtbot.waitUntil(lambda: _complete(window) and panel.status.text() == "", timeout=60000)
    before = [(c, panel.list.item(i).text()) for i, c in enumerate(panel.codes()) if c in PATH_CODES]
    assert before and not any(panel.greyed())
    # Move the tip 1 mm: the corridor must be checked again in the worker; until then the old path
    # findings stay listed, greyed and marked, under a "Rechecking…" header.
    window.session.stack.push(commands.set_fields(needle.id, tip_lps=(2.0, 29.0, -177.0)))
    assert not window.session.evaluation.complete and window.corridors.is_busy()
    assert panel.status.text() == RECHECKING and all(panel.greyed())
    kept = [panel.list.item(i).text() for i, c in enumerate(panel.codes()) if c in PATH_CODES]
    assert [text for _c, text in before] == [t.removesuffix(" (rechecking…)") for t in kept]
    assert all(t.endswith("(rechecking…)") for t in kept)
    # The new result arrives: normal again, the rows are the new evaluation's own.
    qtbot.waitUntil(lambda: _complete(window) and panel.status.text() == "", timeout=60000)
    assert not any(panel.greyed())
    assert [f.code for f in window.session.evaluation.findings] == panel.codes()
    assert not any(panel.list.item(i).text().endswith("(rechecking…)") for i in range(panel.list.count()))


def test_a_long_zone_source_is_elided_and_the_findings_keep_their_room(window, qtbot):
    from planner.ui.findings_panel import MIN_HEIGHT_PX
    from planner.ui.properties_panel import LONG_READOUT_CHARS

    _plan_needle_with_antenna(window)
    antenna = window.session.plan.antennas[0]
    source = window.session.devices.get(antenna.device_id).source
    assert len(source) > LONG_READOUT_CHARS  # the case this guards against
    window.selection.select(antenna.id)
    qtbot.waitUntil(lambda: _complete(window), timeout=60000)
    readouts = window.properties.readouts
    assert "hover for the full text" in readouts.text() and source not in readouts.text()
    assert source in readouts.toolTip()
    findings = window.findings
    qtbot.waitUntil(lambda: findings.list.count() > 0, timeout=10000)
    assert findings.height() >= MIN_HEIGHT_PX
    first = findings.list.visualItemRect(findings.list.item(0))
    assert QRect(0, 0, findings.list.viewport().width(), findings.list.viewport().height()).contains(first.topLeft())
