"""``python -m planner analyze`` on the sample: one JSON object with the documented keys, figures that
match the device table and the geometry, the canal written on the volume's grid, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from planner.ablation.devices import load_library

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def report(sample_analyze_report):
    return sample_analyze_report  # run once per session for this module and test_analyze_anatomy.py (conftest.py)


def test_report_has_the_documented_keys(report):
    data, _ = report
    for key in ("series", "canal", "zones", "overlap_canal_ml", "min_distance_to_canal_mm", "target_coverage_pct",
                "thermocouples", "needles", "findings"):
        assert key in data
    s = data["series"]
    assert s["shape_ijk"] == [256, 256, 104]
    assert s["direction"] == [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]]  # prone sample
    assert {f["severity"] for f in data["findings"]} <= {"critical", "warning", "info"}


def test_zone_matches_the_device_table_and_the_needle(report, plan_file):
    data, _ = report
    _, needle, d = plan_file
    device = load_library().get("generic-mw-2450-1.6")
    dims = device.zone_dimensions(40.0, 300.0)
    (zone,) = data["zones"]
    assert zone["antenna"] == "antenna1"
    assert zone["long_axis_mm"] == pytest.approx(dims.long_axis_mm, abs=1e-3)
    assert zone["short_axis_mm"] == pytest.approx(dims.short_axis_mm, abs=1e-3)
    antenna_tip = np.asarray(needle.tip_lps) + 15.0 * d
    assert np.allclose(zone["center_lps"], antenna_tip - dims.center_offset_mm * d, atol=1e-3)
    a, b = dims.long_axis_mm / 2, dims.short_axis_mm / 2
    assert zone["volume_ml"] == pytest.approx(4 / 3 * np.pi * a * b * b / 1000, abs=1e-4)  # printed to 4 decimals


def test_needle_thermocouple_and_canal_figures(report):
    data, canal_path = report
    assert data["canal"]["volume_ml"] > 1.0
    (tc,) = data["thermocouples"]
    assert tc["id"] == "tc1" and tc["predicted_temp_c"] >= 37.0
    (needle,) = data["needles"]
    assert needle["enters_canal"] is False
    assert needle["depth_from_skin_mm"] is not None
    image = sitk.ReadImage(str(canal_path))
    assert image.GetSize() == (256, 256, 104)
    assert np.allclose(image.GetOrigin(), data["series"]["origin_lps"], atol=1e-4)
    assert np.allclose(np.array(image.GetDirection()).reshape(3, 3), data["series"]["direction"], atol=1e-6)
    voxel_ml = np.prod(data["series"]["spacing_mm"]) / 1000
    assert sitk.GetArrayFromImage(image).sum() * voxel_ml == pytest.approx(data["canal"]["volume_ml"], rel=1e-3)


@pytest.mark.parametrize("args, words", [
    (("analyze", "/nonexistent/folder", "--json"), "does not exist"),
    (("analyze", "SAMPLE", "--plan", "/nonexistent/plan.json", "--json"), "plan"),
])
def test_bad_input_gives_a_message_and_a_non_zero_exit(args, words, sample_series):
    args = [str(sample_series) if a == "SAMPLE" else a for a in args]
    result = _run(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert words in result.stderr.lower()
