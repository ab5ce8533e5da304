"""Sub-voxel boundary of the spinal canal from the CT's partial-volume values.

A binary canal mask puts the boundary somewhere between the last canal voxel centre and the next
one (up to half a voxel off). On CT each voxel's value is, to first order, the volume average of
what it holds (the partial-volume effect), so at a CSF/bone transition the canal fraction of a
voxel is ``F = (b - v) / (b - c)`` with ``v`` its HU, ``c`` the canal's HU (CSF about 15 HU, epidural
fat about -100 HU) and ``b`` the wall's HU (cortical bone 500-1900 HU, DOMAIN.md). Here:

- ``c`` is the median HU of the canal voxels away from the wall (the mask eroded by one voxel);
- ``b`` is the brightest voxel outside the mask within two voxels (the wall's plateau value),
  after an in-plane 3x3 median (the maximum of raw noisy values would be biased upward);
- where ``b - c`` is under ``min_contrast_hu`` (the ring is open: disc, ligament, fat or muscle
  next to the canal) the mask decides alone (F = 1 inside, 0 outside);
- an outside voxel counts as part canal only when it holds at least ``min_bone_share`` of bone by
  that formula; otherwise it is another soft tissue (fat, ligament), not a CSF/bone mix.

The band of voxels on both sides of the mask's boundary then gets an outward unit normal ``n`` (the
gradient of the lightly smoothed fraction field) and the signed distance of its centre to the
surface ``phi = w (1/2 - F)``, ``w = sum_i |n . e_i| h_i`` the voxel's width along ``n`` (the same
plane model as the zone side of :mod:`planner.analysis.overlap`, exact for a plane parallel to a
face). The surface point of a band voxel is ``centre - phi n``.

Overlap of a zone with a band voxel: the voxel is split into sub-voxels; each gets the canal
fraction ``fc`` and the zone fraction ``fz`` by the plane model, and their joint fraction lies
between the Fréchet bounds ``max(0, fc + fz - 1)`` (planes facing each other: exact for coincident
opposite planes, so a tangent zone gives 0) and ``min(fc, fz)`` (planes facing the same way); the
product is exact for perpendicular faces. The joint fraction blends them with the cosine between
the two normals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.frames import array_shape_to_ijk, ijk_to_kji, kji_to_ijk
from planner.core.lazy import lazy_module
from planner.geometry.raster import Box, VoxelGrid, mask_box

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

MIN_CONTRAST_HU = 250.0
MIN_BONE_SHARE = 0.1
# Surface points come from voxels 10-90% canal: near 0 or 1 the fraction hardly changes with the
# plane's position (the cube's corners), so image noise would move the point by much more.
EXACT_RANGE = (0.1, 0.9)


@dataclass(frozen=True, eq=False)
class CanalBand:
    """Band voxels around the canal boundary: ``kji`` (n, 3) indices into the full grid, canal
    ``fraction`` (n,), outward ``normal_lps`` (n, 3), centre-to-surface signed distance ``phi_mm``
    (negative inside), the band voxel centres ``centre_lps`` and their surface points ``surface_lps``
    (both sorted by k); ``exact`` marks the voxels whose surface point is a position (a partial
    voxel, or the mask's own midpoint where the wall has no contrast) rather than a bound (a
    saturated voxel next to bone only says the surface is at least half a voxel away)."""

    kji: np.ndarray
    fraction: np.ndarray
    normal_lps: np.ndarray
    phi_mm: np.ndarray
    centre_lps: np.ndarray
    surface_lps: np.ndarray
    exact: np.ndarray
    from_hu: bool

    @property
    def surface_k(self) -> np.ndarray:
        return self.kji[:, 0]

    def sorted_keys(self, shape_kji) -> tuple[np.ndarray, np.ndarray]:
        """The band voxels' flat grid indices, sorted, and the order that sorts them (for
        :func:`contains`; sorted once per band and grid shape, not at every call: issue 15, a drag asks
        several times per move)."""
        shape_kji = tuple(int(n) for n in shape_kji)
        cached = self.__dict__.get("_sorted_keys")
        if cached is None or cached[0] != shape_kji:
            key = _keys(self.kji, shape_kji)
            order = np.argsort(key, kind="stable")
            cached = (shape_kji, key[order], order)
            object.__setattr__(self, "_sorted_keys", cached)  # a cache on a frozen record: not a field
        return cached[1], cached[2]

    def in_slices(self, k_slice: slice) -> np.ndarray:
        """Indices of the band voxels whose slice index lies in ``k_slice``."""
        lo = np.searchsorted(self.kji[:, 0], k_slice.start, side="left")
        hi = np.searchsorted(self.kji[:, 0], k_slice.stop, side="left")
        return np.arange(lo, hi)

    def in_box(self, box: Box) -> np.ndarray:
        idx = self.in_slices(box[0])
        sub = self.kji[idx]
        keep = ((sub[:, 1] >= box[1].start) & (sub[:, 1] < box[1].stop)
                & (sub[:, 2] >= box[2].start) & (sub[:, 2] < box[2].stop))
        return idx[keep]


def cube_fraction(s_mm: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Fraction of a box lying on the inner side ``n . (x - centre) <= s`` of a plane, for the box's
    widths along the normal ``widths`` (n, 3) = ``|n . e_i| h_i``: the inclusion-exclusion sum over
    the eight corners of ``max(0, alpha - eps . a)^3 / (6 a1 a2 a3)`` with ``alpha = s + sum(a) / 2``
    (exact; Scardovelli & Zaleski, J Comput Phys 2000). Widths under 1e-3 of the largest are
    raised to it (the limit is continuous)."""
    a = np.maximum(np.asarray(widths, float), 1e-3 * np.max(widths, axis=1, keepdims=True) + 1e-12)
    alpha = np.asarray(s_mm, float) + 0.5 * a.sum(axis=1)
    total = np.zeros_like(alpha)
    for e0 in (0, 1):
        for e1 in (0, 1):
            for e2 in (0, 1):
                sign = -1.0 if (e0 + e1 + e2) % 2 else 1.0
                total += sign * np.maximum(0.0, alpha - e0 * a[:, 0] - e1 * a[:, 1] - e2 * a[:, 2]) ** 3
    return np.clip(total / (6.0 * a.prod(axis=1)), 0.0, 1.0)


