"""The analysis entry point: findings, thermocouples, coverage, locality."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from planner.ablation.devices import load_library
from planner.ablation.zones import conduction_length_mm, planned_zone
from planner.analysis.analyze import analyze, union_mask_local
from planner.analysis.overlap import LocalMask, PreparedCanal
from planner.analysis.thermal import heating_temperature_c, predicted_temperature_c
from planner.analysis.thresholds import SafetyThresholds, Severity
from planner.geometry.raster import VoxelGrid, rasterise
from planner.geometry.shapes import Cylinder, Ellipsoid

MW = "generic-mw-2450-1.6"


def _grid(spacing=(0.8, 0.8, 1.25), shape=(96, 128, 128), origin=(-51.2, -51.2, -60.0)):
    m = np.eye(4)
    m[:3, :3] = np.diag(spacing)
    m[:3, 3] = origin
    return VoxelGrid(shape, m)


@pytest.fixture(scope="module")
def setup():
    grid = _grid()
    canal_cyl = Cylinder([0, 20, -200], [0, 20, 200], 8.0)  # canal 20 mm posterior of the origin
    mask, box = rasterise(grid, canal_cyl)
    full = np.zeros(grid.shape_kji, bool)
    full[box] = mask
    return grid, PreparedCanal.build(grid, full), full


def _codes(res):
    return {f.code: f.severity for f in res.findings}


def test_severities_follow_the_distance_to_the_canal(setup):
    grid, canal, _ = setup
    th = SafetyThresholds()
    # sphere r = 10 with its surface 20, 3 and -2 mm from the canal surface
    for gap, code, sev in ((20.0, "canal_clear", Severity.INFO), (3.0, "canal_near", Severity.WARNING),
                           (-2.0, "canal_overlap", Severity.CRITICAL)):
        centre = [0.0, 20.0 - 8.0 - 10.0 - gap, 0.0]
        res = analyze(grid, canal, [Ellipsoid.sphere(centre, 10.0)], thresholds=th)
        assert _codes(res)[code] == sev
        assert res.canal_signed_distance_mm == pytest.approx(gap, abs=0.5 * 1.25)
        assert (res.canal_overlap_ml > 0) == (gap < 0)
    # a configurable warning distance
    res = analyze(grid, canal, [Ellipsoid.sphere([0, -8.0, 0], 10.0)],
                  thresholds=SafetyThresholds(warn_distance_mm=12.0))
    assert _codes(res)["canal_near"] == Severity.WARNING
    assert res.severity == Severity.WARNING


def test_thermal_model_errs_hot_and_is_monotone():
    length = conduction_length_mm(300)
    d = np.linspace(0, 40, 81)
    t = heating_temperature_c(d, length, 12.0)
    assert t[0] == pytest.approx(60.0) and np.all(np.diff(t) < 0) and t[-1] > 37.0
    # hotter than the exact planar solution erfc(d / sqrt(4 alpha t)) with the edge held at 60 C
    planar = 37.0 + 23.0 * special.erfc(d / length)
    assert np.all(t >= planar - 1e-12)
    assert heating_temperature_c(-100.0, length, 12.0) == pytest.approx(100.0)
    # distances where the alarm and pre-alarm are reached, from the closed form
    for limit in (45.0, 42.0):
        d_lim = length * math.log(23.0 / (limit - 37.0))
        assert heating_temperature_c(d_lim, length, 12.0) == pytest.approx(limit)


def test_thermocouple_findings_and_temperatures(setup):
    grid, canal, _ = setup
    lib = load_library()
    zone = planned_zone([0, -20, 0], [0, 1, 0], lib.get(MW), 30, 300, item_id="ant-1")
    length = conduction_length_mm(300)
    surface_y = zone.ellipsoid.centre_lps[1] + zone.ellipsoid.semi_axes_mm[0]
    tips = {"tc-hot": [0, surface_y + 2.0, 0], "tc-warm": [0, surface_y + length * math.log(23 / 6.5), 0],
            "tc-cool": [0, surface_y + 40.0, 0], "tc-in": [0, surface_y - 3.0, 0]}
    res = analyze(grid, canal, [zone], thermocouple_tips=tips)
    by_id = {t.item_id: t for t in res.thermocouples}
    assert by_id["tc-hot"].distance_to_zone_mm == pytest.approx(2.0, abs=1e-6)
    assert by_id["tc-warm"].predicted_temperature_c == pytest.approx(43.5, abs=1e-6)
    assert by_id["tc-in"].distance_to_zone_mm == pytest.approx(-3.0, abs=1e-6)
    sev = {f.item_id: (f.code, f.severity) for f in res.findings if f.item_id.startswith("tc")}
    assert sev["tc-hot"] == ("tc_alarm", Severity.CRITICAL)
    assert sev["tc-in"] == ("tc_alarm", Severity.CRITICAL)
    assert sev["tc-warm"] == ("tc_prealarm", Severity.WARNING)
    assert sev["tc-cool"] == ("tc_ok", Severity.INFO)
    assert res.findings[0].severity == Severity.CRITICAL  # sorted, worst first


def test_cryo_zone_predicts_cold_and_raises_the_cold_alarm(setup):
    grid, canal, _ = setup
    lib = load_library()
    cryo = next(d for d in lib.devices.values() if d.kind == "cryo")
    zone = planned_zone([0, -25, 0], [0, 1, 0], cryo, None, 600, item_id="cryo-1")
    tip = zone.ellipsoid.centre_lps + np.array([0, zone.ellipsoid.semi_axes_mm[0] + 1.0, 0])
    temps, dist, _ = predicted_temperature_c([tip], [zone])
    assert dist[0] == pytest.approx(1.0, abs=1e-6) and temps[0] < 10.0
    res = analyze(grid, canal, [zone], thermocouple_tips=[tip])
    assert any(f.code == "tc_cold_alarm" and f.severity == Severity.CRITICAL for f in res.findings)


def test_coverage_and_margin_of_a_spherical_target(setup):
    grid, canal, _ = setup
    target = Ellipsoid.sphere([0, -25, 0], 8.0)
    covered = analyze(grid, canal, [Ellipsoid.sphere([0, -25, 0], 12.0)], target_mask_or_shapes=target)
    assert covered.coverage_percent == pytest.approx(100.0, abs=0.5)
    assert covered.min_margin_mm == pytest.approx(4.0, abs=0.5 * 1.25)  # half the largest voxel side
    assert covered.target_volume_ml == pytest.approx(target.volume_ml, rel=0.03)
    # zone shifted by 6 mm: exact covered fraction of two equal-ish spheres from the lens formula
    zone = Ellipsoid.sphere([0, -25, 6.0], 8.0)
    r, d = 8.0, 6.0
    lens = math.pi * (4 * r + d) * (2 * r - d) ** 2 / 12
    res = analyze(grid, canal, [zone], target_mask_or_shapes=LocalMask(*rasterise(grid, target)))
    assert res.coverage_percent == pytest.approx(100 * lens / target.volume_mm3, abs=2.0)
    assert res.min_margin_mm == pytest.approx(-6.0, abs=0.7)
    assert any(f.code == "target_not_covered" for f in res.findings)


def test_local_analysis_equals_the_full_grid_computation(setup):
    """The local box result equals a brute-force count over every voxel of the grid."""
    grid, canal, full = setup
    zones = [Ellipsoid.spheroid([-6, 4, 3], [0.3, 1, 0.2], 16, 11), Ellipsoid.sphere([8, 6, -4], 9)]
    res = analyze(grid, canal, zones)
    pts = grid.box_points_lps(tuple(slice(0, n) for n in grid.shape_kji))
    inside = np.zeros(len(pts), bool)
    for z in zones:
        inside |= z.contains(pts)
    brute_ml = (inside.reshape(grid.shape_kji) & full).sum() * grid.voxel_volume_mm3 / 1000
    assert res.canal_overlap_ml == pytest.approx(brute_ml, rel=0.03)
    mask, box = union_mask_local(grid, zones)
    assert mask.sum() == pytest.approx(inside.sum(), rel=0.01)


def test_no_canal_and_no_target_are_reported_not_guessed():
    grid = _grid(shape=(40, 40, 40), origin=(-16, -16, -25))
    res = analyze(grid, None, [Ellipsoid.sphere([0, 0, 0], 5)])
    assert math.isinf(res.canal_signed_distance_mm) and math.isnan(res.coverage_percent)
    assert _codes(res)["canal_none"] == Severity.INFO
    assert _codes(res)["zone_is_prediction"] == Severity.INFO


def test_thresholds_are_validated():
    with pytest.raises(ValueError):
        SafetyThresholds(alarm_c=40.0, prealarm_c=42.0)
    assert SafetyThresholds().alarm_c == 45.0 and SafetyThresholds().prealarm_c == 42.0
    assert SafetyThresholds().warn_distance_mm == 5.0
