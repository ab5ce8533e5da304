"""Calibration: every device-table entry is reproduced within 2 mm in both axes in homogeneous tissue
(criterion CEM43 >= 240 min after 3 min of cooling; cryo: the 0 °C isotherm), and the stored
residuals are what the model gives now (re-simulated for one entry per device kind)."""

from __future__ import annotations

import pytest

from planner.ablation.devices import load_library
from planner.thermal.homogeneous import homogeneous_zone
from planner.thermal.sources import default_source_params, load_source_params
import json

from planner.core.resources import resource_path


def _doc():
    return json.loads(resource_path("thermal", "sources.json").read_text(encoding="utf-8"))


def test_every_shipped_device_is_calibrated():
    params = load_source_params()
    for dev_id in load_library().devices:
        assert dev_id in params


def test_every_table_entry_within_2_mm():
    lib = load_library()
    for entry in _doc()["sources"]:
        dev = lib.get(entry["device_id"])
        n_entries = len(dev.table.time_s) * (1 if dev.table.power_w is None else len(dev.table.power_w))
        assert len(entry["residuals"]) == n_entries
        for r in entry["residuals"]:
            assert abs(r["long_residual_mm"]) <= 2.0 + 1e-9, (dev.id, r)
            assert abs(r["short_residual_mm"]) <= 2.0 + 1e-9, (dev.id, r)


@pytest.mark.parametrize("device_id, power_w, time_s", [
    ("generic-mw-2450-1.6", 40.0, 300.0),
    ("generic-bone-rf-bipolar-17g", 15.0, 300.0),
    ("generic-cryo-17g", None, 300.0),
])
def test_stored_residuals_are_reproduced(device_id, power_w, time_s):
    dev = load_library().get(device_id)
    params = default_source_params()[device_id]
    long_mm, short_mm, _ = homogeneous_zone(params, power_w, time_s)
    table = dev.zone_dimensions(power_w, time_s)
    assert abs(long_mm - table.long_axis_mm) <= 2.0
    assert abs(short_mm - table.short_axis_mm) <= 2.0
    stored = next(e for e in _doc()["sources"] if e["device_id"] == device_id)["residuals"]
    row = next(r for r in stored if r["power_w"] == power_w and r["time_s"] == time_s)
    assert abs(row["model_long_mm"] - long_mm) < 0.3
    assert abs(row["model_short_mm"] - short_mm) < 0.3
