"""One entry point for the safety analysis of a set of zones, independent of the plan document.

``analyze(volume_geometry, canal_mask, zones, target, thermocouple_tips, thresholds)`` works inside
the zones' bounding box (plus a margin) except for the canal distance search, which uses the
canal's boundary voxels (precomputed once in :class:`PreparedCanal`) pruned by bounding spheres.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from planner.analysis.overlap import (LocalMask, PreparedCanal, as_local_mask, canal_overlap_ml,
                                      canal_signed_distance, overlap_ml, target_margin_mm, union_fraction,
                                      zones_box)
from planner.analysis.rules.registry import RuleInputs, run_rules
from planner.analysis.thermal import predicted_temperature_c
from planner.analysis.thresholds import Finding, SafetyThresholds, Severity, worst
from planner.core.frames import ijk_to_kji
from planner.geometry.raster import Box, VoxelGrid, box_shape, union_box


CONTACT_TOLERANCE = 0.1  # of the smallest voxel spacing; see settle_contact


@dataclass(frozen=True)
class ThermocoupleResult:
    item_id: str
    tip_lps: tuple[float, float, float]
    distance_to_zone_mm: float
    predicted_temperature_c: float
    dominant_zone: int
    alarm_c: float = 45.0  # the limits this thermocouple is judged by (its own, or the defaults)
    prealarm_c: float = 42.0


@dataclass(frozen=True)
class AnalysisResult:
    """Plain figures of one analysis. Distances in mm, volumes in mL, temperatures in °C.

    ``canal_signed_distance_mm`` is inf without a canal; ``coverage_percent`` and
    ``min_margin_mm`` are NaN without a target. ``box`` is the voxel region that was examined.
    ``canal_overlap``: the canal voxels at least half inside the zones (the ones the mL figure counts
    most of), on their box: the one zone ∩ canal region the 2D and 3D views draw.
    """

    def overlap_at(self, grid: VoxelGrid, points_lps) -> np.ndarray:
        """Which LPS points fall in a ``canal_overlap`` voxel (nearest voxel)."""
        pts = np.asarray(points_lps, dtype=float).reshape(-1, 3)
        out = np.zeros(len(pts), dtype=bool)
        ov = self.canal_overlap
        if ov is None or ov.box is None or len(pts) == 0:
            return out
        kji = np.round(ijk_to_kji(grid.to_ijk(pts))).astype(np.int64) - [s.start for s in ov.box]
        ok = np.all((kji >= 0) & (kji < ov.mask.shape), axis=1)
        k, j, i = kji[ok].T
        out[ok] = ov.mask[k, j, i]
        return out

    zone_volumes_ml: tuple[float, ...]
    canal_overlap_ml: float
    canal_signed_distance_mm: float
    canal_closest_lps: tuple[float, float, float] | None
    target_volume_ml: float
    coverage_percent: float
    min_margin_mm: float
    thermocouples: tuple[ThermocoupleResult, ...]
    findings: tuple[Finding, ...]
    box: Box | None = None
    any_estimated: bool = False
    all_cryo: bool = False
    canal_present: bool = False
    canal_overlap: "LocalMask | None" = None
    extra: dict = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return worst(self.findings)


def _as_tips(thermocouple_tips) -> list[tuple[str, np.ndarray]]:
    out = []
    items = thermocouple_tips.items() if isinstance(thermocouple_tips, dict) else enumerate(thermocouple_tips or [])
    for key, tip in items:
        out.append((str(key), np.asarray(tip, dtype=float).reshape(3)))
    return out


def _target_figures(grid: VoxelGrid, zones, target: LocalMask | None) -> tuple[float, float, float]:
    if target is None or target.box is None or not target.mask.any():
        return 0.0, float("nan"), float("nan")
    voxel_ml = grid.voxel_volume_mm3 / 1000.0
    volume = float(target.mask.sum()) * voxel_ml
    if not zones:
        return volume, 0.0, float("nan")
    covered, _, _ = overlap_ml(grid, zones, target.mask, target.box)
    margin, _ = target_margin_mm(grid, zones, target)
    return volume, 100.0 * covered / volume, margin


def _overlap_region(canal_mask: np.ndarray, box, frac: np.ndarray) -> LocalMask | None:
    """Canal voxels of ``box`` whose union fraction is >= 1/2, in :func:`overlap_ml`'s point order."""
    local = canal_mask[box] if canal_mask.shape != box_shape(box) else canal_mask
    out = np.zeros(local.shape, dtype=bool)
    if len(frac):
        kji = np.argwhere(local)
        hit = kji[frac >= 0.5]
        out[hit[:, 0], hit[:, 1], hit[:, 2]] = True
    return LocalMask(out, box) if out.any() else None


