"""One entry point for the safety analysis of a set of zones, independent of the plan document.

``analyze(volume_geometry, canal_mask, zones, target, thermocouple_tips, thresholds)`` works inside
the zones' bounding box (plus a margin) except for the canal distance search, which uses the
canal's boundary voxels (precomputed once in :class:`PreparedCanal`) pruned by bounding spheres.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.analysis.overlap import (LocalMask, PreparedCanal, as_local_mask, canal_overlap_ml,
                                      canal_signed_distance, overlap_ml, target_margin_mm, union_fraction,
                                      zones_box)
from planner.analysis.safety import canal_findings, coverage_findings, prediction_caveat, thermocouple_findings
from planner.analysis.thermal import predicted_temperature_c
from planner.analysis.thresholds import Finding, SafetyThresholds, Severity, worst
from planner.geometry.raster import Box, VoxelGrid, union_box


CONTACT_TOLERANCE = 0.1  # of the smallest voxel spacing; see settle_contact


@dataclass(frozen=True)
class ThermocoupleResult:
    item_id: str
    tip_lps: tuple[float, float, float]
    distance_to_zone_mm: float
    predicted_temperature_c: float
    dominant_zone: int


@dataclass(frozen=True)
class AnalysisResult:
    """Plain figures of one analysis. Distances in mm, volumes in mL, temperatures in °C.

    ``canal_signed_distance_mm`` is inf without a canal; ``coverage_percent`` and
    ``min_margin_mm`` are NaN without a target. ``box`` is the voxel region that was examined.
    """

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


def analyze(volume_geometry, canal_mask, zones, target_mask_or_shapes=None, thermocouple_tips=(),
            thresholds: SafetyThresholds | None = None, margin_mm: float = 2.0) -> AnalysisResult:
    """Analyse predicted zones against the spinal canal, a target and thermocouples.

    - ``volume_geometry``: an ImageVolume or a VoxelGrid.
    - ``canal_mask``: full-size boolean mask, a :class:`PreparedCanal` (prepare once, reuse: that
      is what keeps a re-analysis in milliseconds), or None.
    - ``zones``: PlannedZone or Ellipsoid objects (plain ellipsoids use ``default_time_s``).
    - ``target_mask_or_shapes``: None, a full boolean mask, a :class:`LocalMask`, or shapes.
    - ``thermocouple_tips``: LPS points, a list or a dict ``{item_id: tip_lps}``.
    """
    th = thresholds or SafetyThresholds()
    grid = VoxelGrid.of(volume_geometry)
    zones = list(zones)
    if canal_mask is None or isinstance(canal_mask, PreparedCanal):
        canal = canal_mask
    else:
        canal = PreparedCanal.build(grid, np.asarray(canal_mask, dtype=bool), getattr(volume_geometry, "hu", None))
    target = as_local_mask(grid, target_mask_or_shapes)
    findings: list[Finding] = []
    any_est = any(bool(getattr(z, "estimated", True)) for z in zones)

    box = zones_box(grid, zones, margin_mm) if zones else None
    overlap, distance, closest = 0.0, float("inf"), None
    if canal is not None and box is not None:
        if canal.band is not None:
            overlap, pts = canal_overlap_ml(grid, zones, canal, box)
        else:
            overlap, pts, _ = overlap_ml(grid, zones, canal.mask, box)
        distance, closest_pt = canal_signed_distance(grid, zones, canal, pts)
        if canal.band is not None:
            overlap, distance = settle_contact(grid, overlap, distance)
        closest = None if closest_pt is None else tuple(float(v) for v in closest_pt)
    if zones:
        cryo = all(getattr(z, "kind", "") == "cryo" for z in zones)
        findings += canal_findings(distance if canal is not None else float("inf"), overlap, th, cryo=cryo)

    target_ml, coverage, margin = _target_figures(grid, zones, target)
    findings += coverage_findings(coverage, margin)

    tcs = []
    tips = _as_tips(thermocouple_tips)
    if tips and zones:
        pts = np.array([t for _, t in tips])
        temps, dists, dom = predicted_temperature_c(pts, zones, th.body_c, th.zone_edge_c, th.default_time_s)
        for (item_id, tip), t, d, z in zip(tips, temps, dists, dom):
            tcs.append(ThermocoupleResult(item_id, tuple(float(v) for v in tip), float(d), float(t), int(z)))
            findings += thermocouple_findings(float(t), float(d), th, item_id)
    if zones:
        findings.append(prediction_caveat(any_est))
    findings.sort(key=lambda f: -f.severity.rank)
    if target is not None and target.box is not None:
        box = union_box(box, target.box)
    return AnalysisResult(
        zone_volumes_ml=tuple(getattr(z, "ellipsoid", z).volume_ml for z in zones),
        canal_overlap_ml=overlap, canal_signed_distance_mm=distance, canal_closest_lps=closest,
        target_volume_ml=target_ml, coverage_percent=coverage, min_margin_mm=margin,
        thermocouples=tuple(tcs), findings=tuple(findings), box=box, any_estimated=any_est)


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
