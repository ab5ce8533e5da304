"""A measured vertebral body as a mask on the CT grid (for a look by eye and for comparisons).

:func:`planner.anatomy.levels.detect_level_pass` gives a level and its last pass; :func:`body_mask_on_ct`
brings the pass's body (a grid in the vertebra's frame) to the CT voxels by nearest neighbour: a CT
voxel is in the body when its centre's nearest grid point is.
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels_body import PassResult
from planner.core.frames import array_shape_to_ijk, ijk_to_kji
from planner.core.volume import ImageVolume

__all__ = ["body_mask_on_ct"]


def body_mask_on_ct(volume: ImageVolume, result: PassResult) -> np.ndarray:
    """The pass's body on the CT grid (bool ``[k, j, i]``, nearest neighbour)."""
    out = np.zeros(volume.hu.shape, dtype=bool)
    if result.body_mask is None or not result.body_mask.any():
        return out
    grid = result.grid
    iw, iv, iu = np.nonzero(result.body_mask)
    corners = grid.to_lps(np.stack([grid.u_mm[iu], grid.v_mm[iv], grid.w_mm[iw]], axis=1))
    ijk = volume.to_ijk(corners)
    lo = np.maximum(np.floor(ijk.min(axis=0)).astype(int) - 1, 0)
    hi = np.minimum(np.ceil(ijk.max(axis=0)).astype(int) + 2, np.array(array_shape_to_ijk(volume.hu.shape)))
    if np.any(hi <= lo):
        return out
    i, j, k = np.meshgrid(*(np.arange(a, b) for a, b in zip(lo, hi)), indexing="ij")
    pts_ijk = np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1).astype(float)
    uvw = grid.to_local(volume.to_lps(pts_ijk))
    idx = np.round((uvw - np.array([grid.u_mm[0], grid.v_mm[0], grid.w_mm[0]])) / grid.step_mm).astype(int)
    shape_uvw = np.array([grid.u_mm.size, grid.v_mm.size, grid.w_mm.size])
    ok = np.all((idx >= 0) & (idx < shape_uvw), axis=1)
    hit = np.zeros(len(idx), dtype=bool)
    hit[ok] = result.body_mask[idx[ok, 2], idx[ok, 1], idx[ok, 0]]
    kji = ijk_to_kji(pts_ijk[hit].astype(int))
    out[kji[:, 0], kji[:, 1], kji[:, 2]] = True
    return out