def analyze(volume_geometry, canal_mask, zones, target_mask_or_shapes=None, thermocouple_tips=(),
            thresholds: SafetyThresholds | None = None, margin_mm: float = 2.0,
            thermocouple_limits=None, distances=None) -> AnalysisResult:
    """Analyse predicted zones against the spinal canal, a target and thermocouples.

    - ``volume_geometry``: an ImageVolume or a VoxelGrid.
    - ``canal_mask``: full-size boolean mask, a :class:`PreparedCanal` (prepare once, reuse: that
      is what keeps a re-analysis in milliseconds), or None.
    - ``zones``: PlannedZone or Ellipsoid objects (plain ellipsoids use ``default_time_s``).
    - ``target_mask_or_shapes``: None, a full boolean mask, a :class:`LocalMask`, or shapes.
    - ``thermocouple_tips``: LPS points, a list or a dict ``{item_id: tip_lps}``.
    - ``thermocouple_limits``: ``{item_id: (alarm_c, prealarm_c)}``, each thermocouple's own limits
      (default: the thresholds' ``alarm_c`` and ``prealarm_c``).
    - ``distances``: a :class:`~planner.analysis.zone_distance.CanalDistanceCache` (the session's):
      the canal distance from each zone's own figure, kept while the zone does not move (issue 15;
      with the sub-voxel band only: the voxel-centre figure is corrected per point after the union's pick).

    Findings come from the rule table (:mod:`planner.analysis.rules`) applied to the figures.
    """
    th = thresholds or SafetyThresholds()
    grid = VoxelGrid.of(volume_geometry)
    zones = list(zones)
    if canal_mask is None or isinstance(canal_mask, PreparedCanal):
        canal = canal_mask
    else:
        canal = PreparedCanal.build(grid, np.asarray(canal_mask, dtype=bool), getattr(volume_geometry, "hu", None))
    target = as_local_mask(grid, target_mask_or_shapes)
    limits = dict(thermocouple_limits or {})
    any_est = any(bool(getattr(z, "estimated", True)) for z in zones)

    box = zones_box(grid, zones, margin_mm) if zones else None
    overlap, distance, closest, overlap_region = 0.0, float("inf"), None, None
    if canal is not None and box is not None:
        overlap, pts, frac = overlap_ml(grid, zones, canal.mask, box)
        overlap_region = _overlap_region(canal.mask, box, frac)  # what the views fill red
        if canal.band is not None:  # the figures from the sub-voxel boundary
            overlap, pts = canal_overlap_ml(grid, zones, canal, box, known=(pts, frac))
        distance, closest_pt = (canal_signed_distance(grid, zones, canal, pts) if distances is None or canal.band is None
                                else distances.distance(grid, zones, canal, margin_mm))
        if canal.band is not None:
            overlap, distance = settle_contact(grid, overlap, distance)
            if overlap == 0.0:
                overlap_region = None  # touching or clear: nothing is drawn as overlap
        closest = None if closest_pt is None else tuple(float(v) for v in closest_pt)
    cryo = bool(zones) and all(getattr(z, "kind", "") == "cryo" for z in zones)
    target_ml, coverage, margin = _target_figures(grid, zones, target)

    tcs = []
    tips = _as_tips(thermocouple_tips)
    if tips and zones:
        pts = np.array([t for _, t in tips])
        temps, dists, dom = predicted_temperature_c(pts, zones, th.body_c, th.zone_edge_c, th.default_time_s,
                                                    signed_distance=getattr(distances, "point_distances", None))
        for (item_id, tip), t, d, z in zip(tips, temps, dists, dom):
            alarm, prealarm = limits.get(item_id, (th.alarm_c, th.prealarm_c))
            tcs.append(ThermocoupleResult(item_id, tuple(float(v) for v in tip), float(d), float(t), int(z),
                                          float(alarm), float(prealarm)))
    if target is not None and target.box is not None:
        box = union_box(box, target.box)
    result = AnalysisResult(
        zone_volumes_ml=tuple(getattr(z, "ellipsoid", z).volume_ml for z in zones),
        canal_overlap_ml=overlap, canal_signed_distance_mm=distance, canal_closest_lps=closest,
        target_volume_ml=target_ml, coverage_percent=coverage, min_margin_mm=margin,
        thermocouples=tuple(tcs), findings=(), box=box, any_estimated=any_est, all_cryo=cryo,
        canal_present=canal is not None, canal_overlap=overlap_region)
    return replace(result, findings=tuple(run_rules(RuleInputs(th, result))))


def settle_contact(grid: VoxelGrid, overlap_ml_: float, distance_mm: float) -> tuple[float, float]:
    """Make the sub-voxel overlap and distance agree at contact: a distance within
    ``CONTACT_TOLERANCE`` x the smallest voxel spacing of zero is touching (0 mm, no overlap: the
    boundary's placement is not finer than that), and a zone that does not reach the surface has no
    overlap (what remains is discretisation residue of the voxels both surfaces cross)."""
    tol = CONTACT_TOLERANCE * float(np.min(grid.spacing_ijk_mm))
    if abs(distance_mm) <= tol:
        return 0.0, 0.0
    if distance_mm > 0:
        return 0.0, distance_mm
    return overlap_ml_, distance_mm


def union_mask_local(volume_geometry, zones, margin_mm: float = 0.0) -> tuple[np.ndarray, Box | None]:
    """Boolean union mask (voxel fraction >= 1/2) on the zones' box, for display."""
    grid = VoxelGrid.of(volume_geometry)
    box = zones_box(grid, zones, margin_mm)
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), None
    pts = grid.box_points_lps(box)
    shape = tuple(s.stop - s.start for s in box)
    return (union_fraction(grid, zones, pts) >= 0.5).reshape(shape), box


__all__ = ["AnalysisResult", "ThermocoupleResult", "analyze", "union_mask_local"]
