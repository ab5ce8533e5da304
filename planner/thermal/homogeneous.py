"""The model in homogeneous tissue: one applicator along +z, used by the calibration and its tests."""

from __future__ import annotations

import numpy as np

from planner.thermal.grid import ThermalGrid
from planner.thermal.protocol import ApplicatorProtocol, build_phases
from planner.thermal.solver import solve
from planner.thermal.sources import SourceParams, unit_sar
from planner.thermal.tissues import TissueTable, default_tissues
from planner.thermal.zone_measure import measure_zone

TIP = np.zeros(3)
DIRECTION = np.array([0.0, 0.0, 1.0])
DAMAGE_CEM43_MIN = 240.0


def homogeneous_run(params: SourceParams, power_w: float | None, time_s: float, tissue: str = "calibration",
                    spacing_mm: float = 1.0, cooling_s: float = 180.0, half_width_mm: float = 30.0,
                    behind_mm: float = 50.0, ahead_mm: float = 20.0, tissues: TissueTable | None = None,
                    probes_lps=(), cycles: int = 1, pause_s: float = 0.0):
    """Simulate one protocol in a homogeneous medium; returns (grid, SolveResult)."""
    tissues = tissues or default_tissues()
    h = float(spacing_mm)
    # A symmetric quarter: the applicator runs along k through voxel (i, j) = (1, 1) at x = y = 0.
    n_ij = int(np.ceil(half_width_mm / h)) + 2
    n_k = int(np.ceil((behind_mm + ahead_mm) / h)) + 3
    grid = ThermalGrid((-h, -h, -behind_mm - h), h, (n_k, n_ij, n_ij))
    mult = np.full(grid.shape_kji, 4.0)
    mult[:, 1, :] = 2.0
    mult[:, :, 1] = 2.0
    mult[:, 1, 1] = 1.0
    mult[:, 0, :] = 0.0
    mult[:, :, 0] = 0.0
    labels = np.full(grid.shape_kji, tissues.label(tissue), dtype=np.uint8)
    absorption = tissues.mw_relative_absorption if params.kind == "microwave" else tissues.rf_relative_absorption
    sar = unit_sar(grid, params, TIP, DIRECTION, labels, absorption, multiplicity=mult, power_w=power_w)
    eff = params.efficiency_at(power_w)
    if params.kind == "cryo":
        power = params.cooling_power_w
    else:
        power = eff * float(power_w)
    phases, _, _ = build_phases([ApplicatorProtocol(power, time_s, cycles, pause_s)], "sequential", cooling_s)
    limit_hi = params.max_temperature_c
    limit_lo = params.probe_temperature_c
    res = solve(grid, labels, tissues, [sar], phases, probes_lps=probes_lps, max_temperature_c=limit_hi,
                min_temperature_c=limit_lo, mirror_ij=True)
    return grid, res


def homogeneous_zone(params: SourceParams, power_w: float | None, time_s: float, **kw):
    """(long, short, centre offset) in mm of the predicted zone in homogeneous tissue.

    Heating: CEM43 >= 240 min after the protocol and 3 min of cooling. Cryo: the 0 °C isotherm of
    the coldest temperature reached (the ice-ball edge, the device table's main zone).
    """
    grid, res = homogeneous_run(params, power_w, time_s, **kw)
    if params.kind == "cryo":
        field = np.maximum(0.0, -res.min_c.astype(float)) + 1e-3  # > 1e-3 exactly where T < 0
        return measure_zone(grid, field, TIP, DIRECTION, threshold=1e-3 + 1e-9, quadrant=True)
    return measure_zone(grid, res.cem43_min, TIP, DIRECTION, threshold=DAMAGE_CEM43_MIN, quadrant=True)
