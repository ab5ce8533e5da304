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

:func:`planner.anatomy.levels.propose_neighbours` runs it only toward the feet, only where the standard
pass finds no acceptable next body, and keeps its body only when no disc is seen below it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy.levels_body import LevelParams, PassResult, _body_mask, _walk_disc, finish_pass, start_pass
from planner.anatomy.levels_grid import close_slices, holes_in_slices, small_parts
from planner.anatomy.levels_inside import holes_inside
from planner.core.volume import ImageVolume

__all__ = ["SACRAL_CONVERGED_DEG", "SACRAL_PASSES", "analyse_sacral_pass", "bone_run_start"]

#: Passes of the sacral search and the change of axis (degrees) under which it stops: the superior
#: endplate's plane is fitted to a mask cut in the previous pass's frame, so the axis moves toward the
#: endplate's normal a few degrees a pass; from L5's frame (21 degrees toward anterior) to S1's on the
#: shared lumbar scan it took 6 passes (28.5, 30.8, 35.9, 42.8, 43.9, 44.3 degrees); the standard
#: ``converged_deg`` of 3 stopped it at the second (30.8).
SACRAL_PASSES = 8
SACRAL_CONVERGED_DEG = 1.0


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
