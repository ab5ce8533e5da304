"""The thermal plot widget, the PDF flowables and the background runner (sample case)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import SimpleDocTemplate

from planner.core.resources import sample_dir
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.report.thermal_plot import thermal_flowables
from planner.session.session import PlanningSession

REPORT = {
    "power_off_s": 100.0,
    "thermocouples": [{"name": "epidural", "peak_c": 47.0, "peak_time_s": 110.0, "prealarm_time_s": 60.0,
                       "alarm_time_s": 90.0, "cem43_min": 3.2,
                       "curve": {"time_s": [0, 50, 100, 150, 200], "temperature_c": [37, 41, 46, 47, 44]}}],
    "structures": [{"name": "canal", "peak_c": 44.0, "peak_time_s": 120.0, "prealarm_time_s": 80.0,
                    "alarm_time_s": None, "cem43_min": 0.5,
                    "curve": {"time_s": [0, 100, 200], "temperature_c": [37, 43, 44]}}],
    "damage": {"volume_ml": 10.0}, "safe_time_s": {"antenna1": 180.0},
}


@pytest.mark.gui
def test_plot_draws_the_alarm_line_and_the_curves(qtbot):
    from planner.ui.thermal_plot import ThermalPlot

    w = ThermalPlot()
    qtbot.addWidget(w)
    w.resize(400, 240)
    curves = [(e["name"], e["curve"]["time_s"], e["curve"]["temperature_c"])
              for e in REPORT["thermocouples"] + REPORT["structures"]]
    w.set_data(curves, REPORT["power_off_s"], 42.0, 45.0)
    img = w.grab().toImage()
    y = int(round(w.to_px(0.0, 45.0).y()))
    x0, x1 = int(w.plot_rect().left()) + 5, int(w.plot_rect().right()) - 5
    reds = [img.pixelColor(x, y + dy) for x in range(x0, x1, 3) for dy in (-1, 0, 1)]
    assert sum(1 for c in reds if c.red() > c.green() + 40) > 10            # dashed alarm line
    p = w.to_px(150.0, 47.0)                                                # on the first curve
    near = [img.pixelColor(int(p.x()) + dx, int(p.y()) + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    assert any(c.blue() > 120 and c.red() < 120 for c in near)


def test_pdf_flowables_build():
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build(thermal_flowables(REPORT, getSampleStyleSheet()))
    assert buf.getvalue().startswith(b"%PDF") and len(buf.getvalue()) > 2000


@pytest.fixture(scope="module")
def sample_session(sample_volume, sample_canal):
    volume = sample_volume  # loaded and segmented once per session (tests/conftest.py)
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(sample_canal.mask.copy())
    lm = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    ped = lm["vertebrae"]["L2"]["pedicles"]["left"]
    entry, target = np.asarray(ped["entry_lps"]), np.asarray(ped["target_lps"])
    d = (target - entry) / np.linalg.norm(target - entry)
    needle = Needle(tuple(entry - 45 * d), tuple(target - 15 * d), name="L2 left", level="L2", side="left")
    s.plan.insert(needle)
    s.plan.insert(Antenna(needle.id, power_w=20.0, time_s=120.0, id="antenna1"))
    canal = np.asarray(lm["vertebrae"]["L2"]["canal_centre_lps"])
    s.plan.insert(Thermocouple(tuple(canal + [30, 40, 0]), tuple(canal + [6, 0, 0]), id="tc1"))
    return s


@pytest.mark.gui
def test_runner_publishes_a_current_result_and_drops_a_stale_one(qtbot, sample_session):
    from planner.ui.thermal_runner import ThermalRunner

    runner = ThermalRunner(sample_session)
    got = []
    runner.result_ready.connect(got.append)
    with qtbot.waitSignal(runner.busy_changed, timeout=10000):
        runner.request()
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=240000)
    assert len(got) == 1
    report, findings, result, _key = got[0]
    assert report["thermocouples"][0]["id"] == "tc1" and report["power_off_s"] == pytest.approx(120.0)
    # a plan change while running: the result is dropped
    runner.request()
    sample_session.plan.set_fields("antenna1", power_w=25.0)
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=240000)
    runner.shutdown()
    assert len(got) == 1


def test_damage_boundary_is_the_shell_of_the_region():
    import types

    from planner.thermal.grid import ThermalGrid
    from planner.thermal.outline import damage_boundary_lps, damage_voxel_grid

    g = ThermalGrid((10.0, 20.0, 30.0), 1.0, (10, 10, 10))
    m = np.zeros(g.shape_kji, bool)
    m[3:6, 3:6, 3:6] = True                      # a 3^3 cube: 26 boundary voxels, 1 inside
    r = types.SimpleNamespace(grid=g, damage=m)
    b = damage_boundary_lps(r)
    assert b.shape == (26, 3)
    assert np.allclose(b.min(axis=0), [13, 23, 33]) and np.allclose(b.max(axis=0), [15, 25, 35])
    assert damage_voxel_grid(r).shape_kji == (10, 10, 10)