def cube_offset(fraction: np.ndarray, widths: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Inverse of :func:`cube_fraction` in ``s`` (bisection; the fraction is monotone in s)."""
    half = 0.5 * np.asarray(widths, float).sum(axis=1)
    lo, hi = -half, half.copy()
    f = np.asarray(fraction, float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = cube_fraction(mid, widths) < f
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _neighbourhood(spacing_kji: np.ndarray, reach_mm: float = 2.0) -> tuple[int, int, int]:
    """Filter size reaching about two voxels, and never across slices thicker than ``reach_mm``."""
    return tuple(int(5 if s <= reach_mm else 1) for s in spacing_kji)


def _fraction_field(mask: np.ndarray, hu: np.ndarray | None, spacing_kji: np.ndarray,
                    min_contrast_hu: float, min_bone_share: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Canal fraction of every voxel of the crop and the band (boundary voxels on both sides)."""
    struct = ndimage.generate_binary_structure(3, 1)
    inner = ndimage.binary_erosion(mask, struct, border_value=0)
    outer = ndimage.binary_dilation(mask, struct) & ~mask
    band = (mask & ~inner) | outer
    frac = mask.astype(np.float32)
    if hu is None:
        return frac, band, np.zeros(mask.shape, bool)
    h = hu.astype(np.float32)
    core = h[inner] if inner.any() else h[mask]
    c = float(np.median(core))
    quiet = ndimage.median_filter(h, size=(1, 3, 3), mode="nearest")  # the max of raw noise is biased
    outside_only = np.where(mask, np.float32(-np.inf), quiet)
    b = ndimage.maximum_filter(outside_only, size=_neighbourhood(spacing_kji))
    contrast = b - c
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.clip((b - h) / contrast, 0.0, 1.0)
    bony = band & np.isfinite(b) & (contrast >= min_contrast_hu)
    inside_band = bony & mask
    outside_band = bony & ~mask & (est <= 1.0 - min_bone_share)
    frac[inside_band] = est[inside_band]
    frac[outside_band] = est[outside_band]
    return frac, band, bony


def _normals_lps(frac: np.ndarray, pts_kji: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Outward unit normals: minus the gradient of the smoothed fraction, index space -> LPS."""
    smooth = ndimage.gaussian_filter(frac, sigma=0.8, mode="nearest")
    g = [ndimage.map_coordinates(np.gradient(smooth, axis=a), pts_kji.T, order=1, mode="nearest")
         for a in range(3)]
    g_ijk = np.stack([g[2], g[1], g[0]], axis=1)  # d/di, d/dj, d/dk
    g_lps = g_ijk @ np.linalg.inv(m)  # row vector: dF/dx = dF/di . di/dx
    norm = np.linalg.norm(g_lps, axis=1, keepdims=True)
    n = -g_lps / np.where(norm > 0, norm, 1.0)
    n[norm[:, 0] == 0] = (0.0, 0.0, 0.0)
    return n


def build_band(grid: VoxelGrid, mask: np.ndarray, hu: np.ndarray | None = None,
               min_contrast_hu: float = MIN_CONTRAST_HU, min_bone_share: float = MIN_BONE_SHARE) -> CanalBand | None:
    """The sub-voxel boundary band of ``mask`` (full grid), from ``hu`` when given (else binary)."""
    box = mask_box(mask, pad=3)
    if box is None:
        return None
    sub_mask = mask[box]
    sub_hu = None if hu is None else hu[box]
    sp = np.array(grid.spacing_kji_mm)
    frac, band, bony = _fraction_field(sub_mask, sub_hu, sp, min_contrast_hu, min_bone_share)
    kji_local = np.argwhere(band)
    bony_b = bony[band]
    m = grid.ijk_to_lps[:3, :3]
    normal = _normals_lps(frac, kji_local.astype(float), m)
    f = frac[band].astype(float)
    widths = np.abs(normal @ m)
    widths[np.linalg.norm(normal, axis=1) == 0] = np.min(grid.spacing_ijk_mm)
    phi = -cube_offset(f, widths)
    kji = kji_local + np.array([s.start for s in box])
    order = np.argsort(kji[:, 0], kind="stable")
    kji, f, normal, phi, bony_b = kji[order], f[order], normal[order], phi[order], bony_b[order]
    centre = grid.to_lps(kji_to_ijk(kji).astype(float))
    exact = ~bony_b | ((f > EXACT_RANGE[0]) & (f < EXACT_RANGE[1]))
    exact &= np.linalg.norm(normal, axis=1) > 0
    return CanalBand(kji, f, normal, phi, centre, centre - phi[:, None] * normal, exact, hu is not None)


def sub_offsets(grid: VoxelGrid, sub_mm: float, at_least: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """LPS offsets of sub-voxel centres (``at_least``..3 per axis, none longer than ``sub_mm`` when
    possible) and the sub-voxel edge vectors (3x3, columns)."""
    sp = grid.spacing_ijk_mm
    n = np.clip(np.ceil(sp / sub_mm - 1e-9), at_least, 3).astype(int)
    axes = [(np.arange(k) + 0.5) / k - 0.5 for k in n]
    ii, jj, kk = np.meshgrid(*axes, indexing="ij")
    frac = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], axis=1)
    m = grid.ijk_to_lps[:3, :3]
    return frac @ m.T, m / n[None, :]


def joint_fraction(fc: np.ndarray, fz: np.ndarray, cos_normals: np.ndarray) -> np.ndarray:
    """Fraction of a (sub-)voxel inside both of two half-spaces cutting it with fractions ``fc`` and
    ``fz`` and normals at cosine ``cos_normals``: the Fréchet lower bound for opposite normals
    (exact for coincident opposite planes), the product for perpendicular ones, the upper bound
    (``min``) for parallel ones, blended linearly in the cosine in between."""
    lower = np.maximum(0.0, fc + fz - 1.0)
    upper = np.minimum(fc, fz)
    prod = fc * fz
    c = np.clip(cos_normals, -1.0, 1.0)
    return np.where(c < 0, prod + c * (prod - lower), prod + c * (upper - prod))


def band_overlap_mm3(grid: VoxelGrid, ellipsoids, band: CanalBand, idx: np.ndarray, sub_mm: float) -> float:
    """Volume (mm^3) of the band voxels ``idx`` inside the union of ``ellipsoids``."""
    if len(idx) == 0 or not ellipsoids:
        return 0.0
    # voxels wholly inside a zone count their canal fraction, wholly outside all zones nothing;
    # only those a zone surface may cut are split (|s| within the voxel's half diagonal)
    half_diag = 0.5 * float(np.sqrt((grid.spacing_ijk_mm ** 2).sum()))
    inside = np.zeros(len(idx), bool)
    cut = np.zeros(len(idx), bool)
    for ell in ellipsoids:
        s, _ = ell.approx_distance_and_normal(band.centre_lps[idx])
        inside |= s < -half_diag
        cut |= np.abs(s) <= half_diag
    whole = float(band.fraction[idx][inside].sum() * grid.voxel_volume_mm3)
    idx = idx[cut & ~inside]
    if len(idx) == 0:
        return whole
    offsets, edges = sub_offsets(grid, sub_mm)
    centre = band.centre_lps[idx]
    n_c = band.normal_lps[idx]
    phi = band.phi_mm[idx]
    sub = (centre[:, None, :] + offsets[None, :, :]).reshape(-1, 3)
    nc_sub = np.repeat(n_c, len(offsets), axis=0)
    phi_sub = (phi[:, None] + n_c @ offsets.T).reshape(-1)
    wc = np.abs(nc_sub @ edges)
    wc[np.linalg.norm(nc_sub, axis=1) == 0] = np.min(np.linalg.norm(edges, axis=0))
    fc = cube_fraction(-phi_sub, wc)
    fz = np.zeros(len(sub))
    nz = np.zeros((len(sub), 3))
    for ell in ellipsoids:
        s, normal = ell.approx_distance_and_normal(sub)
        f = cube_fraction(-s, np.abs(normal @ edges))
        better = f > fz
        fz = np.where(better, f, fz)
        nz[better] = normal[better]
    joint = joint_fraction(fc, fz, np.einsum("ij,ij->i", nc_sub, nz))
    return whole + float(joint.sum() / len(offsets) * grid.voxel_volume_mm3)


def contains(grid: VoxelGrid, mask: np.ndarray, band: CanalBand | None, points_lps: np.ndarray) -> np.ndarray:
    """Whether each point lies in the canal: the plane of its nearest band voxel when that voxel is
    in the band, else the mask at the nearest voxel (False off the grid)."""
    pts = np.asarray(points_lps, float).reshape(-1, 3)
    ijk = np.round(grid.to_ijk(pts)).astype(int)
    dims = np.array(array_shape_to_ijk(grid.shape_kji))
    on = np.all((ijk >= 0) & (ijk < dims), axis=1)
    out = np.zeros(len(pts), bool)
    out[on] = mask[ijk[on, 2], ijk[on, 1], ijk[on, 0]]
    if band is not None and len(band.kji):
        sorted_key, order = band.sorted_keys(grid.shape_kji)
        q = _keys(ijk_to_kji(ijk), grid.shape_kji)
        pos = np.clip(np.searchsorted(sorted_key, q), 0, len(sorted_key) - 1)
        hit = on & (sorted_key[pos] == q)
        b = order[pos[hit]]
        out[hit] = band.phi_mm[b] + np.einsum("ij,ij->i", pts[hit] - band.centre_lps[b], band.normal_lps[b]) < 0
    return out


def _keys(kji: np.ndarray, shape) -> np.ndarray:
    kji = np.asarray(kji, dtype=np.int64)
    return (kji[:, 0] * shape[1] + kji[:, 1]) * shape[2] + kji[:, 2]


__all__ = ["CanalBand", "build_band", "band_overlap_mm3", "joint_fraction", "contains", "sub_offsets"]
