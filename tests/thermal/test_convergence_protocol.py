"""Grid convergence, the protocol's phases, and refusals of bad input."""

from __future__ import annotations

import numpy as np
import pytest

from planner.ablation.devices import load_library
from planner.core.errors import OutOfRangeError
from planner.thermal.grid import grid_around, memory_needed_bytes
from planner.thermal.homogeneous import homogeneous_run
from planner.thermal.protocol import ApplicatorProtocol, build_phases, check_protocol
from planner.thermal.sources import default_source_params

MW = "generic-mw-2450-1.6"


def test_halving_the_grid_changes_the_peak_thermocouple_by_less_than_half_a_degree():
    """20 W for 120 s then 180 s cooling in perfused muscle; a thermocouple 10 mm from the antenna
    axis at the SAR centre (about 2 mm outside the zone edge)."""
    par = default_source_params()[MW]
    probe = [(10.0, 0.0, -par.sar_centre_mm)]
    peaks = []
    for h in (1.0, 0.5):
        _, res = homogeneous_run(par, 20.0, 120.0, tissue="muscle", spacing_mm=h, half_width_mm=25.0,
                                 behind_mm=40.0, ahead_mm=15.0, probes_lps=probe)
        peaks.append(res.probes_c[:, 0].max())
    assert peaks[0] > 41.0                      # the probe does heat (not a trivially cold point)
    assert abs(peaks[0] - peaks[1]) < 0.5, peaks


def test_cycles_pauses_and_schedules():
    protos = [ApplicatorProtocol(30.0, 300.0, 3, 30.0, "a"), ApplicatorProtocol(20.0, 120.0, 1, 0.0, "b")]
    phases, off, offs = build_phases(protos, "sequential")
    on_a = sum(p.duration_s for p in phases if p.powers_w[0] > 0)
    on_b = sum(p.duration_s for p in phases if p.powers_w[1] > 0)
    assert on_a == pytest.approx(300.0) and on_b == pytest.approx(120.0)
    assert offs == pytest.approx([360.0, 480.0]) and off == pytest.approx(480.0)  # 3 x 100 s + 2 pauses of 30 s
    assert phases[-1].label == "cooling" and phases[-1].duration_s == pytest.approx(180.0)
    assert not any(p.powers_w[0] > 0 and p.powers_w[1] > 0 for p in phases)
    phases, off, offs = build_phases(protos, "simultaneous")
    assert off == pytest.approx(360.0) and offs[1] == pytest.approx(120.0)
    assert any(p.powers_w[0] > 0 and p.powers_w[1] > 0 for p in phases)


def test_out_of_range_protocols_are_refused_naming_the_range():
    dev = load_library().get(MW)
    par = default_source_params()[MW]
    with pytest.raises(OutOfRangeError, match="20-40 W"):
        check_protocol(ApplicatorProtocol(45.0, 240.0), dev, par)
    with pytest.raises(OutOfRangeError, match="120-300 s"):
        check_protocol(ApplicatorProtocol(30.0, 600.0), dev, par)
    with pytest.raises(OutOfRangeError, match="1-10"):
        check_protocol(ApplicatorProtocol(30.0, 240.0, cycles=12), dev, par)
    with pytest.raises(OutOfRangeError, match="0-600 s"):
        check_protocol(ApplicatorProtocol(30.0, 240.0, cycles=2, pause_s=900.0), dev, par)
    with pytest.raises(OutOfRangeError, match="180 s"):
        build_phases([ApplicatorProtocol(30.0, 240.0)], cooling_s=60.0)
    check_protocol(ApplicatorProtocol(30.0, 240.0, 3, 20.0), dev, par)  # inside: accepted


def test_a_region_too_large_is_refused_before_allocation_with_its_size():
    lo, hi = np.zeros(3), np.full(3, 1000.0)  # a 1 m cube at 1 mm: 1e9 voxels
    need = memory_needed_bytes(1003 ** 3, 1)
    with pytest.raises(OutOfRangeError) as err:
        grid_around(lo, hi, 1.0)
    assert "GiB" in str(err.value) and f"{need / 1024 ** 3:.2f}" in str(err.value)
    with pytest.raises(OutOfRangeError, match="0.05-1 mm"):
        grid_around(lo, np.full(3, 10.0), 2.0)
