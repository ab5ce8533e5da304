"""Issue 19 / 15: one thermocouple, one number. The 2D label wrote the screening estimate ("59 °C · 0.5 mm"
on the sample's demo plan) while the Temperatures dock showed the bioheat curve peaking near 44 °C for the
same probe. Now every place reads the probe's reading (planner.analysis.probe_reading via
``Evaluation.reading``): the label drawn in the axial view, the findings panel's text, the report's row,
and the colour state (2D and 3D both read ``Evaluation.tc_state``).

Expected values: before a bioheat run the screening closed form of docs/ablation-model.md,
T = 37 + 23 exp(-d / L) with L = sqrt(4 alpha t) (13.0 mm at 300 s, alpha 1.40e-7 m^2/s; the antenna
heats 240 s here so L = sqrt(4 * 1.40e-7 * 240) m); after it, the dock's own curve (its peak). A
result of a plan that moved since falls back to the screening value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.ui import overlays
from tests.ui.helpers import window_showing

pytestmark = [pytest.mark.gui]


def _state(temperature_c: float, tc) -> str:
    """The display state a reading must give against the thermocouple's own limits (heating)."""
    return "alarm" if temperature_c >= tc.alarm_c else ("prealarm" if temperature_c >= tc.prealarm_c else "ok")


def _shown(qtbot, w, tc, monkeypatch):
    """(label drawn at the tip in the axial view, the findings panel's texts about tc, the report's
    temperature row, the 2D/3D state, the 3D tip state)."""
    from planner.report.content import build_report

    drawn = []
    original = overlays._fill_label

    def record(painter, rect, text, color):
        drawn.append(text)
        original(painter, rect, text, color)

    # a corridor check still running (a loaded machine) keeps the last findings up, marked "rechecking…":
    # what is compared is the panel once the checks are done
    qtbot.waitUntil(lambda: not any(r.is_busy() for r in w.findings._runners), timeout=30000)
    QApplication.processEvents()
    monkeypatch.setattr(overlays, "_fill_label", record)
    QApplication.processEvents()
    w.views["axial"].grab()
    monkeypatch.setattr(overlays, "_fill_label", original)
    labels = sorted({t for t in drawn if "screening" in t or "bioheat" in t})  # a grab may paint twice
    panel = [w.findings.list.item(i).text() for i in range(w.findings.list.count())
             if w.findings.list.item(i).data(0x0100) == tc.id]
    report = build_report(w.session)
    row = dict(next(s for s in report.thermocouples if s.name == tc.name).rows)["Temperature"]
    ev = w.session.evaluation
    return labels, panel, row, ev.tc_state(tc.id), w.scene_plan.items._tc_states.get(tc.id)


def test_label_findings_report_and_colour_give_one_reading(qtbot, sample_volume, sample_canal, monkeypatch):
    from planner.headless.export import run_session_thermal
    from planner.plan.commands import move_point
    from planner.ui.thermal_dock import report_curves
    from tests.export.conftest import demo_plan_with_level

    w = window_showing(qtbot, sample_volume, size=(1400, 900))
    w.plan_files.confirm_close = lambda: True
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    w.thermal.panel.auto_box.setChecked(False)  # the test runs the model itself, once
    s = w.session
    s.set_canal(sample_canal.mask.copy())
    s.open_plan(demo_plan_with_level(s.plan.series))
    s.evaluate(corridors=True)
    tc = s.plan.thermocouples[0]
    w.state.set_cursor(tc.tip_lps)  # the axial slice through its tip: its reading is written there
    QApplication.processEvents()

    # before any bioheat run: the screening estimate, named as such, everywhere
    analysis_tc = next(t for t in s.evaluation.analysis.thermocouples if t.item_id == tc.id)
    antenna = s.plan.antennas[0]
    length_mm = math.sqrt(4 * 1.40e-7 * antenna.time_s) * 1000.0  # docs/ablation-model.md, tumour alpha
    d = analysis_tc.distance_to_zone_mm
    screening_c = 37.0 + 23.0 * math.exp(-d / length_mm) if d >= 0 else None
    assert screening_c is not None and abs(s.evaluation.reading(tc.id).temperature_c - screening_c) < 0.5
    text = f"≤ {s.evaluation.reading(tc.id).temperature_c:.0f} °C screening"
    labels, panel, row, state, state3d = _shown(qtbot, w, tc, monkeypatch)
    assert labels == [f"{text} · {s.evaluation.reading(tc.id).distance_to_zone_mm:.1f} mm"], labels
    assert panel and all(text in p for p in panel), panel
    assert row == text
    assert state == state3d == _state(screening_c, tc)

    # the bioheat model of this plan: its peak, named, everywhere, and the colour follows it
    report = run_session_thermal(s)
    QApplication.processEvents()
    curve = next(c for c in report_curves(report) if tc.name in c[0])
    peak_c = max(curve[2])  # the dock's curve for this thermocouple
    reading = s.evaluation.reading(tc.id)
    assert reading.model == "bioheat" and abs(reading.temperature_c - peak_c) < 0.05
    text = f"{reading.temperature_c:.1f} °C peak (bioheat)"
    labels, panel, row, state, state3d = _shown(qtbot, w, tc, monkeypatch)
    assert labels == [f"{text} · {s.evaluation.reading(tc.id).distance_to_zone_mm:.1f} mm"], labels
    assert panel and all(text in p or f"peak {reading.temperature_c:.1f} °C" in p for p in panel), panel
    assert not any("screening" in p for p in panel), panel
    assert row == text
    assert state == state3d == _state(peak_c, tc)
    assert _state(peak_c, tc) != _state(screening_c, tc)  # this case tells the two numbers apart

    # the plan moves: the result no longer holds, the screening estimate is back
    s.stack.push(move_point(tc.id, "tip_lps", tuple(np.asarray(tc.tip_lps) + [0.0, 0.0, 1.0])))
    s.evaluate(corridors=True)
    tc = s.plan.get(tc.id)
    reading = s.evaluation.reading(tc.id)
    assert reading.model == "screening" and s.thermal.entry is None
    text = f"≤ {reading.temperature_c:.0f} °C screening"
    labels, panel, row, state, state3d = _shown(qtbot, w, tc, monkeypatch)
    assert labels == [f"{text} · {reading.distance_to_zone_mm:.1f} mm"] and row == text and panel and all(text in p for p in panel)
    assert state == state3d == _state(reading.temperature_c, tc)
    w.thermal.shutdown()
