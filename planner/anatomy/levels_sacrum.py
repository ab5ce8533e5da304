"""S1's body: one analysis pass for a body with a disc above it and the fused sacrum below (issue 13).

The sacral vertebrae fuse in the adult and the discs between them ossify (Gray's Anatomy, the sacrum):
S1 has a superior endplate facing the L5-S1 disc but no inferior endplate and no disc below. The standard
pass (:mod:`planner.anatomy.levels_body`) takes the cranio-caudal axis as the mean of the normals of
the planes fitted to the body's top and bottom surfaces; at S1 the bottom surface is wherever the mask
ends in the sacrum (a slice of the pass's own grid), so the axis stays near the frame the pass started
from. On the shared lumbar scan the superior endplate leans about 45 degrees toward anterior (the
lumbosacral angle), L5's frame 21 degrees: the wedge-shaped L5-S1 disc then shows on L5's profile as a
one-slice dip that is bridged, S1 merges with L5 and is refused, and S1 was found again from a seed
with the tilt search's frame, 29 degrees toward *posterior*; its mask ran into S2 and L5 (81 mm deep,
docs/s1-body-leak.md).

This pass differs from the standard one in four rules:

1. **Axis from the superior endplate alone**: the lower end is the plane parallel to the superior
   endplate at the mask's lower end (:func:`planner.anatomy.levels_centre.lower_end_plane`), so the
   cranio-caudal axis is the superior endplate's normal and the centre lies half way between the two.
2. **The run toward the feet** does not end at a disc (there is none) but where the profile leaves bone
   (``bone_hu``, 150 HU): the core of the seed slice leaves the sacrum at its pelvic surface.
3. **Below the seed, bone is above ``bone_hu``** in the body mask (above the seed, above the profile's
   split, as in the standard pass, so the L5-S1 disc and L5 stay out): S1's marrow below its dense
   superior endplate reads 230-330 HU on that scan's profile, under the split measured near the
   endplate (325 HU), and the standard split kept only the upper 14 mm of the body.
4. **Not wider than the superior endplate** (:func:`within_endplate_width`): below it the sacral alae
   join the body's sides with no cortex between them; the seed slice's footprint took them in from
   side to side (84 mm, the whole grid, on that scan) and the mask was 85.5 mm wide.

Once the passes have converged, **S1's centre** is measured on the last pass's mask by its own rule
(:func:`with_section_centre`; the passes themselves are seeded at the standard centre, so the frame and the
mask do not change): the centroid of the convex hull of the body's mid-sagittal section, carried on below
the mask to the S1-S2 fusion ridge. The standard centre, half way between the endplates and between the
walls (:mod:`planner.anatomy.levels_centre`), assumes a body shaped like a box in its own frame; S1's
mid-sagittal section is a skewed wedge (its anterior wall, the pelvic surface, slants down and back; on
the shared lumbar scan AS-AI 34 mm against PS-PI 21 mm), its lower border is the fusion line, which
slants too, and its posterior wall is concave. A radiologist reads such a body's middle from the
quadrilateral through its four corners (tests/anatomy/test_body_centres.py); the hull of the section is
the convex outline spanning those corners (it closes the concave walls, as :func:`body_hull` closes a
notch in an axial section). On that scan the standard centre lay 6.3 mm from the corners' mean, the
section's own centroid 4.4 mm, the centroid of its hull carried on to the ridge 2.9 mm
(docs/s1-body-leak.md).

:func:`planner.anatomy.levels.propose_neighbours` runs it only toward the feet, only where the standard
pass finds no acceptable next body, and keeps its body only when no disc is seen below it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy.levels_body import LevelParams, PassResult, _body_mask, _walk_disc, finish_pass, start_pass
from planner.anatomy.levels_grid import LocalGrid, close_slices, convex_hull_2d, holes_in_slices, resample, small_parts
from planner.anatomy.levels_inside import holes_inside
from planner.core.errors import PlannerError
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["FUSION_REACH_MM", "SACRAL_CONVERGED_DEG", "SACRAL_PASSES", "SECTION_BAND_MM", "analyse_sacral_pass",
           "bone_run_start", "moved_centre", "section_centroid_vw", "with_section_centre"]

#: Passes of the sacral search and the change of axis (degrees) under which it stops: the superior
#: endplate's plane is fitted to a mask cut in the previous pass's frame, so the axis moves toward the
#: endplate's normal a few degrees a pass; from L5's frame (21 degrees toward anterior) to S1's on the
#: shared lumbar scan it took 6 passes (28.5, 30.8, 35.9, 42.8, 43.9, 44.3 degrees); the standard
#: ``converged_deg`` of 3 stopped it at the second (30.8).
SACRAL_PASSES = 8
SACRAL_CONVERGED_DEG = 1.0

#: Half-width (mm) of the mid-sagittal band whose section gives S1's centre: the band in which
#: :func:`planner.anatomy.levels_centre.body_centre_uvw` measures the walls of every body.
SECTION_BAND_MM = 5.0

#: How far (mm) below the mask's lowest voxel a column of S1's mid-sagittal section is carried on through bone
#: to the S1-S2 fusion ridge (the sclerotic line left by the ossified disc, Gray's Anatomy, the sacrum): the
#: mask ends where the profile over the seed footprint's core leaves bone, and its lateral parts end higher than
#: the midline; on the shared lumbar scan's mid-sagittal slice the ridge (410-570 HU) lies 0-4.5 mm below the
#: mask's end, lower in front (the transverse ridge at the anterior-inferior corner) than behind.
FUSION_REACH_MM = 6.0


def bone_run_start(profile: np.ndarray, valid: np.ndarray, start: int, bone_hu: float) -> int:
    """The first slice of the run of bone that goes on from slice ``start`` toward the feet (index 0)."""
    while start > 0 and valid[start - 1] and profile[start - 1] >= bone_hu:
        start -= 1
    return start


def within_endplate_width(body: np.ndarray, top: int) -> np.ndarray:
    """``body`` without the voxels left or right of its section in slice ``top`` (the superior endplate's):
    below the endplate the sacral alae join the body's sides with no cortex between them."""
    cols = np.flatnonzero(body[top].any(axis=0))
    if cols.size == 0:
        return body
    out = body.copy()
    out[:, :, :cols[0]] = False
    out[:, :, cols[-1] + 1:] = False
    return out


def analyse_sacral_pass(volume: ImageVolume, centre_lps, axes_lps, seed_lps, p: LevelParams,
                        search_deg: float) -> PassResult:
    """:func:`planner.anatomy.levels_body.analyse_pass` for S1 (the rules of the module docstring)."""
    s = p.step_mm
    grid, smooth, inside, iw0, footprint, radius_mm, profile, valid, body_hu, p, start, stop, above = start_pass(
        volume, centre_lps, axes_lps, seed_lps, p)
    start = bone_run_start(profile, valid, start, p.bone_hu)
    below = _walk_disc(profile, valid, start, -1, replace(p, profile_split_hu=p.bone_hu))

    margin = int(round(p.slab_margin_mm / s))
    slab = slice(start, min(above.slab_end, stop - 1 + margin) + 1)
    level = np.where(np.arange(smooth.shape[0]) < iw0, p.bone_hu, max(body_hu, p.bone_hu))[slab, None, None]
    bone = (smooth[slab] > level) & inside[slab]
    closed = close_slices(bone)
    holes = holes_in_slices(closed)
    solid = closed | small_parts(holes, p.small_hole_mm2, s) | holes_inside(holes, footprint)
    body = np.zeros(smooth.shape, dtype=bool)
    body[slab] = _body_mask(solid, footprint, radius_mm, s)
    body = within_endplate_width(body, stop - 1)
    run = slice(start - slab.start, stop - slab.start)
    return finish_pass(grid, body, smooth, body_hu, bone[run].mean(axis=0).astype(float), above, below, p,
                       search_deg, superior_only=True)


def section_centroid_vw(body: np.ndarray, smooth: np.ndarray, grid: LocalGrid, u_mm: float, bone_hu: float,
                        band_mm: float = SECTION_BAND_MM, reach_mm: float = FUSION_REACH_MM) -> np.ndarray:
    """(v, w) mm on ``grid`` of the centroid of the convex hull of ``body``'s mid-sagittal section: the
    body's voxels within ``band_mm`` of ``u_mm`` projected along u, each column of it carried on below its
    lowest voxel through bone (the band's mean of ``smooth`` at or above ``bone_hu``) to the HU maximum within
    ``reach_mm``, where that lies below the column's end (the fusion ridge; see the module docstring)."""
    band = np.abs(grid.u_mm - u_mm) <= band_mm
    section = body[:, :, band].any(axis=2)  # [w, v]
    if not section.any():
        raise PlannerError("The structure at the clicked point is too small to be a vertebral body.")
    hu = smooth[:, :, band].mean(axis=2)
    reach = int(round(reach_mm / grid.step_mm))
    for j in np.flatnonzero(section.any(axis=0)):
        lowest = int(np.argmax(section[:, j]))
        down = np.arange(lowest - 1, max(lowest - reach, 0) - 1, -1)  # from the voxel under the lowest one
        below = hu[down, j]
        bone = np.cumprod(below >= bone_hu).astype(bool)
        if bone.any() and below[bone].max() > hu[lowest, j]:
            section[down[int(np.argmax(np.where(bone, below, -np.inf)))]:lowest, j] = True
    iw, iv = np.nonzero(convex_hull_2d(section))
    return np.array([grid.v_mm[iv].mean(), grid.w_mm[iw].mean()])


def moved_centre(result: PassResult, centre_uvw: np.ndarray) -> PassResult:
    """``result`` with its centre at ``centre_uvw`` (on its grid): the endplate points move with it within the
    endplates' planes (the lower end is parallel to the superior endplate, whose normal is the axis
    ``cc_lps``), the distances to the next bodies by the shift along the grid's w axis."""
    grid = result.grid
    shift_lps = grid.to_lps(centre_uvw) - result.centre_lps
    cc = result.cc_lps / np.linalg.norm(result.cc_lps)
    across = shift_lps - float(np.dot(shift_lps, cc)) * cc
    dw = float(np.dot(shift_lps, grid.axes_lps[2]))
    return replace(result, centre_lps=result.centre_lps + shift_lps,
                   top_endplate_lps=result.top_endplate_lps + across,
                   bottom_endplate_lps=result.bottom_endplate_lps + across,
                   next_above_mm=None if result.next_above_mm is None else result.next_above_mm - dw,
                   next_below_mm=None if result.next_below_mm is None else result.next_below_mm + dw)


def with_section_centre(volume: ImageVolume, result: PassResult, p: LevelParams) -> PassResult:
    """The sacral pass ``result`` with S1's centre from its mid-sagittal section (:func:`section_centroid_vw`,
    the left-right middle kept): the HU smoothed on its grid as in the pass."""
    grid = result.grid
    hu, _ = resample(volume, grid)
    smooth = ndimage.gaussian_filter(hu, p.smooth_sigma_mm / grid.step_mm)
    centre_uvw = grid.to_local(result.centre_lps)
    centre_uvw[1:] = section_centroid_vw(result.body_mask, smooth, grid, float(centre_uvw[0]), p.bone_hu)
    return moved_centre(result, centre_uvw)
