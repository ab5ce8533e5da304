"""Zone-union versus masks: overlap volume, signed distance, coverage, all local to the zones.

Discretisation conventions (checked by tests/analysis/test_exactness.py):

- A mask voxel is the cube around its centre. The zone side is analytic: the fraction of a canal or
  target voxel inside a zone is ``clip(1/2 - s / w, 0, 1)`` with ``s`` the first-order signed
  distance of the voxel centre to the zone surface and ``w = sum_i |n . e_i| h_i`` the voxel's width
  along the surface normal (exact for a plane parallel to a voxel face). Union fraction = the
  largest fraction of any zone.
- Distances are measured from the analytic zone surface to the voxel centres of the mask and then
  moved by half the voxel's extent along the normal, ``c = 1/2 max_i |n . e_i| h_i``: the true mask
  boundary lies between the last inside centre and the next one, so the corrected figure is within
  ``c`` (at most half a voxel) of the distance to the true boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module
from planner.analysis.canal_boundary import CanalBand, band_overlap_mm3, build_band, contains
from planner.core.frames import kji_to_ijk
from planner.geometry.raster import (Box, VoxelGrid, box_shape, mask_box, rasterise_union, shape_box,
                                     union_box)

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


def _ellipsoids(zones):
    return [getattr(z, "ellipsoid", z) for z in zones]


@dataclass(frozen=True, eq=False)
class LocalMask:
    """A boolean mask stored as its tight box: ``mask`` (box-shaped) at ``box`` in a grid."""

    mask: np.ndarray
    box: Box | None

    @classmethod
    def from_full(cls, full_mask: np.ndarray) -> "LocalMask":
        box = mask_box(full_mask)
        return cls(np.zeros((0, 0, 0), bool) if box is None else full_mask[box].copy(), box)

    def crop(self, box: Box) -> np.ndarray:
        """This mask resampled on another box of the same grid (False outside its own box)."""
        out = np.zeros(box_shape(box), dtype=bool)
        if self.box is None:
            return out
        src, dst = [], []
        for mine, theirs in zip(self.box, box):
            lo, hi = max(mine.start, theirs.start), min(mine.stop, theirs.stop)
            if hi <= lo:
                return out
            src.append(slice(lo - mine.start, hi - mine.start))
            dst.append(slice(lo - theirs.start, hi - theirs.start))
        out[tuple(dst)] = self.mask[tuple(src)]
        return out

    def boundary_points_ijk(self) -> np.ndarray:
        """(n, 3) integer ijk of mask voxels with a 6-neighbour outside the mask."""
        if self.box is None:
            return np.zeros((0, 3), dtype=int)
        inner = ndimage.binary_erosion(np.pad(self.mask, 1), border_value=0)[1:-1, 1:-1, 1:-1]
        kji = np.argwhere(self.mask & ~inner)
        offset = np.array([s.start for s in self.box])
        return kji_to_ijk(kji + offset)


@dataclass(frozen=True, eq=False)
class PreparedCanal:
    """A canal mask with what repeated analyses need: the full mask, its boundary voxel centres
    (LPS, sorted by slice index k so a window of slices is one contiguous range) and, when built
    with the CT's values, the sub-voxel boundary band (:mod:`planner.analysis.canal_boundary`)."""

    grid: VoxelGrid
    mask: np.ndarray
    boundary_lps: np.ndarray
    boundary_k: np.ndarray
    band: CanalBand | None = None

    @classmethod
    def build(cls, grid: VoxelGrid, canal_mask: np.ndarray, hu: np.ndarray | None = None) -> "PreparedCanal":
        """Prepare ``canal_mask``; with ``hu`` (the volume's HU, same grid) the boundary is placed
        from the partial-volume values at the CSF/bone transition (sub-voxel), else the mask's
        voxel centres are used with the half-voxel correction described in the module docstring."""
        if canal_mask.shape != grid.shape_kji:
            raise ValueError(f"canal mask shape {canal_mask.shape} differs from the volume {grid.shape_kji}")
        if hu is not None and hu.shape != grid.shape_kji:
            raise ValueError(f"HU array shape {hu.shape} differs from the volume {grid.shape_kji}")
        local = LocalMask.from_full(canal_mask)
        ijk = local.boundary_points_ijk()
        order = np.argsort(ijk[:, 2], kind="stable")
        ijk = ijk[order]
        band = None if hu is None else build_band(grid, canal_mask, hu)
        return cls(grid, canal_mask, grid.to_lps(ijk.astype(float)), ijk[:, 2].astype(int), band)

    def boundary_in_slices(self, k_slice: slice) -> np.ndarray:
        lo = np.searchsorted(self.boundary_k, k_slice.start, side="left")
        hi = np.searchsorted(self.boundary_k, k_slice.stop, side="left")
        return self.boundary_lps[lo:hi]

    def surface_in_slices(self, k_slice: slice | None) -> np.ndarray:
        """Sub-voxel surface points (LPS) of the band voxels in a slice range (all when None)."""
        b = self.band
        idx = np.arange(len(b.kji)) if k_slice is None else b.in_slices(k_slice)
        idx = idx[b.exact[idx]]
        return b.surface_lps[idx]

    def contains(self, points_lps) -> np.ndarray:
        return contains(self.grid, self.mask, self.band, points_lps)


