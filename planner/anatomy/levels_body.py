"""One pass of the vertebral-body analysis in a given frame (see :mod:`planner.anatomy.levels`).

Steps, all on a resampled grid in the frame (:mod:`planner.anatomy.levels_grid`); docs/levels.md
explains the numbers:

1. Smoothed HU (Gaussian 1 mm); bone = above ``bone_hu``; per axial slice small gaps closed.
2. The seed slice's body footprint: small holes and the hole at the seed filled (never the canal),
   opened by a disc (radius 60 % of the body's inscribed radius, 3-10 mm: pedicles, processes and a
   touching contrast-filled aorta fall off), the part at the seed, convex hull cut at the posterior
   wall.
3. Cranio-caudal profile: the ``profile_percentile`` (60th) percentile of the smoothed HU over the
   footprint's core, slice by slice (a percentile, not a filled-bone fraction: an osteophyte ring
   around a disc must not make the disc look solid; a lytic lesion under 40 % of the section does not
   lower it). The body/disc split level is adaptive (:func:`split_level_hu`); the body is the run of
   slices around the seed above it, the discs above and below the runs under it (gaps shorter than
   ``min_disc_mm`` are bridged). The body mask is searched ``slab_margin_mm`` beyond the run, at most
   to mid-disc.
4. Body mask: in each slab slice, bone above the split filled inside the footprint, opened, the parts
   overlapping the footprint, convex hull cut at the posterior wall (a lytic lesion breaking the
   cortex leaves a notch that the hull closes), largest 3-D component; the centre is its centroid.
5. Endplates: in every central column of the mask the sub-voxel top and bottom bone surfaces; a plane
   fitted to each (trimmed least squares); the cranio-caudal axis is the mean of the two normals.
6. Mirror symmetry of the whole vertebra's bone projected along the frame's cranio-caudal axis gives
   the mid-sagittal line (:mod:`planner.anatomy.levels_symmetry`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.core.lazy import lazy_module
from planner.anatomy.gauss_kernel import gaussian_filter_f32  # = scipy's gaussian_filter, compiled
from planner.anatomy.levels_grid import (LocalGrid, close_slices, component_at, components_touching, convex_hull_2d,
                                         holes_in_slices, resample, slicewise_opening, small_parts, true_runs,
                                         unmixed_slices)
from planner.anatomy.levels_centre import body_centre_uvw, lower_end_plane
from planner.anatomy.levels_inside import holes_inside
from planner.anatomy.levels_symmetry import MirrorLine, find_mirror_line
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)


@dataclass(frozen=True)
class LevelParams:
    """Tuning of the level detection; the defaults suit adult thoracolumbar CT (DOMAIN.md sizes)."""

    bone_hu: float = 150.0
    smooth_sigma_mm: float = 1.0
    step_mm: float = 1.0
    half_width_mm: float = 42.0
    anterior_mm: float = 40.0
    posterior_mm: float = 78.0
    half_height_mm: float = 42.0
    profile_percentile: float = 60.0
    split_fraction: float = 0.7
    profile_split_hu: float = 150.0  # replaced in each pass by :func:`split_level_hu`
    slab_margin_mm: float = 4.0
    min_disc_mm: float = 1.5
    min_body_mm: float = 10.0
    seed_reach_mm: float = 15.0
    small_hole_mm2: float = 40.0
    max_passes: int = 3
    converged_deg: float = 3.0
    first_search_deg: float = 25.0
    refine_search_deg: float = 8.0
    #: Where this pass finds no body, try the cortex-bounded body of low-density marrow
    #: (:mod:`planner.anatomy.levels_marrow`). Off for a click (the level tool keeps its bone-frame
    #: fallback, planner/session/level_fallback.py); on in the automatic search (spine.SpineParams).
    marrow_fallback: bool = False


@dataclass(frozen=True, eq=False)
class PassResult:
    """What one pass measured, in LPS mm unless named otherwise.

    ``disc_*_mm``: disc thickness on the profile (None when it runs out of the scan or the crop);
    ``next_*_mm``: distance along the frame's cranio-caudal axis from the body centre to where the next
    body starts (None when not found); ``at_edge_*``: the scan ends before the next body.
    """

    grid: LocalGrid
    centre_lps: np.ndarray
    cc_lps: np.ndarray
    lr_lps: np.ndarray
    plane_point_lps: np.ndarray
    mirror: MirrorLine
    top_endplate_lps: np.ndarray
    bottom_endplate_lps: np.ndarray
    width_mm: float
    depth_mm: float
    volume_ml: float
    disc_above_mm: float | None
    disc_below_mm: float | None
    next_above_mm: float | None
    next_below_mm: float | None
    at_edge_above: bool
    at_edge_below: bool
    #: The body on ``grid`` (``[w, v, u]``), for a look or a comparison (None when not kept).
    body_mask: np.ndarray | None = None


def split_level_hu(profile: np.ndarray, valid: np.ndarray, i0: int, p: LevelParams) -> float:
    """HU that separates body from disc on this profile: ``split_fraction`` of the way from the lowest
    valid value (a disc) up to the body's level around the seed (median within 5 mm). Discs are
    50-100 HU in the young but denser with degeneration and contrast, marrow 150-400 HU, so a fixed
    threshold fails one patient or the other."""
    reach = max(int(round(5.0 / p.step_mm)), 1)
    near = slice(max(i0 - reach, 0), i0 + reach + 1)
    body_level = float(np.median(profile[near]))
    floor = float(np.min(profile[valid])) if valid.any() else body_level
    return floor + p.split_fraction * (body_level - floor)


def _body_run(profile: np.ndarray, valid: np.ndarray, i0: int, p: LevelParams) -> tuple[int, int]:
    """(start, stop) slice indices of the body containing (or nearest to) slice ``i0``."""
    body_like = (profile >= p.profile_split_hu) & valid
    bridge = max(int(round(p.min_disc_mm / p.step_mm)), 1)
    body_like = ndimage.binary_closing(body_like, structure=np.ones(bridge + 1, bool)) & valid | body_like
    runs = [r for r in true_runs(body_like) if (r[1] - r[0]) * p.step_mm >= p.min_body_mm]
    if not runs:
        raise PlannerError("No vertebral body was found at the clicked point: click inside the body, "
                           "between its endplates.")
    reach = p.seed_reach_mm / p.step_mm
    dist = [0 if a <= i0 < b else min(abs(i0 - a), abs(i0 - (b - 1))) for a, b in runs]
    k = int(np.argmin(dist))
    if dist[k] > reach:
        raise PlannerError("The clicked point is not inside a vertebral body (it may be on a disc): "
                           "click inside the body.")
    return runs[k]


@dataclass(frozen=True)
class _Walk:
    """Result of walking from a body's last slice across the disc (slice indices)."""

    next_body: int | None
    disc_slices: int
    at_edge: bool
    slab_end: int


