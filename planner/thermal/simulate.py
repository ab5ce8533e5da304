"""The bioheat model of one plan on the patient's CT: region, tissues, sources, protocol, results.

:func:`simulate_plan` returns a :class:`ThermalResult` with the curves of every thermocouple and of
the hottest point of the canal, the cord and each foramen given, the damage region (CEM43 >= 240
min) and its lesion coverage. Inputs are plain data (volume, plan, devices, masks on the volume's
grid), so the session, the headless command and a worker thread can all call it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from planner.ablation.zones import planned_zone
from planner.core.errors import OutOfRangeError, PlannerError
from planner.thermal.grid import ThermalGrid, grid_around
from planner.thermal.protocol import MIN_COOLING_S, ApplicatorProtocol, build_phases, check_protocol
from planner.thermal.solver import SolveResult, solve
from planner.thermal.sources import params_for, unit_sar
from planner.thermal.tissue_map import TissueMap, sample_on_grid, tissue_map
from planner.thermal.tissues import TissueTable, default_tissues

DAMAGE_CEM43_MIN = 240.0  # Sapareto & Dewey 1984 dose; dogs at CEM43 ~240 min: severe deficits (DOMAIN.md)
EXTEND_COOLING_S = 420.0  # cooling continues (to 10 min in all) while a watched peak is still coming
MARGIN_MM = 15.0          # beyond the table zone: more than sqrt(4 alpha t) = 13 mm at 300 s (DOMAIN.md)


@dataclass(frozen=True)
class StructureMask:
    """A neural structure on the volume's grid: ``kind`` is canal, cord or foramen."""

    name: str
    kind: str
    mask: np.ndarray
    level: str = ""
    side: str = ""


@dataclass(frozen=True)
class Applicator:
    item_id: str
    name: str
    tip_lps: np.ndarray
    direction: np.ndarray
    device: object
    protocol: ApplicatorProtocol


@dataclass
class ThermalResult:
    grid: ThermalGrid
    time_s: np.ndarray
    power_off_s: float
    applicator_off_s: dict
    thermocouple_ids: list
    thermocouple_c: np.ndarray               # (n_time, n_tc)
    structures: list                         # [(StructureMask-like info, max curve, cem43)]
    damage: np.ndarray                       # bool on grid
    lesion_coverage_pct: float | None
    tissue: TissueMap
    solve: SolveResult
    warnings: list = field(default_factory=list)
    plan_key: tuple = ()


def applicators_from_plan(plan, devices, schedule: str | None = None) -> list[Applicator]:
    out = []
    for a in plan.antennas:
        needle = plan.get(a.needle_id)
        device = devices.get(a.device_id)
        power = None if device.kind == "cryo" else a.power_w
        proto = ApplicatorProtocol(power, a.time_s, a.cycles, float(getattr(a, "pause_s", 0.0)), a.name,
                                   schedule or getattr(a, "schedule", "sequential"))
        check_protocol(proto, device, params_for(device))  # refuse before any allocation
        out.append(Applicator(a.id, a.name, np.asarray(a.tip_lps(needle)), np.asarray(needle.direction), device,
                              proto))
    return out


def region_for(applicators, points_lps=(), margin_mm: float = MARGIN_MM, spacing_mm: float = 1.0) -> ThermalGrid:
    """Box of the table zones (plus ``margin_mm``) and of the given points (plus 3 mm)."""
    if not applicators:
        raise PlannerError("The plan has no antenna: there is nothing to simulate.")
    lo, hi = [], []
    for ap in applicators:
        p = ap.protocol
        z = planned_zone(ap.tip_lps, ap.direction, ap.device, p.power_w, p.time_s)
        a, b = z.bounds_lps(margin_mm)
        lo.append(a)
        hi.append(b)
    for pt in points_lps:
        lo.append(np.asarray(pt) - 3.0)
        hi.append(np.asarray(pt) + 3.0)
    return grid_around(np.min(lo, axis=0), np.max(hi, axis=0), spacing_mm, n_sources=len(applicators))


@dataclass
class Prepared:
    """Everything a run needs that does not depend on powers and times (reused by the safe-time search)."""

    grid: ThermalGrid
    tissue: TissueMap
    tissues: TissueTable
    applicators: list
    sources: list
    groups: dict
    infos: list
    thermocouples: list
    lesion_total_mm3: float | None
    source_powers: list = field(default_factory=list)

    def source_for(self, index: int, ap) -> np.ndarray:
        """The unit map of applicator ``index``, rebuilt when its SAR shape depends on the power
        (the microwave wide lobe) and the power differs from the prepared one."""
        params = params_for(ap.device)
        if not params.tail_by_power or ap.protocol.power_w == self.source_powers[index]:
            return self.sources[index]
        absorption = self.tissues.mw_relative_absorption
        return unit_sar(self.grid, params, ap.tip_lps, ap.direction, self.tissue.labels, absorption,
                        power_w=ap.protocol.power_w)