def canal_overlap_ml(grid: VoxelGrid, zones, canal: PreparedCanal, box: Box,
                     known: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, np.ndarray]:
    """Volume (mL) of the canal inside the zone union with the sub-voxel boundary, and the LPS
    centres of the canal voxels of ``box`` away from the boundary band (for the depth search).
    ``known``: ``(points, fractions)`` that :func:`overlap_ml` gave for the whole canal mask on this
    ``box`` (a voxel's fraction depends on that voxel alone, so the core voxels' are taken from there
    instead of being computed twice: issue 15)."""
    local = canal.mask[box].copy()
    band = canal.band
    idx = np.zeros(0, dtype=int)
    if band is not None:
        idx = band.in_box(box)
        start = np.array([s.start for s in box])
        kji = band.kji[idx] - start
        local[kji[:, 0], kji[:, 1], kji[:, 2]] = False
    if known is None:
        core_ml, pts, _ = overlap_ml(grid, zones, local, box)
    else:  # the core voxels in argwhere order: those of the whole mask's argwhere still set in ``local``
        all_pts, all_frac = known
        kji_all = np.argwhere(canal.mask[box])
        core = local[kji_all[:, 0], kji_all[:, 1], kji_all[:, 2]] if len(kji_all) else np.zeros(0, bool)
        pts = all_pts[core] if len(all_pts) else np.zeros((0, 3))
        core_ml = float(all_frac[core].sum() * grid.voxel_volume_mm3 / 1000.0) if len(all_frac) else 0.0
    ells = _ellipsoids(zones)
    r_min = min((float(e.semi_axes_mm.min()) for e in ells), default=10.0)
    sub_mm = float(np.clip(0.09 * r_min, 0.3, 1.5))
    band_ml = 0.0 if band is None else band_overlap_mm3(grid, ells, band, idx, sub_mm) / 1000.0
    return core_ml + band_ml, pts


def _half_extent_along(grid: VoxelGrid, normals_lps: np.ndarray) -> np.ndarray:
    """1/2 max_i |n . e_i| h_i for each normal (the distance correction above)."""
    m = grid.ijk_to_lps[:3, :3]
    return 0.5 * np.abs(normals_lps @ m).max(axis=1)


def _sub_offsets(grid: VoxelGrid, sub_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """LPS offsets of the sub-voxel centres (an axis longer than ``sub_mm`` is split in up to 3)
    and the sub-voxel edge vectors (3x3, columns)."""
    sp = grid.spacing_ijk_mm
    n = np.clip(np.ceil(sp / sub_mm - 1e-9), 1, 3).astype(int)
    axes = [(np.arange(k) + 0.5) / k - 0.5 for k in n]
    ii, jj, kk = np.meshgrid(*axes, indexing="ij")
    frac = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], axis=1)
    m = grid.ijk_to_lps[:3, :3]
    return frac @ m.T, m / n[None, :]