def _walk_disc(profile: np.ndarray, valid: np.ndarray, edge: int, direction: int, p: LevelParams) -> _Walk:
    """From the body's last slice ``edge`` step by ``direction`` (+1 head, -1 feet) across the disc."""
    body_like = (profile >= p.profile_split_hu) & valid
    n = profile.size
    i = edge + direction
    while 0 <= i < n and valid[i] and not body_like[i]:
        i += direction
    gap = abs(i - edge) - 1
    if 0 <= i < n and valid[i]:
        return _Walk(i, gap, False, (edge + i) // 2)
    half_disc = min(gap, int(round(5.0 / p.step_mm)))
    return _Walk(None, gap, True, edge + direction * half_disc)


def _fit_plane(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Trimmed least-squares plane ``w = a u + b v + c``; returns (a, b, c)."""
    design = np.stack([u, v, np.ones_like(u)], axis=1)
    coef = np.linalg.lstsq(design, w, rcond=None)[0]
    resid = np.abs(design @ coef - w)
    keep = resid <= max(2.5 * np.median(resid), 1.0)
    if keep.sum() >= 6:
        coef = np.linalg.lstsq(design[keep], w[keep], rcond=None)[0]
    return coef


def _line_plane(centre: np.ndarray, direction: np.ndarray, coef: np.ndarray, shift: float) -> np.ndarray:
    """Where the line ``centre + t direction`` meets the plane ``w = a u + b v + c + shift``."""
    a, b, c = coef
    denom = direction[2] - a * direction[0] - b * direction[1]
    t = (a * centre[0] + b * centre[1] + c + shift - centre[2]) / denom
    return centre + t * direction


def _seed_footprint(solid2d: np.ndarray, seed_vu: tuple[int, int], p: LevelParams) -> tuple[np.ndarray, float]:
    """The body's convex footprint in the seed slice and the opening radius (mm) that isolates it."""
    dist = ndimage.distance_transform_edt(solid2d, sampling=p.step_mm)
    vv, uu = np.indices(solid2d.shape)
    near = (vv - seed_vu[0]) ** 2 + (uu - seed_vu[1]) ** 2 <= (25.0 / p.step_mm) ** 2
    inscribed_mm = float(dist[near].max()) if near.any() else 0.0
    radius_mm = float(np.clip(0.6 * inscribed_mm, 3.0, 10.0))
    opened = slicewise_opening(solid2d[None], radius_mm, p.step_mm)[0]
    part = component_at(opened, seed_vu, p.seed_reach_mm / p.step_mm)
    if not part.any():
        raise PlannerError("No vertebral body was found at the clicked point: click inside the body "
                           "on an axial slice.")
    return body_hull(part, p.step_mm), radius_mm


def body_hull(part2d: np.ndarray, step_mm: float, band_mm: float = 5.0) -> np.ndarray:
    """Convex hull of the body's part in one slice, cut at its posterior wall.

    The hull closes the notch a lytic lesion leaves in the cortex, but it would also bridge the bases
    of the two pedicles across the front of the canal (or take in a thick posterior arch that the
    opening left attached); so it is cut at the posterior wall: in the central band of columns
    (+-``band_mm`` around the part's centre), where the first run of the part, from the front, ends.
    """
    hull = convex_hull_2d(part2d)
    iv, iu = np.nonzero(part2d)
    if iu.size == 0:
        return hull
    centre_u = int(round(iu.mean()))
    half = max(int(round(band_mm / step_mm)), 0)
    band = part2d[:, max(centre_u - half, 0):centre_u + half + 1]
    filled = band.any(axis=0)
    if not filled.any():  # two separate pieces: no central wall to cut at
        return hull
    band = band[:, filled]
    first = np.argmax(band, axis=0)
    after = np.where(np.arange(band.shape[0])[:, None] > first[None, :], ~band, False)
    gap = after.any(axis=0)
    end = np.argmax(after, axis=0)  # first gap behind the front, per column
    # the deepest first gap among the columns that have one: a lytic notch in one column does not cut the
    # body short, and a column through the fused pedicle-lamina junction beside a narrow canal (no gap at
    # all) does not stop the cut (it kept the whole ring, canal included, at T11 of the shared lumbar scan)
    hull[int(end[gap].max()) if gap.any() else band.shape[0]:] = False
    return hull


def footprint_at_seed(base2d: np.ndarray, holes2d: np.ndarray, seed_vu: tuple[int, int],
                       p: LevelParams) -> tuple[np.ndarray, float]:
    """Footprint of the body in the seed slice. Holes are filled only inside the body (the hole at the
    seed first, then every hole inside the first footprint): the canal, enclosed by the posterior arch,
    must stay empty or it would be taken for part of the body."""
    solid = base2d.copy()
    if holes2d[seed_vu]:
        solid |= ndimage.label(holes2d)[0] == ndimage.label(holes2d)[0][seed_vu]
    footprint, radius_mm = _seed_footprint(solid, seed_vu, p)
    return _seed_footprint(base2d | holes_inside(holes2d, footprint), seed_vu, p)


def _body_mask(solid_slab: np.ndarray, footprint: np.ndarray, radius_mm: float, step_mm: float) -> np.ndarray:
    """Per slice: opened solid bone overlapping the footprint, convex hull cut at the posterior wall;
    then the largest 3-D part. Works inside the footprint's box grown by 15 mm (the body's slices
    differ from the seed slice's by a few millimetres), for speed."""
    iv, iu = np.nonzero(footprint)
    grow = int(round(15.0 / step_mm))
    box = (slice(None), slice(max(iv.min() - grow, 0), iv.max() + grow + 1),
           slice(max(iu.min() - grow, 0), iu.max() + grow + 1))
    opened = slicewise_opening(solid_slab[box], radius_mm, step_mm)
    part = components_touching(opened, footprint[box[1:]])
    for k in np.flatnonzero(part.any(axis=(1, 2))):
        part[k] = body_hull(part[k], step_mm)
    labels, n = ndimage.label(part)
    if n > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        part = labels == int(np.argmax(sizes))
    body = np.zeros(solid_slab.shape, dtype=bool)
    body[box] = part
    return body


def _surface_mm(smooth: np.ndarray, last_idx: np.ndarray, step_idx: int, w_mm: np.ndarray,
                threshold_hu: float) -> np.ndarray:
    """Sub-voxel w (mm) of each column's outermost fall of the smoothed HU below the bone threshold
    within a few voxels of its last body voxel ``last_idx`` (``step_idx`` = +1 up, -1 down)."""
    nw = smooth.shape[0]
    iv, iu = np.indices(last_idx.shape)
    step = w_mm[1] - w_mm[0]
    surface = w_mm[last_idx] + 0.5 * step_idx * step
    for k in range(-3, 3):  # inner to outer: the outermost crossing wins
        inner = np.clip(last_idx + step_idx * k, 0, nw - 1)
        outer = np.clip(inner + step_idx, 0, nw - 1)
        a, b = smooth[inner, iv, iu], smooth[outer, iv, iu]
        crossing = (a >= threshold_hu) & (b < threshold_hu)
        frac = (a - threshold_hu) / np.where(crossing, a - b, 1.0)
        surface = np.where(crossing, w_mm[inner] + step_idx * frac * step, surface)
    return surface


def _endplate_planes(body: np.ndarray, smooth: np.ndarray, grid: LocalGrid, threshold_hu: float):
    """Trimmed planes ``w = a u + b v + c`` through the top and the bottom surface of the body, at the
    sub-voxel crossing of the bone threshold in each central column (edge columns are rounded)."""
    count = body.sum(axis=0)
    top_idx = body.shape[0] - 1 - np.argmax(body[::-1], axis=0)
    bottom_idx = np.argmax(body, axis=0)
    footprint = count > 0
    central = (ndimage.distance_transform_edt(footprint, sampling=grid.step_mm) >= 4.0) & (count >= 0.5 * count.max())
    if central.sum() < 12:
        central = footprint
    iv, iu = np.nonzero(central)
    u, v = grid.u_mm[iu], grid.v_mm[iv]
    top_w = _surface_mm(smooth, top_idx, +1, grid.w_mm, threshold_hu)[iv, iu]
    bottom_w = _surface_mm(smooth, bottom_idx, -1, grid.w_mm, threshold_hu)[iv, iu]
    return _fit_plane(u, v, top_w), _fit_plane(u, v, bottom_w)


def _plane_normal(coef: np.ndarray) -> np.ndarray:
    n = np.array([-coef[0], -coef[1], 1.0])
    return n / np.linalg.norm(n)


def _seed_section(smooth: np.ndarray, inside: np.ndarray, iw0: int, seed_vu: tuple[int, int], bone_hu: float,
                  p: LevelParams) -> tuple[np.ndarray, float]:
    """Footprint of the body in slice ``iw0`` of a smoothed grid (see :func:`footprint_at_seed`)."""
    bone = (smooth[iw0:iw0 + 1] > bone_hu) & inside[iw0:iw0 + 1]
    closed = close_slices(bone)
    holes = holes_in_slices(closed)
    base = closed | small_parts(holes, p.small_hole_mm2, p.step_mm)
    return footprint_at_seed(base[0], holes[0], seed_vu, p)


def start_pass(volume: ImageVolume, centre_lps, axes_lps, seed_lps, p: LevelParams) -> tuple:
    """:func:`analyse_pass` up to its mask (also the sacral pass's): ``(grid, smooth, inside, iw0, footprint,
    radius_mm, profile, valid, body_hu, p with the split, run start, run stop, walk to the disc above)``; the
    split's floor and the walks across the discs read only the ``valid`` slices the smoothing did not mix with
    the outside fill (:func:`~planner.anatomy.levels_grid.unmixed_slices`; the body's run reads every slice
    with its core inside). The ``valid`` returned is that stricter one: the sacral pass's run start reads it."""
    s = p.step_mm
    grid = LocalGrid.around(centre_lps, axes_lps, s, (-p.half_width_mm, p.half_width_mm),
                            (-p.anterior_mm, p.posterior_mm), (-p.half_height_mm, p.half_height_mm))
    hu, inside = resample(volume, grid)
    smooth = gaussian_filter_f32(hu, p.smooth_sigma_mm / s)
    iw0, iv0, iu0 = grid.index_of(grid.to_local(seed_lps))
    footprint, radius_mm = _seed_section(smooth, inside, iw0, (iv0, iu0), p.bone_hu, p)
    core = ndimage.distance_transform_edt(footprint, sampling=s) >= 2.0
    profile = np.percentile(smooth[:, core], p.profile_percentile, axis=1)
    inside_core = inside[:, core].mean(axis=1) > 0.9
    valid = inside_core & unmixed_slices(inside, core, p.smooth_sigma_mm / s)
    body_hu = max(split_level_hu(profile, valid, iw0, p), 0.5 * p.bone_hu)
    p = replace(p, profile_split_hu=body_hu)
    start, stop = _body_run(profile, inside_core, iw0, p)
    above = _walk_disc(profile, valid, stop - 1, +1, p)
    return grid, smooth, inside, iw0, footprint, radius_mm, profile, valid, body_hu, p, start, stop, above


def analyse_pass(volume: ImageVolume, centre_lps, axes_lps, seed_lps, p: LevelParams,
                 search_deg: float) -> PassResult:
    """Segment the body at ``seed_lps`` on a grid around ``centre_lps`` in the frame ``axes_lps``;
    the mid-sagittal line is searched within +-``search_deg`` of the frame's left-right axis."""
    grid, smooth, inside, _, footprint, radius_mm, profile, valid, body_hu, p, start, stop, above = start_pass(
        volume, centre_lps, axes_lps, seed_lps, p)
    below = _walk_disc(profile, valid, start, -1, p)
    margin = int(round(p.slab_margin_mm / p.step_mm))
    slab = slice(max(below.slab_end, start - margin), min(above.slab_end, stop - 1 + margin) + 1)
    bone = (smooth[slab] > max(body_hu, p.bone_hu)) & inside[slab]  # morphology on the slab only
    closed = close_slices(bone)
    holes = holes_in_slices(closed)
    solid = closed | small_parts(holes, p.small_hole_mm2, p.step_mm) | holes_inside(holes, footprint)
    body = np.zeros(smooth.shape, dtype=bool)
    body[slab] = _body_mask(solid, footprint, radius_mm, p.step_mm)
    run = slice(start - slab.start, stop - slab.start)
    return finish_pass(grid, body, smooth, body_hu, bone[run].mean(axis=0).astype(float), above, below, p, search_deg)


def finish_pass(grid, body: np.ndarray, smooth: np.ndarray, endplate_hu: float, projection: np.ndarray,
                above, below, p: LevelParams, search_deg: float, superior_only: bool = False) -> PassResult:
    """The pass's result from its body mask (on ``grid``): centre, endplates and cranio-caudal axis (the
    endplates found above ``endplate_hu``), the mid-sagittal mirror line of ``projection`` (the bone's
    axial projection over the body's run), sizes and the discs beside it. Shared by the standard pass,
    the low-density marrow pass (:mod:`planner.anatomy.levels_marrow`) and the sacral pass
    (:mod:`planner.anatomy.levels_sacrum`: ``superior_only``, the body has no inferior endplate)."""
    s = grid.step_mm
    if body.sum() * s ** 3 < 1000.0:
        raise PlannerError("The structure at the clicked point is too small to be a vertebral body.")
    iw, iv, iu = np.nonzero(body)
    top, bottom = _endplate_planes(body, smooth, grid, endplate_hu)
    if superior_only:  # the lower end, parallel to the superior endplate: the axis is that endplate's normal
        bottom = lower_end_plane(body, grid.u_mm, grid.v_mm, grid.w_mm, top)
    centre_uvw = body_centre_uvw(body, grid.u_mm, grid.v_mm, grid.w_mm, top, bottom)
    cc_uvw = _plane_normal(top) + _plane_normal(bottom)
    cc_uvw /= np.linalg.norm(cc_uvw)
    top_uvw = _line_plane(centre_uvw, cc_uvw, top, 0.0)
    bottom_uvw = _line_plane(centre_uvw, cc_uvw, bottom, 0.0)

    mirror = find_mirror_line(projection, grid.u_mm, grid.v_mm, centre_uvw[:2] + np.array([0.0, 20.0]),
                              max_angle_deg=search_deg, angle_step_deg=2.0 if search_deg > 10.0 else 0.5)
    n_uvw = np.array([*mirror.normal_uv, 0.0])
    point_uvw = np.array([*mirror.point_uv, centre_uvw[2]])

    def along(index: int) -> float:
        return float(grid.w_mm[index] - centre_uvw[2])

    return PassResult(
        grid=grid,
        centre_lps=grid.to_lps(centre_uvw),
        cc_lps=grid.vector_to_lps(cc_uvw),
        lr_lps=grid.vector_to_lps(n_uvw),
        plane_point_lps=grid.to_lps(point_uvw),
        mirror=mirror,
        top_endplate_lps=grid.to_lps(top_uvw),
        bottom_endplate_lps=grid.to_lps(bottom_uvw),
        width_mm=float(np.ptp(grid.u_mm[iu]) + s),
        depth_mm=float(np.ptp(grid.v_mm[iv]) + s),
        volume_ml=float(body.sum() * s ** 3 / 1000.0),
        disc_above_mm=None if above.next_body is None else above.disc_slices * s,
        disc_below_mm=None if below.next_body is None else below.disc_slices * s,
        next_above_mm=None if above.next_body is None else along(above.next_body),
        next_below_mm=None if below.next_body is None else -along(below.next_body),
        at_edge_above=above.at_edge and above.disc_slices * s < p.min_disc_mm,
        at_edge_below=below.at_edge and below.disc_slices * s < p.min_disc_mm,
        body_mask=body,
    )