def prepare(volume, plan, devices, canal_mask=None, lesion_mask=None, structures=(), cord_mask=None,
            tissues: TissueTable | None = None, spacing_mm: float = 1.0, schedule: str | None = None,
            applicators=None, region_at_max: bool = False) -> Prepared:
    """Region, tissue map, source maps and structure masks of a plan.

    ``region_at_max``: size the region for each device's largest table zone (safe-time search)."""
    tissues = tissues or default_tissues()
    aps = applicators if applicators is not None else applicators_from_plan(plan, devices, schedule)
    tcs = list(plan.thermocouples) if plan is not None else []
    region_aps = aps
    if region_at_max:
        region_aps = [Applicator(a.item_id, a.name, a.tip_lps, a.direction, a.device, ApplicatorProtocol(
            None if a.device.power_range_w is None else a.device.power_range_w[1], a.device.time_range_s[1]))
            for a in aps]
    grid = region_for(region_aps, [t.tip_lps for t in tcs], spacing_mm=spacing_mm)
    tmap = tissue_map(grid, volume, tissues, canal_mask, lesion_mask, cord_mask)
    sources = []
    for ap in aps:
        params = params_for(ap.device)
        absorption = tissues.mw_relative_absorption if ap.device.kind == "microwave" else tissues.rf_relative_absorption
        sources.append(unit_sar(grid, params, ap.tip_lps, ap.direction, tmap.labels, absorption,
                                power_w=ap.protocol.power_w))
    groups, infos = {}, []
    if canal_mask is not None:
        groups["canal"] = tmap.canal
        infos.append(("canal", "canal", "", ""))
        groups["cord"] = tmap.cord
        infos.append(("cord", "cord", "", ""))
    for st in structures:
        groups[st.name] = sample_on_grid(grid, volume, np.asarray(st.mask, dtype=np.uint8), order=0,
                                         cval=0).astype(bool)
        infos.append((st.name, st.kind, st.level, st.side))
    total = None
    if lesion_mask is not None and np.any(lesion_mask):
        total = float(np.count_nonzero(lesion_mask)) * float(np.prod(volume.spacing_mm))
    return Prepared(grid, tmap, tissues, aps, sources, groups, infos, tcs, total,
                    [ap.protocol.power_w for ap in aps])


def with_protocol(prep: Prepared, index: int, **changes) -> list:
    """The applicators with one protocol changed (power_w, time_s, cycles...)."""
    out = list(prep.applicators)
    a = out[index]
    out[index] = Applicator(a.item_id, a.name, a.tip_lps, a.direction, a.device,
                            dataclasses.replace(a.protocol, **changes))
    return out


def run_prepared(prep: Prepared, applicators=None, cooling_s: float = MIN_COOLING_S, schedule: str | None = None,
                 progress: Callable | None = None, cancelled: Callable | None = None) -> ThermalResult:
    aps = prep.applicators if applicators is None else applicators
    protos = []
    for ap in aps:
        params = params_for(ap.device)
        check_protocol(ap.protocol, ap.device, params)
        p = ap.protocol
        eff_power = params.cooling_power_w if ap.device.kind == "cryo" else params.efficiency_at(p.power_w) * p.power_w
        protos.append(ApplicatorProtocol(eff_power, p.time_s, p.cycles, p.pause_s, p.name, p.schedule))
    phases, power_off, offs = build_phases(protos, schedule, cooling_s)
    heating = [ap for ap in aps if ap.device.kind != "cryo"]
    t_hi = min(params_for(ap.device).max_temperature_c for ap in heating) if heating else 100.0
    cold = [ap for ap in aps if ap.device.kind == "cryo"]
    t_lo = max(params_for(ap.device).probe_temperature_c for ap in cold) if cold else -150.0
    sources = [prep.source_for(n, ap) for n, ap in enumerate(aps)]
    res = solve(prep.grid, prep.tissue.labels, prep.tissues, sources, phases,
                probes_lps=[t.tip_lps for t in prep.thermocouples], groups=prep.groups,
                max_temperature_c=t_hi, min_temperature_c=t_lo, progress=progress, cancelled=cancelled,
                extend_cooling_s=EXTEND_COOLING_S)
    damage = res.cem43_min >= DAMAGE_CEM43_MIN
    coverage = None
    if prep.lesion_total_mm3 and prep.tissue.lesion is not None:
        covered = float(np.count_nonzero(damage & prep.tissue.lesion)) * prep.grid.spacing_mm ** 3
        coverage = 100.0 * min(1.0, covered / prep.lesion_total_mm3)
    structs = [(info, res.groups_max_c[info[0]], res.groups_min_c[info[0]], res.groups_cem43_min[info[0]],
                bool(prep.groups[info[0]].any())) for info in prep.infos]
    warnings = list(prep.tissue.warnings)
    if cold:
        warnings.append("Cryoablation: the neural structures' alarms are the cold ones (10 °C); heat doses do not apply.")
    return ThermalResult(prep.grid, res.time_s, power_off, {ap.item_id: off for ap, off in zip(aps, offs)},
                         [t.id for t in prep.thermocouples], res.probes_c, structs, damage, coverage, prep.tissue,
                         res, warnings)


def simulate_plan(volume, plan, devices, canal_mask=None, lesion_mask=None, structures=(), cord_mask=None,
                  tissues: TissueTable | None = None, spacing_mm: float = 1.0, cooling_s: float = MIN_COOLING_S,
                  schedule: str | None = None, progress: Callable | None = None,
                  cancelled: Callable | None = None) -> ThermalResult:
    """Run the model for ``plan`` on ``volume``.

    ``structures``: extra :class:`StructureMask` (foramina from planner.anatomy.foramina, a cord
    mask...). The canal and the cord core come from ``canal_mask`` when given.
    """
    prep = prepare(volume, plan, devices, canal_mask, lesion_mask, structures, cord_mask, tissues, spacing_mm,
                   schedule)
    return run_prepared(prep, cooling_s=cooling_s, schedule=schedule, progress=progress, cancelled=cancelled)
