"""Propose access for one level: ranked unipedicular and bipedicular options covering the CTV.

An optimisation over the candidates of :mod:`planner.planning.access` and :mod:`planner.planning.reach`:
every line of the fans (entry at the skin, along the pedicle's own axis tilted), every allowed needle
tip, every antenna extension and every protocol (power x time of the device table) gives one zone;
zones closer to the canal than ``canal_margin_mm``, or than the distance at which the planner's
thermal estimate at the canal reaches ``canal_limit_c`` (45 degrees C, the thermocouple alarm:
Nakatsuka, CVIR 2009), are dropped (:func:`required_clearance_mm`). The CTV is sampled on a grid of about
``sample_mm``; per side the ``keep`` best zones (most CTV points, then the largest canal clearance)
are kept; the unipedicular options are each side's best, the bipedicular option the pair with the
largest union (every kept left x right pair is tried).

A pair holding a shot whose own zone, re-measured exactly as a unipedicular option, came nearer
the canal than ``canal_margin_mm`` is skipped unchecked: the union of the two zones is at least as
near the canal as each zone, so the pair cannot pass either (it uses none of the ``retries``).

Each option's needles are first checked again by the planner's full corridor check
(:mod:`planner.planning.recheck`: refused when they enter the canal or a foramen or breach medially by
2 mm or more; a side is given up after ``MAX_FULL_CHECK_FAILURES`` refusals). Each option is then
re-measured on the full grid by the planner's own analysis
(:func:`planner.analysis.analyze.analyze`): CTV and target coverage (partial-voxel union), signed
distance from the zones to the canal, and the thermocouple's predicted temperature. The thermocouple
tip is the canal point nearest the zones (the hottest neural point, i.e. the anterior epidural space
on that side); its entry lies ``THERMOCOUPLE_PATH_MM`` back along a posterolateral line (40 degrees
from the AP axis), to be adjusted by the user. Times are split into cycles of at most
``cycle_s`` (90 s: Chen et al., AJNR 2022, cycles of 30-90 s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from planner.ablation.devices import Device
from planner.ablation.zones import conduction_length_mm, planned_zone
from planner.analysis.analyze import analyze
from planner.analysis.overlap import LocalMask, PreparedCanal
from planner.analysis.thresholds import SafetyThresholds
from planner.core.errors import PlannerError
from planner.core.frames import kji_to_ijk, spacing_kji
from planner.core.progress import Cancel, JobCancelled, check_cancel
from planner.geometry.raster import VoxelGrid
from planner.planning.propose_words import lesion_note, missing_notes, option_why
from planner.planning.access import AccessParams, body_mask, level_slices, mask_inside
from planner.planning.reach import CanalDistance, Protocol, Shot, half_voxel_mm, prepare_lines, shots_for
from planner.planning.shots import zone_batch
from planner.planning.recheck import CorridorInputs, FullCheck

THERMOCOUPLE_PATH_MM = 70.0
#: Needles of one side refused by the full corridor check before that side's candidates are given up.
MAX_FULL_CHECK_FAILURES = 4


@dataclass(frozen=True)
class ProposeParams:
    """What the optimisation varies and the limits it keeps."""

    powers_w: tuple[float, ...] | None = None       # default: the device table's powers
    times_s: tuple[float, ...] | None = None        # default: the device table's times
    extensions_mm: tuple[float, ...] = (15.0, 20.0)  # Chen 2022 used 15 mm
    canal_margin_mm: float = 2.0
    canal_limit_c: float | None = 45.0   # predicted canal temperature limit (None: geometric margin only)
    cycle_s: float = 90.0
    sample_mm: float = 1.5
    keep: int = 25
    retries: int = 6
    #: CTV coverages (percent of the sample points) this close count as equal when ranking a side's
    #: shots, and the lower breach grade wins (:func:`_best`)
    breach_tie_pct: float = 2.0
    access: AccessParams = field(default_factory=AccessParams)


@dataclass(frozen=True, eq=False)
class ProposedNeedle:
    side: str
    approach: str
    entry_lps: np.ndarray
    tip_lps: np.ndarray
    device_id: str
    extension_mm: float
    power_w: float
    time_s: float
    cycles: int
    zone: object
    max_breach_grade: int
    length_mm: float


@dataclass(frozen=True, eq=False)
class Option:
    rank: int
    approach: str
    needles: tuple[ProposedNeedle, ...]
    ctv_coverage_pct: float
    target_coverage_pct: float
    min_canal_distance_mm: float
    max_breach_grade: int
    thermocouple_entry_lps: np.ndarray | None
    thermocouple_tip_lps: np.ndarray | None
    thermocouple_peak_c: float | None
    why: str = ""


@dataclass(frozen=True, eq=False)
class Proposal:
    options: tuple[Option, ...]
    ctv_ml: float
    notes: tuple[str, ...] = ()


def required_clearance_mm(time_s: float, p: ProposeParams, th: SafetyThresholds | None = None) -> float:
    """Zone-to-canal distance the option must keep: the geometric margin, and (``canal_limit_c``) the
    distance at which the planner's own thermal estimate (:mod:`planner.analysis.thermal`,
    T = T_body + (T_edge - T_body) exp(-d / L), L = sqrt(4 alpha t)) falls to the limit."""
    if p.canal_limit_c is None:
        return p.canal_margin_mm
    th = th or SafetyThresholds()
    excess = (th.zone_edge_c - th.body_c) / max(p.canal_limit_c - th.body_c, 1e-6)
    return max(p.canal_margin_mm, conduction_length_mm(time_s) * math.log(max(excess, 1.0)))


def _protocols(device: Device, p: ProposeParams) -> list[Protocol]:
    powers = p.powers_w or tuple(float(x) for x in (device.table.power_w or (None,)))
    times = p.times_s or tuple(float(x) for x in device.table.time_s)
    return [Protocol(device.id, pw, t, e) for pw in powers for t in times for e in p.extensions_mm]


def _sample_points(volume, mask: np.ndarray, sample_mm: float) -> np.ndarray:
    """CTV voxel centres on a sub-grid of about ``sample_mm`` (every n-th voxel per axis)."""
    step = [max(int(round(sample_mm / s)), 1) for s in spacing_kji(volume.spacing_mm)]
    mask = np.asarray(mask, bool)
    kji = np.argwhere(mask[:: step[0], :: step[1], :: step[2]]) * np.array(step)  # the same voxels, in order
    if len(kji) < 50:
        kji = np.argwhere(mask)
    return volume.to_lps(kji_to_ijk(kji).astype(float))


def _best(shots: list[Shot], keep: int, n_points: int = 0, tie_pct: float = 0.0) -> list[Shot]:
    """The ``keep`` best shots: most CTV points covered, then the lowest breach grade the search
    measured, then the largest canal clearance, then the least energy. Coverages within ``tie_pct``
    percent of the ``n_points`` sample points count as equal, so a breach is not proposed where a line
    covering about as much avoids it (issue 17: T12's right needle read a grade 3 breach)."""
    bucket = max(n_points * tie_pct / 100.0, 1.0)

    def key(s: Shot):
        covered = int(s.covers.sum())
        return (-int(covered // bucket), _grade_to(s), -covered, -s.clearance_mm,
                s.protocol.power_w * s.protocol.time_s)
    return sorted(shots, key=key)[:keep]


def _grade_to(shot: Shot) -> int:
    rep = shot.line.report
    if rep is None:
        return 0
    start = shot.line.check_start_mm
    return max((b.grade for b in rep.breaches if start + b.start_depth_mm <= shot.depth_mm), default=0)


def _needle(shot: Shot, p: ProposeParams) -> ProposedNeedle:
    pr = shot.protocol
    return ProposedNeedle(shot.line.side, shot.line.approach, shot.line.entry_lps, shot.line.tip(shot.depth_mm),
                          pr.device_id, pr.extension_mm, pr.power_w, pr.time_s,
                          max(int(math.ceil(pr.time_s / p.cycle_s - 1e-9)), 1), shot.zone, _grade_to(shot),
                          shot.depth_mm)


def _thermocouple(closest_lps, needles, sectors) -> tuple[np.ndarray | None, np.ndarray | None]:
    if closest_lps is None:
        return None, None
    lf = sectors.frame.level
    tip = np.asarray(closest_lps, float)
    side = 1.0 if (tip - lf.plane_point_lps) @ lf.axes[0] >= 0 else -1.0
    d = np.cos(np.radians(40.0)) * lf.axes[1] + side * np.sin(np.radians(40.0)) * lf.axes[0]
    return tip + THERMOCOUPLE_PATH_MM * d, tip


def _planned(shot: Shot, device: Device):
    pr = shot.protocol
    tip = shot.line.tip(shot.depth_mm + pr.extension_mm)
    return planned_zone(tip, shot.line.direction, device, pr.power_w, pr.time_s)


def _measure(volume, canal: PreparedCanal | None, ctv, gtv, shots, p: ProposeParams, sectors, approach,
             device: Device, full: FullCheck | None = None):
    """The option ``shots`` make, measured exactly (``ctv``, ``gtv``: LocalMasks or full masks)."""
    zones = [_planned(s, device) for s in shots]
    grid = VoxelGrid.of(volume)
    a_ctv = analyze(grid, canal, zones, ctv, margin_mm=p.canal_margin_mm)
    tc_entry, tc_tip = _thermocouple(a_ctv.canal_closest_lps, shots, sectors)
    tips = {"tc": tc_tip} if tc_tip is not None else {}
    a_gtv = analyze(grid, canal, zones, gtv, thermocouple_tips=tips, margin_mm=p.canal_margin_mm)
    peak = a_gtv.thermocouples[0].predicted_temperature_c if a_gtv.thermocouples else None
    needles = tuple(_needle(s, p) for s in shots)
    if full is not None:  # the grade the session's analysis will report (the full check)
        needles = tuple(replace(n, max_breach_grade=full.grade(n.side, n.entry_lps, n.tip_lps)) for n in needles)
    return Option(0, approach, needles, float(a_ctv.coverage_percent), float(a_gtv.coverage_percent),
                  float(a_ctv.canal_signed_distance_mm), max(n.max_breach_grade for n in needles),
                  tc_entry, tc_tip, None if peak is None else float(peak))


def propose(volume, sectors, ctv_mask: np.ndarray, gtv_mask: np.ndarray, canal_mask, device: Device,
            params: ProposeParams | None = None, foramen_mask=None,
            corridor: CorridorInputs | None = None, cancel: Cancel | None = None) -> Proposal:
    """Ranked access options for the CTV of one level (see the module text). Raises PlannerError
    naming the constraint that failed (and by how much) when no safe corridor exists on either side.

    When no option keeps the predicted canal temperature under ``canal_limit_c``, the search is run
    again with the geometric margin alone and the proposal says so in ``notes`` and in each option's
    ``why`` (the thermocouple will then stop the ablation early; the analysis flags its prediction).
    ``corridor``: what the session's check of a proposed needle reads (see :mod:`planner.planning.recheck`).
    ``cancel`` (issue 19: Cancel in the window) is asked between corridor checks, zone batches and
    candidates; once it answers True the search raises :class:`~planner.core.progress.JobCancelled`.
    """
    p = params or ProposeParams()
    if not np.any(gtv_mask):
        raise PlannerError("No lesion: give a target (GTV) to propose an access for.")
    body = body_mask(volume, p.access.body_hu, level_slices(volume, sectors))
    cdist = CanalDistance.around_level(volume, canal_mask, sectors, ctv_mask)  # the zones' clearance
    corridor = corridor or CorridorInputs()
    lines = prepare_lines(volume, sectors, canal_mask, foramen_mask, p.access, min(p.extensions_mm), body,
                          gtv_mask, corridor, cancel)  # the search counts bone as the re-check does
    full = FullCheck(volume, sectors.frame.level.axes, canal_mask, foramen_mask, p.access.outer_diameter_mm,
                     mask_inside(volume, gtv_mask), corridor)
    search = _Search(volume, sectors, device, ctv_mask, p.sample_mm, lines, cdist, cancel)  # shared by both attempts
    if p.canal_limit_c is None:
        return _propose(volume, sectors, ctv_mask, gtv_mask, canal_mask, device, p, lines, full, cdist, search)
    try:
        return _propose(volume, sectors, ctv_mask, gtv_mask, canal_mask, device, p, lines, full, cdist, search)
    except JobCancelled:  # a PlannerError too: stopped, not a reason to search again with the margin alone
        raise
    except PlannerError as first:
        relaxed = replace(p, canal_limit_c=None)
        prop = _propose(volume, sectors, ctv_mask, gtv_mask, canal_mask, device, relaxed, lines, full, cdist, search)
        note = (f"No access keeps the predicted canal temperature under {p.canal_limit_c:g} °C ({first}); "
                f"these options keep only the {p.canal_margin_mm:g} mm margin: the thermocouple will reach its "
                "alarm, so the ablation would stop early (Chen 2022 stopped above 42 °C).")
        opts = tuple(replace(o, why=o.why + " " + note.split(";")[0] + ".") for o in prop.options)
        return Proposal(opts, prop.ctv_ml, prop.notes + (note,))


class _Search:
    """What the search's attempts share: the CTV sample points and the zones of every tip and protocol
    (:class:`~planner.planning.shots.ZoneBatch`, made on first use; a batch does not depend on the margin)."""

    def __init__(self, volume, sectors, device, ctv_mask, sample_mm, lines, cdist, cancel: Cancel | None = None):
        from scipy.spatial import cKDTree  # imported on first use (start-up time)

        self.volume, self.sectors, self.device, self.lines, self.cdist = volume, sectors, device, lines, cdist
        self.pts = _sample_points(volume, ctv_mask, sample_mm)
        self.tree = cKDTree(self.pts)
        self.batches: dict = {}
        self.memo: dict = {}  # what the batches of one side share (planning/shots.py)
        self.cancel = cancel

    def check_cancel(self) -> None:
        check_cancel(self.cancel, "the access proposal")

    def batch(self, side: str, pr: Protocol):
        self.check_cancel()
        if (side, pr) not in self.batches:
            self.batches[side, pr] = zone_batch(self.lines[side], self.device, pr, self.volume, self.sectors,
                                                 self.cdist, self.memo)
        return self.batches[side, pr]


def _propose(volume, sectors, ctv_mask, gtv_mask, canal_mask, device, p: ProposeParams, lines,
             full: FullCheck | None = None, cdist: CanalDistance | None = None, search: _Search | None = None) -> Proposal:
    cdist = cdist or CanalDistance.build(volume, canal_mask, ctv_mask)
    search = search or _Search(volume, sectors, device, ctv_mask, p.sample_mm, lines, cdist)
    pts, tree = search.pts, search.tree
    kept: dict[str, list[Shot]] = {}
    stats: dict = {"left": {}, "right": {}}  # side -> the best zone clearance seen (for the message)
    for side in ("left", "right"):
        shots = []
        for pr in _protocols(device, p):
            margin = required_clearance_mm(pr.time_s, p) + half_voxel_mm(volume)
            shots += shots_for(lines[side], device, pr, volume, sectors, cdist, pts, margin, tree, stats[side],
                               search.batch(side, pr))
        kept[side] = _best(shots, p.keep, len(pts), p.breach_tie_pct)
    if not kept["left"] and not kept["right"]:
        from planner.planning.reach import Reachability

        sides = {side: st["best_clearance_mm"] for side, st in stats.items() if "best_clearance_mm" in st}
        reason = Reachability(np.zeros(1, np.uint8), 0.0, lines, {}).infeasible_reason(sides)
        need = min(required_clearance_mm(pr.time_s, p) for pr in _protocols(device, p)) + half_voxel_mm(volume)
        best = max(sides.values()) if sides else None
        detail = "" if best is None else (f"; the best zone stays {max(best, 0.0):.1f} mm from the canal, "
                                          f"{need:.1f} mm asked: short by {need - max(best, 0.0):.1f} mm")
        what = f"{p.canal_margin_mm:g} mm margin" + (f", canal under {p.canal_limit_c:g} °C" if p.canal_limit_c else "")
        raise PlannerError((reason or "No safe corridor on either side.") + f" (zones must keep the {what}{detail})")
    canal = None if canal_mask is None else PreparedCanal.build(VoxelGrid.of(volume), np.asarray(canal_mask, bool))
    # each candidate is measured against the CTV and the target: their boxes found once, not by a scan
    # of the whole grid in each of the two analyses of every candidate (the same LocalMask analyze makes)
    ctv_local, gtv_local = (LocalMask.from_full(np.asarray(m, bool)) for m in (ctv_mask, gtv_mask))
    limit_c = p.canal_limit_c

    def acceptable(o: Option) -> bool:  # re-measured exactly: margin and (when asked) the thermal limit
        hot = limit_c is not None and o.thermocouple_peak_c is not None and o.thermocouple_peak_c >= limit_c
        return o.min_canal_distance_mm >= p.canal_margin_mm and not hot

    refused: dict[str, str] = {}
    too_close: set[Shot] = set()  # shots whose own zone, measured exactly, came nearer the canal than the margin

    failed: dict[str, int] = {}

    def passes_full_check(shots) -> bool:  # the session's own corridor check (planner.planning.recheck)
        for s in shots:
            side = s.line.side
            if full is None:
                continue
            if failed.get(side, 0) >= MAX_FULL_CHECK_FAILURES and not full.known(side, s.line.entry_lps,
                                                                                  s.line.tip(s.depth_mm)):
                return False  # each full check costs about ten search checks: give the side up
            why = full.failure(side, s.line.entry_lps, s.line.tip(s.depth_mm))
            if why:
                failed[side] = failed.get(side, 0) + 1
                refused.setdefault(side, why)
                return False
        return True

    def first_ok(name, candidates):
        measured = 0
        for shots in candidates:
            if any(s in too_close for s in shots):
                continue  # cannot pass: a union of zones is at least as near the canal as each of its zones
            if measured >= p.retries:
                break
            search.check_cancel()
            if not passes_full_check(shots):
                continue
            measured += 1
            o = _measure(volume, canal, ctv_local, gtv_local, shots, p, sectors, name, device, full)
            if acceptable(o):
                return o
            if len(shots) == 1 and o.min_canal_distance_mm < p.canal_margin_mm - 1e-6:
                too_close.add(shots[0])
        return None

    options = []
    for side in ("left", "right"):
        if kept[side]:
            options.append(first_ok(f"unipedicular {side}", [[s] for s in kept[side]]))
    if kept["left"] and kept["right"]:
        L = np.array([s.covers for s in kept["left"]])
        R = np.array([s.covers for s in kept["right"]])
        union = (L[:, None, :] | R[None, :, :]).sum(axis=2)
        order = np.argsort(-union, axis=None)[: p.retries * p.retries]
        pairs = [[kept["left"][i], kept["right"][j]] for i, j in zip(*np.unravel_index(order, union.shape))]
        options.append(first_ok("bipedicular", pairs))
    need = min(required_clearance_mm(pr.time_s, p) for pr in _protocols(device, p)) + half_voxel_mm(volume)
    missing = missing_notes(options, kept, refused, stats, need, p.canal_margin_mm)
    options = [o for o in options if o is not None]
    if not options:
        raise PlannerError("No option passed the exact re-check (canal margin"
                           + (f", predicted canal temperature under {limit_c:g} °C" if limit_c else "")
                           + ", the full corridor check" + "".join(f"; {w}" for w in refused.values()) + ").")
    options.sort(key=lambda o: (-round(o.ctv_coverage_pct, 1), len(o.needles), -o.min_canal_distance_mm))
    ranked = []
    for n, o in enumerate(options, start=1):
        ranked.append(Option(n, o.approach, o.needles, o.ctv_coverage_pct, o.target_coverage_pct,
                             o.min_canal_distance_mm, o.max_breach_grade, o.thermocouple_entry_lps,
                             o.thermocouple_tip_lps, o.thermocouple_peak_c,
                             option_why(o, ranked[0] if ranked else None, alone=len(options) == 1)))
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    return Proposal(tuple(ranked), float(np.count_nonzero(ctv_mask) * voxel_ml), missing + lesion_note(ranked))
