"""A vertebral body with low-density marrow, bounded by its cortex: one analysis pass (issue 13).

The standard pass (:mod:`planner.anatomy.levels_body`) calls bone what reads above 150 HU. In
osteoporotic marrow (Pickhardt et al., Ann Intern Med 2013;158:588-595: L1 trabecular attenuation of
160 HU or less is 90 % sensitive for osteoporosis) the marrow falls apart into holes at that threshold;
below it a contrast-filled aorta (lumen 150-200 HU on the shared T11-T12 scan, as dense as the marrow)
that touches the body joins it, since the cortex between them is bone at any threshold. Here the body
is found *inside* its cortex instead, so the aorta stays out whatever its HU:

1. **Marrow** = smoothed HU between ``marrow_hu`` (95 HU: above muscle, 40-60 HU, most of a disc,
   50-100 HU, and CSF, about 15 HU; the same floor as planner/analysis/marrow.py) and ``cortex_hu``
   (250 HU: cortical bone reads 500-1900 HU, DOMAIN.md, a 1 mm shell blurred by the 1 mm smoothing
   falls to about half). Dense bone (the cortex, the endplates, a rib) is *not* marrow, so the
   cortical shell separates the marrow from the aorta's lumen; small holes (< 40 mm^2: dense
   trabeculae, a vein) are filled.
2. **Opened** in every slice by a disc of ``neck_mm`` (6 mm): where the cortex is thin or broken (the
   basivertebral foramen, partial volume) the marrow and the lumen meet through a neck narrower than
   12 mm, which the opening cuts, as it cuts the pedicles (7-10 mm wide, DOMAIN.md) off the body. The marrow's part at the seed (or, in the other slices, the parts
   overlapping the seed slice's footprint) is the body's **core**.
3. **Section** in each slice: the core's convex hull (the opening rounds the body's corners off), bone
   above ``marrow_hu`` within ``shell_mm`` of it and dense bone within ``dense_reach_mm`` of it (the
   cortical shell and the endplates, 1-4 mm thick, blurred), convex hull cut at the posterior wall
   (:func:`planner.anatomy.levels_body.body_hull`), again where the canal's CSF begins behind
   the body (:func:`_cut_at_canal`), and beside the section's front half behind the core's centre
   (:func:`_cut_beside_body`: the rib heads and the pedicle bases).
4. **Profile**: per slice, the fraction of the seed footprint's core (2 mm inside it) covered by the
   slice's core. A disc has no marrow core (its nucleus and annulus read below ``marrow_hu`` or break
   apart at the opening), a body's slice covers most of the footprint: the body is the run of slices
   of fraction at least ``body_fraction`` (0.4) around the seed; discs and the next body's start are
   walked as in the standard pass.
5. **Body mask**: the sections of the body's run and ``slab_margin_mm`` beyond it (at most to
   mid-disc: the endplates), the largest 3-D part; its centroid is the centre. Endplates (sub-voxel
   crossings of ``marrow_hu``), the cranio-caudal axis, the mid-sagittal plane (mirror symmetry of the
   whole vertebra's bone above ``bone_hu``) as in the standard pass; width and depth are the medians of
   the sections' extents over the body's run (:func:`section_sizes_mm`).

:func:`planner.anatomy.levels.detect_level` runs this pass only where the standard one finds no body
and only when ``LevelParams.marrow_fallback`` is set (the automatic search sets it; a click does not),
so every vertebra the standard pass measures is unchanged; a seed whose surrounding HU is not
marrow-like (:func:`looks_like_marrow`) is refused before any resampling. docs/levels.md gives what
it measures on the real scans.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.anatomy.levels_body import LevelParams, PassResult, _body_run, _walk_disc, body_hull, finish_pass
from planner.anatomy.levels_grid import (IN_PLANE_3x3, LocalGrid, component_at, convex_hull_2d, holes_in_slices,
                                         resample, slicewise_distance_mm, slicewise_opening, small_parts,
                                         unmixed_slices)
from planner.core.errors import PlannerError
from planner.core.frames import array_shape_to_ijk
from planner.core.lazy import lazy_module
from planner.anatomy.gauss_kernel import gaussian_filter_f32  # = scipy's gaussian_filter, compiled
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["MarrowParams", "analyse_marrow_pass", "looks_like_marrow", "marrow_sections", "section_sizes_mm"]


@dataclass(frozen=True)
class MarrowParams:
    """Tuning of the cortex-bounded body (module docstring); HU and mm."""

    marrow_hu: float = 95.0
    cortex_hu: float = 250.0
    neck_mm: float = 6.0
    shell_mm: float = 3.0
    dense_reach_mm: float = 6.0
    body_fraction: float = 0.4
    small_hole_mm2: float = 40.0
    min_section_mm2: float = 300.0


def _marrow(smooth: np.ndarray, inside: np.ndarray, step_mm: float, mp: MarrowParams) -> np.ndarray:
    """Marrow-range voxels, small holes filled, opened in every slice (steps 1-2, before the choice)."""
    marrow = (smooth > mp.marrow_hu) & (smooth < mp.cortex_hu) & inside
    marrow |= small_parts(holes_in_slices(marrow), mp.small_hole_mm2, step_mm)
    return slicewise_opening(marrow, mp.neck_mm, step_mm)


def _sections(core: np.ndarray, smooth: np.ndarray, step_mm: float, mp: MarrowParams) -> np.ndarray:
    """Step 3 on every slice of ``core``: the body's section around its marrow core."""
    out = np.zeros(core.shape, dtype=bool)
    rows = np.flatnonzero(core.any(axis=(1, 2)))
    if rows.size == 0:
        return out
    hull = np.stack([convex_hull_2d(c) for c in core[rows]])  # the corners the opening rounded off
    dist = slicewise_distance_mm(~hull, step_mm)  # distance to the core's hull within the slice
    sm = smooth[rows]
    part = hull | ((sm > mp.marrow_hu) & (dist <= mp.shell_mm)) | ((sm >= mp.cortex_hu) & (dist <= mp.dense_reach_mm))
    for n, k in enumerate(rows):
        section = _cut_at_canal(body_hull(part[n], step_mm), sm[n], core[k], step_mm, mp)
        out[k] = _cut_beside_body(section, core[k])
    return out


