"""Heat sources per device kind, as unit-power SAR maps on the thermal grid.

Each map ``w`` (1/m^3) integrates to 1 over the grid, so the deposited power density is
``Q = efficiency * P * w`` (W/m^3) and the power in tissue is exactly ``efficiency * P``. Along the
applicator, ``s`` is the signed distance from the tip toward the tip's direction (negative proximal)
and ``rho`` the distance from the applicator's axis.

- microwave: ``exp(-rho / radial_decay) / max(rho, r0) * exp(-((s + centre) / sigma)^2 / 2)`` with
  centre and sigma along the radiating section, a cylindrical wave decaying away from the antenna
  (an analytic SAR shape, as in the issue; the parameters come from the calibration).
- radiofrequency: ``1 / max(d, r0)^4`` with ``d`` the distance to the active tip segment: the
  Joule heating sigma |E|^2 of a conductor at constant potential decays like 1/d^4 near a small
  electrode (Haemmerich, Int J Hyperthermia 2010, reviews RF heating: an estimate of the shape).
- cryo: a uniform heat sink in the freezing section (voxels within ``max(radius, 0.75 h)`` of the
  axis), extracting ``cooling_power_w``; the gas temperature floors the temperature there, so the
  section acts as a cold cylinder of the calibrated effective radius ``radius_mm``.
Absorption is scaled per tissue (``mw_relative_absorption`` / ``rf_relative_absorption`` of the
tissue table) before normalisation; cryo extraction is not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from planner.core.errors import LoadError, OutOfRangeError
from planner.core.resources import resource_path
from planner.thermal.grid import ThermalGrid


@dataclass(frozen=True)
class SourceParams:
    """Calibrated parameters of one device's heat source (``resources/thermal/sources.json``)."""

    device_id: str
    kind: str
    efficiency: float = 1.0                 # fraction of generator power deposited in tissue
    efficiency_by_power: tuple = ()         # ((power_w, efficiency), ...) overrides when given
    sar_centre_mm: float = 10.0             # microwave: SAR centre proximal of the tip
    sar_sigma_mm: float = 6.0               # microwave: axial spread
    radial_decay_mm: float = 8.0            # microwave: radial decay length
    tail_fraction: float = 0.0              # microwave: weight of a wider axial component (shaft heating)
    tail_sigma_mm: float = 15.0             # microwave: its axial spread
    tail_by_power: tuple = ()               # ((power_w, tail_fraction), ...) overrides when given
    active_length_mm: float = 10.0          # RF: active tip; cryo: freezing section
    cooling_power_w: float = 0.0            # cryo: heat extracted at full flow
    probe_temperature_c: float = -150.0     # cryo: gas temperature floor
    max_temperature_c: float = 100.0        # vaporisation cap (heating)
    max_cycles: int = 10
    max_pause_s: float = 600.0
    radius_mm: float = 0.8

    def efficiency_at(self, power_w: float | None) -> float:
        return _interp(self.efficiency_by_power, power_w, self.efficiency)

    def tail_at(self, power_w: float | None) -> float:
        return _interp(self.tail_by_power, power_w, self.tail_fraction)


def _interp(table, power_w, default: float) -> float:
    """Linear interpolation of a calibrated (power, value) table; ``default`` without a table."""
    if not table or power_w is None:
        return default
    p = np.array([a for a, _ in table], dtype=float)
    v = np.array([b for _, b in table], dtype=float)
    return float(np.interp(float(power_w), p, v))


def _local(grid: ThermalGrid, tip_lps, direction):
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    rel = grid.points_lps() - np.asarray(tip_lps, dtype=float)
    s = rel @ d
    rho = np.linalg.norm(rel - s[..., None] * d, axis=-1)
    return s, rho


