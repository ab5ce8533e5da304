"""Safety rules for the neural foramina: pure functions, figures in, findings out.

- ``zone_reaches_foramen`` (critical): a predicted zone reaches a neural foramen, where the exiting
  nerve root lies; thermocouples are placed in the foramen for that reason (DOMAIN.md "Thermal
  safety": Chen 2022 stopped above 42 °C; Groetz 2013 measured 46-52 °C in the foramen with RF).
  Within ``warn_distance_mm`` (the canal's warning distance, about half the ~1 cm heat conducts in
  5 min, DOMAIN.md) it is a warning (``zone_near_foramen``).
- ``needle_enters_foramen`` (critical): the needle's axis or outer wall passes through a foramen
  (the nerve root; foraminal cement leakage 3 of 140 in Chen 2022).

Each function takes plain data (grid, zone ellipsoids, :class:`planner.anatomy.foramina.Foramen`
objects, needle endpoints) so the rule registry can call it.
"""

from __future__ import annotations

import numpy as np

from planner.analysis.overlap import union_distance_bounds, union_signed_distance
from planner.analysis.thresholds import Finding, Severity
from planner.core.frames import ijk_to_kji, kji_to_ijk
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import orthonormal_complement


def _label(foramen) -> str:
    return f"{foramen.level} {foramen.side}".strip() if foramen.level else f"{foramen.side}"


def foramen_distance_mm(grid: VoxelGrid, zones, foramen) -> float:
    """Signed distance (mm) from the zone union to a foramen's voxels: positive gap, negative depth;
    voxel centres moved by half a voxel (the mask's true edge lies up to half a voxel beyond)."""
    ells = [getattr(z, "ellipsoid", z) for z in zones]
    if not ells:
        return float("inf")
    pts = grid.to_lps(kji_to_ijk(foramen.points_kji()).astype(float))
    if len(pts) == 0:
        return float("inf")
    lower, upper = union_distance_bounds(ells, pts)
    cand = pts[lower <= upper.min() + 1e-9]
    d, _ = union_signed_distance(ells, cand)
    return float(d.min() - 0.5 * float(np.max(grid.spacing_ijk_mm)))


def zone_foramen_findings(distances, warn_distance_mm: float = 5.0) -> list[Finding]:
    """Findings from ``[(foramen, distance_mm), ...]``."""
    out = []
    for f, d in distances:
        where = f"the {_label(f)} neural foramen"
        if d <= 0:
            out.append(Finding(Severity.CRITICAL, "zone_reaches_foramen",
                               f"The predicted zone reaches {where} ({-d:.1f} mm deep): the exiting nerve root "
                               "lies there; consider a thermocouple in the foramen (Chen 2022).", ""))
        elif d < warn_distance_mm:
            out.append(Finding(Severity.WARNING, "zone_near_foramen",
                               f"The predicted zone comes within {d:.1f} mm of {where} (warning below "
                               f"{warn_distance_mm:g} mm).", ""))
    return out


def needle_foramen_hits(grid: VoxelGrid, entry_lps, tip_lps, outer_diameter_mm: float, foramina,
                        step_mm: float = 0.5, ring_points: int = 16) -> list[tuple[object, float]]:
    """(foramen, depth from the entry in mm) for every foramen the needle's axis or wall enters."""
    entry = np.asarray(entry_lps, float).reshape(3)
    tip = np.asarray(tip_lps, float).reshape(3)
    length = float(np.linalg.norm(tip - entry))
    if length == 0 or not foramina:
        return []
    axis = (tip - entry) / length
    u, v = orthonormal_complement(axis)
    t = np.linspace(0.0, length, max(2, int(np.ceil(length / step_mm)) + 1))
    ang = np.linspace(0, 2 * np.pi, ring_points, endpoint=False)
    ring = np.concatenate([[np.zeros(3)], 0.5 * outer_diameter_mm * (np.outer(np.cos(ang), u) + np.outer(np.sin(ang), v))])
    pts = (entry + t[:, None, None] * axis + ring[None]).reshape(-1, 3)
    depth = np.repeat(t, len(ring))
    kji = ijk_to_kji(np.round(grid.to_ijk(pts)).astype(int))
    hits = []
    for f in foramina:
        lo = np.array([s.start for s in f.box])
        rel = kji - lo
        inside = np.all((rel >= 0) & (rel < np.array(f.local.shape)), axis=1)
        if not inside.any():
            continue
        sel = np.flatnonzero(inside)
        hit = f.local[rel[sel, 0], rel[sel, 1], rel[sel, 2]]
        if hit.any():
            hits.append((f, float(depth[sel[hit]].min())))
    return hits


def needle_foramen_findings(hits, needle_id: str = "", needle_name: str = "Needle") -> list[Finding]:
    return [Finding(Severity.CRITICAL, "needle_enters_foramen",
                    f"{needle_name}: the path enters the {_label(f)} neural foramen {d:.1f} mm from the entry "
                    "(the exiting nerve root).", needle_id) for f, d in hits]


__all__ = ["foramen_distance_mm", "zone_foramen_findings", "needle_foramen_hits", "needle_foramen_findings"]