def _cut_beside_body(section: np.ndarray, core2d: np.ndarray) -> np.ndarray:
    """The section without what lies behind the core's centre and beside the section's front half.

    Behind its middle the body meets the pedicle bases and, at T1-T12, the rib heads in the
    costovertebral joints; their marrow and cortex join the body's through necks wider than the
    opening cuts, and the convex hull then spreads them along the posterolateral corners (T12 of the
    T11-T12 scan: sections up to 51 mm wide, median 48 mm, against TotalSegmentator's 45 mm; 46.5 mm
    with this cut, tests/anatomy/test_marrow_body.py). A vertebral body is no wider behind its middle
    than in front of it (kidney-shaped in the lumbar spine, heart-shaped in the thorax; Gray's
    Anatomy), so behind the core's centre row the columns outside the section's span in front of that
    row are cut."""
    iv, _ = np.nonzero(core2d)
    if iv.size == 0:
        return section
    cv = int(round(iv.mean()))
    cols = np.flatnonzero(section[:cv + 1].any(axis=0))
    if cols.size == 0:
        return section
    out = section.copy()
    out[cv + 1:, :cols.min()] = False
    out[cv + 1:, cols.max() + 1:] = False
    return out


def _cut_at_canal(section: np.ndarray, smooth2d: np.ndarray, core2d: np.ndarray, step_mm: float,
                  mp: MarrowParams, band_mm: float = 5.0, run_mm: float = 3.0) -> np.ndarray:
    """The section cut where the canal begins behind the body. The hull spans the two pedicle bases and
    the shell reaches a few mm past the posterior wall (a contrast-filled venous plexus in front of the
    dura reads like marrow), so in the central band of columns (+-``band_mm`` around the core's
    centre) the first run of ``run_mm`` below ``marrow_hu`` behind the core's centre (the CSF, 0-30
    HU) is found column by column; the section is cut behind the median of where those runs start."""
    iv, iu = np.nonzero(core2d)
    cv, cu = int(round(iv.mean())), int(round(iu.mean()))
    half = max(int(round(band_mm / step_mm)), 0)
    run = max(int(round(run_mm / step_mm)), 1)
    low = smooth2d[cv:, max(cu - half, 0):cu + half + 1] < mp.marrow_hu
    if low.shape[0] < run:
        return section
    # a run of ``run`` low voxels starting at row r: the sum of low[r:r + run] equals run
    counts = np.lib.stride_tricks.sliding_window_view(low, run, axis=0).sum(axis=-1) == run
    has = counts.any(axis=0)
    if not has.any():
        return section
    wall = cv + int(np.median(np.argmax(counts[:, has], axis=0)))
    out = section.copy()
    out[wall:] = False
    return out