def unit_sar(grid: ThermalGrid, params: SourceParams, tip_lps, direction, labels=None,
             absorption=None, multiplicity=None, power_w: float | None = None) -> np.ndarray:
    """The unit-power map w (float32, 1/m^3, sum * dV = 1, or -1 for a cryo sink).

    ``multiplicity`` (optional, per voxel) counts how many voxels of the full problem each voxel
    stands for when the grid is a symmetric quarter (see :mod:`planner.thermal.homogeneous`)."""
    s, rho = _local(grid, tip_lps, direction)
    h = grid.spacing_mm
    if params.kind == "microwave":
        r0 = max(params.radius_mm, 0.5 * h)
        w = np.exp(-rho / params.radial_decay_mm) / np.maximum(rho, r0)
        axial = np.exp(-0.5 * ((s + params.sar_centre_mm) / params.sar_sigma_mm) ** 2)
        tail = params.tail_at(power_w)
        if tail > 0:
            # a wider, weaker axial lobe (currents on the outer conductor heat along the shaft;
            # an estimate of the shape, its weight relative to the main lobe's peak)
            axial = axial + tail * np.exp(-0.5 * ((s + params.sar_centre_mm) / params.tail_sigma_mm) ** 2)
        w *= axial
    elif params.kind == "radiofrequency":
        r0 = max(params.radius_mm, 0.5 * h)
        along = np.clip(s, -params.active_length_mm, 0.0)
        d = np.sqrt(rho ** 2 + (s - along) ** 2)
        w = 1.0 / np.maximum(d, r0) ** 4
    elif params.kind == "cryo":
        inside = (rho <= max(params.radius_mm, 0.75 * h)) & (s <= 0.0) & (s >= -params.active_length_mm)
        w = inside.astype(float)
        if not w.any():
            raise OutOfRangeError("the cryoprobe's freezing section lies outside the thermal grid.")
    else:
        raise LoadError(f"no heat source model for device kind '{params.kind}'.")
    if labels is not None and absorption is not None and params.kind != "cryo":
        w = w * absorption[labels]
    total = float((w if multiplicity is None else w * multiplicity).sum()) * grid.voxel_volume_m3
    if total <= 0:
        raise OutOfRangeError("the applicator deposits no power inside the thermal grid (it lies in air "
                              "or outside the region).")
    w = w / total
    return (-w if params.kind == "cryo" else w).astype(np.float32)


def _params_from(entry: dict, path: Path) -> SourceParams:
    known = set(SourceParams.__dataclass_fields__)
    bad = sorted(set(entry) - known - {"residuals", "criterion", "medium", "notes"})
    if bad:
        raise LoadError(f"Source parameters {path.name}: unknown field(s) {', '.join(bad)} for "
                        f"'{entry.get('device_id', '?')}'.", files=[str(path)])
    values = {k: entry[k] for k in known if k in entry}
    for key in ("efficiency_by_power", "tail_by_power"):
        if key in values:
            values[key] = tuple((float(a), float(b)) for a, b in values[key])
    return SourceParams(**values)


def load_source_params(path=None) -> dict[str, SourceParams]:
    """Calibrated source parameters by device id (written by ``planner.thermal.calibrate``)."""
    path = Path(path) if path is not None else resource_path("thermal", "sources.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"Source parameters {path.name} could not be read ({exc}).", files=[str(path)]) from exc
    try:
        return {e["device_id"]: _params_from(e, path) for e in doc["sources"]}
    except (KeyError, TypeError) as exc:
        raise LoadError(f"Source parameters {path.name}: each entry of 'sources' needs a device_id and "
                        f"a kind ({exc}).", files=[str(path)]) from None


@lru_cache(maxsize=1)
def default_source_params() -> dict[str, SourceParams]:
    return load_source_params()


def params_for(device, table: dict | None = None) -> SourceParams:
    table = default_source_params() if table is None else table
    try:
        return table[device.id]
    except KeyError:
        raise LoadError(f"Device '{device.id}' has no calibrated heat source in resources/thermal/sources.json; "
                        f"run 'python -m planner.thermal.calibrate' for it.") from None