def union_fraction(grid: VoxelGrid, zones, points_lps: np.ndarray, sub_mm: float | None = None) -> np.ndarray:
    """Fraction of the voxel centred at each point that lies inside the union of ``zones``.

    A voxel cut by a zone surface (|s| under half its width along the normal, s the first-order
    signed distance of its centre) is split into sub-voxels no longer than ``sub_mm`` per axis (so
    thick slices are sampled along the curvature of the zone); each sub-voxel counts
    ``clip(1/2 - s / w, 0, 1)`` (w: its width along the normal, exact for a plane parallel to a
    face), and a sub-voxel in several zones counts once (largest fraction). Other voxels count 0 or 1.
    The plane model overestimates the part of a voxel inside a convex surface by about
    0.6 (h / R)^2 of the volume (measured on spheres: 2.5% at h/R = 0.2), so by default
    ``sub_mm = 0.09 R`` (R: the smallest semi-axis of the zones, clipped to 0.3-1.5 mm), which keeps
    that bias near 0.5%.
    """
    ells = _ellipsoids(zones)
    if sub_mm is None:
        r_min = min((float(e.semi_axes_mm.min()) for e in ells), default=10.0)
        sub_mm = float(np.clip(0.09 * r_min, 0.3, 1.5))
    frac = np.zeros(len(points_lps))
    near = np.zeros(len(points_lps), dtype=bool)
    m = grid.ijk_to_lps[:3, :3]
    for ell in ells:
        s, normal = ell.approx_distance_and_normal(points_lps)
        frac = np.maximum(frac, (s <= 0).astype(float))
        near |= np.abs(s) < 0.5 * np.abs(normal @ m).sum(axis=1) + 1e-9
    if not near.any():
        return frac
    offsets, edges = _sub_offsets(grid, sub_mm)
    sub = (points_lps[near][:, None, :] + offsets[None, :, :]).reshape(-1, 3)
    best = np.zeros(len(sub))
    for ell in ells:
        s, normal = ell.approx_distance_and_normal(sub)
        w = np.abs(normal @ edges).sum(axis=1)
        best = np.maximum(best, np.clip(0.5 - s / w, 0.0, 1.0))
    frac[near] = best.reshape(-1, len(offsets)).mean(axis=1)
    return frac


