"""The sacrum as a landmark: the bone connected to a body reaching the ilia on both sides.

Used to name the vertebrae (:mod:`planner.anatomy.spine_names`: the highest sacral body is S1) and by the
walk across the discs (:func:`planner.anatomy.levels._sacral_body`: the sacral pass is seeded again only
where the bone below the body is sacral). No dependency on :mod:`planner.anatomy.levels`.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels_grid import LocalGrid, resample
from planner.core.lazy import lazy_module
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

__all__ = ["is_sacral", "slab"]


def slab(volume: ImageVolume, centre, axes, u_mm, v_range, w_range, step=2.0):
    grid = LocalGrid.around(centre, axes, step, (-u_mm, u_mm), v_range, w_range)
    hu, inside = resample(volume, grid)
    return grid, hu, inside


def is_sacral(volume: ImageVolume, centre_lps, axes_lps, bone_hu: float = 150.0,
              sacral_reach_mm: float = 70.0) -> bool:
    """True when the bone connected to the body at ``centre_lps`` reaches ``sacral_reach_mm`` to both
    sides in a 6 mm slab (the sacral ala joined to the ilia)."""
    grid, hu, inside = slab(volume, centre_lps, axes_lps, 140.0, (-40.0, 60.0), (-3.0, 3.0))
    bone = ((hu > bone_hu) & inside).any(axis=0)
    bone = ndimage.binary_closing(bone, structure=np.ones((2, 2), bool))
    labels, n = ndimage.label(bone)
    if n == 0:
        return False
    iv0 = int(np.argmin(np.abs(grid.v_mm)))
    iu0 = int(np.argmin(np.abs(grid.u_mm)))
    near = labels[max(iv0 - 7, 0):iv0 + 8, max(iu0 - 7, 0):iu0 + 8]
    ids = np.unique(near[near > 0])
    if ids.size == 0:
        return False
    part = np.isin(labels, ids)
    u = grid.u_mm[np.nonzero(part.any(axis=0))[0]]
    return bool(u.min() <= -sacral_reach_mm and u.max() >= sacral_reach_mm)
