"""Coverage of a target (lesion or CTV) by the union of ablation zones.

Percent covered and the covered volume use the analysis' partial-voxel union fractions
(:func:`planner.analysis.overlap.union_fraction`); the margin of each target voxel is its depth inside
the union (minus the exact signed distance to the nearest zone surface,
:func:`planner.analysis.overlap.union_signed_distance`): positive inside, negative outside. The
minimum margin is the analysis' half-voxel corrected boundary margin
(:func:`planner.analysis.overlap.target_margin_mm`). A bioheat damage region, when given as a
boolean mask, replaces the zones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.analysis.overlap import LocalMask, target_margin_mm, union_fraction, union_signed_distance
from planner.core.frames import kji_to_ijk
from planner.geometry.raster import VoxelGrid, mask_box

#: Margin histogram bin edges (mm): uncovered by more than 5 mm ... covered with more than 10 mm to spare.
HISTOGRAM_EDGES_MM: tuple[float, ...] = (-np.inf, -5.0, -2.0, 0.0, 2.0, 5.0, 10.0, np.inf)


@dataclass(frozen=True, eq=False)
class Coverage:
    """What part of a target the zones treat. ``uncovered`` is a boolean mask on the CT grid (voxels
    whose centre lies outside every zone), for drawing."""

    target_ml: float
    covered_ml: float
    min_margin_mm: float
    histogram_edges_mm: tuple[float, ...]
    histogram_ml: tuple[float, ...]
    uncovered: np.ndarray

    @property
    def percent(self) -> float:
        return 100.0 * self.covered_ml / self.target_ml if self.target_ml > 0 else 0.0

    @property
    def uncovered_ml(self) -> float:
        return max(self.target_ml - self.covered_ml, 0.0)


def coverage(volume_geometry, zones, target_mask: np.ndarray, damage_mask: np.ndarray | None = None) -> Coverage:
    """Coverage of ``target_mask`` (CT grid) by the union of ``zones`` (or by ``damage_mask``)."""
    grid = VoxelGrid.of(volume_geometry)
    target = np.asarray(target_mask, bool)
    voxel_ml = grid.voxel_volume_mm3 / 1000.0
    kji = np.argwhere(target)
    edges = HISTOGRAM_EDGES_MM
    uncovered = np.zeros(target.shape, bool)
    if len(kji) == 0:
        return Coverage(0.0, 0.0, float("nan"), edges, (0.0,) * (len(edges) - 1), uncovered)
    zones = list(zones)
    pts = grid.to_lps(kji_to_ijk(kji).astype(float))
    if damage_mask is not None:
        inside = np.asarray(damage_mask, bool)[tuple(kji.T)]
        uncovered[tuple(kji[~inside].T)] = True
        covered = float(inside.sum() * voxel_ml)
        return Coverage(len(kji) * voxel_ml, covered, float("nan"), edges, (0.0,) * (len(edges) - 1), uncovered)
    if not zones:
        uncovered[tuple(kji.T)] = True
        hist = (len(kji) * voxel_ml,) + (0.0,) * (len(edges) - 2)
        return Coverage(len(kji) * voxel_ml, 0.0, float("-inf"), edges, hist, uncovered)
    frac = union_fraction(grid, zones, pts)
    depth = -union_signed_distance(zones, pts)[0]
    uncovered[tuple(kji[depth < 0].T)] = True
    counts, _ = np.histogram(depth, bins=np.asarray(edges))
    box = mask_box(target)
    margin, _ = target_margin_mm(grid, zones, LocalMask(target[box], box))
    return Coverage(len(kji) * voxel_ml, float(frac.sum() * voxel_ml), float(margin), edges,
                    tuple(float(c * voxel_ml) for c in counts), uncovered)