def union_distance_bounds(zones, points_lps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous lower and upper bounds of the union's signed distance (min over zones) at each point.

    A point at normalised radius rho = sqrt(q) of an ellipsoid E(a) lies on E(rho a); since
    E(rho a) + ball((1 - rho) a_min) lies inside E(a) (Minkowski sums of homothetic ellipsoids) and
    the point x / rho is on E(a), the distance lies between |rho - 1| a_min and |rho - 1| a_max.
    """
    lower = np.full(len(points_lps), np.inf)
    upper = np.full(len(points_lps), np.inf)
    for ell in _ellipsoids(zones):
        rho_m1 = np.sqrt(ell.algebraic(points_lps)) - 1.0
        a_min, a_max = float(ell.semi_axes_mm.min()), float(ell.semi_axes_mm.max())
        outside = rho_m1 > 0
        lower = np.minimum(lower, rho_m1 * np.where(outside, a_min, a_max))
        upper = np.minimum(upper, rho_m1 * np.where(outside, a_max, a_min))
    return lower, upper


def union_signed_distance(zones, points_lps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact signed distance to the nearest zone surface (min over zones) and the zone index."""
    best = np.full(len(points_lps), np.inf)
    which = np.zeros(len(points_lps), dtype=int)
    for n, ell in enumerate(_ellipsoids(zones)):
        d = ell.signed_distance(points_lps)
        which = np.where(d < best, n, which)
        best = np.minimum(best, d)
    return best, which


def zones_box(grid: VoxelGrid, zones, margin_mm: float) -> Box | None:
    box = None
    for ell in _ellipsoids(zones):
        box = union_box(box, shape_box(grid, ell, margin_mm))
    return box


def overlap_ml(grid: VoxelGrid, zones, mask: np.ndarray, box: Box) -> tuple[float, np.ndarray, np.ndarray]:
    """Volume (mL) of ``mask`` (full-size or box-shaped) inside the union, the mask points in the box
    (LPS) and their union fractions."""
    local = mask[box] if mask.shape != box_shape(box) else mask
    kji = np.argwhere(local)
    if len(kji) == 0:
        return 0.0, np.zeros((0, 3)), np.zeros(0)
    offset = np.array([s.start for s in box])
    pts = grid.to_lps(kji_to_ijk(kji + offset).astype(float))
    frac = union_fraction(grid, zones, pts)
    return float(frac.sum() * grid.voxel_volume_mm3 / 1000.0), pts, frac


def _min_distance_candidates(zones, points: np.ndarray) -> np.ndarray:
    """Indices of the points that may be the closest to the union (see union_distance_bounds)."""
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    lower, upper = union_distance_bounds(zones, points)
    return np.flatnonzero(lower <= upper.min() + 1e-9)


def canal_signed_distance(grid: VoxelGrid, zones, canal: PreparedCanal, inside_pts: np.ndarray,
                          window_mm: float = 40.0) -> tuple[float, np.ndarray | None]:
    """Signed distance (mm) from the zone union's surface to the canal and the canal point where
    it is attained: positive = gap, negative = penetration depth (largest depth of a canal voxel
    inside a zone, moved by the half-voxel correction). ``inside_pts`` are the canal voxel centres
    already known to lie in the zones' box (used for penetration). ``inf`` when there is no canal.
    With a sub-voxel band the figure is measured to the band's surface points instead."""
    if canal.band is not None:
        return _band_signed_distance(grid, zones, canal, inside_pts, window_mm)
    if len(inside_pts):
        lower, upper = union_distance_bounds(zones, inside_pts)
        depth_pts = inside_pts[(lower <= 0) & (lower <= upper.min())]
        if len(depth_pts) and upper.min() <= 0:
            d, which = union_signed_distance(zones, depth_pts)
            deepest = int(np.argmin(d))
            p = depth_pts[deepest]
            normal = _ellipsoids(zones)[which[deepest]].surface_normal(p)
            return float(d[deepest] - _half_extent_along(grid, normal)[0]), p
    box = zones_box(grid, zones, window_mm)
    pools = []
    if box is not None:
        pools.append(canal.boundary_in_slices(box[0]))
    pools.append(canal.boundary_lps)
    for n, pts in enumerate(pools):
        cand = _min_distance_candidates(zones, pts)
        if len(cand) == 0:
            continue
        d, which = union_signed_distance(zones, pts[cand])
        best = int(np.argmin(d))
        if n == 0 and d[best] > window_mm:
            continue
        p = pts[cand][best]
        normal = _ellipsoids(zones)[which[best]].surface_normal(p)
        return float(d[best] - _half_extent_along(grid, normal)[0]), p
    return float("inf"), None


def _band_signed_distance(grid: VoxelGrid, zones, canal: PreparedCanal, inside_pts: np.ndarray,
                          window_mm: float) -> tuple[float, np.ndarray | None]:
    """Signed distance to the sub-voxel canal surface: the deepest canal point inside the union
    (surface points, core voxel centres, and the zones' centres when they lie in the canal: an
    ellipsoid's deepest point is its centre) when there is one, else the nearest surface point."""
    ells = _ellipsoids(zones)
    box = zones_box(grid, zones, window_mm)
    near = canal.surface_in_slices(box[0]) if box is not None else np.zeros((0, 3))
    centres = np.array([e.centre_lps for e in ells]).reshape(-1, 3)
    pool = np.concatenate([near, np.asarray(inside_pts, float).reshape(-1, 3), centres[canal.contains(centres)]])
    if len(pool):
        lower, upper = union_distance_bounds(zones, pool)
        if lower.min() < 0:
            cand = pool[lower <= min(float(upper.min()), 0.0)]
            d, _ = union_signed_distance(zones, cand)
            if len(d) and d.min() < 0:
                best = int(np.argmin(d))
                return float(d[best]), cand[best]
    for n in (0, 1):  # the window's surface points, then (only when needed) all of them
        pts = near if n == 0 else canal.surface_in_slices(None)
        cand = _min_distance_candidates(zones, pts)
        if len(cand) == 0:
            continue
        d, _ = union_signed_distance(zones, pts[cand])
        best = int(np.argmin(d))
        if n == 0 and d[best] > window_mm:
            continue
        return float(d[best]), pts[cand][best]
    return float("inf"), None


def target_margin_mm(grid: VoxelGrid, zones, target: LocalMask) -> tuple[float, np.ndarray | None]:
    """Smallest margin (mm) between the target's boundary and the union surface: positive when the
    whole target lies inside the union with that much to spare, negative when part of it sticks out
    by that much. Half-voxel corrected like the canal distance."""
    ijk = target.boundary_points_ijk()
    if len(ijk) == 0:
        return float("nan"), None
    pts = grid.to_lps(ijk.astype(float))
    lower, upper = union_distance_bounds(zones, pts)
    pts = pts[upper >= lower.max() - 1e-9]
    d, which = union_signed_distance(zones, pts)
    worst = int(np.argmax(d))
    normal = _ellipsoids(zones)[which[worst]].surface_normal(pts[worst])
    return float(-(d[worst] + _half_extent_along(grid, normal)[0])), pts[worst]


def as_local_mask(grid: VoxelGrid, target, margin_box: Box | None = None) -> LocalMask | None:
    """A LocalMask from a LocalMask, a full boolean mask, or shapes (rasterised locally)."""
    if target is None:
        return None
    if isinstance(target, LocalMask):
        return target
    if isinstance(target, np.ndarray):
        return LocalMask.from_full(target.astype(bool, copy=False))
    shapes = list(target) if isinstance(target, (list, tuple)) else [target]
    mask, box = rasterise_union(grid, shapes)
    return LocalMask(mask, box)
