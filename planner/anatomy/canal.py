"""Automatic segmentation of the spinal canal on CT, and its one-click seeded variant.

Method (each step vectorised with scipy.ndimage):

1. Put the patient's head-foot axis first (the volume axis whose direction is closest to LPS z).
2. Coarse pass (about 2 mm voxels): bone = HU above ``bone_hu`` (cancellous bone 300-400 HU, lower
   in the elderly, DOMAIN.md), closed in plane; *holes* = background enclosed in a slice. Holes
   of canal size (60-900 mm^2; canal AP about 15-17 mm, Kang 2012) and soft-tissue/CSF density are
   candidates; candidates are linked across slices (gaps of ``bridge_mm`` bridged: disc levels
   where the bony ring is open) and the longest chain is the canal (or the one at the seed).
3. Full resolution, cropped around that chain: each slice's hole nearest the smoothed centre line.
   A slice is "closed" when its hole is consistent with the others: area and extents within
   ``area_ratio_limit`` / ``extent_ratio_limit`` of the local median over ``window_mm`` (after a
   looser check against the whole chain's median) and centroid within ``centre_tol_mm`` of the
   centre line. A hole that merges with a lytic lesion through a destroyed posterior wall is much
   larger than its neighbours, so it is rejected, and the canal does not leak into the lesion.
4. Every other slice (open ring, lytic wall, ends of the range up to ``extend_mm``) gets the median
   shape of the nearby closed slices placed on the centre line, opened by ``opening_mm``, limited to
   non-bone voxels inside a tube of ``tube_radius_mm`` around the centre line.
   Beyond both ends of the consistent slices the canal is followed hole by hole
   (:mod:`planner.anatomy.canal_walk`: the sacral canal curves backward, a straight extrapolation
   ran into the S1 body), and the walked holes are trimmed of faint cancellous sacral bone
   (:mod:`planner.anatomy.canal_trim`; gaps of the caudal walk take the shape of the walked slices
   beside them, ``beyond_core``; there nothing further forward than the canal's midline front plus
   ``front_margin_mm`` is kept, ``trim_anterior_lobes``); open-ring slices are grown into the lateral and posterior
   recesses, bounded by place and by CSF-like density (:mod:`planner.anatomy.canal_open`).
5. Canal-side voxels of the bony wall whose value is below ``edge_hu`` (more canal than bone by
   partial volume; cortex is 500-1900 HU, CSF about 15, DOMAIN.md) are added.

A hole counts as canal only when its mean is at most ``max_mean_hu`` = 90 HU: CSF is about 15 HU,
epidural fat -120 to -90, cord and roots about 35; the cancellous interior of an osteoporotic body
read 126 HU on the 20-slice T11-T12 scan and was taken for the canal with a 130 HU limit.

Limits: needs a bony ring closed on some slices every ``bridge_mm``; below the last enclosed sacral
hole (the hiatus) nothing is found; the sub-voxel boundary for the safety figures is placed later
from the HU (:mod:`planner.analysis.canal_boundary`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.frames import ijk_to_kji, kji_to_ijk, spacing_kji
from planner.anatomy.canal_slices import close_in_plane, find_holes, interpolate_shapes, smooth_track
from planner.anatomy.canal_open import refine_open_slices
from planner.anatomy.canal_pick import consistent_slices, pick_per_slice
from planner.anatomy.canal_trim import trim_anterior_lobes, trim_faint_bone
from planner.anatomy.window_filters import running_or
from planner.anatomy.canal_walk import (beyond_core, caudal_end, fill_caudal_gaps, track_through as _track_through,
                                       walk_ends)
from planner.core.errors import PlannerError
from planner.core.progress import check_cancel

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


@dataclass(frozen=True)
class CanalParams:
    """Tuning of :func:`segment_canal`; defaults documented in the module docstring."""

    bone_hu: float = 180.0
    min_area_mm2: float = 60.0
    max_area_mm2: float = 900.0
    min_mean_hu: float = -250.0
    max_mean_hu: float = 90.0
    coarse_mm: float = 2.0
    closing_mm: float = 1.6
    bridge_mm: float = 45.0
    smooth_mm: float = 15.0
    window_mm: float = 80.0
    area_ratio_limit: float = 1.5
    extent_ratio_limit: float = 1.3
    centre_tol_mm: float = 5.0
    tube_radius_mm: float = 15.0
    extend_mm: float = 40.0
    edge_hu: float = 400.0
    opening_mm: float = 3.0
    walk_min_area_mm2: float = 20.0
    walk_step_mm: float = 3.0
    walk_slope: float = 1.5
    walk_area_ratio: float = 2.2
    walk_gap_slices: int = 2
    open_grow_mm: float = 4.0
    grow_hu: float = 80.0
    grow_min_hu: float = -40.0
    grow_back_mm: float = 4.0
    grow_above_core_hu: float = 30.0
    grow_open_mm: float = 1.5
    trim_faint: bool = True
    front_margin_mm: float | None = 1.5
    local_ends: bool = True
    interp_neighbours: int = 16


@dataclass(frozen=True, eq=False)
class CanalSegmentation:
    """Result: full-size boolean ``mask`` ``[k, j, i]``; centre line as LPS points, one per slice
    of the covered range; how many slices had a closed bony ring and how many were interpolated."""

    mask: np.ndarray
    centreline_lps: np.ndarray
    closed_slices: int
    interpolated_slices: int
    notes: tuple[str, ...] = ()


def _axial_order(direction: np.ndarray) -> tuple[int, int, int]:
    """Array-axis permutation putting the axis closest to LPS z first (array order is k, j, i)."""
    ijk_axis = int(np.argmax(np.abs(np.asarray(direction)[2, :])))
    first = 2 - ijk_axis
    return (first,) + tuple(a for a in (0, 1, 2) if a != first)


def _coarse_bone(A: np.ndarray, f: tuple[int, int, int], bone_hu: float) -> tuple[np.ndarray, np.ndarray]:
    """Bone on a coarse grid: every f0-th slice, in-plane f1 x f2 blocks holding any bone voxel (a
    max-pool, so thin cortex keeps the ring closed); and HU sampled at block centres."""
    sub = A[::f[0]]
    nr, nc = sub.shape[1] // f[1] * f[1], sub.shape[2] // f[2] * f[2]
    rows = sub[:, 0:nr:f[1], :nc]
    for o in range(1, f[1]):
        rows = np.maximum(rows, sub[:, o:nr:f[1], :nc])
    pooled = rows[:, :, 0::f[2]]
    for o in range(1, f[2]):
        pooled = np.maximum(pooled, rows[:, :, o::f[2]])
    hu = sub[:, f[1] // 2:nr:f[1], f[2] // 2:nc:f[2]]
    return pooled > bone_hu, hu


def _candidates(bone: np.ndarray, hu: np.ndarray, sp: np.ndarray, p: CanalParams, closing_px: int,
                min_area_mm2: float | None = None):
    lo = p.min_area_mm2 if min_area_mm2 is None else min_area_mm2
    holes = find_holes(close_in_plane(bone, closing_px), hu, sp[1:], (lo, p.max_area_mm2))
    ok = (holes.mean_hu >= p.min_mean_hu) & (holes.mean_hu <= p.max_mean_hu)
    return holes, ok


def _chain(cand: np.ndarray, spc: np.ndarray, p: CanalParams, seed_c=None) -> np.ndarray:
    """The candidate voxels of the canal chain (longest in slices, or the one nearest the seed)."""
    g = max(1, int(round(p.bridge_mm / spc[0] / 2)))
    bridged = running_or(cand, 2 * g + 1, 0)  # = scipy's maximum_filter1d along the slices (window_filters.py)
    labels, n = ndimage.label(bridged, structure=np.ones((3, 3, 3), bool))
    if n == 0:
        raise PlannerError("No spinal canal was found: no bone-enclosed, fluid-density channel runs "
                           "through these slices. Place a seed in the canal or draw it by hand.")
    lab = labels * cand
    s_idx = np.nonzero(lab)[0]
    pairs = np.unique(np.stack([lab[lab > 0], s_idx]), axis=1)
    length = np.bincount(pairs[0], minlength=n + 1)
    if seed_c is None:
        chosen = int(np.argmax(length))
    else:
        pts = np.argwhere(lab > 0)
        d = np.linalg.norm((pts - np.asarray(seed_c)) * spc, axis=1)
        chosen = int(lab[tuple(pts[int(np.argmin(d))])])
    return lab == chosen


def _bone_crop(A: np.ndarray, f: tuple[int, int, int], bone_hu: float, margin_blocks: int = 3):
    """In-plane ``(r0, r1, c0, c1)`` around every voxel above ``bone_hu`` plus ``margin_blocks`` coarse
    blocks, on the coarse block grid (starts at multiples of the block size, ends at one or at the
    image's edge). Holes, the in-plane closing and the chain are the same inside it as on the whole
    slice: outside the bone's box a slice is all background, one region touching both borders."""
    sub = A[::f[0]]
    rows = np.flatnonzero((sub > bone_hu).any(axis=(0, 2)))
    if rows.size == 0:
        return 0, A.shape[1], 0, A.shape[2]
    cols = np.flatnonzero((sub[:, rows[0]:rows[-1] + 1] > bone_hu).any(axis=(0, 1)))
    out = []
    for lo, hi, fa, n in ((rows[0], rows[-1], f[1], A.shape[1]), (cols[0], cols[-1], f[2], A.shape[2])):
        b0 = max(0, lo // fa - margin_blocks) * fa
        b1 = (hi // fa + 1 + margin_blocks) * fa
        out += [b0, n if b1 >= n // fa * fa else b1]
    return tuple(int(v) for v in out)


def _coarse_centreline(A: np.ndarray, sp: np.ndarray, p: CanalParams, seed_a=None):
    f = (max(1, int(round(2.5 / sp[0]))), max(1, int(round(p.coarse_mm / sp[1]))),
         max(1, int(round(p.coarse_mm / sp[2]))))
    r0, r1, c0, c1 = _bone_crop(A, f, p.bone_hu)  # the same result as the whole slices, less work
    A = A[:, r0:r1, c0:c1]
    if seed_a is not None:
        seed_a = np.asarray(seed_a, float) - np.array([0.0, r0, c0])
    bone_c, hu_c = _coarse_bone(A, f, p.bone_hu)
    spc = sp * np.array(f)
    holes, ok = _candidates(bone_c, hu_c, spc, p, 1)
    keep = np.zeros(len(ok) + 1, bool)
    keep[1:] = ok
    cand = keep[holes.labels]
    centre_off = np.array([0.0, (f[1] - 1) / 2.0, (f[2] - 1) / 2.0])
    seed_c = None if seed_a is None else (np.asarray(seed_a, float) - centre_off) / np.array(f)
    chain = _chain(cand, spc, p, seed_c)
    s, r, c = np.nonzero(chain)
    order = np.unique(s)
    rr = ndimage.mean(r, s, order)
    cc = ndimage.mean(c, s, order)
    # back to full-resolution indices (block centres)
    slices = np.clip(order * f[0], 0, A.shape[0] - 1)
    pts = np.stack([np.asarray(rr) * f[1] + (f[1] - 1) / 2.0 + r0, np.asarray(cc) * f[2] + (f[2] - 1) / 2.0 + c0], 1)
    return slices, pts


def _segment(volume, seed_lps=None, params: CanalParams | None = None, cancel=None) -> CanalSegmentation:
    p = params or CanalParams()
    perm = _axial_order(volume.direction)
    A = np.transpose(volume.hu, perm)
    sp_kji = spacing_kji(volume.spacing_mm)
    sp = sp_kji[list(perm)]
    seed_a = None
    if seed_lps is not None:
        ijk = volume.to_ijk(np.asarray(seed_lps, float))
        seed_a = ijk_to_kji(ijk)[list(perm)]
        if np.any(seed_a < -0.5) or np.any(seed_a > np.array(A.shape) - 0.5):
            raise PlannerError("The seed point lies outside the loaded images.")
    slices, pts = _coarse_centreline(A, sp, p, seed_a)
    check_cancel(cancel, "the automatic search for the spinal canal")  # issue 19: between the two passes
    ext = int(round(p.extend_mm / sp[0]))
    lo, hi = max(0, slices.min() - ext), min(A.shape[0], slices.max() + 1 + ext)
    n = hi - lo
    half = max(1, int(round(p.smooth_mm / sp[0] / 2)))
    track = smooth_track(slices - lo, pts, n, half)
    margin = np.ceil((p.tube_radius_mm + 12.0) / sp[1:]).astype(int)
    r0 = max(0, int(np.floor(track[:, 0].min())) - margin[0]); r1 = min(A.shape[1], int(np.ceil(track[:, 0].max())) + margin[0] + 1)
    c0 = max(0, int(np.floor(track[:, 1].min())) - margin[1]); c1 = min(A.shape[2], int(np.ceil(track[:, 1].max())) + margin[1] + 1)
    crop = np.ascontiguousarray(A[lo:hi, r0:r1, c0:c1])
    track = track - np.array([r0, c0])
    d = np.asarray(volume.direction, float)
    anterior_rc = np.array([-d[1, 2 - perm[1]], -d[1, 2 - perm[2]]])  # LPS anterior = -y
    caudal_low = bool(d[2, 2 - perm[0]] > 0)  # slice index grows toward the head
    local, closed, centre = _fine(crop, sp, track, p, anterior_rc, caudal_low)
    full = np.zeros(A.shape, dtype=bool)
    full[lo:hi, r0:r1, c0:c1] = local
    inv = np.argsort(perm)
    mask = np.transpose(full, inv)
    cl_a = np.column_stack([np.arange(lo, hi), centre[:, 0] + r0, centre[:, 1] + c0])
    cl_kji = cl_a[:, inv]
    cl_lps = volume.to_lps(kji_to_ijk(cl_kji))
    notes = []
    if closed < 0.2 * n:
        notes.append(f"The bony ring was closed on only {closed} of {n} slices: check the canal outline.")
    return CanalSegmentation(np.ascontiguousarray(mask), cl_lps, int(closed), int(n - closed), tuple(notes))


def _fine(crop: np.ndarray, sp: np.ndarray, track: np.ndarray, p: CanalParams, anterior_rc=None,
          caudal_low: bool = True):
    """Full-resolution canal in the crop: closed-ring slices kept, the others interpolated."""
    n = crop.shape[0]
    bone = crop > p.bone_hu
    closing_px = max(1, int(round(p.closing_mm / min(sp[1], sp[2]))))
    holes, ok_any = _candidates(bone, crop, sp, p, closing_px, p.walk_min_area_mm2)
    ok = ok_any & (holes.area_mm2 >= p.min_area_mm2)
    chosen = pick_per_slice(holes, ok, track, sp, p, n)
    good = chosen > 0
    half = max(1, int(round(p.smooth_mm / sp[0] / 2)))
    for _ in range(2):
        good = consistent_slices(holes, chosen, good, track, sp, p)
        cent = np.full((n, 2), np.nan)
        cent[good] = holes.centroid_rc[chosen[good] - 1]
        if good.any():
            track = smooth_track(np.flatnonzero(good), cent[good], n, half)
    walked = np.zeros(n, dtype=bool)
    core = good.copy()
    if good.any():
        walked = walk_ends(holes, ok_any, chosen, good, sp, p)
        if walked.any():
            good = good | walked
            cent[walked] = holes.centroid_rc[chosen[walked] - 1]
            track = _track_through(track, good, cent, walked, n, half)
    lut = np.zeros(len(holes.area_mm2) + 1, dtype=np.int32)
    lut[chosen[good]] = 1
    kept = lut[holes.labels].astype(bool)
    kept &= good[:, None, None]
    if p.trim_faint and walked.any():
        kept[walked] = trim_faint_bone(kept[walked], crop[walked], sp[1:], p.bone_hu)
    todo = np.flatnonzero(~good)
    if todo.size:
        half = max(1, int(round(p.window_mm / sp[0] / 2)))
        opening_px = int(round(p.opening_mm / min(sp[1], sp[2])))
        radius_px = int(np.ceil((p.tube_radius_mm + 3.0) / min(sp[1], sp[2])))
        kept[todo] = interpolate_shapes(kept, good, track, todo, half, sp[1:], radius_px, opening_px,
                                         max_neighbours=p.interp_neighbours)
        if p.local_ends:  # gaps of the caudal walk (sacrum): from the walked slice on each side only
            ends = beyond_core(core, todo, good, caudal_low)
            kept[todo[ends]] = fill_caudal_gaps(kept, good, walked, track, todo[ends], sp[1:], radius_px,
                                                opening_px, anterior_rc, p.front_margin_mm)
        if p.open_grow_mm > 0:
            # only where no enclosed hole was found at all (ring open); a slice whose hole was
            # rejected as inconsistent may hold a lytic wall, where growing would leak
            opened = todo[chosen[todo] == 0]
            width = _half_width_mm(kept, good, track, sp, anterior_rc)
            kept[opened] = refine_open_slices(kept[opened], crop[opened], bone[opened], sp[1:], p.open_grow_mm,
                                              p.grow_hu, anterior_rc=anterior_rc,
                                              centre_rc=track[opened], half_width_mm=width, grow_min_hu=p.grow_min_hu,
                                              back_mm=p.grow_back_mm, above_core_hu=p.grow_above_core_hu,
                                              open_px=int(round(p.grow_open_mm / min(sp[1], sp[2]))))
    rows = (np.arange(crop.shape[1]) * sp[1])[None, :, None]
    cols = (np.arange(crop.shape[2]) * sp[2])[None, None, :]
    d2 = (rows - (track[:, 0] * sp[1])[:, None, None]) ** 2 + (cols - (track[:, 1] * sp[2])[:, None, None]) ** 2
    kept &= d2 <= p.tube_radius_mm ** 2
    kept[todo] &= ~bone[todo]
    sacral = caudal_end(core, caudal_low)  # walked sacral canal: no foramen entry in front of it
    if p.front_margin_mm is not None and anterior_rc is not None and sacral.any():
        kept[sacral] = trim_anterior_lobes(kept[sacral], sp[1:], anterior_rc, p.front_margin_mm)
    kept = _largest_component(kept)
    kept |= _edge_voxels(kept, crop, p)
    return kept, int(good.sum()), track


def _half_width_mm(kept: np.ndarray, good: np.ndarray, track: np.ndarray, sp: np.ndarray, anterior_rc) -> float | None:
    """Median over the closed-ring slices of the canal's largest lateral offset from the centre line."""
    if anterior_rc is None or not good.any() or np.linalg.norm(anterior_rc) < 0.5:
        return None
    a = np.asarray(anterior_rc, float) / np.linalg.norm(anterior_rc)
    lat = np.array([-a[1], a[0]])
    widths = []
    for s in np.flatnonzero(good):
        r, c = np.nonzero(kept[s])
        if r.size:
            off = (r - track[s, 0]) * sp[1] * lat[0] + (c - track[s, 1]) * sp[2] * lat[1]
            widths.append(np.abs(off).max())
    return float(np.median(widths)) if widths else None


def _edge_voxels(mask: np.ndarray, hu: np.ndarray, p: CanalParams) -> np.ndarray:
    """In-plane neighbours of the canal with bone-edge values (bone_hu <= HU < edge_hu): voxels
    at the bony wall that are more than half canal (partial volume; cortex is 500-1900 HU)."""
    grown = running_or(mask, 3, 1) | running_or(mask, 3, 2)  # = scipy's maximum_filter1d (window_filters.py)
    return grown & ~mask & (hu >= p.bone_hu) & (hu < p.edge_hu)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels, n = ndimage.label(mask, structure=np.ones((3, 3, 3), bool))
    if n <= 1:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def segment_canal(volume, params: CanalParams | None = None, cancel=None) -> CanalSegmentation:
    """Segment the spinal canal over the whole loaded range (see the module docstring).

    Raises PlannerError with a user message when no canal-like channel is found, and
    :class:`~planner.core.progress.JobCancelled` when ``cancel()`` answers True after the coarse pass.
    """
    return _segment(volume, None, params, cancel)


def segment_canal_from_seed(volume, seed_lps, params: CanalParams | None = None) -> CanalSegmentation:
    """Like :func:`segment_canal` but follows the channel nearest ``seed_lps`` (a click in the canal)."""
    return _segment(volume, seed_lps, params)