def marrow_sections(smooth: np.ndarray, inside: np.ndarray, seed_wvu: tuple[int, int, int], step_mm: float,
                    mp: MarrowParams, seed_reach_mm: float = 15.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(seed footprint 2-D, per-slice core 3-D, per-slice section 3-D) on a ``[w, v, u]`` grid.

    The seed slice's core is the opened marrow's part at the seed (or the nearest within
    ``seed_reach_mm``); in the other slices, the opened marrow's in-plane parts overlapping the seed
    footprint's inner part (2 mm inside it)."""
    iw0, iv0, iu0 = seed_wvu
    opened = _marrow(smooth, inside, step_mm, mp)
    seed_core = component_at(opened[iw0], (iv0, iu0), seed_reach_mm / step_mm)
    if seed_core.sum() * step_mm ** 2 < mp.min_section_mm2:
        raise PlannerError("No vertebral body was found at the clicked point: click inside the body "
                           "on an axial slice.")
    footprint = _sections(seed_core[None], smooth[iw0:iw0 + 1], step_mm, mp)[0]
    inner = ndimage.distance_transform_edt(footprint, sampling=step_mm) >= 2.0
    labels, n = ndimage.label(opened, structure=IN_PLANE_3x3)
    keep = np.zeros(n + 1, dtype=bool)
    keep[np.unique(labels[:, inner])] = True
    keep[0] = False
    core = keep[labels]
    core[iw0] = seed_core
    return footprint, core, _sections(core, smooth, step_mm, mp)


def looks_like_marrow(volume: ImageVolume, seed_lps, mp: MarrowParams, half_mm: float = 5.0) -> bool:
    """A cheap test before the pass: the median HU of the CT voxels within ``half_mm`` of the seed (a
    cube) lies between ``marrow_hu`` and ``cortex_hu``. A seed on the posterior arch, a rib or the
    cortex (denser), or on a disc, the canal or soft tissue (lighter) is refused without resampling."""
    ijk = volume.to_ijk(np.asarray(seed_lps, float).reshape(3))
    reach = np.maximum(np.round(half_mm / np.asarray(volume.spacing_mm, float)).astype(int), 1)
    lo = np.maximum(np.round(ijk).astype(int) - reach, 0)
    hi = np.minimum(np.round(ijk).astype(int) + reach + 1, np.array(array_shape_to_ijk(volume.hu.shape)))
    if np.any(hi <= lo):
        return False
    cube = volume.hu[lo[2]:hi[2], lo[1]:hi[1], lo[0]:hi[0]]
    return bool(mp.marrow_hu < float(np.median(cube)) < mp.cortex_hu)


def analyse_marrow_pass(volume: ImageVolume, centre_lps, axes_lps, seed_lps, p: LevelParams, search_deg: float,
                        mp: MarrowParams | None = None) -> PassResult:
    """:func:`planner.anatomy.levels_body.analyse_pass` with the cortex-bounded body (module docstring)."""
    mp = mp or MarrowParams()
    if not looks_like_marrow(volume, seed_lps, mp):
        raise PlannerError("No vertebral body was found at the clicked point: click inside the body, "
                           "between its endplates.")
    s = p.step_mm
    grid = LocalGrid.around(centre_lps, axes_lps, s, (-p.half_width_mm, p.half_width_mm),
                            (-p.anterior_mm, p.posterior_mm), (-p.half_height_mm, p.half_height_mm))
    hu, inside = resample(volume, grid)
    smooth = gaussian_filter_f32(hu, p.smooth_sigma_mm / s)
    seed = grid.index_of(grid.to_local(seed_lps))
    footprint, core, sections = marrow_sections(smooth, inside, seed, s, mp, p.seed_reach_mm)
    inner = ndimage.distance_transform_edt(footprint, sampling=s) >= 2.0
    profile = (core & inner[None]).sum(axis=(1, 2)) / max(int(inner.sum()), 1)
    valid = inside[:, inner].mean(axis=1) > 0.9
    p = replace(p, profile_split_hu=mp.body_fraction)  # the split is on the covered fraction here
    start, stop = _body_run(profile, valid, seed[0], p)
    # the walks across the discs as in levels_body.start_pass: a slice whose smoothed HU took in the outside
    # fill beyond the scan's edge reads as no marrow, not as a disc (docs/levels.md "Thin slices")
    walkable = valid & unmixed_slices(inside, inner, p.smooth_sigma_mm / s)
    above = _walk_disc(profile, walkable, stop - 1, +1, p)
    below = _walk_disc(profile, walkable, start, -1, p)

    margin = int(round(p.slab_margin_mm / s))
    slab = slice(max(below.slab_end, start - margin), min(above.slab_end, stop - 1 + margin) + 1)
    body = np.zeros(smooth.shape, dtype=bool)
    body[slab] = sections[slab]
    labels, n = ndimage.label(body)
    if n > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        body = labels == int(np.argmax(sizes))
    bone = (smooth[start:stop] > p.bone_hu) & inside[start:stop]
    result = finish_pass(grid, body, smooth, mp.marrow_hu, bone.mean(axis=0).astype(float), above, below, p,
                         search_deg)
    width_mm, depth_mm = section_sizes_mm(body[start:stop], s)
    return replace(result, width_mm=width_mm, depth_mm=depth_mm)


def section_sizes_mm(run_sections: np.ndarray, step_mm: float) -> tuple[float, float]:
    """(width, depth) of the body: the medians, over the slices of its marrow run, of each section's
    extent along u (left-right) and v (anterior-posterior), voxel edge to edge (mm). Not the extent of
    the whole mask: the slab reaches ``slab_margin_mm`` beyond the run into the endplates, whose
    sections flare (the ring apophysis, marginal osteophytes; T12 of the T11-T12 scan: 52 x 43 mm on
    its lower endplate's slice against 45 x 37 mm through its middle), and the union over slices adds
    each slice's offset to the next (55.5 x 43.5 mm there in all)."""
    rows = [m for m in run_sections if m.any()]
    if not rows:
        return 0.0, 0.0
    widths = [np.ptp(np.flatnonzero(m.any(axis=0))) + 1 for m in rows]
    depths = [np.ptp(np.flatnonzero(m.any(axis=1))) + 1 for m in rows]
    return float(np.median(widths) * step_mm), float(np.median(depths) * step_mm)
